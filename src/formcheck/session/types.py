"""The session's vocabulary, shared by its modules: the states, the safety questions and other
fixed wording, the timings, and the plain data handed out (a ``Screen`` to draw, an
``ExerciseRun`` per routine entry, the ``Sound`` it talks to). No logic beyond small lookups.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from formcheck.analysis.pipeline import StepResult
from formcheck.core.keypoints import KeyPoints
from formcheck.definitions.exercises import Exercise
from formcheck.definitions.routines import RoutineEntry
from formcheck.session.live_runtime import CAMERA_RETRIES, CAMERA_RETRY_S

# States (one screen each).
WELCOME, RED_FLAG, RED_FLAG_STOP = "welcome", "red_flag", "red_flag_stop"
CARD, SETUP, COUNTDOWN, TRACKING, REST_BREAK = "card", "setup", "countdown", "tracking", "rest"
SYMPTOM, PAIN = "symptom", "pain"
EXT_CHECK, EXT_SETTLE, EXT_RECHECK = "extension_check", "extension_settle", "extension_recheck"
PAUSED, CAMERA_LOST, SUMMARY, FINISHED = "paused", "camera_lost", "summary", "finished"

# States whose timers run: space pauses them and a pause shifts their clocks.
TIMED = (SETUP, COUNTDOWN, TRACKING, REST_BREAK, EXT_SETTLE)
# States that belong to the current exercise: p (pain) and n (skip) act on it.
EXERCISE_STATES = (CARD, SETUP, COUNTDOWN, TRACKING, REST_BREAK, EXT_SETTLE)
# States that need poses (the runner only runs the model in these).
POSE_STATES = (SETUP, COUNTDOWN, TRACKING)
# States that wait for an answer: nothing moves on until a key is pressed.
WAITING = (WELCOME, RED_FLAG, CARD, SYMPTOM, PAIN, EXT_CHECK, EXT_RECHECK, PAUSED)
# Closing screens: the session is over, any key (or the closing time) closes them.
CLOSING = (SUMMARY, RED_FLAG_STOP)

EXTENSION_ID = "standing_extension"  # PROTOCOL.md's sustained-extension test
EXTENSION_RULE = "extension_test"  # ... or any definition that asks for the same flow
TIMER_RELAX_S = 2.0  # timer exercises (nothing measurable): each rep gets its hold plus this to relax
SYMPTOM_ANSWERS = {"1": "better", "2": "same", "3": "worse"}
WORSE_IN_A_ROW = 2  # this many "worse" answers in a row end the exercise

RED_FLAGS: tuple[tuple[str, str], ...] = (
    ("bladder_bowel", "Any new problems controlling your bladder or bowels?"),
    ("saddle_numbness", "Any numbness in the saddle area (between the legs, buttocks, inner thighs)?"),
    ("leg_weakness", "Is weakness in your legs getting worse?"),
    ("fever_night_pain", "Do you have a fever, or back pain that wakes you at night?"),
    ("fall_injury", "Have you had a recent fall or injury?"),
)
RED_FLAG_ADVICE = ("Please do not exercise today. Contact your doctor or clinic promptly, today if you can. "
                   "If it came on suddenly or is severe, call an emergency service.")
EXTENSION_ADVICE = ("Leg symptoms did not settle within about a minute after standing extension: leave it out "
                    "of your programme and tell your clinician.")
DISCLAIMER = (
    "formcheck guides your home exercises. It does not replace your clinician:",
    "do only the exercises they have advised for you.",
    "Stop any exercise that makes leg pain, numbness or weakness worse.",
)
KEYS_ACTIVE = "space: pause   n: skip   p: pain   m: mute   q: quit"
WELCOME_CONTINUE = "Press space when you are ready to continue (q quits)."

END_REASONS = {"completed": "Well done: routine complete.", "quit": "You finished early.",
               "red_flag": "Stopped after a safety question.", "camera_lost": "Ended: the camera did not come back.",
               "interrupted": "Interrupted.", "window_closed": "The window was closed.",
               "no_input": "Ended: no key was pressed."}
# How each exercise ended, in the words the summary uses (summary.json keeps the codes).
EXERCISE_ENDS = {"completed": "completed", "skipped": "skipped", "pain": "stopped for pain",
                 "symptoms_worse": "stopped: symptoms worse twice", "not_started": "not started",
                 "setup_timeout": "skipped: the camera could not see you well enough",
                 "extension_dropped": "stopped: leg symptoms did not settle", "quit": "you finished early",
                 "red_flag": "stopped after a safety question", "camera_lost": "stopped: the camera was lost",
                 "interrupted": "interrupted", "window_closed": "the window was closed",
                 "no_input": "no key was pressed"}
ANSWERS = {"yes": "Yes", "no": "No", None: "Not answered"}


def exercise_end_text(reason: str) -> str:
    return EXERCISE_ENDS.get(reason, reason.replace("_", " "))


class Sound(Protocol):
    def tone(self, kind: str) -> None: ...

    def say(self, text: str) -> None: ...

    def toggle_mute(self) -> bool: ...


class Silent:
    """The ``Sound`` of a session without audio."""

    muted = False

    def tone(self, kind: str) -> None:
        pass

    def say(self, text: str) -> None:
        pass

    def toggle_mute(self) -> bool:
        self.muted = not self.muted
        return self.muted


@dataclass(frozen=True)
class Timings:
    countdown_s: float = 3.0
    setup_stable_s: float = 1.0  # the set-up must look right this long before starting
    setup_timeout_s: float = 60.0  # then the exercise is skipped with a notice
    extension_hold_s: float = 60.0  # PROTOCOL.md: hold standing extension about 60 s
    extension_settle_s: float = 60.0  # ... and symptoms must settle within about 60 s
    camera_retry_s: float = CAMERA_RETRY_S  # the camera retry policy: see ``live_runtime``
    camera_retries: int = CAMERA_RETRIES
    closing_s: float = 30.0  # the summary / red-flag advice stays up this long unless a key closes it


@dataclass
class Screen:
    """What to show now; the runner draws it (``ui.screens.draw_screen``)."""

    state: str
    title: str = ""
    lines: tuple[str, ...] = ()
    keys: str = ""  # key hints for the footer
    video: bool = False  # the camera picture, rather than a card over a dimmed picture
    big: str = ""  # large centred text: the countdown, a timer
    message: str = ""  # one instruction: the set-up check, the extension timer
    alert: bool = False  # red styling: red flags, pain
    result: StepResult | None = None  # the full overlay (tracking)
    keypoints: KeyPoints | None = None  # the skeleton alone (set-up, countdown)
    status: str = ""  # exercise and set, for the status line


@dataclass
class ExerciseRun:
    """What happened to one routine entry; becomes a row of the summary."""

    entry: RoutineEntry
    set_no: int = 0  # current set, 1-based once started
    reps_per_set: list[int] = field(default_factory=list)
    holds_completed: int = 0
    warnings: dict[str, int] = field(default_factory=dict)
    warning_messages: dict[str, str] = field(default_factory=dict)  # code -> the words shown and spoken
    symptoms: list[str] = field(default_factory=list)
    pain: list[int] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    end_reason: str = ""
    ended: bool = False
    last_set_after_symptom: bool = False  # skipped mid-set: the symptom check is the last step

    @property
    def exercise(self) -> Exercise:
        return self.entry.exercise

    @property
    def reps(self) -> int:
        return sum(self.reps_per_set)

    def as_dict(self) -> dict:
        ex = self.exercise
        return {"exercise": ex.id, "name": ex.name, "target_reps": ex.target_reps, "sides": list(ex.sides),
                "target_hold_s": ex.hold_s,
                "target_sets": self.entry.sets, "sets_done": len(self.reps_per_set), "reps": self.reps,
                "reps_per_set": list(self.reps_per_set), "holds_completed": self.holds_completed,
                "warnings": dict(self.warnings), "warning_messages": dict(self.warning_messages),
                "symptoms": list(self.symptoms), "pain": list(self.pain),
                "flags": list(self.flags), "end_reason": self.end_reason or "not_started"}
