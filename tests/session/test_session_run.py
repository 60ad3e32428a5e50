"""`formcheck session` end to end with the real model: a sample clip as the camera, scripted keys."""
import json
import os
import signal
import time

import cv2
import pytest

from formcheck.definitions.exercises import load_exercises
from formcheck.definitions.routines import load_routine
from formcheck.io.jsonl import read_jsonl
from formcheck.session.log import last_session_notice
from formcheck.session.types import RED_FLAGS

from support import (
    SAMPLES,
    TO_FIRST_EXERCISE,
    finish,
    session_folder,
    start_session,
    wait_for,
    wait_for_session_folder,
)

pytestmark = pytest.mark.model
CLIP = SAMPLES / "standing_flexion_1.mp4"


def test_whole_default_session_headless(tmp_path):
    routine = load_routine("default", load_exercises())
    available = [e.exercise.id for e in routine.entries]
    assert available[0] == "standing_flexion"
    keys = TO_FIRST_EXERCISE + [(18.0, "n"),  # skip the rest of standing flexion after a rep or two
                                (19.0, "2")]  # symptoms: the same
    for i, _ in enumerate(available[1:]):  # start each later exercise, then skip it in its set-up or countdown
        keys += [(20.0 + 2.0 * i, "space"), (21.2 + 2.0 * i, "n")]
    proc = start_session(tmp_path, keys)
    out, err = finish(proc, 120)
    assert proc.returncode == 0, err
    folder = session_folder(tmp_path)
    records = read_jsonl(folder / "events.jsonl")
    types = [r["type"] for r in records]
    assert types[0] == "session_start" and types[-1] == "session_end"
    assert [r["message"] for r in records if r["type"] == "notice"] == list(routine.notices)
    assert [r["answer"] for r in records if r["type"] == "red_flag"] == ["no"] * len(RED_FLAGS)
    assert [r["exercise"] for r in records if r["type"] == "exercise_start"] == available
    reps = [r for r in records if r["type"] == "rep"]
    assert len(reps) >= 1 and all(r["exercise"] == "standing_flexion" for r in reps)
    assert [r["index"] for r in reps] == list(range(1, len(reps) + 1))
    # Tracking may begin in the middle of the clip's first bend: that rep's hold is short.
    full_holds = [r for r in reps if r["hold_s"] >= 2.0]
    assert len([r for r in records if r["type"] == "hold_complete"]) >= len(full_holds) >= 1
    assert [(r["exercise"], r["answer"]) for r in records if r["type"] == "symptom"] == [("standing_flexion", "same")]
    assert [(r["exercise"], r["reason"]) for r in records if r["type"] == "exercise_end"] == [
        (x, "skipped") for x in available]
    assert records[-1]["reason"] == "completed"

    summary = json.loads((folder / "summary.json").read_text())
    assert summary["reps"] == len(reps) and summary["exercises"][0]["reps"] == len(reps)
    assert summary["timing"]["display_fps"] > 12 and summary["timing"]["pose_updates_per_s"] > 5
    assert summary["timing"]["latency_ms_median"] < 300
    html = (folder / "summary.html").read_text()
    assert "Standing flexion" in html and "same" in html
    assert "summary.html" in out
    assert "latency" not in out and "fps" not in out  # technical figures: summary.json only
    assert "Traceback" not in err
    # Headless: a line per change of screen, rep and answer on stderr, not a flood.
    progress = err.splitlines()
    for line in ("Welcome screen: press space to continue", "  answer: No", "Standing flexion: set-up check",
                 "Standing flexion: 0/10 reps", f"Standing flexion: {len(reps)}/10 reps",
                 "  answer: symptoms same", "Session ended (completed)"):
        assert line in progress, err
    assert len(progress) < 80, err


def test_a_headless_session_whose_keys_run_out_ends_saying_what_waited(tmp_path):
    started = time.monotonic()
    proc = start_session(tmp_path, [(0.5, "n"), (1.0, "n")])  # n does not answer the welcome screen
    out, err = finish(proc, 60)
    assert proc.returncode == 0, err
    assert time.monotonic() - started < 45
    records = read_jsonl(session_folder(tmp_path) / "events.jsonl")
    assert [(r["type"], r.get("state"), r.get("reason")) for r in records[-2:]] == [
        ("no_input", "welcome", None), ("session_end", None, "no_input")]
    assert records[-2]["waited_s"] >= 10
    message = next(line for line in err.splitlines() if "waited" in line)
    assert "welcome screen" in message and "space: continue" in message and "--keys script" in message
    assert "Ended: no key was pressed." in out
    assert json.loads((session_folder(tmp_path) / "summary.json").read_text())["end_reason"] == "no_input"


def test_killed_mid_exercise_leaves_a_complete_log_and_the_next_start_says_so(tmp_path):
    proc = start_session(tmp_path, TO_FIRST_EXERCISE)
    try:
        wait_for_session_folder(tmp_path)
        log = session_folder(tmp_path) / "events.jsonl"
        wait_for(log, "rep")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    records = read_jsonl(log)
    types = [r["type"] for r in records]
    assert types[:1] == ["session_start"] and "session_end" not in types
    assert types.count("red_flag") == len(RED_FLAGS)
    assert types.index("exercise_start") < types.index("set_start") < types.index("setup_ok") < types.index("rep")
    # In order, nothing torn in between.
    assert all(b["t_s"] >= a["t_s"] for a, b in zip(records, records[1:], strict=False))
    n_reps = types.count("rep")
    notice = last_session_notice(tmp_path / "data" / "sessions")
    assert notice.endswith(f"ended early after Standing flexion: {n_reps} rep{'s' if n_reps > 1 else ''}.")


def test_a_source_that_ends_pauses_retries_and_ends_cleanly(tmp_path):
    short = tmp_path / "short.mp4"
    cap = cv2.VideoCapture(str(CLIP))
    writer = cv2.VideoWriter(str(short), cv2.VideoWriter_fourcc(*"mp4v"), 15.0, (640, 480))
    for _ in range(45):  # the first 3 s
        writer.write(cap.read()[1])
    writer.release()
    cap.release()
    proc = start_session(tmp_path, TO_FIRST_EXERCISE, "--source-end", "stop", clip=short)
    out, err = finish(proc, 60)
    assert proc.returncode == 0, err
    folder = session_folder(tmp_path)
    records = read_jsonl(folder / "events.jsonl")
    types = [r["type"] for r in records]
    assert "camera_lost" in types and types.count("camera_retry_failed") == 3
    assert [(r["type"], r.get("reason")) for r in records[-2:]] == [("exercise_end", "camera_lost"),
                                                                    ("session_end", "camera_lost")]
    assert json.loads((folder / "summary.json").read_text())["end_reason"] == "camera_lost"
    assert "camera did not come back" in out
    assert "ended early" in last_session_notice(tmp_path / "data" / "sessions")


def test_ctrl_c_ends_with_the_log_and_summary_and_the_next_start_says_so(tmp_path):
    proc = start_session(tmp_path, TO_FIRST_EXERCISE)
    wait_for_session_folder(tmp_path)
    log = session_folder(tmp_path) / "events.jsonl"
    wait_for(log, "setup_ok")
    proc.send_signal(signal.SIGINT)
    out, err = finish(proc, 60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    records = read_jsonl(log)
    assert [(r["type"], r.get("reason")) for r in records[-2:]] == [("exercise_end", "interrupted"),
                                                                    ("session_end", "interrupted")]
    assert json.loads((session_folder(tmp_path) / "summary.json").read_text())["end_reason"] == "interrupted"
    assert "before the first exercise" not in last_session_notice(tmp_path / "data" / "sessions")
