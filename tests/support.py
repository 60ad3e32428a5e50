"""Helpers the tests share: paths to the bundled samples, synthetic stick figures and angle
sequences, replaying recorded landmarks. Import with ``from support import ...`` (tests/ is on
the path through conftest.py)."""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from formcheck.core.keypoints import KeyPoints
from formcheck.io.jsonl import read_jsonl
from formcheck.session.types import RED_FLAGS

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"


def side_view_figure(trunk_deg: float = 0.0, facing: int = -1, knee_bend_deg: float = 0.0,
                     hip_xy=(320.0, 240.0), scale: float = 100.0, visibility: float = 1.0) -> KeyPoints:
    """A standing person seen side-on, bending forward by ``trunk_deg`` at the hips.

    ``facing`` -1 = facing image-left, +1 = image-right. Both body sides coincide (pure side view),
    the face and toes point forward so the facing can be inferred.
    """
    hx, hy = hip_xy
    f = facing
    a = math.radians(trunk_deg)
    shoulder = (hx + f * scale * math.sin(a), hy - scale * math.cos(a))
    head_dir = np.array([f * math.sin(a), -math.cos(a)])
    front = np.array([f * math.cos(a), math.sin(a)])  # perpendicular to the trunk, towards the front
    ear = np.array(shoulder) + 0.3 * scale * head_dir
    nose = ear + 0.12 * scale * front
    k = math.radians(knee_bend_deg)
    knee = (hx + f * 0.5 * scale * math.sin(k), hy + scale * math.cos(k) * 0.9)
    ankle = (hx, hy + 1.8 * scale)
    pts = {"nose": tuple(nose)}
    for s in ("left", "right"):
        pts.update({f"{s}_shoulder": shoulder, f"{s}_hip": (hx, hy), f"{s}_knee": knee, f"{s}_ankle": ankle,
                    f"{s}_ear": tuple(ear), f"{s}_heel": (ankle[0] - f * 0.1 * scale, ankle[1] + 0.05 * scale),
                    f"{s}_foot_index": (ankle[0] + f * 0.2 * scale, ankle[1] + 0.05 * scale),
                    f"{s}_elbow": shoulder, f"{s}_wrist": shoulder})
    return KeyPoints.from_dict(pts, visibility=visibility)


def load_truth(name: str) -> dict:
    return json.loads((SAMPLES / f"{name}.json").read_text())


def replay(recording: str, exercise: str):
    """Run a committed landmark recording (``samples/...landmarks.npz``) through the pipeline."""
    from formcheck.analysis.pipeline import Pipeline
    from formcheck.definitions.exercises import get_exercise
    from formcheck.io.recording import LandmarkRecording

    pipeline = Pipeline(get_exercise(exercise))
    for t, raw in LandmarkRecording.load(SAMPLES / recording).frames():
        pipeline.step(t, raw)
    return pipeline


def assert_counts(analyzer, reps, holds=None, tol=None, warnings=None) -> None:
    """Reps (an int, or a dict per side), holds within ``tol`` s, and warnings per rep (None: skip)."""
    if isinstance(reps, dict):
        assert analyzer.reps_by_side == reps
    else:
        assert len(analyzer.reps) == reps
    if holds is not None:
        measured = [r.hold_s for r in analyzer.reps]
        assert all(abs(m - h) <= tol for m, h in zip(measured, holds, strict=True)), measured
    if warnings is not None:
        assert [sorted(r.warnings) for r in analyzer.reps] == [sorted(w) for w in warnings]


# -- angle sequences (as the synthetic renderer makes them) ----------------------------------------

FPS = 15.0


def bend(peak=70.0, move_s=2.0, hold_s=2.5, rest_s=1.0):
    """One rep as the synthetic renderer makes it: cosine ease out, hold, ease back, rest."""
    out = [0.0] * int(rest_s * FPS)
    n_move = int(move_s * FPS)
    ease = [(1 - np.cos(np.pi * i / n_move)) / 2 for i in range(1, n_move + 1)]
    out += [peak * e for e in ease] + [peak] * int(hold_s * FPS) + [peak * (1 - e) for e in ease]
    return out


# -- `formcheck session` in a subprocess: a sample clip as the camera, scripted keys ------------------

SESSION_CLIP = SAMPLES / "standing_flexion_1.mp4"  # 15 fps, 23.6 s, 3 reps; upright 0-2 s, then a rep every 7.5 s

# To the first exercise's set-up check in under a second: the clip is upright then, so the check
# passes and tracking starts about 5 s in, in the middle of the clip's first bend; reps then count
# at about 7, 15 and 22 s. (Had the check missed that upright moment, the next comes at 7.5 s.)
TO_FIRST_EXERCISE = [(0.2, "space")] + [(0.3 + 0.1 * i, "n") for i in range(len(RED_FLAGS))] + [(0.9, "space")]


def key_script(path, keys):
    path.write_text("".join(f"{t} {k}\n" for t, k in keys))
    return path


def start_session(tmp_path, keys, *extra, clip=SESSION_CLIP, window=False, env=None):
    args = [sys.executable, "-m", "formcheck", "session", "--source", str(clip), "--no-audio",
            "--keys", str(key_script(tmp_path / "keys.txt", keys)), "--data-dir", str(tmp_path / "data"), *extra]
    if not window:
        args.append("--no-window")
    return subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})


def finish(proc, timeout_s):
    """``communicate``, killing the session if it hangs (a key script that ran out of keys)."""
    try:
        return proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise


def session_folder(tmp_path):
    folders = sorted((tmp_path / "data" / "sessions").iterdir())
    assert len(folders) == 1
    return folders[0]


def wait_for_session_folder(tmp_path, timeout_s=20.0):
    """Until the session's own folder exists (DATA/sessions/ itself is made earlier, when it is checked)."""
    sessions = tmp_path / "data" / "sessions"
    deadline = time.monotonic() + timeout_s
    while not (sessions.is_dir() and any(sessions.iterdir())) and time.monotonic() < deadline:
        time.sleep(0.1)


def wait_for(log, record_type, timeout_s=45.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if log.exists() and any(r.get("type") == record_type for r in read_jsonl(log)):
            return
        time.sleep(0.2)
    raise AssertionError(f"no {record_type} was logged in time")


# -- `formcheck analyze` without the model: each clip's committed landmark recording ------------------

class ReplayEstimator:
    """Stands in for ``PoseEstimator``: the poses recorded for a clip (``samples/CLIP.landmarks.npz``),
    frame by frame, matched on the frame's time."""

    def __init__(self, recording: Path) -> None:
        from formcheck.io.recording import LandmarkRecording

        self.recording = LandmarkRecording.load(recording)

    def detect_poses(self, image, t_s: float):
        i = int(np.argmin(np.abs(self.recording.t_s - t_s)))
        return self.recording.poses(i)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass


def replay_analyze(monkeypatch) -> None:
    """Make `formcheck analyze` (in this process) replay recordings instead of running the model.
    A clip is matched to ``samples/<its stem>.landmarks.npz``, so copies keep their sample's name."""
    from formcheck.commands import analyze

    def recording_of(clip: Path) -> ReplayEstimator:
        recording = SAMPLES / f"{Path(clip).stem}.landmarks.npz"
        assert recording.exists(), f"no recording for {clip}"
        return ReplayEstimator(recording)

    import formcheck.batch as batch

    monkeypatch.setattr(analyze, "pose_estimator_for", lambda source, *a, **k: recording_of(source.path))
    # A pool's worker processes would not see the replay: a batch runs in this process.
    in_process = batch.run_local
    monkeypatch.setattr(batch, "run_local", lambda tasks, job, jobs, on_done=None: in_process(tasks, job, 1, on_done))
