"""`formcheck analyze` end to end on a sample: every output exists and keeps its contract."""
import csv
import json

import av
import pytest

from formcheck.analysis.report import CSV_COLUMNS
from formcheck.commands.cli import main

from support import SAMPLES

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    out = tmp_path_factory.mktemp("analyze")
    assert main(["analyze", str(SAMPLES / "bridge_overarch.mp4"), "-e", "bridge", "--out", str(out), "-q"]) == 0
    return out


def test_report_contract(analysed):
    report = json.loads((analysed / "report.json").read_text())
    assert report["exercise"] == "bridge" and report["reps"] == 2
    assert report["source"] == str(SAMPLES / "bridge_overarch.mp4")  # the input, not the video writer
    assert report["frames"] == 255 and report["detected_frames"] == 255
    for rep in report["rep_details"]:
        assert set(rep) >= {"start_s", "end_s", "peak_angle_deg", "hold_s", "warnings"}
        assert rep["start_s"] < rep["hold_start_s"] < rep["hold_end_s"] < rep["end_s"]
        assert "over_arch" in rep["warnings"]
    signal = report["measured_signal"]
    assert signal["unit"] == "deg" and signal["expected_error_deg"] > 0 and "hip" in signal["name"]
    assert [e["code"] for e in report["events"]].count("over_arch") == 2


def test_angles_csv_has_a_row_per_frame(analysed):
    with open(analysed / "angles.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 255
    assert {r["phase"] for r in rows} >= {"rest", "moving", "hold"}
    assert float(rows[100]["hip_angle_deg"]) > 170  # mid-hold


def test_annotated_video_is_browser_playable_h264(analysed):
    path = analysed / "annotated.mp4"
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264" and stream.codec_context.pix_fmt == "yuv420p"
        assert sum(1 for _ in container.decode(video=0)) == 255
    head = path.read_bytes()[:4096]
    assert head.find(b"moov") != -1 and (head.find(b"mdat") == -1 or head.find(b"moov") < head.find(b"mdat"))


def test_plot_is_a_png(analysed):
    assert (analysed / "angles.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("clip, exercise, unit", [
    ("standing_flexion_1.mp4", "standing_flexion", "deg"),
    ("single_leg_stand_1.mp4", "single_leg_stand", "%"),
])
def test_report_names_its_input_and_unit(tmp_path, clip, exercise, unit):
    from formcheck.commands.analyze import analyze_video

    report = analyze_video(SAMPLES / clip, exercise, tmp_path, write_video=False, progress=False)
    assert report["source"] == str(SAMPLES / clip)
    assert json.loads((tmp_path / "report.json").read_text())["source"] == str(SAMPLES / clip)
    assert report["measured_signal"]["unit"] == unit
    assert (tmp_path / "angles.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert report["reps"] > 0
    assert all(r["hold_start_s"] is not None for r in report["rep_details"] if r["hold_s"] > 0)


@pytest.mark.model
def test_a_large_video_is_scaled_and_the_report_says_so(tmp_path):
    import numpy as np

    from formcheck.commands.analyze import analyze_video
    from formcheck.core.errors import FormcheckError
    from formcheck.io.video_writer import VideoWriter

    clip = tmp_path / "uhd.mp4"
    with VideoWriter(clip, 5) as writer:
        for i in range(4):
            writer.write(np.full((2160, 3840, 3), 60 + i, np.uint8))
    with pytest.raises(FormcheckError, match="No person"):  # an empty room, but the report is written
        analyze_video(clip, "standing_flexion", tmp_path / "out", write_video=False, progress=False)
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["frame_size"] == {"source": [3840, 2160], "analysed": [960, 540]}


def test_someone_else_in_a_recorded_video_is_reported_and_the_count_unchanged(tmp_path):
    """`analyze` asks for two people by default: a bystander is reported, not counted."""
    clip = SAMPLES / "two_person" / "standing_flexion_bystander.mp4"
    assert main(["analyze", str(clip), "-e", "standing_flexion", "--out", str(tmp_path), "-q", "--no-video"]) == 0
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["reps"] == 3
    assert [e["code"] for e in report["events"]].count("other_person") == 1
