"""`formcheck live`: camera (or a file standing in for one) -> overlay window, logged as it goes.

The model runs asynchronously (``LivePoseEstimator``): the window shows every camera frame with
the newest pose, so a slow model lowers the pose rate, never the display rate. Frames come from
``session.live_runtime``, which `formcheck session` uses too, with the same camera retry policy: a
lost camera is retried three times, 2 s apart, then the run ends with its log and report written.
"""
from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path

import cv2

from formcheck.analysis.exercise_analyzer import ExerciseAnalyzer
from formcheck.analysis.pipeline import Pipeline
from formcheck.analysis.report import AnglesCsvWriter, build_report
from formcheck.definitions.exercises import get_exercise
from formcheck.io.jsonl import JsonlLog
from formcheck.io.outputs import ensure_writable_dir, write_json
from formcheck.pose.estimators import CAMERA_POSES, LivePoseEstimator, PoseSettings
from formcheck.pose.model import check_model
from formcheck.session.live_runtime import CameraRecovery, LiveSource, PoseFeed, next_frame
from formcheck.session.log import STAMP, sessions_root
from formcheck.ui.window import WINDOW, require_display


def default_session_dir(data_dir: Path | None = None) -> Path:
    return sessions_root(data_dir) / datetime.now().strftime(STAMP)


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
             print_fn=print, poses: int = CAMERA_POSES, data_dir: Path | None = None,
             history: bool = True) -> dict:
    exercise = get_exercise(exercise_id, exercises_dir)
    if window:
        require_display()
    # A missing file, an absent camera or a bad model fails before anything is created.
    source = LiveSource(camera, source_file, at_end="end")  # a file plays once
    source.probe()
    check_model(model)
    out = ensure_writable_dir(Path(out_dir) if out_dir else default_session_dir(data_dir))
    from formcheck.ui.overlay import OverlayRenderer

    renderer = OverlayRenderer()
    status_base = f"{exercise.name}: {exercise.signal_label}"
    displayed = 0
    fps_display = 0.0
    interrupted = False
    started = time.monotonic()

    def clock() -> float:
        return time.monotonic() - started

    # The back's outline (spinal and hip flexion apart) needs the model's masks: only where measured.
    settings = PoseSettings(num_poses=poses, segmentation_masks=exercise.measures_spine)
    with LivePoseEstimator(model, settings) as estimator, \
            AnglesCsvWriter(out / "angles.csv") as csv_out, \
            JsonlLog(out / "events.jsonl") as log:
        pipeline = Pipeline(exercise, estimator)
        feed, records = PoseFeed(estimator), AnalyzerRecords()
        log.write({"t_s": 0.0, "type": "start", "exercise": exercise.id, "source": source.name,
                   "time": datetime.now().isoformat(timespec="seconds")})
        if history:  # at once, so that a run killed before its end is known to `history --rebuild`
            _record_history(out, data_dir)
        recovery = CameraRecovery(lambda record: log.write({"t_s": clock(), **record}), say=print_fn)
        result = None
        try:
            source.open()  # a camera that never opened is not retried: the error ends the run
            while not recovery.gave_up:
                frame = next_frame(source, recovery, clock)
                if frame is None:
                    if source.finished:
                        break  # the file ended
                    time.sleep(0.03)  # the camera is lost: do not spin while waiting to retry
                    continue
                latest = feed.push(frame.image, frame.t_s)
                if latest is not None:
                    result = pipeline.step(*latest)
                    csv_out.write(feed.updates - 1, result)
                    for record in records.new(pipeline.analyzer):
                        log.write(record)
                displayed += 1
                elapsed = clock()
                fps_display = displayed / elapsed if elapsed > 0 else 0.0
                if window and result is not None:
                    status = (f"{status_base} | display {fps_display:4.1f} fps, "
                              f"pose {feed.updates / max(elapsed, 1e-6):4.1f}/s | q: quit")
                    cv2.imshow(WINDOW, renderer.render(frame.image.copy(), result.keypoints,
                                                       result.angles, result.feedback, status=status))
                    if cv2.waitKey(1) & 0xFF in (ord("q"), 27):
                        break  # the user quit
        except KeyboardInterrupt:
            interrupted = True
            log.write({"t_s": clock(), "type": "interrupted"})
        finally:
            source.close()
            if window:
                cv2.destroyAllWindows()
        elapsed = clock()
        report = build_report(exercise, pipeline.analyzer, source=source.name,
                              frames=pipeline.frames, detected_frames=pipeline.detected_frames,
                              duration_s=elapsed, fps=fps_display,
                              timing={"display_fps": round(fps_display, 1),
                                      "pose_updates_per_s": round(feed.updates / elapsed, 1) if elapsed else 0.0},
                              outputs={"folder": str(out)})
        report["interrupted"] = interrupted
        write_json(out / "report.json", report)
        from formcheck.io.report_page import write_report_page

        write_report_page(report, out, video_note="A live run records no video: the angles of every frame "
                                                  "are in angles.csv beside this page.")
        log.write({"t_s": elapsed, "type": "end", "reps": report["reps"], "interrupted": interrupted})
    if history:  # after the log is closed: the history is read from the same files --rebuild reads
        _record_history(out, data_dir)
    return report


def _record_history(folder: Path, data_dir: Path | None) -> None:
    from formcheck.history.rebuild import run_from_live_folder
    from formcheck.history.store import record_quietly

    run = run_from_live_folder(folder)
    if run is not None:
        record_quietly([run], data_dir, lambda line: print(line, file=sys.stderr))


def cmd_live(args) -> int:

    report = run_live(args.exercise, camera=args.camera, source_file=args.source, window=not args.no_window,
                      model=args.model, out_dir=args.out, exercises_dir=args.exercises_dir, poses=args.poses,
                      data_dir=args.data_dir, history=not args.no_history)
    from formcheck.core.text import plural

    print(f"{report['exercise_name']}: {plural(report['reps'], 'repetition')}. "
          f"Log and report in {report['outputs']['folder']}")
    return 130 if report.get("interrupted") else 0
