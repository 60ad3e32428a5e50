"""`formcheck live` headless with a file standing in for the camera (played at real time)."""
import csv
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from formcheck.history.rebuild import rebuild
from formcheck.history.store import load_runs
from formcheck.io.jsonl import read_jsonl

from support import ROOT, SAMPLES

pytestmark = pytest.mark.model


def start_live(clip, out, exercise="standing_flexion"):
    return subprocess.Popen([sys.executable, "-m", "formcheck", "live", "--source", str(clip), "-e", exercise,
                             "--no-window", "--out", str(out)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def live_history_run(folder):
    """The run of the live folder in the history (the test run's own user data folder: conftest)."""
    log = str((folder / "events.jsonl").resolve())
    return next(r for r in load_runs() if r["log_path"] == log)


def wait_for_rep(log, timeout_s=30.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if log.exists() and any(r.get("type") == "rep" for r in read_jsonl(log)):
            return
        time.sleep(0.2)
    raise AssertionError("no rep was logged in time")


def test_live_headless_counts_and_logs_reps_and_warnings(tmp_path):
    proc = start_live(SAMPLES / "standing_flexion_kneebend.mp4", tmp_path)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    records = read_jsonl(tmp_path / "events.jsonl")
    types = [r["type"] for r in records]
    assert types[0] == "start" and types[-1] == "end"
    assert [r["index"] for r in records if r["type"] == "rep"] == [1, 2]
    assert [r["code"] for r in records if r["type"] == "event"] == ["knee_bent", "knee_bent"]
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["reps"] == 2 and report["interrupted"] is False
    page = (tmp_path / "report.html").read_text()
    assert page.count("<tr class=rep>") == 2 and "A live run records no video" in page
    run = live_history_run(tmp_path)
    assert (run["kind"], run["exercise"], run["reps"], run["end_reason"]) == ("live", "standing_flexion", 2,
                                                                               "completed")
    assert run["warnings"] == {"knee_bent": 2}
    # Two poses by default (someone may walk in): about half the one-pose rate, 3-5/s on a loaded 2-core machine.
    assert report["timing"]["pose_updates_per_s"] > 2


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_or_sigterm_ends_cleanly_with_the_log_and_report(tmp_path, stop):
    proc = start_live(SAMPLES / "standing_flexion_1.mp4", tmp_path)
    wait_for_rep(tmp_path / "events.jsonl")
    proc.send_signal(stop)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    records = read_jsonl(tmp_path / "events.jsonl")
    assert [r["type"] for r in records][-2:] == ["interrupted", "end"]
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["interrupted"] is True and report["reps"] >= 1


def test_killed_process_leaves_a_readable_log(tmp_path):
    proc = start_live(SAMPLES / "standing_flexion_1.mp4", tmp_path)
    wait_for_rep(tmp_path / "events.jsonl")
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    records = read_jsonl(tmp_path / "events.jsonl")
    assert records[0]["type"] == "start"
    assert any(r["type"] == "rep" and r["index"] == 1 for r in records)
    with open(tmp_path / "angles.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    # Every processed frame up to the kill is on disk: the rows reach at least the logged rep's end
    # (how many rows that is depends on the pose rate of this machine, so the count is not fixed).
    rep = next(r for r in records if r["type"] == "rep")
    assert [int(r["frame"]) for r in rows] == sorted({int(r["frame"]) for r in rows})
    assert float(rows[-1]["t_s"]) >= rep["end_s"] - 0.5
    # The history knew of the run from its start; a rebuild reads what its log has.
    assert live_history_run(tmp_path)["end_reason"] == "log_ends_early"
    rebuild()
    run = live_history_run(tmp_path)
    assert run["reps"] == sum(r["type"] == "rep" for r in records) >= 1 and run["end_reason"] == "log_ends_early"


def test_a_lost_camera_is_retried_three_times_then_the_run_ends_with_its_log_and_report(tmp_path, monkeypatch):
    """The same retry policy as `formcheck session` (``session.live_runtime``)."""
    import cv2

    from formcheck.commands import live
    from formcheck.session.live_runtime import GAVE_UP, LiveSource

    short = tmp_path / "short.mp4"
    cap = cv2.VideoCapture(str(SAMPLES / "standing_flexion_1.mp4"))
    writer = cv2.VideoWriter(str(short), cv2.VideoWriter_fourcc(*"mp4v"), 15.0, (640, 480))
    for _ in range(30):  # the first 2 s
        writer.write(cap.read()[1])
    writer.release()
    cap.release()
    # The clip's end stands in for an unplugged camera.
    monkeypatch.setattr(live, "LiveSource", lambda camera, path, at_end: LiveSource(camera, path, "stop"))
    said = []
    report = live.run_live("standing_flexion", source_file=short, window=False, out_dir=tmp_path / "out",
                           print_fn=said.append)
    records = read_jsonl(tmp_path / "out" / "events.jsonl")
    camera = [(r["type"], r.get("attempt")) for r in records if r["type"].startswith("camera")]
    assert camera == [("camera_lost", None), ("camera_retry_failed", 1), ("camera_retry_failed", 2),
                      ("camera_retry_failed", 3)]
    assert records[-1]["type"] == "end" and records[-1]["t_s"] >= 6.0  # a retry every 2 s
    assert said[0] == "The video source short.mp4 ended. Retrying (1/3)..." and said[-1] == GAVE_UP
    assert report["interrupted"] is False and (tmp_path / "out" / "report.json").exists()


def test_live_measures_the_backs_own_bend_apart_from_the_hips(tmp_path):
    # The same trunk angle each rep, with 3, 21, 42 and 12 deg of it in the back (the truth file):
    # live asks the model for masks for a spine exercise, so the split reaches the csv and the report.
    proc = start_live(SAMPLES / "standing_flexion_spine_mix.mp4", tmp_path)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    with open(tmp_path / "angles.csv", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["detected"] == "1"]
    assert sum(bool(r["spine_flexion_deg"]) for r in rows) > 0.9 * len(rows)
    truth = json.loads((SAMPLES / "standing_flexion_spine_mix.json").read_text())
    peaks = [d["peak_spine_flexion_deg"] for d in json.loads((tmp_path / "report.json").read_text())["rep_details"]]
    true_peaks = [r["peak_spine_flexion_deg"] for r in truth["reps"]]
    assert len(peaks) == len(true_peaks)
    assert sorted(range(len(peaks)), key=peaks.__getitem__) == sorted(range(len(peaks)), key=true_peaks.__getitem__)
