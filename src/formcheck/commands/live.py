"""`formcheck live`: camera (or a file standing in for one) -> overlay window, logged as it goes.

The model runs asynchronously (``LivePoseEstimator``): the window shows every camera frame with
the newest pose, so a slow model lowers the pose rate, never the display rate.
"""
from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import cv2

from formcheck.io.sources import CameraLost, CameraSource, VideoFileSource
from formcheck.core.errors import FormcheckError
from formcheck.io.jsonl import JsonlLog
from formcheck.definitions.exercises import get_exercise
from formcheck.analysis.pipeline import Pipeline
from formcheck.analysis.exercise_analyzer import ExerciseAnalyzer
from formcheck.core.keypoints import KeyPoints
from formcheck.pose.model import check_model
from formcheck.pose.estimators import LivePoseEstimator
from formcheck.io.outputs import ensure_writable_dir, write_json
from formcheck.analysis.report import AnglesCsvWriter, build_report

WINDOW = "formcheck"
CAMERA_RETRIES = 3


def sessions_root(data_dir: Path | None = None) -> Path:
    """``DATA/sessions``: DATA is the per-user data folder (honours XDG_DATA_HOME) unless given."""
    if data_dir is None:
        from platformdirs import user_data_dir

        data_dir = Path(user_data_dir("formcheck", appauthor=False))
    return Path(data_dir) / "sessions"


def default_session_dir() -> Path:
    return sessions_root() / datetime.now().strftime("%Y%m%d-%H%M%S")


def paced(source):
    """Yield a file's frames no faster than real time, as a camera would deliver them."""
    start = time.monotonic()
    for frame in source:
        delay = frame.t_s - (time.monotonic() - start)
        if delay > 0:
            time.sleep(delay)
        yield frame


def has_display() -> bool:
    import os
    import sys

    return sys.platform in ("win32", "darwin") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def require_display() -> None:
    if not has_display():
        raise FormcheckError("No display is available for the window.",
                             "Run on a desktop session, or add --no-window to run headless.")


class PoseFeed:
    """Hands frames to a ``LivePoseEstimator`` and each new result out exactly once."""

    def __init__(self, estimator: LivePoseEstimator) -> None:
        self.estimator = estimator
        self.updates = 0
        self._last_t = float("-inf")

    def push(self, image, t_s: float) -> tuple[float, KeyPoints | None] | None:
        """Submit a frame (skipped while the model is busy); the newest unseen pose, if any."""
        self.estimator.submit(image, t_s)
        latest = self.estimator.latest()
        if latest is None or latest[0] <= self._last_t:
            return None
        self._last_t = latest[0]
        self.updates += 1
        return latest


class AnalyzerRecords:
    """The log records (warnings as ``event``, finished ``rep``) an analyzer added since last asked."""

    def __init__(self) -> None:
        self._events = self._reps = 0

    def new(self, analyzer: ExerciseAnalyzer) -> list[dict]:
        records = [{"type": "event", **e.as_dict()} for e in analyzer.events[self._events:]]
        records += [{"type": "rep", "t_s": r.end_s, **r.as_dict()} for r in analyzer.reps[self._reps:]]
        self._events, self._reps = len(analyzer.events), len(analyzer.reps)
        return records


def run_live(exercise_id: str, *, camera: int = 0, source_file: Path | None = None, window: bool = True,
             model: Path | None = None, out_dir: Path | None = None, exercises_dir: Path | None = None,
             print_fn=print) -> dict:
    exercise = get_exercise(exercise_id, exercises_dir)
    if window:
        require_display()
    # A missing file, an absent camera or a bad model fails before anything is created.
    if source_file is not None:
        with VideoFileSource(source_file) as probe:
            next(iter(probe))  # a file that opens but has no frame says so here
    else:
        CameraSource(camera).close()
    check_model(model)
    out = ensure_writable_dir(Path(out_dir) if out_dir else default_session_dir())
    from formcheck.ui.annotators import OverlayRenderer

    renderer = OverlayRenderer()
    status_base = f"{exercise.name}: {exercise.signal_label}"
    displayed = 0
    fps_display = 0.0
    interrupted = False
    started = time.monotonic()
    with LivePoseEstimator(model) as estimator, AnglesCsvWriter(out / "angles.csv") as csv_out, \
            JsonlLog(out / "events.jsonl") as log:
        pipeline = Pipeline(exercise, estimator)
        feed, records = PoseFeed(estimator), AnalyzerRecords()
        log.write({"t_s": 0.0, "type": "start", "exercise": exercise.id,
                   "source": str(source_file) if source_file else f"camera {camera}",
                   "time": datetime.now().isoformat(timespec="seconds")})
        result = None
        lost = 0
        try:
            while True:
                try:
                    source = VideoFileSource(source_file) if source_file else CameraSource(camera)
                except FormcheckError:
                    if not lost:  # never opened: nothing to retry
                        raise
                    source = None
                if source is None:
                    lost += 1
                else:
                    frames = paced(source) if source_file else iter(source)
                    try:
                        for frame in frames:
                            lost = 0
                            latest = feed.push(frame.image, frame.t_s)
                            if latest is not None:
                                result = pipeline.step(*latest)
                                csv_out.write(feed.updates - 1, result)
                                for record in records.new(pipeline.analyzer):
                                    log.write(record)
                            displayed += 1
                            elapsed = time.monotonic() - started
                            fps_display = displayed / elapsed if elapsed > 0 else 0.0
                            if window and result is not None:
                                status = (f"{status_base} | display {fps_display:4.1f} fps, "
                                          f"pose {feed.updates / max(elapsed, 1e-6):4.1f}/s | q: quit")
                                cv2.imshow(WINDOW, renderer.render(frame.image.copy(), result.keypoints,
                                                                   result.angles, result.feedback, status=status))
                                if cv2.waitKey(1) & 0xFF in (ord("q"), 27):
                                    break
                        break  # the file ended or the user quit
                    except CameraLost as exc:
                        lost += 1
                        log.write({"t_s": time.monotonic() - started, "type": "camera_lost", "message": str(exc)})
                        print_fn(f"{exc.problem} Retrying ({lost}/{CAMERA_RETRIES})...")
                    finally:
                        source.close()
                if lost > CAMERA_RETRIES:
                    print_fn("The camera did not come back. Ending the session; everything so far is saved.")
                    break
                time.sleep(2.0)
        except KeyboardInterrupt:
            interrupted = True
            log.write({"t_s": time.monotonic() - started, "type": "interrupted"})
        finally:
            if window:
                cv2.destroyAllWindows()
        elapsed = time.monotonic() - started
        report = build_report(exercise, pipeline.analyzer, source=str(source_file or f"camera {camera}"),
                              frames=pipeline.frames, detected_frames=pipeline.detected_frames,
                              duration_s=elapsed, fps=fps_display,
                              timing={"display_fps": round(fps_display, 1),
                                      "pose_updates_per_s": round(feed.updates / elapsed, 1) if elapsed else 0.0},
                              outputs={"folder": str(out)})
        report["interrupted"] = interrupted
        write_json(out / "report.json", report)
        log.write({"t_s": elapsed, "type": "end", "reps": report["reps"], "interrupted": interrupted})
    return report


def cmd_live(args) -> int:

    report = run_live(args.exercise, camera=args.camera, source_file=args.source, window=not args.no_window,
                      model=args.model, out_dir=args.out, exercises_dir=args.exercises_dir)
    from formcheck.core.text import plural

    print(f"{report['exercise_name']}: {plural(report['reps'], 'repetition')}. "
          f"Log and report in {report['outputs']['folder']}")
    return 130 if report.get("interrupted") else 0
