"""Command line: `formcheck analyze | live | session | history | exercises | demo | eval | record-landmarks`."""
from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading
from pathlib import Path

from formcheck import __version__
from formcheck.core.errors import FormcheckError
from formcheck.core.processes import available_cores
from formcheck.pose.native_logs import filter_native_logs, quiet_environment

quiet_environment()  # before any command imports OpenCV or MediaPipe

EXIT_USER_ERROR = 2
MAX_POSES = 4  # pose.estimators.MAX_POSES (not imported: the parser must not load OpenCV)


MAX_JOBS = 64


def _whole_number(lo: int, hi: int):
    """An argparse type: a whole number from ``lo`` to ``hi``, or a one-line error saying so."""
    def parse(text: str) -> int:
        try:
            n = int(text)
        except ValueError:
            n = lo - 1
        if not lo <= n <= hi:
            raise argparse.ArgumentTypeError(f"must be a whole number from {lo} to {hi}, not {text!r}")
        return n
    return parse


def _poses_option(p, default: int, why: str) -> None:
    p.add_argument("--poses", type=_whole_number(1, MAX_POSES), default=default, metavar="N",
                   help=f"how many people the model may find (1-{MAX_POSES}, default {default}: {why}); formcheck "
                        "follows the person it started with. 2 notices someone else in view, at up to twice the "
                        "model time per frame (README, 'Pose settings')")


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

    def history_options(p):
        p.add_argument("--data-dir", type=Path,
                       help="data folder holding history.sqlite3 and sessions/ (default: the user data folder)")
        p.add_argument("--no-history", action="store_true", help="do not record this run in the history")

    p = sub.add_parser("analyze", help="analyse recorded videos: annotated video, report.json and report.html, "
                                       "angles.csv, plot; several videos or a folder get an index.html")
    p.add_argument("video", type=Path, nargs="+", help="a video, several, or a folder of videos")
    p.add_argument("--exercise", "-e", required=True, help="exercise id (see `formcheck exercises`)")
    p.add_argument("--out", "-o", type=Path, default=Path("formcheck-out"),
                   help="output folder (default: formcheck-out); with several videos, one subfolder each")
    p.add_argument("--no-video", action="store_true", help="skip the annotated video (faster)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    _poses_option(p, 2, "someone else may be in the video; 1 is faster and as formcheck eval measures")
    p.add_argument("--jobs", "-j", type=_whole_number(1, MAX_JOBS), default=available_cores(), metavar="N",
                   help=f"processes to use (default {available_cores()}, the cores available): one video's pose model "
                        "runs on N processes, several videos run N at a time; 1 uses this process only")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="run each video on this Dask cluster instead (needs formcheck[cluster]; README, "
                        "'Many videos'); the outputs are written here")
    history_options(p)
    common(p)
    p.set_defaults(func="analyze:cmd_analyze")

    p = sub.add_parser("live", help="exercise in front of the webcam with live feedback")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--camera", type=int, default=0, help="camera index (default 0)")
    src.add_argument("--source", type=Path, help="a video file standing in for the camera (played at real time)")
    p.add_argument("--exercise", "-e", required=True)
    p.add_argument("--no-window", action="store_true", help="run without a window (headless, for tests)")
    p.add_argument("--out", "-o", type=Path, help="session folder (default: a new folder in DATA_DIR/sessions/)")
    _poses_option(p, 2, "someone may walk in")
    history_options(p)
    common(p)
    p.set_defaults(func="live:cmd_live")

    p = sub.add_parser("session", help="a guided session: safety questions, then each exercise of a routine")
    p.add_argument("--routine", default="default",
                   help="'default' (the flexion-biased programme) or a routine .toml file (see README)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--camera", type=int, default=0, help="camera index (default 0)")
    src.add_argument("--source", type=Path,
                     help="a video file standing in for the camera (played at real time, looped)")
    p.add_argument("--source-end", choices=("loop", "stop"), default="loop",
                   help="when --source ends: loop it (default) or act like an unplugged camera")
    p.add_argument("--keys", type=Path, help="key presses from a file: one 'SECONDS KEY' per line")
    p.add_argument("--no-window", action="store_true", help="run without a window (with --keys, for tests)")
    p.add_argument("--no-audio", action="store_true", help="no tones or speech")
    p.add_argument("--data-dir", type=Path,
                   help="data folder; sessions go in DATA_DIR/sessions/ (default: the user data folder)")
    _poses_option(p, 2, "someone may walk in")
    common(p)
    p.set_defaults(func="session:cmd_session")

    p = sub.add_parser("history", help="past runs from the local history; trend, plot, page, CSV")
    p.add_argument("--exercise", "-e", help="only this exercise, with its trend")
    p.add_argument("--plot", type=Path, metavar="FILE.png", help="draw progress over the weeks into a PNG")
    p.add_argument("--html", type=Path, metavar="FILE", help="write a self-contained progress page")
    p.add_argument("--csv", type=Path, metavar="FILE", help="export the runs for a spreadsheet")
    p.add_argument("--rebuild", action="store_true",
                   help="rebuild the history from the session logs and the recorded reports")
    p.add_argument("--data-dir", type=Path, help="data folder (default: the user data folder)")
    p.add_argument("--exercises-dir", type=Path, help="folder of extra exercise definition .toml files")
    p.set_defaults(func="history:cmd_history")

    p = sub.add_parser("exercises", help="list the exercises and what each measures")
    p.add_argument("--exercises-dir", type=Path, help="folder of extra exercise definition .toml files")
    p.set_defaults(func="exercises:cmd_exercises")

    p = sub.add_parser("demo", help="analyse a bundled sample clip (no arguments needed)")
    p.add_argument("--out", "-o", type=Path, default=Path("formcheck-demo"),
                   help="output folder (default: formcheck-demo)")
    p.add_argument("--model", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(func="analyze:cmd_demo")

    p = sub.add_parser("eval", help="score analyzers on clips with known truth against a baseline")
    p.add_argument("paths", type=Path, nargs="*", help="clips, recordings or folders (default: samples/)")
    p.add_argument("--clips-dir", type=Path, help="a folder of clips with truth files (same as giving it as a path)")
    p.add_argument("--replay", action="store_true",
                   help="use CLIP.landmarks.npz recordings where present instead of running the model (fast)")
    p.add_argument("--baseline", type=Path, help="baseline file (default: eval_baseline.json in the clips' folder)")
    p.add_argument("--update-baseline", action="store_true",
                   help="write the current results as the baseline; clips that miss an absolute limit need a "
                        "known-failure reason (carried over from the old baseline, or --known-failure)")
    p.add_argument("--known-failure", action="append", default=[], metavar="CLIP=REASON",
                   help="with --update-baseline: list CLIP as a known failure, with a short REASON (repeatable)")
    p.add_argument("--json", type=Path, default=Path("formcheck-eval.json"), help="where to write the results")
    p.add_argument("--quiet", "-q", action="store_true", help="no per-clip progress lines")
    common(p)
    p.set_defaults(func="eval:cmd_eval")

    p = sub.add_parser("record-landmarks", help="save the model's landmarks for clips (for fast analyzer tests)")
    p.add_argument("clips", type=Path, nargs="+")
    p.add_argument("--out", "-o", type=Path, help="output file (one clip only; default: CLIP.landmarks.npz beside it)")
    p.add_argument("--model", type=Path)
    _poses_option(p, 1, "as the samples' recordings; 2 keeps everyone found, to replay two-person clips")
    p.set_defaults(func="record:cmd_record")
    for p in sub.choices.values():  # every command speaks the person's language (README, "Languages")
        p.add_argument("--language", metavar="LANG",
                       help="en, zh-TW or ko (default: the routine's language, else your locale, else en)")
    return parser


def _command(reference: str):
    """The function behind "module:function": command modules load only when their command runs,
    so `formcheck --help` stays quick and one command's imports cannot break another."""
    module, name = reference.split(":")
    return getattr(importlib.import_module(f"formcheck.commands.{module}"), name)


def _set_language(explicit: str | None) -> None:
    """``--language``, else the locale (a session's routine may still choose: session.runner)."""
    from formcheck.i18n import parse_language, set_language, system_language

    set_language(parse_language(explicit) if explicit else system_language() or "en")


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
            _set_language(getattr(args, "language", None))
            return _command(args.func)(args)
        except FormcheckError as exc:
            print(f"formcheck: {exc}", file=sys.stderr)
            return EXIT_USER_ERROR
        except KeyboardInterrupt:
            print("formcheck: stopped.", file=sys.stderr)
            return 130
        except BrokenPipeError:  # `formcheck exercises | head`: the reader has gone, nothing to say
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
        except Exception as exc:  # a bug: one line for the user, the details in a file for us
            report = _write_crash_report(exc, native.lines)
            first_line = str(exc).splitlines()[0] if str(exc) else ""
            print(f"formcheck: unexpected error ({type(exc).__name__}: {first_line}). "
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
