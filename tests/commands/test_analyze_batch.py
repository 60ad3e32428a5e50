"""`formcheck analyze` on one video (outputs straight in --out, report.html, a history row) and on
several or a folder (a subfolder each, index.html, failures by name, exit 2). The model is replaced
by each clip's committed landmark recording (``support.replay_analyze``), so these stay fast."""
import json
import pickle
import shutil

import pytest

from formcheck.commands.analyze import analyze_one, batch_folders
from formcheck.commands.cli import main
from formcheck.history.store import load_runs

from support import SAMPLES, replay_analyze


@pytest.fixture
def replay(monkeypatch):
    replay_analyze(monkeypatch)


def test_one_video_keeps_its_outputs_in_out_with_a_page_and_a_history_row(tmp_path, replay, capsys):
    out, data = tmp_path / "out", tmp_path / "data"
    assert main(["analyze", str(SAMPLES / "bridge_overarch.mp4"), "-e", "bridge", "-o", str(out), "-q",
                 "--data-dir", str(data)]) == 0
    assert {p.name for p in out.iterdir()} == {"annotated.mp4", "report.json", "angles.csv", "angles.png",
                                               "report.html"}
    report = json.loads((out / "report.json").read_text())
    assert report["outputs"]["page"] == str(out / "report.html")
    assert "report.html" in capsys.readouterr().out  # the "Outputs in" line names it
    runs = load_runs(data)
    assert [(r["kind"], r["exercise"], r["reps"], r["target_reps"]) for r in runs] == [("analyze", "bridge", 2, 5)]
    assert runs[0]["report_path"] == str((out / "report.json").resolve())
    assert [r["idx"] for r in runs[0]["rep_rows"]] == [1, 2]
    assert runs[0]["warnings"] == {"over_arch": 2, "short_hold": 2}
    assert runs[0]["peak_angle_deg"] == max(r["peak_angle_deg"] for r in report["rep_details"])


def test_no_history_records_nothing(tmp_path, replay):
    assert main(["analyze", str(SAMPLES / "bridge_overarch.mp4"), "-e", "bridge", "-o", str(tmp_path / "out"), "-q",
                 "--no-video", "--data-dir", str(tmp_path / "data"), "--no-history"]) == 0
    assert not (tmp_path / "data").exists()


def test_a_folder_gets_a_page_per_video_an_index_and_names_the_failure(tmp_path, replay, capsys):
    clips = tmp_path / "clips"
    clips.mkdir()
    for name in ("bridge_overarch.mp4", "bridge_2.mp4"):
        shutil.copy(SAMPLES / name, clips / name)
    (clips / "corrupt.mp4").write_bytes((SAMPLES / "bridge_2.mp4").read_bytes()[3000:20000])
    (clips / "notes.txt").write_text("not a video")
    out, data = tmp_path / "out", tmp_path / "data"
    code = main(["analyze", str(clips), "-e", "bridge", "-o", str(out), "-q", "--no-video", "--data-dir", str(data)])
    captured = capsys.readouterr()
    assert code == 2
    failures = [line for line in captured.err.splitlines() if line.startswith("formcheck:")]
    assert len(failures) == 1 and failures[0].startswith("formcheck: corrupt.mp4: Cannot read")
    assert "2 of 3 videos analysed; failed: corrupt.mp4" in captured.out
    # An unreadable video leaves no folder of its own (as a bad input to one `analyze` leaves none).
    assert sorted(p.name for p in out.iterdir()) == ["bridge_2", "bridge_overarch", "index.html"]
    for name, reps in (("bridge_overarch", 2), ("bridge_2", 2)):
        assert json.loads((out / name / "report.json").read_text())["reps"] == reps
        assert "<table id=reps>" in (out / name / "report.html").read_text()
    index = (out / "index.html").read_text()
    assert 'href="bridge_overarch/report.html"' in index and 'href="bridge_2/report.html"' in index
    assert "corrupt.mp4" in index and "failed: Cannot read" in index
    assert sorted(r["source"].split("/")[-1] for r in load_runs(data)) == ["bridge_2.mp4", "bridge_overarch.mp4"]


def test_several_videos_with_the_same_name_get_their_own_folders(tmp_path, replay, capsys):
    (tmp_path / "a").mkdir()
    shutil.copy(SAMPLES / "bridge_2.mp4", tmp_path / "a" / "bridge_2.mp4")
    out = tmp_path / "out"
    code = main(["analyze", str(SAMPLES / "bridge_2.mp4"), str(tmp_path / "a" / "bridge_2.mp4"),
                 str(tmp_path / "missing.mp4"), "-e", "bridge", "-o", str(out), "-q", "--no-video", "--no-history"])
    assert code == 2
    assert "formcheck: missing.mp4: Video not found" in capsys.readouterr().err
    assert (out / "bridge_2" / "report.html").is_file() and (out / "bridge_2-2" / "report.html").is_file()


@pytest.mark.parametrize("names, folders", [
    (["a.mp4", "b.mp4"], ["a", "b"]),
    (["x/a.mp4", "y/a.mp4", "z/a.mov"], ["a", "a-2", "a-3"]),
    (["x/A.mp4", "y/a.mp4"], ["A", "a-2"]),  # case-insensitive file systems
    (["index.html.mp4"], ["index.html-2"]),  # never the index itself
])
def test_batch_folder_names(tmp_path, names, folders):
    from pathlib import Path

    assert [p.name for p in batch_folders([Path(n) for n in names], tmp_path)] == folders


def test_the_unit_of_work_is_plain_data_for_a_process_pool(tmp_path, replay):
    result = analyze_one(str(tmp_path / "nothing.mp4"), "bridge", str(tmp_path / "out"), {"history": False})
    assert result["ok"] is False and "Video not found" in result["error"]
    assert pickle.loads(pickle.dumps(result)) == result
    result = analyze_one(str(SAMPLES / "bridge_2.mp4"), "bridge", str(tmp_path / "out"),
                         {"history": False, "write_video": False, "progress": False})
    assert result["ok"] and result["page"] and result["report"]["reps"] == 2
    assert pickle.loads(pickle.dumps(result)) == result


@pytest.mark.parametrize("args, words", [
    (["-e", "situps"], "Unknown exercise 'situps'"),
    (["-e", "bridge", "--model", str(SAMPLES / "clips.json")], "not a MediaPipe pose landmarker bundle"),
])
def test_a_bad_exercise_or_model_fails_once_before_any_video(tmp_path, capsys, args, words):
    code = main(["analyze", str(SAMPLES / "bridge_2.mp4"), str(SAMPLES / "bridge_1.mp4"), *args,
                 "-o", str(tmp_path / "out"), "-q"])
    err = capsys.readouterr().err.splitlines()
    assert code == 2 and len(err) == 1 and words in err[0]
    assert not (tmp_path / "out").exists()


def test_a_folder_without_videos_is_one_line(tmp_path, capsys):
    assert main(["analyze", str(tmp_path), "-e", "bridge", "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "No videos" in err[0]


@pytest.mark.parametrize("jobs", ["0", "two", "65"])
def test_a_bad_number_of_jobs_is_one_line(tmp_path, capsys, jobs):
    with pytest.raises(SystemExit) as stop:
        main(["analyze", str(SAMPLES / "bridge_2.mp4"), "-e", "bridge", "--jobs", jobs, "-o", str(tmp_path / "out")])
    assert stop.value.code == 2 and "--jobs" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_an_unreachable_cluster_is_one_line_before_any_video(tmp_path, capsys):
    pytest.importorskip("distributed", reason="Dask distributed is not installed (formcheck[cluster])")
    code = main(["analyze", str(SAMPLES / "bridge_2.mp4"), "-e", "bridge", "--scheduler", "tcp://127.0.0.1:9",
                 "-o", str(tmp_path / "out"), "-q"])
    err = capsys.readouterr().err.splitlines()
    assert code == 2 and len(err) == 1 and "Cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err[0]
