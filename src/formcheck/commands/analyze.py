"""`formcheck analyze`: a video file in, an annotated video and a report out."""
from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from formcheck.core.events import RepRecord
from formcheck.io.sources import VideoFileSource
from formcheck.core.errors import FormcheckError
from formcheck.definitions.exercises import get_exercise
from formcheck.analysis.kinematics import Angles
from formcheck.analysis.pipeline import Pipeline
from formcheck.pose.estimators import PoseEstimator, PoseSettings
from formcheck.ui.progress import ProgressBar
from formcheck.io.report import AnglesCsvWriter, build_report, ensure_writable_dir, write_json
from formcheck.core.text import plural

OUTPUT_NAMES = {"video": "annotated.mp4", "report": "report.json", "angles": "angles.csv", "plot": "angles.png"}


def analyze_video(video: str | Path, exercise_id: str, out_dir: str | Path, *, model: Path | None = None,
                  exercises_dir: Path | None = None, write_video: bool = True, progress: bool = True,
                  settings: PoseSettings | None = None) -> dict:
    """Run the whole pipeline on a file; returns the report (also written to ``out_dir``)."""
    exercise = get_exercise(exercise_id, exercises_dir)  # fail fast, before the slow parts

    from formcheck.io.video_sink import AnnotatedVideoSink

    with VideoFileSource(video) as source, PoseEstimator(model, settings) as estimator:
        # Only once the input and the model are known to be good: a bad input leaves no folder.
        out = ensure_writable_dir(Path(out_dir))
        paths = {key: out / name for key, name in OUTPUT_NAMES.items()}
        if not write_video:
            paths.pop("video")
        pipeline = Pipeline(exercise, estimator)
        status = f"{exercise.name}: {exercise.signal_label}"
        bar = ProgressBar(source.frame_count, f"Analysing {source.name}") if progress else None
        series_t, series_angles, series_timer = [], [], []
        t_decode = t_infer = t_rest = 0.0
        last_t = 0.0
        sink = AnnotatedVideoSink(paths["video"], source.fps) if write_video else None
        try:
            with AnglesCsvWriter(paths["angles"]) as csv_out:
                frames = iter(source)
                while True:
                    t0 = time.perf_counter()
                    frame = next(frames, None)
                    t1 = time.perf_counter()
                    if frame is None:
                        break
                    raw = estimator.detect(frame.image, frame.t_s)
                    t2 = time.perf_counter()
                    result = pipeline.step(frame.t_s, raw)
                    csv_out.write(frame.index, result)
                    if sink is not None:
                        sink.write(frame.image, result.keypoints, result.angles, result.feedback, status)
                    series_t.append(frame.t_s)
                    series_angles.append(result.angles)
                    series_timer.append(result.feedback.hold_s)
                    last_t = frame.t_s
                    t3 = time.perf_counter()
                    t_decode += t1 - t0
                    t_infer += t2 - t1
                    t_rest += t3 - t2
                    if bar:
                        bar.update(pipeline.frames, last_t)
        finally:
            if sink is not None:
                sink.close()
        if bar:
            bar.close(pipeline.frames, last_t)
        fps = source.fps

    n = pipeline.frames
    duration = last_t + (1.0 / fps if fps else 0.0)
    wall = t_decode + t_infer + t_rest
    timing = {
        "decode_ms_per_frame": round(1000 * t_decode / n, 2),
        "inference_ms_per_frame": round(1000 * t_infer / n, 2),
        "other_ms_per_frame": round(1000 * t_rest / n, 2),
        "video_thread_cpu_ms_per_frame": round(1000 * sink.cpu_s / n, 2) if sink else 0.0,
        "speed_x_real_time": round(duration / wall, 2) if wall else None,
    }
    _write_plot(paths["plot"], series_t, series_angles, series_timer, pipeline, exercise)
    report = build_report(exercise, pipeline.analyzer, source=str(video), frames=n,
                          detected_frames=pipeline.detected_frames, duration_s=duration, fps=fps,
                          timing=timing, outputs={k: str(p) for k, p in paths.items()})
    # Say when frames were scaled down for analysis (the annotated video is at the analysed size).
    report["frame_size"] = {"source": list(source.size), "analysed": list(source.analysed_size)}
    write_json(paths["report"], report)
    if pipeline.detected_frames == 0:
        raise FormcheckError(f"No person was found in {video}.",
                             "Film the whole body side-on, in good light, with one person in view. "
                             f"(Outputs for the empty run are in {out}.)")
    return report


def plot_data(exercise, t, angles: Sequence[Angles], timer_s: Sequence[float] | None = None,
              reps: Sequence[RepRecord] = ()) -> dict:
    """What ``angles.png`` shows, as plain data (``plot_angles``'s arguments).

    The curve is the exercise's own measured signal (``signal_field``) in its own unit; an
    alternating exercise gets one curve per side. A timer exercise measures nothing: its curve
    is the time counted in view (``timer_s``, seconds), with no target line.
    """
    t = np.asarray(t, dtype=float)
    n_reps = plural(len(reps), "repetition")
    if not exercise.measures:
        timer = np.asarray(timer_s if timer_s is not None else np.full(t.size, np.nan), dtype=float).reshape(t.shape)
        timed = float(np.nanmax(timer)) if np.isfinite(timer).any() else 0.0
        return {"t_s": t, "series": {"time in view": timer}, "signal_name": "time in view", "unit": "s",
                "target_deg": None, "limit_deg": None, "title": f"{exercise.name}: {timed:.0f} s in view"}

    def values(field: str) -> np.ndarray:
        return np.array([getattr(a, field) for a in angles], dtype=float).reshape(t.shape)

    if exercise.sides:
        series = {f"{side} side": values(exercise.signal_for(side)) for side in exercise.sides}
        by_side = ", ".join(f"{side} {sum(r.side == side for r in reps)}" for side in exercise.sides)
        title = f"{exercise.name}: {n_reps} ({by_side})"
    else:
        series = {exercise.signal_label: values(exercise.signal_field)}
        title = f"{exercise.name}: {n_reps}"
    return {"t_s": t, "series": series, "signal_name": exercise.signal_label, "unit": exercise.unit,
            "target_deg": exercise.target_deg, "limit_deg": exercise.limit_deg, "title": title}


def _write_plot(path: Path, t, angles: list[Angles], timer_s: list[float], pipeline: Pipeline, exercise) -> None:
    from formcheck.ui.plot import plot_angles

    reps = pipeline.analyzer.reps
    data = plot_data(exercise, t, angles, timer_s, reps)
    plot_angles(path, data.pop("t_s"), data.pop("series"), plot_reps(exercise, reps), **data)


def plot_reps(exercise, reps: Sequence[RepRecord]) -> list[dict]:
    """Repetitions for the plot, their warnings in words ("Straighten the knee...", not "knee_bent")."""
    return [dict(r.as_dict(), warnings=[exercise.message_for(code) for code in r.warnings]) for r in reps]
