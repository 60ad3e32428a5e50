"""The console lines of a session without a window: where the session is (``progress_line``) and
one line per change of screen, rep and answer (``Progress``), so a headless run can be followed.
The lines are in the active language (English by default: the session tests read them so).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from formcheck.definitions.routines import Routine
from formcheck.i18n import count_text, t
from formcheck.session.types import (
    ANSWERS,
    CAMERA_LOST,
    CARD,
    COUNTDOWN,
    EXT_CHECK,
    EXT_RECHECK,
    EXT_SETTLE,
    FINISHED,
    PAIN,
    PAUSED,
    RED_FLAG,
    RED_FLAG_STOP,
    RED_FLAGS,
    REST_BREAK,
    SETUP,
    SUMMARY,
    SYMPTOM,
    TRACKING,
    WELCOME,
    exercise_end_text,
)

if TYPE_CHECKING:
    from formcheck.session.flow import Session


def progress_line(session: Session) -> str:
    """Where the session is, in one console line without timers ("" on closing screens), in the
    active language (``i18n``: the runner holds the session's language while it runs)."""
    state, run = session.state, session.run
    if state == WELCOME:
        return t("Welcome screen: press space to continue")
    if state == RED_FLAG:
        return t("Safety question {n} of {total}: {question} (y/n)", n=session.question + 1, total=len(RED_FLAGS),
                 question=t(RED_FLAGS[session.question][1]))
    if state == PAUSED:
        return t("Paused (space: resume)")
    if state == CAMERA_LOST:
        return t("Camera lost: {message} Retrying.", message=t(session.camera.message))
    if run is None or state in (SUMMARY, RED_FLAG_STOP, FINISHED):
        return ""
    ex = run.exercise
    ex_name = t(ex.name)
    name = (t("{name}, set {n}/{total}", name=ex_name, n=max(run.set_no, 1), total=run.entry.sets)
            if run.entry.sets > 1 else ex_name)
    if state == CARD:
        return t("Exercise {n} of {total}: {name} (space: start, n: skip)", n=session.run_index + 1,
                 total=len(session.runs), name=ex_name)
    if state == SETUP:
        return t("{name}: set-up check", name=name)
    if state == COUNTDOWN:
        return t("{name}: countdown", name=name)
    if state == TRACKING:
        tracker = session.tracker
        timed = tracker.timed_s
        if tracker.is_extension:
            return t("{name}: hold {seconds} s", name=name, seconds=f"{timed:g}")
        if timed is not None:
            return t("{name}: timed set, {seconds} s", name=name, seconds=f"{timed:g}")
        analyzer = tracker.pipeline.analyzer if tracker.pipeline else None
        by_side = getattr(analyzer, "reps_by_side", None)
        if by_side:
            counts = t(", ").join(f"{t(side)} {n}/{ex.target_reps}" for side, n in by_side.items())
            return t("{name}: {counts} reps", name=name, counts=counts)
        return t("{name}: {n}/{target} reps", name=name, n=len(analyzer.reps) if analyzer else 0,
                 target=ex.target_reps)
    if state == REST_BREAK:
        return t("Rest {seconds} s", seconds=f"{run.entry.rest_s:g}")
    if state == SYMPTOM:
        return t("{name}: symptom check (1 better, 2 same, 3 worse)", name=ex_name)
    if state == PAIN:
        return t("{name}: stopped for pain; rating 0-9?", name=ex_name)
    if state == EXT_CHECK:
        return t("{name}: leg pain, numbness or tingling now? (y/n)", name=ex_name)
    if state == EXT_SETTLE:
        return t("{name}: letting symptoms settle, {seconds} s", name=ex_name,
                 seconds=f"{session.t.extension_settle_s:g}")
    if state == EXT_RECHECK:
        return t("{name}: leg symptoms still there? (y/n)", name=ex_name)
    return ""


class Progress:
    """Short console lines for a session without a window: one per change of screen, rep and answer.

    ``record`` sees every log record (answers, endings); ``check`` is called after each step of the
    loop and prints the session's state line when it has changed. Timers are not in the lines, so
    a rest or a countdown prints once, not every second.
    """

    def __init__(self, routine: Routine, emit: Callable[[str], None]) -> None:
        self.emit = emit
        self._names = {e.exercise.id: e.exercise.name for e in routine.entries}
        self._last = ""

    def record(self, record: dict) -> None:
        line = self._record_line(record)
        if line:
            self.emit(line)

    def check(self, session: Session) -> None:
        line = progress_line(session)
        if line and line != self._last:
            self._last = line
            self.emit(line)

    def _record_line(self, r: dict) -> str:
        kind, name = r.get("type"), t(self._names.get(r.get("exercise"), r.get("exercise", "")))
        if kind in ("red_flag", "extension_check", "extension_recheck"):
            answer = r["answer"] if kind == "red_flag" else ("yes" if r["symptoms"] else "no")
            return "  " + t("answer: {answer}", answer=t(ANSWERS[answer]))
        if kind == "symptom":
            return "  " + t("answer: symptoms {answer}", answer=t(r["answer"]))
        if kind == "pain_rating":
            return "  " + t("answer: pain {rating}/9", rating=r["rating"])
        if kind == "setup_timeout":
            return t("{name}: I couldn't see you well enough ({problem})", name=name,
                     problem=t(r.get("problem") or "no picture"))
        if kind == "exercise_end":
            reps = count_text(r["reps"], "1 rep", "{n} reps")
            return t("{name}: {ending}, {reps}", name=name, ending=t(exercise_end_text(r["reason"])), reps=reps)
        if kind in ("mute", "unmute"):
            return t("Sound off") if kind == "mute" else t("Sound on")
        if kind == "camera_retry_failed":
            return t("Camera: retry {attempt} failed", attempt=r["attempt"])
        if kind == "camera_back":
            return t("Camera back")
        if kind == "no_input":
            return t(r["message"])  # written by Session.no_input from NO_INPUT_MESSAGE, matched in reverse
        if kind == "session_end":
            return t("Session ended ({reason})", reason=t(r["reason"].replace("_", " "), context="ended"))
        return ""
