"""Command line: `formcheck analyze | live | exercises | demo | eval | record-landmarks`."""
from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path

from . import __version__
from .errors import FormcheckError
from .native_logs import filter_native_logs

EXIT_USER_ERROR = 2
DEMO_CLIP = "standing_flexion_1.mp4"


def samples_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "samples"


def _print_report(report: dict, out: Path | None = None) -> None:
    sig = report["measured_signal"]
    by_side = report.get("reps_by_side")
    sides = f" ({', '.join(f'{k} {v}' for k, v in by_side.items())})" if by_side else ""
    per_side = " per side" if by_side else ""
    print(f"{report['exercise_name']} [{report['level']}]: {report['reps']} repetitions{sides} "
          f"(target {report['target_reps']}{per_side}), {report['detected_frames']}/{report['frames']} frames "
          "with a person")
    if sig["expected_error_deg"] is not None:
        print(f"Measured: {sig['name']} ({sig['unit']}), expected error about {sig['expected_error_deg']:.0f} deg")
    else:
        print(f"Measured: {sig['description']}")
    for rep in report["rep_details"]:
        warn = ", ".join(rep["warnings"]) or "ok"
        side = f" {rep['side']}" if rep.get("side") else ""
        print(f"  rep {rep['index']}{side}: {rep['start_s']:6.1f}-{rep['end_s']:5.1f} s  peak {rep['peak_angle_deg']:6.1f} deg"
              f"  hold {rep['hold_s']:4.1f} s  {warn}")
    timing = report.get("timing") or {}
    if timing.get("speed_x_real_time"):
        print(f"Speed: {timing['speed_x_real_time']}x real time")
    if out:
        print(f"Outputs in {out}/: " + ", ".join(Path(p).name for p in report["outputs"].values()))


def cmd_analyze(args) -> int:
    from .analyze import analyze_video

    report = analyze_video(args.video, args.exercise, args.out, model=args.model,
                           exercises_dir=args.exercises_dir, write_video=not args.no_video,
                           progress=not args.quiet)
    _print_report(report, Path(args.out))
    return 0


def cmd_demo(args) -> int:
    from .analyze import analyze_video

    clip = samples_dir() / DEMO_CLIP
    if not clip.exists():
        raise FormcheckError(f"The demo clip is missing: {clip}.", "Restore it with `git checkout -- samples/`.")
    print(f"Demo: analysing the bundled clip {clip.name} (a rendered person doing standing flexion).")
    report = analyze_video(clip, "standing_flexion", args.out, model=args.model, progress=not args.quiet)
    _print_report(report, Path(args.out))
    print(f"Open {Path(args.out) / 'annotated.mp4'} in a video player or browser to see the overlay.")
    return 0


def cmd_live(args) -> int:
    from .live import run_live

    report = run_live(args.exercise, camera=args.camera, source_file=args.source, window=not args.no_window,
                      model=args.model, out_dir=args.out, exercises_dir=args.exercises_dir)
    print(f"{report['exercise_name']}: {report['reps']} repetitions. Log and report in {report['outputs']['folder']}")
    return 130 if report.get("interrupted") else 0


def cmd_session(args) -> int:
    from .session_run import run_session

    summary = run_session(args.routine, camera=args.camera, source_file=args.source, source_end=args.source_end,
                          keys_file=args.keys, window=not args.no_window, data_dir=args.data_dir,
                          audio=not args.no_audio, model=args.model, exercises_dir=args.exercises_dir)
    for line in summary["lines"]:
        print(line)
    timing = summary["timing"]
    if timing["latency_ms_median"] is not None:
        print(f"Display {timing['display_fps']} fps, pose {timing['pose_updates_per_s']} updates/s, camera-to-overlay "
              f"latency {timing['latency_ms_median']:.0f} ms median, {timing['latency_ms_p95']:.0f} ms 95th percentile.")
    print(f"Log and summary in {summary['folder']} (open summary.html in a browser).")
    return 130 if summary["end_reason"] == "interrupted" else 0


def cmd_exercises(args) -> int:
    from .exercises import load_exercises

    print("Levels: measured = angle, reps and holds validated on clips with known truth; "
          "tracked = counted and timed, angle less reliable; timer = the camera cannot measure it, "
          "formcheck times and guides.\n")
    for ex in load_exercises(args.exercises_dir).values():
        per_side = " per side" if ex.sides else ""
        print(f"{ex.id:20s} {ex.name} [{ex.level}] view: {ex.view}")
        if ex.measures:
            print(f"{'':20s} measures {ex.signal_label} (about +-{ex.expected_error_deg:.0f} deg); "
                  f"target {ex.target_reps} reps{per_side}, hold {ex.hold_s:g} s")
        else:
            print(f"{'':20s} timed: hold {ex.hold_s:g} s" + (f", never more than {ex.hold_cap_s:g} s"
                                                            if ex.hold_cap_s else ""))
        if ex.level_reason:
            print(f"{'':20s} why {ex.level}: {ex.level_reason}")
        print(f"{'':20s} {ex.summary}")
    return 0


def cmd_record(args) -> int:
    from .record import record_landmarks

    for clip in args.clips:
        path, rec = record_landmarks(clip, out=args.out if len(args.clips) == 1 else None, model=args.model)
        print(f"{clip}: {len(rec)} frames, {int(rec.detected.sum())} with a person -> {path}")
    return 0


def cmd_eval(args) -> int:
    from .evaluate import baseline_from, collect, compare, evaluate, table
    from .report import write_json

    paths = collect(list(args.paths) + ([args.clips_dir] if args.clips_dir else []) or [samples_dir()])
    results = []
    for i, path in enumerate(paths, 1):
        if not args.quiet:
            print(f"[{i}/{len(paths)}] {path.name}", file=sys.stderr, flush=True)
        results.append(evaluate(path, replay=args.replay, model=args.model, exercises_dir=args.exercises_dir))
    print(table(results))
    folder = paths[0].parent
    baseline_path = args.baseline or folder / "eval_baseline.json"
    if args.update_baseline:
        write_json(baseline_path, baseline_from(results))
        print(f"Baseline written: {baseline_path}")
    baseline = json.loads(baseline_path.read_text()) if baseline_path.exists() else {}
    problems = compare(results, baseline)
    write_json(args.json, {"results": [r.as_dict() for r in results], "baseline": str(baseline_path),
                           "regressions": problems})
    print(f"Results: {args.json}" + ("" if baseline else " (no baseline: counts checked against the truth only)"))
    for problem in problems:
        print(f"REGRESSION {problem}")
    if problems:
        print(f"formcheck eval: {len(problems)} regression(s) against {baseline_path}.", file=sys.stderr)
        return 1
    print(f"All {len(results)} clips within the baseline's tolerances.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="formcheck",
        description="Camera-based exercise form checker for a low-back (spinal stenosis) home programme. "
                    "Measures trunk inclination and joint angles from a side view; it does not replace a clinician.")
    parser.add_argument("--version", action="version", version=f"formcheck {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def common(p):
        p.add_argument("--model", type=Path, help="a MediaPipe pose landmarker .task bundle (default: models/ bundled)")
        p.add_argument("--exercises-dir", type=Path, help="folder of extra exercise definition .toml files")

    p = sub.add_parser("analyze", help="analyse a recorded video: annotated video, report.json, angles.csv, plot")
    p.add_argument("video", type=Path)
    p.add_argument("--exercise", "-e", required=True, help="exercise id (see `formcheck exercises`)")
    p.add_argument("--out", "-o", type=Path, default=Path("formcheck-out"), help="output folder (default: formcheck-out)")
    p.add_argument("--no-video", action="store_true", help="skip the annotated video (faster)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    common(p)
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("live", help="exercise in front of the webcam with live feedback")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--camera", type=int, default=0, help="camera index (default 0)")
    src.add_argument("--source", type=Path, help="a video file standing in for the camera (played at real time)")
    p.add_argument("--exercise", "-e", required=True)
    p.add_argument("--no-window", action="store_true", help="run without a window (headless, for tests)")
    p.add_argument("--out", "-o", type=Path, help="session folder (default: a new folder in the user data folder)")
    common(p)
    p.set_defaults(func=cmd_live)

    p = sub.add_parser("session", help="a guided session: safety questions, then each exercise of a routine")
    p.add_argument("--routine", default="default",
                   help="'default' (the flexion-biased programme) or a routine .toml file (see README)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--camera", type=int, default=0, help="camera index (default 0)")
    src.add_argument("--source", type=Path, help="a video file standing in for the camera (played at real time, looped)")
    p.add_argument("--source-end", choices=("loop", "stop"), default="loop",
                   help="when --source ends: loop it (default) or act like an unplugged camera")
    p.add_argument("--keys", type=Path, help="key presses from a file: one 'SECONDS KEY' per line")
    p.add_argument("--no-window", action="store_true", help="run without a window (with --keys, for tests)")
    p.add_argument("--no-audio", action="store_true", help="no tones or speech")
    p.add_argument("--data-dir", type=Path,
                   help="data folder; sessions go in DATA_DIR/sessions/ (default: the user data folder)")
    common(p)
    p.set_defaults(func=cmd_session)

    p = sub.add_parser("exercises", help="list the exercises and what each measures")
    p.add_argument("--exercises-dir", type=Path, help="folder of extra exercise definition .toml files")
    p.set_defaults(func=cmd_exercises)

    p = sub.add_parser("demo", help="analyse a bundled sample clip (no arguments needed)")
    p.add_argument("--out", "-o", type=Path, default=Path("formcheck-demo"), help="output folder (default: formcheck-demo)")
    p.add_argument("--model", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("eval", help="score analyzers on clips with known truth against a baseline")
    p.add_argument("paths", type=Path, nargs="*", help="clips, recordings or folders (default: samples/)")
    p.add_argument("--clips-dir", type=Path, help="a folder of clips with truth files (same as giving it as a path)")
    p.add_argument("--replay", action="store_true",
                   help="use CLIP.landmarks.npz recordings where present instead of running the model (fast)")
    p.add_argument("--baseline", type=Path, help="baseline file (default: eval_baseline.json in the clips' folder)")
    p.add_argument("--update-baseline", action="store_true", help="write the current results as the baseline")
    p.add_argument("--json", type=Path, default=Path("formcheck-eval.json"), help="where to write the results")
    p.add_argument("--quiet", "-q", action="store_true", help="no per-clip progress lines")
    common(p)
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("record-landmarks", help="save the model's landmarks for clips (for fast analyzer tests)")
    p.add_argument("clips", type=Path, nargs="+")
    p.add_argument("--out", "-o", type=Path, help="output file (one clip only; default: CLIP.landmarks.npz beside it)")
    p.add_argument("--model", type=Path)
    p.set_defaults(func=cmd_record)
    return parser


def _stop_on_sigterm(signum, frame) -> None:
    # A polite kill (logout, `kill`, a service manager) ends a run like Ctrl-C: logs are closed
    # with an "interrupted" record and the summary is written.
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USER_ERROR
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        with filter_native_logs():
            return args.func(args)
    except FormcheckError as exc:
        print(f"formcheck: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("formcheck: stopped.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
