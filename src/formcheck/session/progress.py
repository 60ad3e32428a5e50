"""The console lines of a session without a window: where the session is (``progress_line``) and
one line per change of screen, rep and answer (``Progress``), so a headless run can be followed.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from formcheck.definitions.routines import Routine
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
    """Where the session is, in one console line without timers ("" on closing screens)."""
    state, run = session.state, session.run
    if state == WELCOME:
        return "Welcome screen: press space to continue"
    if state == RED_FLAG:
        return (f"Safety question {session.question + 1} of {len(RED_FLAGS)}: "
                f"{RED_FLAGS[session.question][1]} (y/n)")
    if state == PAUSED:
        return "Paused (space: resume)"
    if state == CAMERA_LOST:
        return f"Camera lost: {session.camera.message} Retrying."
    if run is None or state in (SUMMARY, RED_FLAG_STOP, FINISHED):
        return ""
    ex = run.exercise
    name = f"{ex.name}, set {max(run.set_no, 1)}/{run.entry.sets}" if run.entry.sets > 1 else ex.name
    if state == CARD:
        return f"Exercise {session.run_index + 1} of {len(session.runs)}: {ex.name} (space: start, n: skip)"
    if state == SETUP:
        return f"{name}: set-up check"
    if state == COUNTDOWN:
        return f"{name}: countdown"
    if state == TRACKING:
        tracker = session.tracker
        timed = tracker.timed_s
        if tracker.is_extension:
            return f"{name}: hold {timed:g} s"
        if timed is not None:
            return f"{name}: timed set, {timed:g} s"
        analyzer = tracker.pipeline.analyzer if tracker.pipeline else None
        by_side = getattr(analyzer, "reps_by_side", None)
        if by_side:
            return f"{name}: " + ", ".join(f"{side} {n}/{ex.target_reps}" for side, n in by_side.items()) + " reps"
        return f"{name}: {len(analyzer.reps) if analyzer else 0}/{ex.target_reps} reps"
    if state == REST_BREAK:
        return f"Rest {run.entry.rest_s:g} s"
    if state == SYMPTOM:
        return f"{ex.name}: symptom check (1 better, 2 same, 3 worse)"
    if state == PAIN:
        return f"{ex.name}: stopped for pain; rating 0-9?"
    if state == EXT_CHECK:
        return f"{ex.name}: leg pain, numbness or tingling now? (y/n)"
    if state == EXT_SETTLE:
        return f"{ex.name}: letting symptoms settle, {session.t.extension_settle_s:g} s"
    if state == EXT_RECHECK:
        return f"{ex.name}: leg symptoms still there? (y/n)"
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
        kind, name = r.get("type"), self._names.get(r.get("exercise"), r.get("exercise", ""))
        if kind in ("red_flag", "extension_check", "extension_recheck"):
            answer = r["answer"] if kind == "red_flag" else ("yes" if r["symptoms"] else "no")
            return f"  answer: {ANSWERS[answer]}"
        if kind == "symptom":
            return f"  answer: symptoms {r['answer']}"
        if kind == "pain_rating":
            return f"  answer: pain {r['rating']}/9"
        if kind == "setup_timeout":
            return f"{name}: I couldn't see you well enough ({r.get('problem') or 'no picture'})"
        if kind == "exercise_end":
            return f"{name}: {exercise_end_text(r['reason'])}, {r['reps']} rep{'' if r['reps'] == 1 else 's'}"
        if kind in ("mute", "unmute"):
            return "Sound off" if kind == "mute" else "Sound on"
        if kind == "camera_retry_failed":
            return f"Camera: retry {r['attempt']} failed"
        if kind == "camera_back":
            return "Camera back"
        if kind == "no_input":
            return r["message"]
        if kind == "session_end":
            return f"Session ended ({r['reason'].replace('_', ' ')})"
        return ""
