"""`formcheck analyze`: a video file in, an annotated video and a report out."""
from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from formcheck.core.events import RepRecord
from formcheck.io.sources import VideoFileSource
from formcheck.assets import demo_clip_path
from formcheck.core.errors import FormcheckError
from formcheck.definitions.exercises import get_exercise
from formcheck.analysis.kinematics import Angles
from formcheck.analysis.pipeline import Pipeline
from formcheck.pose.estimators import PoseEstimator, PoseSettings
from formcheck.ui.progress import ProgressBar
from formcheck.io.outputs import ensure_writable_dir, write_json
from formcheck.analysis.report import AnglesCsvWriter, build_report
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


def print_report(report: dict, out: Path | None = None) -> None:
    from formcheck.core.text import name_with_unit, plural, with_unit

    sig = report["measured_signal"]
    unit = sig.get("unit") or "deg"
    target_hold = report.get("target_hold_s") or 0.0
    hold_target = f", hold {target_hold:g} s" if target_hold > 0 else ""
    frames = f"{report['detected_frames']}/{plural(report['frames'], 'frame')} with a person"
    if sig.get("field") is None:  # a timer exercise: nothing is counted
        print(f"{report['exercise_name']} [{report['level']}]: timed{hold_target}, {frames}")
    else:
        by_side = report.get("reps_by_side")
        sides = f" ({', '.join(f'{k} {v}' for k, v in by_side.items())})" if by_side else ""
        per_side = " per side" if by_side else ""
        print(f"{report['exercise_name']} [{report['level']}]: {plural(report['reps'], 'repetition')}{sides} "
              f"(target {plural(report['target_reps'], 'repetition')}{per_side}{hold_target}), {frames}")
    if sig["expected_error_deg"] is not None:
        print(f"Measured: {name_with_unit(sig['name'], unit, ascii_only=True)}, expected error about "
              f"{with_unit(sig['expected_error_deg'], unit, ascii_only=True)}")
    else:
        print(f"Measured: {sig['description']}")
    for rep in report["rep_details"]:
        warn = ", ".join(rep["warnings"]) or "ok"
        side = f" {rep['side']}" if rep.get("side") else ""
        hold = f"  hold {rep['hold_s']:4.1f} s" if target_hold > 0 else ""
        print(f"  rep {rep['index']}{side}: {rep['start_s']:6.1f}-{rep['end_s']:5.1f} s  "
              f"peak {with_unit(rep['peak_angle_deg'], unit, '6.1f', ascii_only=True)}{hold}  {warn}")
    timing = report.get("timing") or {}
    if timing.get("speed_x_real_time"):
        print(f"Speed: {timing['speed_x_real_time']}x real time")
    if out:
        print(f"Outputs in {out}/: " + ", ".join(Path(p).name for p in report["outputs"].values()))


def cmd_analyze(args) -> int:
    report = analyze_video(args.video, args.exercise, args.out, model=args.model,
                           exercises_dir=args.exercises_dir, write_video=not args.no_video,
                           progress=not args.quiet)
    print_report(report, Path(args.out))
    size = report["frame_size"]
    if size["source"] != size["analysed"]:
        print("Frames were scaled from {}x{} to {}x{} for analysis (the model sees 256 px; the annotated "
              "video is at the analysed size).".format(*size["source"], *size["analysed"]))
    return 0


def cmd_demo(args) -> int:
    clip = demo_clip_path()
    if not clip.exists():
        raise FormcheckError(f"The demo clip is missing: {clip}.",
                             "Reinstall formcheck (`python -m pip install --force-reinstall formcheck`).")
    print(f"Demo: analysing the bundled clip {clip.name} (a rendered person doing standing flexion).")
    report = analyze_video(clip, "standing_flexion", args.out, model=args.model, progress=not args.quiet)
    print_report(report, Path(args.out))
    print(f"Open {Path(args.out) / 'annotated.mp4'} in a video player or browser to see the overlay.")
    return 0
