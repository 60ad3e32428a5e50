"""`formcheck analyze`: a video file in, an annotated video and a report out."""
from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

from formcheck.analysis.frame_loop import FrameTimings, run_frames
from formcheck.analysis.pipeline import Pipeline
from formcheck.analysis.report import AnglesCsvWriter, build_report
from formcheck.analysis.spine import keep_outline
from formcheck.assets import demo_clip_path
from formcheck.core.errors import FormcheckError
from formcheck.definitions.exercises import get_exercise
from formcheck.i18n import count_text, t
from formcheck.io.outputs import ensure_writable_dir, write_json
from formcheck.io.sources import VideoFileSource
from formcheck.pose.estimators import PoseSettings
from formcheck.pose.parallel import pose_estimator_for
from formcheck.ui.progress import ProgressBar

OUTPUT_NAMES = {"video": "annotated.mp4", "report": "report.json", "angles": "angles.csv", "plot": "angles.png",
                "page": "report.html"}
VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm")  # what a folder given to `analyze` is searched for


def analyze_video(video: str | Path, exercise_id: str, out_dir: str | Path, *, model: Path | None = None,
                  exercises_dir: Path | None = None, write_video: bool = True, progress: bool = True,
                  settings: PoseSettings | None = None, jobs: int = 1) -> dict:
    """Run the whole pipeline on a file; returns the report (also written to ``out_dir``)."""
    exercise = get_exercise(exercise_id, exercises_dir)  # fail fast, before the slow parts
    if exercise.measures_spine:  # the back's outline needs the model's segmentation masks (analysis.spine)
        from dataclasses import replace

        settings = replace(settings or PoseSettings(), segmentation_masks=True)

    from formcheck.io.video_sink import AnnotatedVideoSink

    # With pose worker processes, each mask becomes its outline there: 230 bytes to send, not 0.3 MB.
    reduce_pose = keep_outline if exercise.measures_spine else None
    with VideoFileSource(video) as source, pose_estimator_for(source, model, settings, jobs,
                                                              reduce_pose) as estimator:
        # Only once the input and the model are known to be good: a bad input leaves no folder.
        out = ensure_writable_dir(Path(out_dir))
        paths = {key: out / name for key, name in OUTPUT_NAMES.items()}
        if not write_video:
            paths.pop("video")
        pipeline = Pipeline(exercise, estimator)
        status = f"{exercise.name}: {exercise.signal_label}"
        bar = ProgressBar(source.frame_count, t("Analysing {video}", video=source.name)) if progress else None
        series_t, series_angles, series_timer = [], [], []
        timings = FrameTimings()
        last_t = 0.0
        sink = AnnotatedVideoSink(paths["video"], source.fps) if write_video else None
        try:
            with AnglesCsvWriter(paths["angles"]) as csv_out:
                # ``closing``: the model's frame in flight is finished before the estimator closes.
                with contextlib.closing(run_frames(source, estimator, pipeline, timings, overlap=True)) as steps:
                    for step in steps:
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
        "pose_processes": getattr(estimator, "processes", 1),
    }
    from formcheck.ui.plot import write_plot  # imports matplotlib: not before it is needed

    write_plot(paths["plot"], exercise, series_t, series_angles, series_timer, pipeline.analyzer.reps)
    report = build_report(exercise, pipeline.analyzer, source=str(video), frames=n,
                          detected_frames=pipeline.detected_frames, duration_s=duration, fps=fps,
                          timing=timing, outputs={k: str(p) for k, p in paths.items()})
    # Say when frames were scaled down for analysis (the annotated video is at the analysed size).
    report["frame_size"] = {"source": list(source.size), "analysed": list(source.analysed_size)}
    write_json(paths["report"], report)
    from formcheck.io.report_page import write_report_page

    write_report_page(report, out)  # before the check below: an empty run's page says what was seen
    if pipeline.detected_frames == 0:
        raise FormcheckError(f"No person was found in {video}.",
                             "Film the whole body side-on, in good light, with one person in view. "
                             f"(Outputs for the empty run are in {out}.)")
    return report


def _repetitions(n: int) -> str:
    return count_text(n, "1 repetition", "{n} repetitions")


def print_report(report: dict, out: Path | None = None) -> None:
    """The run in a few lines, in the active language (warning codes and file names as they are)."""
    from formcheck.core.text import name_with_unit, with_unit
    from formcheck.i18n import SOURCE, get_language
    from formcheck.io.report_page import frames_text, side_name

    sig = report["measured_signal"]
    unit = sig.get("unit") or "deg"
    ascii_only = get_language() == SOURCE  # "°" where the terminal shows Chinese or Korean anyway
    target_hold = report.get("target_hold_s") or 0.0
    hold_target = t(", hold {seconds} s", seconds=f"{target_hold:g}") if target_hold > 0 else ""
    frames = t("{detected}/{frames} with a person", detected=report["detected_frames"],
               frames=frames_text(report["frames"]))
    name, level = t(report["exercise_name"]), t(report["level"])
    if sig.get("field") is None:  # a timer exercise: nothing is counted
        print(t("{name} [{level}]: timed{hold}, {frames}", name=name, level=level, hold=hold_target, frames=frames))
    else:
        by_side = report.get("reps_by_side")
        sides = (t(" ({sides})", sides=t(", ").join(f"{side_name(k)} {v}" for k, v in by_side.items()))
                 if by_side else "")
        target = _repetitions(report["target_reps"])
        if by_side:
            target = t("{reps} per side", reps=target)
        print(t("{name} [{level}]: {reps}{sides} (target {target}{hold}), {frames}", name=name, level=level,
                reps=_repetitions(report["reps"]), sides=sides, target=target, hold=hold_target, frames=frames))
    if sig["expected_error_deg"] is not None:
        print(t("Measured: {signal}, expected error about {error}",
                signal=name_with_unit(t(sig["name"]), unit, ascii_only=ascii_only),
                error=with_unit(sig["expected_error_deg"], unit, ascii_only=ascii_only)))
    else:
        print(t("Measured: {description}", description=t(sig["description"])))
    for rep in report["rep_details"]:
        warn = ", ".join(rep["warnings"]) or t("ok")
        side = f" {side_name(rep['side'])}" if rep.get("side") else ""
        hold = t("  hold {seconds} s", seconds=f"{rep['hold_s']:4.1f}") if target_hold > 0 else ""
        print(t("  rep {n}{side}: {start}-{end} s  peak {peak}{hold}  {warnings}", n=rep["index"], side=side,
                start=f"{rep['start_s']:6.1f}", end=f"{rep['end_s']:5.1f}",
                peak=with_unit(rep["peak_angle_deg"], unit, "6.1f", ascii_only=ascii_only), hold=hold,
                warnings=warn))
    timing = report.get("timing") or {}
    if timing.get("speed_x_real_time"):
        print(t("Speed: {speed}x real time", speed=timing["speed_x_real_time"]))
    if out:
        print(t("Outputs in {folder}/: {files}", folder=out,
                files=", ".join(Path(p).name for p in report["outputs"].values())))


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def record_history(report: dict, data_dir: str | Path | None) -> None:
    """Add an analysis to the history (``formcheck history``); a history that cannot be written
    costs a warning line, not the analysis (``--rebuild`` can add it later)."""
    from formcheck.history.rebuild import run_from_report
    from formcheck.history.store import record_quietly

    record_quietly([run_from_report(report, Path(report["outputs"]["report"]))],
                   Path(data_dir) if data_dir else None, _stderr)


def analyze_one(video: str, exercise_id: str, out_dir: str, options: dict) -> dict:
    """One video of a batch, as plain data in and out (so a process pool can map it later).

    ``options``: ``analyze_video``'s keyword arguments as plain values (``model``,
    ``exercises_dir``, ``write_video``, ``progress``, ``poses``) plus ``history`` (record it) and
    ``data_dir``. Returns {"video", "folder", "ok", "error", "report", "page"}; a user-fixable
    problem with this video is its ``error``, never an exception (and ``error_parts``, its
    problem and fix, for ``error_line``).
    """
    opts = dict(options)
    history, data_dir = opts.pop("history", True), opts.pop("data_dir", None)
    poses = opts.pop("poses", 2)
    out = Path(out_dir)
    result = {"video": str(video), "folder": str(out), "ok": False, "error": None, "report": None, "page": False}
    try:
        report = analyze_video(video, exercise_id, out, settings=PoseSettings(num_poses=poses), **opts)
        result.update(ok=True, report=report)
        if history:
            record_history(report, data_dir)
    except FormcheckError as exc:
        # In English (the worker's language) and as its parts, so that where it is printed it can be
        # translated like any FormcheckError (``error_line``; the exception itself does not pickle whole).
        result["error"], result["error_parts"] = str(exc), [exc.problem, exc.fix]
        if (out / "report.json").is_file():  # no person found: the run's outputs are still there
            result["report"] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    result["page"] = (out / OUTPUT_NAMES["page"]).is_file()
    return result


def collect_videos(paths: list[Path]) -> tuple[list[Path], bool]:
    """The videos to analyse and whether this is a batch (several videos, or a folder)."""
    if len(paths) == 1 and not Path(paths[0]).is_dir():
        return [Path(paths[0])], False  # one file (or a missing one: analyze_video says so)
    videos: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")
                           and p.suffix.lower() in VIDEO_SUFFIXES)
            if not found:
                raise FormcheckError(f"No videos ({', '.join(VIDEO_SUFFIXES)}) in the folder {path}.",
                                     "Give video files, or a folder that holds some.")
            videos += found
        else:
            videos.append(path)
    return videos, True


def batch_folders(videos: list[Path], out: Path) -> list[Path]:
    """One output folder per video, named after it: clip.mp4 -> OUT/clip, a second clip -> OUT/clip-2."""
    used: set[str] = set()
    folders = []
    for video in videos:
        stem = video.stem or "video"
        name, n = stem, 1
        while name.lower() in used or name == "index.html":
            n += 1
            name = f"{stem}-{n}"
        used.add(name.lower())
        folders.append(out / name)
    return folders


def error_line(result: dict) -> str:
    """A failed video's error in the active language: a FormcheckError's problem and fix
    (``error_parts``), else the batch's own words (``batch._failed``: its catalogue template)."""
    from formcheck.i18n import error_text

    parts = result.get("error_parts")
    if parts:
        return error_text(FormcheckError(*parts))
    return t(result.get("error") or "", context="problem")


def _batch_line(result: dict) -> str:
    from formcheck.io.report_page import reps_text

    report = result["report"]
    holds = [r["hold_s"] for r in report["rep_details"]] if report.get("target_hold_s") else []
    warned = sum(1 for r in report["rep_details"] if r["warnings"])
    return (t("{video}: {name} {reps} reps", video=Path(result["video"]).name, name=t(report["exercise_name"]),
              reps=reps_text(report))
            + (t(", holds {seconds} s", seconds=", ".join(f"{h:.1f}" for h in holds)) if holds else "")
            + (t(", {n} with warnings", n=warned) if warned else "")
            + f" -> {Path(result['folder']) / OUTPUT_NAMES['page']}")


def run_batch(videos: list[Path], args) -> int:
    """Every video into its own folder under ``--out``, then ``index.html``: in this process,
    on ``--jobs`` processes (one video each), or on the Dask cluster of ``--scheduler``."""
    from formcheck.batch import VideoTask, connect, run_dask, run_local
    from formcheck.io.outputs import ensure_writable_dir
    from formcheck.io.report_page import write_index_page
    from formcheck.pose.model import check_model

    get_exercise(args.exercise, args.exercises_dir)  # a wrong exercise or model fails once, before any video
    check_model(args.model)
    client = connect(args.scheduler) if args.scheduler else None
    out = ensure_writable_dir(Path(args.out))
    jobs = min(args.jobs, len(videos))
    history = not args.no_history
    # Several at once: one progress bar for the batch rather than one per video, interleaved.
    per_video_bar = not args.quiet and jobs <= 1 and client is None
    options = {"model": args.model, "exercises_dir": args.exercises_dir, "write_video": not args.no_video,
               "progress": per_video_bar, "poses": args.poses, "history": history, "data_dir": args.data_dir}
    tasks = [VideoTask(str(video), args.exercise, str(folder), options)
             for video, folder in zip(videos, batch_folders(videos, out), strict=True)]
    where = (t("the cluster at {address}", address=args.scheduler) if client
             else t("{n} processes", n=jobs) if jobs > 1 else None)
    bar = (ProgressBar(len(tasks), t("Analysing on {where}", where=where), unit="videos")
           if where and not args.quiet else None)
    done = 0

    def report_one(result: dict) -> None:
        nonlocal done
        done += 1
        if result["ok"]:
            if client is not None and history:  # the workers' machines keep no history of ours
                record_history(result["report"], args.data_dir)
            print(_batch_line(result), flush=True)
        else:
            _stderr(f"formcheck: {Path(result['video']).name}: {error_line(result)}")
        if bar:
            bar.update(done)

    try:
        if client is not None:
            results = run_dask(tasks, analyze_one, client, on_done=report_one)
        else:
            results = run_local(tasks, analyze_one, jobs, on_done=report_one)
    finally:
        if client is not None:
            client.close()
    if bar:
        bar.close(done)
    entries = [dict(r, folder=Path(r["folder"]).name, error=None if r["ok"] else error_line(r)) for r in results]
    index = write_index_page(entries, out)
    failed = [Path(r["video"]).name for r in results if not r["ok"]]
    print(t("{done} of {total} videos analysed", done=len(results) - len(failed), total=len(results))
          + (t("; failed: {videos}", videos=", ".join(failed)) if failed else "") + t(". Index: {path}", path=index))
    return 2 if failed else 0


def cmd_analyze(args) -> int:
    videos, batch = collect_videos(args.video)
    if batch:
        return run_batch(videos, args)
    if args.scheduler:
        return run_batch(videos, args)  # one video on a cluster is a batch of one
    report = analyze_video(videos[0], args.exercise, args.out, model=args.model,
                           exercises_dir=args.exercises_dir, write_video=not args.no_video,
                           progress=not args.quiet, settings=PoseSettings(num_poses=args.poses), jobs=args.jobs)
    if not args.no_history:
        record_history(report, args.data_dir)
    print_report(report, Path(args.out))
    size = report["frame_size"]
    if size["source"] != size["analysed"]:
        print(t("Frames were scaled from {source} to {analysed} for analysis (the model sees 256 px; the annotated "
                "video is at the analysed size).", source="{}x{}".format(*size["source"]),
                analysed="{}x{}".format(*size["analysed"])))
    return 0


def cmd_demo(args) -> int:
    clip = demo_clip_path()
    if not clip.exists():
        raise FormcheckError(f"The demo clip is missing: {clip}.",
                             "Reinstall formcheck (`python -m pip install --force-reinstall formcheck`).")
    print(t("Demo: analysing the bundled clip {clip} (a rendered person doing standing flexion).", clip=clip.name))
    report = analyze_video(clip, "standing_flexion", args.out, model=args.model, progress=not args.quiet)
    print_report(report, Path(args.out))
    print(t("Open {video} in a video player or browser to see the overlay.",
            video=Path(args.out) / "annotated.mp4"))
    return 0
