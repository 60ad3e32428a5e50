"""What the person sees: the session's state turned into a ``Screen`` (title, lines, key hints,
timers; ``ui.screens`` draws it), and the summary in a few plain lines."""
from __future__ import annotations

from typing import TYPE_CHECKING

from formcheck.i18n import count_text, get_language, t
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


def _reps(n: int) -> str:
    return count_text(n, "1 repetition", "{n} repetitions")


def _lines(texts) -> tuple[str, ...]:
    return tuple(t(text) for text in texts)


def screen_for(session: Session) -> Screen:
    """The screen for the session's current state, in the active language (``i18n``)."""
    state, run, tracker = session.state, session.run, session.tracker
    status = ""
    if run is not None:
        status = t("{name}: set {n}/{total}", name=t(run.exercise.name), n=max(run.set_no, 1), total=run.entry.sets)
    yes_no = t("y: yes   n: no   q: quit")
    if state == WELCOME:
        return Screen(state, t("Welcome to your exercise session"),
                      _lines(DISCLAIMER) + _lines(session.notices) + (t(WELCOME_CONTINUE),),
                      t("space: continue   q: quit"))
    if state == RED_FLAG:
        return Screen(state, t("Safety question {n} of {total}", n=session.question + 1, total=len(RED_FLAGS)),
                      (t(RED_FLAGS[session.question][1]),), yes_no)
    if state == RED_FLAG_STOP:
        return Screen(state, t("Please stop here"), (t(RED_FLAG_ADVICE),), t("any key: close"), alert=True)
    if state == CARD:
        ex = run.exercise
        reps = _reps(ex.target_reps)
        parts = [t("Target: {reps}", reps=t("{reps} per side", reps=reps) if ex.sides else reps)]
        if ex.hold_s > 0:
            parts.append(t("hold {seconds} s", seconds=f"{ex.hold_s:g}"))
        if run.entry.sets > 1:
            parts.append(t("{sets} sets, rest {seconds} s", sets=run.entry.sets, seconds=f"{run.entry.rest_s:g}"))
        lines = _lines(ex.instructions) + (t(", ").join(parts),) + _lines(ex.safety)
        if session.card_note:
            lines = (session.card_note,) + lines
        return Screen(state, t("Exercise {n} of {total}: {name}", n=session.run_index + 1, total=len(session.runs),
                               name=t(ex.name)), lines,
                      t("space: start   n: skip this exercise   p: pain   q: finish for today"))
    if state == SETUP:
        message = (t(tracker.framing_message) if tracker.framing_message
                   else t("Hold still...") if tracker.keypoints is not None else t("Looking for you..."))
        return Screen(state, t("Camera check"), keys=t(KEYS_ACTIVE), video=True, message=message,
                      keypoints=tracker.keypoints, status=status)
    if state == COUNTDOWN:
        return Screen(state, keys=t(KEYS_ACTIVE), video=True, big=str(session.countdown_left()),
                      message=t("Get ready"), keypoints=tracker.keypoints, status=status)
    if state == TRACKING:
        message, timed = "", tracker.timed_s
        if timed is not None:
            left = session.seconds_left(timed)
            message = (t("Hold: {seconds} s left", seconds=left) if tracker.is_extension
                       else t("Time: {seconds} s left", seconds=left))
        return Screen(state, keys=t(KEYS_ACTIVE), video=True, result=tracker.result, keypoints=tracker.keypoints,
                      message=message, status=status)
    if state == REST_BREAK:
        return Screen(state, t("Rest"), (t("Next: set {n} of {total}", n=run.set_no + 1, total=run.entry.sets),),
                      t(KEYS_ACTIVE), big=t("{seconds} s", seconds=session.seconds_left(run.entry.rest_s)),
                      status=status)
    if state == SYMPTOM:
        return Screen(state, t("How are your symptoms?"), (
            t("Compared with before {name}, your back and leg symptoms are:", name=t(run.exercise.name)),
            t("1 = better"), t("2 = the same"), t("3 = worse")), t("1: better   2: same   3: worse   q: quit"))
    if state == PAIN:
        return Screen(state, t("Exercise stopped"), (t("How bad is the pain right now?"),
                                                     t("Press a number from 0 (none) to 9 (worst).")),
                      t("0-9: pain rating   q: quit"), alert=True)
    if state == EXT_CHECK:
        return Screen(state, t("Symptom check"), (t("Do you have leg pain, numbness or tingling now?"),), yes_no)
    if state == EXT_SETTLE:
        return Screen(state, t("Let it settle"), (t("Stand normally, or bend forward gently if that eases it."),
                                                  t("I'll ask again in a minute.")), t(KEYS_ACTIVE),
                      big=t("{seconds} s", seconds=session.seconds_left(session.t.extension_settle_s)))
    if state == EXT_RECHECK:
        return Screen(state, t("Symptom check"), (t("Are the leg symptoms still there?"),), yes_no)
    if state == PAUSED:
        return Screen(state, t("Paused"), (t("Take your time."),), t("space: resume   n: skip   p: pain   q: quit"),
                      status=status)
    if state == CAMERA_LOST:
        camera = session.camera
        return Screen(state, t("I've lost the camera"), (
            t(camera.message), t("Check that it is plugged in and not used by another program."),
            t("Trying again in {seconds} s (attempt {n} of {total}).",
              seconds=camera.seconds_to_retry(session.now), n=camera.attempt, total=camera.retries)),
            t("r: retry now   q: finish"), alert=True)
    if state == SUMMARY:
        return Screen(state, t("Session summary"), summary_lines(session_summary(session)), t("any key: close"))
    return Screen(state)


def summary_lines(summary: dict) -> tuple[str, ...]:
    """The summary in a few lines, for the screen, the console and summary.html: for the patient,
    in the active language."""
    lines = [t(END_REASONS.get(summary["end_reason"], summary["end_reason"]))]
    answers = summary.get("safety_questions") or []
    said_yes = [q["question"] for q in answers if q["answer"] == "yes"]
    if said_yes:
        lines += [t("You answered Yes to: {question}", question=t(said_yes[0])), t(RED_FLAG_ADVICE)]
    elif answers and all(q["answer"] == "no" for q in answers):
        lines.append(t("Safety questions: you answered No to all of them."))
    for ex in summary["exercises"]:
        if ex["end_reason"] == "not_started":
            continue
        reps = count_text(ex["reps"], "1 rep", "{n} reps")
        line = t("{name}: {reps}", name=t(ex["name"]), reps=reps)
        if ex["sets_done"] > 1:
            line += t(" in {sets} sets", sets=ex["sets_done"])
        if ex["symptoms"]:
            line += t(", symptoms {answers}", answers="/".join(t(a) for a in ex["symptoms"]))
        if ex["pain"]:
            line += t(", pain {rating}/9", rating=max(ex["pain"]))
        if ex["end_reason"] != "completed":
            line += t(" ({reason})", reason=t(exercise_end_text(ex["end_reason"])))
        lines.append(line)
        for flag in ex["flags"]:
            if flag == "drop_standing_extension":
                lines.append(t(EXTENSION_ADVICE))
    return tuple(lines)


def session_summary(session) -> dict:
    """What the session did, as plain data (summary.json, the summary screen and page); the
    words stay English here (``language`` says what the person saw)."""
    return {"routine": session.routine.name, "routine_source": session.routine.source,
            "language": get_language(),
            "end_reason": session.end_reason or "running", "notices": list(session.notices),
            "red_flags": {k: ("yes" if v else "no") for k, v in session.red_flags.items()},
            "safety_questions": [{"question": text, "answer": ("yes" if session.red_flags[k] else "no")
                                  if k in session.red_flags else None} for k, text in RED_FLAGS],
            "exercises": [r.as_dict() for r in session.runs],
            "reps": sum(r.reps for r in session.runs)}
