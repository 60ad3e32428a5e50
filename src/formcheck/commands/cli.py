"""Command line: `formcheck analyze | live | session | history | exercises | demo | eval | record-landmarks`."""
from __future__ import annotations

import argparse
import functools
import importlib
import os
import re
import signal
import sys
import threading
from pathlib import Path

from formcheck import __version__
from formcheck.core.errors import FormcheckError
from formcheck.core.processes import available_cores
from formcheck.core.text import wrap_to_width
from formcheck.i18n import set_language, t
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
            raise argparse.ArgumentTypeError(t("must be a whole number from {low} to {high}, not {text}",
                                               low=lo, high=hi, text=repr(text)))
        return n
    return parse


def _poses_option(p, default: int, why: str) -> None:
    p.add_argument("--poses", type=_whole_number(1, MAX_POSES), default=default, metavar="N",
                   help=t("how many people the model may find (1-{most}, default {default}: {why}); formcheck "
                          "follows the person it started with. 2 notices someone else in view, at up to twice the "
                          "model time per frame (README, 'Pose settings')", most=MAX_POSES, default=default, why=why))


def language_from_argv(argv: list[str] | None) -> str:
    """The language to build the parser in, known before the parser is: the last ``--language X``
    or ``--language=X`` (or a shorter spelling argparse accepts, ``--lang``), else the locale, else
    English. A value formcheck does not know gives English here; parsing then reports it."""
    from formcheck.i18n import SOURCE, normalize, system_language

    args = list(sys.argv[1:] if argv is None else argv)
    value = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        name, equals, rest = arg.partition("=")
        if len(name) >= 4 and "--language".startswith(name):
            value = rest if equals else (args[i + 1] if i + 1 < len(args) else "")
    if value is not None:
        return normalize(value) or SOURCE
    return system_language() or SOURCE


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's layout, in the active language, with lines wrapped by terminal columns (a Chinese
    character takes two and has no spaces to break at)."""

    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, t("usage: ") if prefix is None else prefix)

    def _split_lines(self, text, width):
        return wrap_to_width(text, width)

    def _fill_text(self, text, width, indent):
        return "\n".join(indent + line for line in wrap_to_width(text, width - len(indent)))


# argparse's own messages (Python 3.11+), as its source writes them ("%(value)r" is "{value}"
# here, "%s" a field named for what it holds): the catalogue's entries (context "argparse") are
# keyed by these. Only the words are translated: option names, values and choices in the fields
# are kept as typed. An ``ArgumentError`` is "argument {argument_name}: {message}" around one of
# the others, or around the text of an ``ArgumentTypeError`` formcheck wrote (translated already).
ARGPARSE_MESSAGES = (
    "argument {argument_name}: {message}",
    "unrecognized arguments: {args}",
    "the following arguments are required: {names}",
    "one of the arguments {names} is required",
    "ambiguous option: {option} could match {matches}",
    "unexpected option string: {option}",
    "invalid choice: {value} (choose from {choices})",
    "invalid {type} value: {value}",
    "expected one argument",
    "expected at most one argument",
    "expected at least one argument",
    "expected {count} argument",
    "expected {count} arguments",
    "not allowed with argument {other}",
    "ignored explicit argument {value}",
    "unknown parser {parser_name} (choices: {choices})",
)


@functools.cache
def _argparse_pattern(template: str) -> re.Pattern:
    pieces = re.split(r"\{(\w+)\}", template)  # literal, name, literal, name, ..., literal
    return re.compile("^" + "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(pieces))
                      + "$", re.DOTALL)


def argparse_text(message: str) -> str:
    """One of argparse's messages in the active language (``ARGPARSE_MESSAGES``); any other text as
    ``t`` has it (formcheck's own, or a newer Python's that has no entry yet: English)."""
    for template in ARGPARSE_MESSAGES:
        match = _argparse_pattern(template).match(message)
        if match:
            fields = match.groupdict()
            if "message" in fields:
                fields["message"] = argparse_text(fields["message"])
            return t(template, context="argparse", **fields)
    return t(message)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose own words (headings, -h, the error line) are in the active language."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)
        self._positionals.title = t("positional arguments")
        self._optionals.title = t("options")
        for action in self._actions:
            if "-h" in action.option_strings:
                action.help = t("show this help message and exit")

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(EXIT_USER_ERROR,
                  t("{prog}: error: {message}", prog=self.prog, message=argparse_text(message)) + "\n")


def build_parser() -> argparse.ArgumentParser:
    """The command line, its help in the active language (``main`` sets it from ``language_from_argv``)."""
    parser = _Parser(
        prog="formcheck",
        description=t("Camera-based exercise form checker for a low-back (spinal stenosis) home programme. "
                      "Measures trunk inclination and joint angles from a side view; it does not replace a "
                      "clinician."))
    parser.add_argument("--version", action="version", version=f"formcheck {__version__}",
                        help=t("show formcheck's version number and exit"))
    language_help = t("en, zh-TW or ko (default: the routine's language, else your locale, else en)")
    parser.add_argument("--language", metavar="LANG", help=language_help)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    extra_definitions = t("folder of extra exercise definition .toml files")
    no_progress = t("no progress bar")
    camera_index = t("camera index (default 0)")

    def common(p):
        p.add_argument("--model", type=Path,
                       help=t("a MediaPipe pose landmarker .task bundle (default: models/ bundled)"))
        p.add_argument("--exercises-dir", type=Path, help=extra_definitions)

    def history_options(p):
        p.add_argument("--data-dir", type=Path,
                       help=t("data folder holding history.sqlite3 and sessions/ (default: the user data folder)"))
        p.add_argument("--no-history", action="store_true", help=t("do not record this run in the history"))

    p = sub.add_parser("analyze", help=t("analyse recorded videos: annotated video, report.json and report.html, "
                                         "angles.csv, plot; several videos or a folder get an index.html"))
    p.add_argument("video", type=Path, nargs="+", help=t("a video, several, or a folder of videos"))
    p.add_argument("--exercise", "-e", required=True, help=t("exercise id (see `formcheck exercises`)"))
    p.add_argument("--out", "-o", type=Path, default=Path("formcheck-out"),
                   help=t("output folder (default: formcheck-out); with several videos, one subfolder each"))
    p.add_argument("--no-video", action="store_true", help=t("skip the annotated video (faster)"))
    p.add_argument("--quiet", "-q", action="store_true", help=no_progress)
    _poses_option(p, 2, t("someone else may be in the video; 1 is faster and as formcheck eval measures"))
    p.add_argument("--jobs", "-j", type=_whole_number(1, MAX_JOBS), default=available_cores(), metavar="N",
                   help=t("processes to use (default {jobs}, the cores available): one video's pose model runs "
                          "on N processes, several videos run N at a time; 1 uses this process only",
                          jobs=available_cores()))
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help=t("run each video on this Dask cluster instead (needs formcheck[cluster]; README, "
                          "'Many videos'); the outputs are written here"))
    history_options(p)
    common(p)
    p.set_defaults(func="analyze:cmd_analyze")

    p = sub.add_parser("live", help=t("exercise in front of the webcam with live feedback"))
    src = p.add_mutually_exclusive_group()
    src.add_argument("--camera", type=int, default=0, help=camera_index)
    src.add_argument("--source", type=Path,
                     help=t("a video file standing in for the camera (played at real time)"))
    p.add_argument("--exercise", "-e", required=True, help=t("exercise id (see `formcheck exercises`)"))
    p.add_argument("--no-window", action="store_true", help=t("run without a window (headless, for tests)"))
    p.add_argument("--out", "-o", type=Path,
                   help=t("session folder (default: a new folder in DATA_DIR/sessions/)"))
    _poses_option(p, 2, t("someone may walk in"))
    history_options(p)
    common(p)
    p.set_defaults(func="live:cmd_live")

    p = sub.add_parser("session", help=t("a guided session: safety questions, then each exercise of a routine"))
    p.add_argument("--routine", default="default",
                   help=t("'default' (the flexion-biased programme) or a routine .toml file (see README)"))
    src = p.add_mutually_exclusive_group()
    src.add_argument("--camera", type=int, default=0, help=camera_index)
    src.add_argument("--source", type=Path,
                     help=t("a video file standing in for the camera (played at real time, looped)"))
    p.add_argument("--source-end", choices=("loop", "stop"), default="loop",
                   help=t("when --source ends: loop it (default) or act like an unplugged camera"))
    p.add_argument("--keys", type=Path, help=t("key presses from a file: one 'SECONDS KEY' per line"))
    p.add_argument("--no-window", action="store_true", help=t("run without a window (with --keys, for tests)"))
    p.add_argument("--no-audio", action="store_true", help=t("no tones or speech"))
    p.add_argument("--data-dir", type=Path,
                   help=t("data folder; sessions go in DATA_DIR/sessions/ (default: the user data folder)"))
    _poses_option(p, 2, t("someone may walk in"))
    common(p)
    p.set_defaults(func="session:cmd_session")

    p = sub.add_parser("history", help=t("past runs from the local history; trend, plot, page, CSV"))
    p.add_argument("--exercise", "-e", help=t("only this exercise, with its trend"))
    p.add_argument("--plot", type=Path, metavar="FILE.png", help=t("draw progress over the weeks into a PNG"))
    p.add_argument("--html", type=Path, metavar="FILE", help=t("write a self-contained progress page"))
    p.add_argument("--csv", type=Path, metavar="FILE", help=t("export the runs for a spreadsheet"))
    p.add_argument("--rebuild", action="store_true",
                   help=t("rebuild the history from the session logs and the recorded reports"))
    p.add_argument("--data-dir", type=Path, help=t("data folder (default: the user data folder)"))
    p.add_argument("--exercises-dir", type=Path, help=extra_definitions)
    p.set_defaults(func="history:cmd_history")

    p = sub.add_parser("exercises", help=t("list the exercises and what each measures"))
    p.add_argument("--exercises-dir", type=Path, help=extra_definitions)
    p.set_defaults(func="exercises:cmd_exercises")

    p = sub.add_parser("demo", help=t("analyse a bundled sample clip (no arguments needed)"))
    p.add_argument("--out", "-o", type=Path, default=Path("formcheck-demo"),
                   help=t("output folder (default: formcheck-demo)"))
    p.add_argument("--model", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--quiet", "-q", action="store_true", help=no_progress)
    p.set_defaults(func="analyze:cmd_demo")

    p = sub.add_parser("eval", help=t("score analyzers on clips with known truth against a baseline"))
    p.add_argument("paths", type=Path, nargs="*", help=t("clips, recordings or folders (default: samples/)"))
    p.add_argument("--clips-dir", type=Path,
                   help=t("a folder of clips with truth files (same as giving it as a path)"))
    p.add_argument("--replay", action="store_true",
                   help=t("use CLIP.landmarks.npz recordings where present instead of running the model (fast)"))
    p.add_argument("--baseline", type=Path,
                   help=t("baseline file (default: eval_baseline.json in the clips' folder)"))
    p.add_argument("--update-baseline", action="store_true",
                   help=t("write the current results as the baseline; clips that miss an absolute limit need a "
                          "known-failure reason (carried over from the old baseline, or --known-failure)"))
    p.add_argument("--known-failure", action="append", default=[], metavar="CLIP=REASON",
                   help=t("with --update-baseline: list CLIP as a known failure, with a short REASON (repeatable)"))
    p.add_argument("--json", type=Path, default=Path("formcheck-eval.json"), help=t("where to write the results"))
    p.add_argument("--quiet", "-q", action="store_true", help=t("no per-clip progress lines"))
    common(p)
    p.set_defaults(func="eval:cmd_eval")

    p = sub.add_parser("record-landmarks",
                       help=t("save the model's landmarks for clips (for fast analyzer tests)"))
    p.add_argument("clips", type=Path, nargs="+", help=t("clips to record"))
    p.add_argument("--out", "-o", type=Path,
                   help=t("output file (one clip only; default: CLIP.landmarks.npz beside it)"))
    p.add_argument("--model", type=Path,
                   help=t("a MediaPipe pose landmarker .task bundle (default: models/ bundled)"))
    _poses_option(p, 1, t("as the samples' recordings; 2 keeps everyone found, to replay two-person clips"))
    p.set_defaults(func="record:cmd_record")
    for p in sub.choices.values():  # every command speaks the person's language (README, "Languages")
        # SUPPRESS: not given after the command, `formcheck --language ko COMMAND` still counts
        p.add_argument("--language", metavar="LANG", default=argparse.SUPPRESS, help=language_help)
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
    set_language(language_from_argv(argv))  # the help and argparse's errors are in it too
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
        except FormcheckError as exc:  # written in English; printed in the active language (i18n.error_text)
            from formcheck.i18n import error_text

            print(f"formcheck: {error_text(exc)}", file=sys.stderr)
            return EXIT_USER_ERROR
        except KeyboardInterrupt:
            print(t("formcheck: stopped."), file=sys.stderr)
            return 130
        except BrokenPipeError:  # `formcheck exercises | head`: the reader has gone, nothing to say
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
        except Exception as exc:  # a bug: one line for the user, the details in a file for us
            report = _write_crash_report(exc, native.lines)
            first_line = str(exc).splitlines()[0] if str(exc) else ""
            line = ("formcheck: unexpected error ({error}). Details are in {report}; please send that file "
                    "with a bug report.")
            fields = {"error": f"{type(exc).__name__}: {first_line}", "report": report}
            try:
                line = t(line, **fields)
            except Exception:  # noqa: BLE001 - the English line, whatever is wrong with the translation
                line = line.format(**fields)
            print(line, file=sys.stderr)
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
