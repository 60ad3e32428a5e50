"""A real guided session (the model, a sample clip as the camera) writes each exercise into the
history as it ends; killed mid-session, the history stays readable and ``--rebuild`` adds what the
log has of the exercise cut off. With an analysis beside it, `formcheck history` lists both."""
import os
import signal
import time

import pytest

from formcheck.commands.cli import main
from formcheck.history.rebuild import LOG_ENDS_EARLY, rebuild
from formcheck.history.store import load_runs
from formcheck.io.jsonl import read_jsonl

from support import SAMPLES, TO_FIRST_EXERCISE, replay_analyze, session_folder, start_session, wait_for

pytestmark = pytest.mark.model


def test_a_killed_session_leaves_a_readable_history_and_rebuild_adds_the_rest(tmp_path, monkeypatch, capsys):
    keys = TO_FIRST_EXERCISE + [(18.0, "n"),  # skip the rest of standing flexion after a rep or two
                                (19.0, "2"),  # symptoms: the same -> the exercise ends
                                (20.0, "space")]  # start the next exercise: killed in its set-up check
    proc = start_session(tmp_path, keys)
    data = tmp_path / "data"
    try:
        deadline = time.monotonic() + 60
        while not (data / "sessions").is_dir() or not any((data / "sessions").iterdir()):
            assert time.monotonic() < deadline
            time.sleep(0.2)
        log = session_folder(tmp_path) / "events.jsonl"
        wait_for(log, "set_start", 60)
        while [r["type"] for r in read_jsonl(log)].count("set_start") < 2:  # the second exercise is under way
            assert time.monotonic() < deadline + 30
            time.sleep(0.2)
        during = load_runs(data)  # read while the session is still writing
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
    reps = sum(1 for r in read_jsonl(log) if r["type"] == "rep")
    assert reps >= 1
    assert [(r["exercise"], r["reps"], r["symptoms"], r["end_reason"]) for r in during] == [
        ("standing_flexion", reps, ["same"], "skipped")]
    after = load_runs(data)
    assert [(r["exercise"], r["reps"]) for r in after] == [("standing_flexion", reps)]
    assert [(r["idx"], r["peak_angle_deg"] is not None) for r in after[0]["rep_rows"]] == [
        (i, True) for i in range(1, reps + 1)]

    done = rebuild(data)
    runs = load_runs(data)
    assert done["runs"] == 2
    assert [(r["exercise"], r["reps"], r["end_reason"]) for r in runs] == [
        ("standing_flexion", reps, "skipped"), ("seated_flexion", 0, LOG_ENDS_EARLY)]

    # An analysis into the same data folder, then the list has the session's runs and the analysis.
    replay_analyze(monkeypatch)
    assert main(["analyze", str(SAMPLES / "standing_flexion_2.mp4"), "-e", "standing_flexion", "-q", "--no-video",
                 "-o", str(tmp_path / "out"), "--data-dir", str(data)]) == 0
    capsys.readouterr()
    assert main(["history", "--data-dir", str(data)]) == 0
    lines = capsys.readouterr().out.splitlines()[1:]
    assert [(line.split()[2], line.split()[3]) for line in lines] == [
        ("standing_flexion", "session"), ("seated_flexion", "session"), ("standing_flexion", "analyze")]
