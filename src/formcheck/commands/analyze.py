"""`formcheck analyze`: a video file in, an annotated video and a report out."""
from __future__ import annotations

from pathlib import Path

from formcheck.analysis.frame_loop import FrameTimings, run_frames
from formcheck.analysis.pipeline import Pipeline
from formcheck.analysis.report import AnglesCsvWriter, build_report
from formcheck.assets import demo_clip_path
from formcheck.core.errors import FormcheckError
from formcheck.definitions.exercises import get_exercise
from formcheck.io.outputs import ensure_writable_dir, write_json
from formcheck.io.sources import VideoFileSource
from formcheck.pose.estimators import PoseSettings
from formcheck.pose.parallel import pose_estimator_for
from formcheck.ui.progress import ProgressBar

OUTPUT_NAMES = {"video": "annotated.mp4", "report": "report.json", "angles": "angles.csv", "plot": "angles.png"}


def analyze_video(video: str | Path, exercise_id: str, out_dir: str | Path, *, model: Path | None = None,
                  exercises_dir: Path | None = None, write_video: bool = True, progress: bool = True,
                  settings: PoseSettings | None = None, jobs: int = 1) -> dict:
    """Run the whole pipeline on a file; returns the report (also written to ``out_dir``)."""
    exercise = get_exercise(exercise_id, exercises_dir)  # fail fast, before the slow parts

    from formcheck.io.video_sink import AnnotatedVideoSink

    with VideoFileSource(video) as source, pose_estimator_for(source, model, settings, jobs) as estimator:
        # Only once the input and the model are known to be good: a bad input leaves no folder.
        out = ensure_writable_dir(Path(out_dir))
        paths = {key: out / name for key, name in OUTPUT_NAMES.items()}
        if not write_video:
            paths.pop("video")
        pipeline = Pipeline(exercise, estimator)
        status = f"{exercise.name}: {exercise.signal_label}"
        bar = ProgressBar(source.frame_count, f"Analysing {source.name}") if progress else None
        series_t, series_angles, series_timer = [], [], []
        timings = FrameTimings()
        last_t = 0.0
        sink = AnnotatedVideoSink(paths["video"], source.fps) if write_video else None
        try:
            with AnglesCsvWriter(paths["angles"]) as csv_out:
                for step in run_frames(source, estimator, pipeline, timings):
                    frame, result = step.frame, step.result
                    csv_out.write(frame.index, result)
                    if sink is not None:
                        sink.write(frame.image, result.keypoints, result.angles, result.feedback, status)
                    series_t.append(frame.t_s)
                    series_angles.append(result.angles)
                    series_timer.append(result.feedback.hold_s)
                    last_t = frame.t_s
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
    wall = timings.total_s
    timing = {
        "decode_ms_per_frame": round(1000 * timings.decode_s / n, 2),
        "inference_ms_per_frame": round(1000 * timings.inference_s / n, 2),
        "other_ms_per_frame": round(1000 * timings.other_s / n, 2),
        "video_thread_cpu_ms_per_frame": round(1000 * sink.cpu_s / n, 2) if sink else 0.0,
        "speed_x_real_time": round(duration / wall, 2) if wall else None,
        # With several pose processes, inference is the wait for theirs (README, "Speed").
        "pose_workers": getattr(estimator, "workers", 1),
    }
    from formcheck.ui.plot import write_plot  # imports matplotlib: not before it is needed

    write_plot(paths["plot"], exercise, series_t, series_angles, series_timer, pipeline.analyzer.reps)
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
                           progress=not args.quiet, settings=PoseSettings(num_poses=args.poses))
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
