"""`formcheck analyze`: a video file in, an annotated video and a report out."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from .capture import VideoFileSource
from .errors import FormcheckError
from .exercises import get_exercise
from .pipeline import Pipeline
from .pose import PoseEstimator, PoseSettings
from .progress import ProgressBar
from .report import AnglesCsvWriter, build_report, ensure_writable_dir, write_json

OUTPUT_NAMES = {"video": "annotated.mp4", "report": "report.json", "angles": "angles.csv", "plot": "angles.png"}


def analyze_video(video: str | Path, exercise_id: str, out_dir: str | Path, *, model: Path | None = None,
                  exercises_dir: Path | None = None, write_video: bool = True, progress: bool = True,
                  settings: PoseSettings | None = None) -> dict:
    """Run the whole pipeline on a file; returns the report (also written to ``out_dir``)."""
    exercise = get_exercise(exercise_id, exercises_dir)  # fail fast, before the slow parts
    out = ensure_writable_dir(Path(out_dir))
    paths = {key: out / name for key, name in OUTPUT_NAMES.items()}
    if not write_video:
        paths.pop("video")

    from .video_sink import AnnotatedVideoSink

    with VideoFileSource(video) as source, PoseEstimator(model, settings) as estimator:
        pipeline = Pipeline(exercise, estimator)
        status = f"{exercise.name}: {exercise.signal_label}"
        bar = ProgressBar(source.frame_count, f"Analysing {source.name}") if progress else None
        series_t, series = [], {"trunk": [], "hip": [], "knee": []}
        t_decode = t_infer = t_rest = 0.0
        last_t = 0.0
        video = AnnotatedVideoSink(paths["video"], source.fps) if write_video else None
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
                    if video is not None:
                        video.write(frame.image, result.keypoints, result.angles, result.feedback, status)
                    series_t.append(frame.t_s)
                    series["trunk"].append(result.angles.trunk_inclination_deg)
                    series["hip"].append(result.angles.hip_angle_deg)
                    series["knee"].append(result.angles.knee_angle_deg)
                    last_t = frame.t_s
                    t3 = time.perf_counter()
                    t_decode += t1 - t0
                    t_infer += t2 - t1
                    t_rest += t3 - t2
                    if bar:
                        bar.update(pipeline.frames, last_t)
        finally:
            if video is not None:
                video.close()
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
        "video_thread_cpu_ms_per_frame": round(1000 * video.cpu_s / n, 2) if video else 0.0,
        "speed_x_real_time": round(duration / wall, 2) if wall else None,
    }
    _write_plot(paths["plot"], series_t, series, pipeline, exercise)
    report = build_report(exercise, pipeline.analyzer, source=str(video), frames=n,
                          detected_frames=pipeline.detected_frames, duration_s=duration, fps=fps,
                          timing=timing, outputs={k: str(p) for k, p in paths.items()})
    write_json(paths["report"], report)
    if pipeline.detected_frames == 0:
        raise FormcheckError(f"No person was found in {video}.",
                             "Film the whole body side-on, in good light, with one person in view. "
                             f"(Outputs for the empty run are in {out}.)")
    return report


def _write_plot(path: Path, t, series: dict, pipeline: Pipeline, exercise) -> None:
    from .plot import plot_angles

    labels = {"trunk": "trunk inclination (deg)", "hip": "hip angle (deg)", "knee": "knee angle (deg)"}
    main = {"trunk_inclination_deg": "trunk", "hip_angle_deg": "hip", "knee_angle_deg": "knee"}.get(
        exercise.signal_field, "trunk")
    order = [main] + [k for k in series if k != main]
    plot_angles(path, np.asarray(t), {labels[k]: np.asarray(series[k], dtype=float) for k in order},
                [r.as_dict() for r in pipeline.analyzer.reps], signal_name=labels[main],
                target_deg=exercise.target_deg, limit_deg=exercise.limit_deg,
                title=f"{exercise.name}: {len(pipeline.analyzer.reps)} reps")
