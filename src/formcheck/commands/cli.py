"""Command line: `formcheck analyze | live | exercises | demo | eval | record-landmarks`."""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path

from formcheck import __version__
from formcheck.assets import demo_clip_path
from formcheck.core.errors import FormcheckError
from formcheck.pose.native_logs import filter_native_logs, quiet_environment

quiet_environment()  # before any command imports OpenCV or MediaPipe

EXIT_USER_ERROR = 2


def default_clips_dir() -> Path:
    """``samples/`` of a source checkout, else ``./samples``: the clips ``formcheck eval`` scores by default."""
    for candidate in (Path(__file__).resolve().parents[3] / "samples", Path.cwd() / "samples"):
        if (candidate / "clips.json").is_file():
            return candidate
    raise FormcheckError("No clips given, and no samples/ folder with clips.json here.",
                         "Name clips or folders: formcheck eval CLIPS_OR_FOLDERS (see README, 'Testing on clips').")


def _print_report(report: dict, out: Path | None = None) -> None:
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
    from formcheck.commands.analyze import analyze_video

    report = analyze_video(args.video, args.exercise, args.out, model=args.model,
                           exercises_dir=args.exercises_dir, write_video=not args.no_video,
                           progress=not args.quiet)
    _print_report(report, Path(args.out))
    size = report["frame_size"]
    if size["source"] != size["analysed"]:
        print("Frames were scaled from {}x{} to {}x{} for analysis (the model sees 256 px; the annotated "
              "video is at the analysed size).".format(*size["source"], *size["analysed"]))
    return 0


def cmd_demo(args) -> int:
    from formcheck.commands.analyze import analyze_video

    clip = demo_clip_path()
    if not clip.exists():
        raise FormcheckError(f"The demo clip is missing: {clip}.",
                             "Reinstall formcheck (`python -m pip install --force-reinstall formcheck`).")
    print(f"Demo: analysing the bundled clip {clip.name} (a rendered person doing standing flexion).")
    report = analyze_video(clip, "standing_flexion", args.out, model=args.model, progress=not args.quiet)
    _print_report(report, Path(args.out))
    print(f"Open {Path(args.out) / 'annotated.mp4'} in a video player or browser to see the overlay.")
    return 0


def cmd_live(args) -> int:
    from formcheck.commands.live import run_live

    report = run_live(args.exercise, camera=args.camera, source_file=args.source, window=not args.no_window,
                      model=args.model, out_dir=args.out, exercises_dir=args.exercises_dir)
    from formcheck.core.text import plural

    print(f"{report['exercise_name']}: {plural(report['reps'], 'repetition')}. "
          f"Log and report in {report['outputs']['folder']}")
    return 130 if report.get("interrupted") else 0


def cmd_session(args) -> int:
    from formcheck.session.runner import run_session

    summary = run_session(args.routine, camera=args.camera, source_file=args.source, source_end=args.source_end,
                          keys_file=args.keys, window=not args.no_window, data_dir=args.data_dir,
                          audio=not args.no_audio, model=args.model, exercises_dir=args.exercises_dir)
    for line in summary["lines"]:
        print(line)
    # Display rate and latency are for developers: summary.json ("timing"), not the patient's screen.
    print(f"Log and summary in {summary['folder']} (open summary.html in a browser).")
    return 130 if summary["end_reason"] == "interrupted" else 0


def cmd_exercises(args) -> int:
    from formcheck.definitions.exercises import load_exercises
    from formcheck.core.text import plural, with_unit

    exercises = load_exercises(args.exercises_dir)  # a bad definition fails before anything is printed
    print("Levels: measured = angle, reps and holds validated on clips with known truth; "
          "tracked = counted and timed, angle less reliable; timer = the camera cannot measure it, "
          "formcheck times and guides.\n")
    for ex in exercises.values():
        per_side = " per side" if ex.sides else ""
        hold = f", hold {ex.hold_s:g} s" if ex.hold_s > 0 else ""
        print(f"{ex.id:20s} {ex.name} [{ex.level}] view: {ex.view}")
        if ex.measures:
            print(f"{'':20s} measures {ex.signal_label} (about +-{with_unit(ex.expected_error_deg, ex.unit, ascii_only=True)}); "
                  f"target {plural(ex.target_reps, 'repetition')}{per_side}{hold}")
        else:
            print(f"{'':20s} timed: hold {ex.hold_s:g} s" + (f", never more than {ex.hold_cap_s:g} s"
                                                            if ex.hold_cap_s else ""))
        if ex.level_reason:
            print(f"{'':20s} why {ex.level}: {ex.level_reason}")
        print(f"{'':20s} {ex.summary}")
    return 0


def cmd_record(args) -> int:
    from formcheck.commands.record import record_landmarks

    for clip in args.clips:
        path, rec = record_landmarks(clip, out=args.out if len(args.clips) == 1 else None, model=args.model)
        print(f"{clip}: {len(rec)} frames, {int(rec.detected.sum())} with a person -> {path}")
    return 0


def cmd_eval(args) -> int:
    from formcheck.evaluation.scoring import baseline_from, collect, compare, evaluate, table
    from formcheck.io.report import write_json

    paths = collect(list(args.paths) + ([args.clips_dir] if args.clips_dir else []) or [default_clips_dir()])
    results = []
    for i, path in enumerate(paths, 1):
        if not args.quiet:
            sys.stdout.flush()  # progress (stderr) and the table (stdout) never share a line
            print(f"[{i}/{len(paths)}] {path.name}", file=sys.stderr, flush=True)
        results.append(evaluate(path, replay=args.replay, model=args.model, exercises_dir=args.exercises_dir))
    print(table(results))
    baseline_path = args.baseline or paths[0].parent / "eval_baseline.json"
    if args.update_baseline:
        write_json(baseline_path, baseline_from(results))
        print(f"Baseline written: {baseline_path}")
    if baseline_path.exists():
        baseline = _read_baseline(baseline_path)
    elif args.baseline:
        raise FormcheckError(f"Baseline not found: {baseline_path}.",
                             "Check the --baseline path, or write one with --update-baseline.")
    else:
        baseline = None
    problems = compare(results, baseline or {})
    write_json(args.json, {"results": [r.as_dict() for r in results],
                           "baseline": str(baseline_path) if baseline is not None else None,
                           "regressions": problems})
    print(f"Results: {args.json}")
    if baseline is None:
        # Nothing to regress from: the truth itself is the bar (counts and evaluation errors).
        for problem in problems:
            print(f"MISS {problem}")
        print(f"No baseline ({baseline_path} does not exist; --update-baseline writes one): "
              "repetition counts were checked against the truth only.")
        if problems:
            print(f"formcheck eval: {len(problems)} clip(s) differ from the truth.", file=sys.stderr)
            return 1
        print(f"All {len(results)} clips count the true repetitions.")
        return 0
    for problem in problems:
        print(f"REGRESSION {problem}")
    if problems:
        print(f"formcheck eval: {len(problems)} regression(s) against {baseline_path}.", file=sys.stderr)
        return 1
    print(f"All {len(results)} clips within the tolerances of the baseline {baseline_path}.")
    return 0


def _read_baseline(path: Path) -> dict:
    try:
        baseline = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FormcheckError(f"Cannot read the baseline {path}: {exc}.",
                             "Restore it, or write a new one with --update-baseline.") from exc
    if not isinstance(baseline, dict):
        raise FormcheckError(f"The baseline {path} is not a JSON object of clips.",
                             "Write a new one with --update-baseline.")
    return baseline


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
    with filter_native_logs() as native:
        try:
            return args.func(args)
        except FormcheckError as exc:
            print(f"formcheck: {exc}", file=sys.stderr)
            return EXIT_USER_ERROR
        except KeyboardInterrupt:
            print("formcheck: stopped.", file=sys.stderr)
            return 130
        except Exception as exc:  # a bug: one line for the user, the details in a file for us
            report = _write_crash_report(exc, native.lines)
            print(f"formcheck: unexpected error ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}). "
                  f"Details are in {report}; please send that file with a bug report.", file=sys.stderr)
            return 1


def _write_crash_report(exc: BaseException, native_lines) -> Path:
    import tempfile
    import traceback

    fd, name = tempfile.mkstemp(prefix="formcheck-crash-", suffix=".txt")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(f"formcheck {__version__}, Python {sys.version.split()[0]}, argv {sys.argv}\n\n")
        fh.write("".join(traceback.format_exception(exc)))
        fh.write("\nNative library output (last lines):\n" + "\n".join(native_lines) + "\n")
    return Path(name)


if __name__ == "__main__":
    sys.exit(main())
