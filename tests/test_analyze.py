"""`formcheck analyze` end to end on a sample: every output exists and keeps its contract."""
import csv
import json

import av
import pytest

from conftest import SAMPLES
from formcheck.cli import main
from formcheck.report import CSV_COLUMNS

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    out = tmp_path_factory.mktemp("analyze")
    assert main(["analyze", str(SAMPLES / "bridge_overarch.mp4"), "-e", "bridge", "--out", str(out), "-q"]) == 0
    return out


def test_report_contract(analysed):
    report = json.loads((analysed / "report.json").read_text())
    assert report["exercise"] == "bridge" and report["reps"] == 2
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
