"""What the person sees: the session's state turned into a ``Screen`` (title, lines, key hints,
timers; ``ui.screens`` draws it), and the summary in a few plain lines."""
from __future__ import annotations

from typing import TYPE_CHECKING

from formcheck.core.text import plural
from formcheck.session.types import (
    CAMERA_LOST,
    CARD,
    COUNTDOWN,
    DISCLAIMER,
    END_REASONS,
    EXT_CHECK,
    EXT_RECHECK,
    EXT_SETTLE,
    EXTENSION_ADVICE,
    KEYS_ACTIVE,
    PAIN,
    PAUSED,
    RED_FLAG,
    RED_FLAG_ADVICE,
    RED_FLAG_STOP,
    RED_FLAGS,
    REST_BREAK,
    SETUP,
    SUMMARY,
    SYMPTOM,
    TRACKING,
    WELCOME,
    WELCOME_CONTINUE,
    Screen,
    exercise_end_text,
)

if TYPE_CHECKING:
    from formcheck.session.flow import Session


def screen_for(session: Session) -> Screen:
    """The screen for the session's current state."""
    state, run, tracker = session.state, session.run, session.tracker
    status = ""
    if run is not None:
        status = f"{run.exercise.name}: set {max(run.set_no, 1)}/{run.entry.sets}"
    if state == WELCOME:
        return Screen(state, "Welcome to your exercise session",
                      DISCLAIMER + tuple(session.notices) + (WELCOME_CONTINUE,), "space: continue   q: quit")
    if state == RED_FLAG:
        return Screen(state, f"Safety question {session.question + 1} of {len(RED_FLAGS)}",
                      (RED_FLAGS[session.question][1],), "y: yes   n: no   q: quit")
    if state == RED_FLAG_STOP:
        return Screen(state, "Please stop here", (RED_FLAG_ADVICE,), "any key: close", alert=True)
    if state == CARD:
        ex = run.exercise
        target = f"Target: {plural(ex.target_reps, 'repetition')}" + (" per side" if ex.sides else "")
        if ex.hold_s > 0:
            target += f", hold {ex.hold_s:g} s"
        if run.entry.sets > 1:
            target += f", {run.entry.sets} sets, rest {run.entry.rest_s:g} s"
        lines = ex.instructions + (target,) + ex.safety
        if session.card_note:
            lines = (session.card_note,) + lines
        return Screen(state, f"Exercise {session.run_index + 1} of {len(session.runs)}: {ex.name}", lines,
                      "space: start   n: skip this exercise   p: pain   q: finish for today")
    if state == SETUP:
        message = tracker.framing_message or ("Hold still..." if tracker.keypoints is not None
                                              else "Looking for you...")
        return Screen(state, "Camera check", keys=KEYS_ACTIVE, video=True, message=message,
                      keypoints=tracker.keypoints, status=status)
    if state == COUNTDOWN:
        return Screen(state, keys=KEYS_ACTIVE, video=True, big=str(session.countdown_left()),
                      message="Get ready", keypoints=tracker.keypoints, status=status)
    if state == TRACKING:
        message, timed = "", tracker.timed_s
        if timed is not None:
            message = f"{'Hold' if tracker.is_extension else 'Time'}: {session.seconds_left(timed)} s left"
        return Screen(state, keys=KEYS_ACTIVE, video=True, result=tracker.result, keypoints=tracker.keypoints,
                      message=message, status=status)
    if state == REST_BREAK:
        return Screen(state, "Rest", (f"Next: set {run.set_no + 1} of {run.entry.sets}",), KEYS_ACTIVE,
                      big=f"{session.seconds_left(run.entry.rest_s)} s", status=status)
    if state == SYMPTOM:
        return Screen(state, "How are your symptoms?", (
            f"Compared with before {run.exercise.name}, your back and leg symptoms are:",
            "1 = better", "2 = the same", "3 = worse"), "1: better   2: same   3: worse   q: quit")
    if state == PAIN:
        return Screen(state, "Exercise stopped", ("How bad is the pain right now?",
                                                  "Press a number from 0 (none) to 9 (worst)."),
                      "0-9: pain rating   q: quit", alert=True)
    if state == EXT_CHECK:
        return Screen(state, "Symptom check", ("Do you have leg pain, numbness or tingling now?",),
                      "y: yes   n: no   q: quit")
    if state == EXT_SETTLE:
        return Screen(state, "Let it settle", ("Stand normally, or bend forward gently if that eases it.",
                                               "I'll ask again in a minute."), KEYS_ACTIVE,
                      big=f"{session.seconds_left(session.t.extension_settle_s)} s")
    if state == EXT_RECHECK:
        return Screen(state, "Symptom check", ("Are the leg symptoms still there?",), "y: yes   n: no   q: quit")
    if state == PAUSED:
        return Screen(state, "Paused", ("Take your time.",), "space: resume   n: skip   p: pain   q: quit",
                      status=status)
    if state == CAMERA_LOST:
        camera = session.camera
        return Screen(state, "I've lost the camera", (
            camera.message, "Check that it is plugged in and not used by another program.",
            f"Trying again in {camera.seconds_to_retry(session.now)} s "
            f"(attempt {camera.attempt} of {camera.retries})."),
            "r: retry now   q: finish", alert=True)
    if state == SUMMARY:
        return Screen(state, "Session summary", summary_lines(session_summary(session)), "any key: close")
    return Screen(state)


def summary_lines(summary: dict) -> tuple[str, ...]:
    """The summary in a few lines, for the screen, the console and summary.html: for the patient."""
    lines = [END_REASONS.get(summary["end_reason"], summary["end_reason"])]
    answers = summary.get("safety_questions") or []
    said_yes = [q["question"] for q in answers if q["answer"] == "yes"]
    if said_yes:
        lines += [f"You answered Yes to: {said_yes[0]}", RED_FLAG_ADVICE]
    elif answers and all(q["answer"] == "no" for q in answers):
        lines.append("Safety questions: you answered No to all of them.")
    for ex in summary["exercises"]:
        if ex["end_reason"] == "not_started":
            continue
        line = f"{ex['name']}: {ex['reps']} rep{'' if ex['reps'] == 1 else 's'}"
        if ex["sets_done"] > 1:
            line += f" in {ex['sets_done']} sets"
        if ex["symptoms"]:
            line += f", symptoms {'/'.join(ex['symptoms'])}"
        if ex["pain"]:
            line += f", pain {max(ex['pain'])}/9"
        if ex["end_reason"] != "completed":
            line += f" ({exercise_end_text(ex['end_reason'])})"
        lines.append(line)
        for flag in ex["flags"]:
            if flag == "drop_standing_extension":
                lines.append(EXTENSION_ADVICE)
    return tuple(lines)


def session_summary(session) -> dict:
    """What the session did, as plain data (summary.json, the summary screen and page)."""
    return {"routine": session.routine.name, "routine_source": session.routine.source,
            "end_reason": session.end_reason or "running", "notices": list(session.notices),
            "red_flags": {k: ("yes" if v else "no") for k, v in session.red_flags.items()},
            "safety_questions": [{"question": text, "answer": ("yes" if session.red_flags[k] else "no")
                                  if k in session.red_flags else None} for k, text in RED_FLAGS],
            "exercises": [r.as_dict() for r in session.runs],
            "reps": sum(r.reps for r in session.runs)}
