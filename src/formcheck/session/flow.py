"""`formcheck session`: the guided session as a state machine, with no I/O of its own.

The runner (``session_run``) feeds it the clock, key names, new poses and camera events; it
answers with log records (``log``), sounds (``sound``) and a ``Screen`` to draw. Tests drive it
with a fake clock, scripted keys and synthetic poses.

Flow: welcome (disclaimer) -> red-flag questions -> for each routine exercise: card -> camera
set-up check -> 3-2-1 -> tracking a set -> symptom check -> rest -> next set ... -> summary.
Any "yes" to a red flag ends the session with advice to seek care. ``p`` (pain) stops the
exercise at once and asks for a 0-9 rating; "worse" twice in a row ends the exercise; standing
extension is a timed test with a symptom prompt (PROTOCOL.md), flagged to be dropped if
symptoms do not settle.
"""
from __future__ import annotations

import collections

import math
from dataclasses import dataclass, field
from typing import Callable, Protocol

from formcheck.core.events import HOLD, REST
from formcheck.definitions.exercises import Exercise
from formcheck.analysis.framing import check_framing
from formcheck.core.keypoints import KeyPoints
from formcheck.analysis.kinematics import KinematicsTracker
from formcheck.analysis.pipeline import Pipeline, StepResult
from formcheck.core.text import plural
from formcheck.definitions.routines import Routine, RoutineEntry

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
# States that wait for an answer: nothing moves on until a key is pressed.
WAITING = (WELCOME, RED_FLAG, CARD, SYMPTOM, PAIN, EXT_CHECK, EXT_RECHECK, PAUSED)


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
    camera_retry_s: float = 2.0
    camera_retries: int = 3
    closing_s: float = 30.0  # the summary / red-flag advice stays up this long unless a key closes it


@dataclass
class Screen:
    """What to show now; the runner draws it (``session_screens``)."""

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


class Session:
    def __init__(self, routine: Routine, *, log: Callable[[dict], None], sound: Sound | None = None,
                 timings: Timings = Timings(), notices: tuple[str, ...] = (),
                 make_pipeline: Callable[[Exercise], Pipeline] = Pipeline) -> None:
        self.routine = routine
        self._log = log
        self.sound = sound or Silent()
        self.t = timings
        self.make_pipeline = make_pipeline
        self.notices = tuple(notices) + routine.notices  # shown on the welcome screen
        self.runs = [ExerciseRun(entry) for entry in routine.entries]
        self.red_flags: dict[str, bool] = {}
        self.end_reason = ""
        self.state = WELCOME
        self._now = 0.0
        self._since = 0.0  # when the current state began (shifted by pauses)
        self._run_index = -1
        self._question = 0
        self._card_note = ""  # why the previous exercise ended early, shown on the next card
        self._worse_streak = 0
        self._pipeline: Pipeline | None = None
        self._result: StepResult | None = None
        self._set_origin = 0.0  # analyzer clock 0 for this set (session time, shifted by pauses)
        self._last_step_t = float("-inf")
        self._reps_logged = self._events_logged = 0
        self._hold_announced = self._hold_done = False
        self._framing = KinematicsTracker()
        self._framing_ok_since: float | None = None
        self._framing_message = ""
        self._keypoints: KeyPoints | None = None
        self._suspended: tuple[str, float] | None = None  # (state to go back to, since)
        self._user_paused = False
        self._camera_message = ""
        self._camera_failures = 0
        self._next_retry = 0.0
        self._retry_now = False
        self._count_shown = 0

    def start(self, now: float, **info) -> None:
        """Log the session's start (``info``: source, time...) and the notices shown."""
        self._now = self._since = now
        self.log({"type": "session_start", "routine": self.routine.name, "routine_source": self.routine.source,
                  "exercises": [r.exercise.id for r in self.runs], **info})
        for notice in self.notices:
            self.log({"type": "notice", "message": notice})

    # -- helpers -----------------------------------------------------------------------------
    def log(self, record: dict) -> None:
        self._log({"t_s": round(self._now, 3), **record})

    @property
    def run(self) -> ExerciseRun | None:
        return self.runs[self._run_index] if 0 <= self._run_index < len(self.runs) else None

    @property
    def finished(self) -> bool:
        return self.state == FINISHED

    @property
    def wants_pose(self) -> bool:
        return self.state in POSE_STATES

    @property
    def waiting_for_key(self) -> bool:
        """The screen waits for an answer: without a key nothing moves on."""
        return self.state in WAITING

    def no_input(self, now: float, waited_s: float, why: str = "") -> str:
        """End a session nobody answers (headless, no keys to come); returns what waited for what.

        ``why`` says why no key will come, e.g. "and the --keys script has no more keys".
        """
        self._now = now
        screen = self.view()
        keys = ", ".join(k.strip() for k in screen.keys.split("  ") if k.strip())
        message = (f"The {self.state.replace('_', ' ')} screen ({screen.title!r}) waited {waited_s:.0f} s "
                   f"for a key ({keys}){' ' + why if why else ''}: ending the session.")
        self.log({"type": "no_input", "state": self.state, "screen": screen.title, "keys": keys,
                  "waited_s": round(waited_s, 1), "message": message})
        self._end_session("no_input")
        return message

    def _enter(self, state: str) -> None:
        self.state, self._since = state, self._now

    def _elapsed(self) -> float:
        return self._now - self._since

    def _left(self, duration_s: float) -> int:
        """Whole seconds left of a timer of ``duration_s`` started with this state."""
        return max(0, math.ceil(duration_s - self._elapsed()))

    def _countdown_left(self) -> int:
        return max(1, self._left(self.t.countdown_s))

    def _ex_record(self, **fields) -> dict:
        run = self.run
        return {"exercise": run.exercise.id, "set": run.set_no, **fields}

    # -- inputs ------------------------------------------------------------------------------
    def key(self, now: float, key: str) -> None:
        self._now = now
        state = self.state
        if state == FINISHED:
            return
        if state in (SUMMARY, RED_FLAG_STOP):
            self._enter(FINISHED)
            return
        if key in ("q", "esc"):
            self.log({"type": "quit", "state": self._active_state()})
            self._end_session("quit")
            return
        if key == "m":
            muted = self.sound.toggle_mute()
            self.log({"type": "mute" if muted else "unmute"})
            return
        if state == CAMERA_LOST:
            self._retry_now = self._retry_now or key == "r"
            return
        active = self._active_state()
        if key == "p" and active in EXERCISE_STATES:
            self._pain()
        elif key == "n" and active in EXERCISE_STATES:
            self._skip()
        elif key == "space" and state == PAUSED:
            self._user_paused = False
            self._resume()
            self.log({"type": "resume"})
        elif key == "space" and state in TIMED:
            self._user_paused = True
            self._suspend(PAUSED)
            self.log({"type": "pause", "state": state})
        else:
            self._state_key(state, key)

    def _state_key(self, state: str, key: str) -> None:
        """Keys that answer the current screen."""
        if state == WELCOME and key in ("space", "enter"):
            self._enter(RED_FLAG)
        elif state == RED_FLAG and key in ("y", "n"):
            flag_id, question = RED_FLAGS[self._question]
            self.red_flags[flag_id] = key == "y"
            self.log({"type": "red_flag", "question": flag_id, "text": question, "answer": "yes" if key == "y" else "no"})
            if key == "y":
                self.sound.tone("alert")
                self.log({"type": "red_flag_stop", "question": flag_id, "advice": RED_FLAG_ADVICE})
                self._end_session("red_flag", next_state=RED_FLAG_STOP)
            else:
                self._question += 1
                if self._question == len(RED_FLAGS):
                    self._next_exercise()
        elif state == CARD and key in ("space", "enter"):
            self._start_set()
        elif state == SYMPTOM and key in SYMPTOM_ANSWERS:
            self._symptom(SYMPTOM_ANSWERS[key])
        elif state == PAIN and key.isdigit():
            self.run.pain.append(int(key))
            self.log(self._ex_record(type="pain_rating", rating=int(key)))
            self._card_note = (f"{self.run.exercise.name} was stopped because of pain ({key}/9). If pain is "
                               "severe or keeps coming back, stop for today and tell your clinician.")
            self._end_exercise("pain")
        elif state in (EXT_CHECK, EXT_RECHECK) and key in ("y", "n"):
            self._extension_answer(state, key == "y")

    def update(self, now: float, pose: tuple[float, KeyPoints | None] | None = None, brightness: float = 128.0,
               image_size: tuple[int, int] = (640, 480)) -> None:
        """Advance timers; ``pose`` is a new (capture time, landmarks) from the model, if any."""
        self._now = now
        if pose is not None and self.state in POSE_STATES:
            self._keypoints = pose[1]
        state = self.state
        if state == SETUP:
            if pose is not None:
                self._check_setup(pose, brightness, image_size)
            if self.state == SETUP and self._elapsed() >= self.t.setup_timeout_s:
                self.log(self._ex_record(type="setup_timeout", problem=self._framing_message))
                self._card_note = (f"I couldn't see you well enough for {self.run.exercise.name}, so it was "
                                   f"skipped ({self._framing_message or 'no picture'}).")
                self._end_exercise("setup_timeout")
        elif state == COUNTDOWN:
            if self._elapsed() >= self.t.countdown_s:
                self._begin_tracking()
            elif self._countdown_left() != self._count_shown:
                self._count_shown = self._countdown_left()
                self.sound.tone("tick")
        elif state == TRACKING:
            if pose is not None:
                self._track(pose)
            timed = self._timed_set_s()
            if self.state == TRACKING and timed is not None and self._elapsed() >= timed:
                if self._is_extension():
                    self._extension_hold_done()
                else:
                    self._end_set("completed")
                    self._enter(SYMPTOM)
        elif state == REST_BREAK and self._elapsed() >= self.run.entry.rest_s:
            self._start_set()
        elif state == EXT_SETTLE and self._elapsed() >= self.t.extension_settle_s:
            self._enter(EXT_RECHECK)
            self.sound.tone("tick")
        elif state in (SUMMARY, RED_FLAG_STOP) and self._elapsed() >= self.t.closing_s:
            self._enter(FINISHED)

    # -- camera ------------------------------------------------------------------------------
    def camera_lost(self, now: float, message: str) -> None:
        self._now = now
        if self.state in (SUMMARY, RED_FLAG_STOP, FINISHED):
            return
        if self.state != CAMERA_LOST:
            self.log({"type": "camera_lost", "message": message, "state": self._active_state()})
            self._suspend(CAMERA_LOST)
        self._camera_message = message
        self._camera_failures = 0
        self._next_retry = now + self.t.camera_retry_s

    def camera_retry_due(self, now: float) -> bool:
        return self.state == CAMERA_LOST and (self._retry_now or now >= self._next_retry)

    def camera_retry_failed(self, now: float) -> None:
        self._now = now
        self._retry_now = False
        self._camera_failures += 1
        self.log({"type": "camera_retry_failed", "attempt": self._camera_failures})
        if self._camera_failures >= self.t.camera_retries:
            self._end_session("camera_lost")
        else:
            self._next_retry = now + self.t.camera_retry_s

    def camera_back(self, now: float) -> None:
        self._now = now
        if self.state != CAMERA_LOST:
            return
        self._retry_now = False
        self.log({"type": "camera_back"})
        if self._user_paused:
            self.state = PAUSED
        else:
            self._resume()

    def interrupt(self, now: float, reason: str) -> None:
        """Ctrl-C or the window closed: log and stop at once, no closing screen."""
        self._now = now
        if self.state != FINISHED:
            self.log({"type": "interrupted", "reason": reason})
            self._end_session(reason, next_state=FINISHED)

    # -- pause -------------------------------------------------------------------------------
    def _active_state(self) -> str:
        return self._suspended[0] if self._suspended else self.state

    def _suspend(self, state: str) -> None:
        if self._suspended is None:
            self._suspended = (self.state, self._now)
        self.state = state

    def _resume(self) -> None:
        state, since = self._suspended
        self._suspended = None
        gap = self._now - since  # timers and the analyzer clock skip the pause
        self._since += gap
        self._set_origin += gap
        self._last_step_t = max(self._last_step_t, self._now)  # poses from the pause are stale
        self._framing_ok_since = None
        self.state = state

    # -- exercise flow -----------------------------------------------------------------------
    def _next_exercise(self) -> None:
        self._run_index += 1
        if self.run is None:
            self._end_session("completed")
            return
        self._enter(CARD)

    def _start_set(self) -> None:
        run = self.run
        self._card_note = ""  # read on the card just left
        run.set_no += 1
        ex = run.exercise
        if run.set_no == 1:
            self.log(self._ex_record(type="exercise_start", name=ex.name, target_reps=ex.target_reps,
                                     target_hold_s=ex.hold_s, sets=run.entry.sets, rest_s=run.entry.rest_s))
        self.log(self._ex_record(type="set_start"))
        self._framing = KinematicsTracker()
        self._framing_ok_since = None
        self._framing_message = ""
        self._keypoints = None
        self._enter(SETUP)

    def _check_setup(self, pose: tuple[float, KeyPoints | None], brightness: float, size: tuple[int, int]) -> None:
        keypoints = pose[1]
        result = check_framing(self.run.exercise, keypoints, self._framing.update(keypoints), brightness, size)
        if not result.ok:
            if result.message != self._framing_message:
                self.sound.say(result.message)
                self.log(self._ex_record(type="setup", problem=result.code, message=result.message))
            self._framing_message = result.message
            self._framing_ok_since = None
            return
        self._framing_message = ""
        if self._framing_ok_since is None:
            self._framing_ok_since = self._now
        elif self._now - self._framing_ok_since >= self.t.setup_stable_s:
            self.log(self._ex_record(type="setup_ok"))
            self._count_shown = 0
            self._enter(COUNTDOWN)

    def _begin_tracking(self) -> None:
        self._pipeline = self.make_pipeline(self.run.exercise)
        self._result = None
        self._set_origin = self._now
        self._last_step_t = self._now
        self._reps_logged = self._events_logged = 0
        self._hold_announced = self._hold_done = False
        self.sound.say("Go" if not self._is_extension() else "Lean back gently and hold")
        self._enter(TRACKING)

    def _is_extension(self) -> bool:
        ex = self.run.exercise if self.run is not None else None
        # ``rule`` is newer than this module: definitions without it are keyed on the id alone.
        return ex is not None and (ex.id == EXTENSION_ID or getattr(ex, "rule", "") == EXTENSION_RULE)

    def _timed_set_s(self) -> float | None:
        """How long a set lasts when it is timed rather than counted, else None.

        The extension test is a fixed exposure, timed by the clock from the end of the countdown
        so it never runs long when the camera loses the person. Exercises the camera cannot
        measure (``measures`` False) get their reps' holds plus time to relax.
        """
        if self._is_extension():
            return self.t.extension_hold_s
        ex = self.run.exercise
        if getattr(ex, "measures", True):
            return None
        return max(ex.hold_s, ex.target_reps * (ex.hold_s + TIMER_RELAX_S))

    def _track(self, pose: tuple[float, KeyPoints | None]) -> None:
        t, keypoints = pose
        if t <= self._last_step_t:  # captured before this set began or during a pause
            return
        self._last_step_t = t
        result = self._result = self._pipeline.step(t - self._set_origin, keypoints)
        analyzer, run, fb = self._pipeline.analyzer, self.run, result.feedback
        for event in analyzer.events[self._events_logged:]:
            run.warnings[event.code] = run.warnings.get(event.code, 0) + 1
            run.warning_messages.setdefault(event.code, event.message)
            self.log(self._ex_record(type="warning", code=event.code, message=event.message, rep=event.rep,
                                     set_t_s=round(event.t_s, 3)))
            self.sound.say(event.message)
        self._events_logged = len(analyzer.events)
        for rep in analyzer.reps[self._reps_logged:]:
            self.log(self._ex_record(type="rep", **rep.as_dict()))
            self.sound.tone("rep")
            self._hold_announced = self._hold_done = False
        self._reps_logged = len(analyzer.reps)
        if fb.phase == HOLD and not self._hold_announced:
            self._hold_announced = True
            self.sound.say(run.exercise.cues.get("hold") or "Hold")
        if fb.target_hold_s > 0 and fb.hold_s >= fb.target_hold_s and not self._hold_done:
            self._hold_done = True
            run.holds_completed += 1
            self.log(self._ex_record(type="hold_complete", rep=len(analyzer.reps) + 1, hold_s=round(fb.hold_s, 2)))
            self.sound.tone("hold")
            self.sound.say(run.exercise.cues.get("hold_done") or "Relax")
        if self._timed_set_s() is None and fb.phase == REST and self._set_complete(analyzer.reps):
            self._end_set("completed")
            self._enter(SYMPTOM)

    def _set_complete(self, reps) -> bool:
        """The target is reached: on each side for an alternating exercise (20 on one leg is not done)."""
        ex = self.run.exercise
        if not ex.sides:
            return len(reps) >= ex.target_reps
        done = collections.Counter(rep.side for rep in reps)
        return all(done[side] >= ex.target_reps for side in ex.sides)

    def _end_set(self, how: str) -> None:
        run = self.run
        reps = len(self._pipeline.analyzer.reps) if self._pipeline else 0
        run.reps_per_set.append(reps)
        self.log(self._ex_record(type="set_end", reps=reps, how=how))
        self._pipeline = None
        if how == "completed":
            self.sound.say("Set complete")

    def _symptom(self, answer: str) -> None:
        run = self.run
        run.symptoms.append(answer)
        self.log(self._ex_record(type="symptom", answer=answer))
        self._worse_streak = self._worse_streak + 1 if answer == "worse" else 0
        if self._worse_streak >= WORSE_IN_A_ROW:
            self._card_note = (f"Your symptoms were worse twice in a row, so {run.exercise.name} was stopped. "
                               "If this keeps happening, stop for today and tell your clinician.")
            self._end_exercise("symptoms_worse")
        elif run.last_set_after_symptom:
            self._end_exercise("skipped")
        elif run.set_no >= run.entry.sets:
            self._end_exercise("completed")
        else:
            self._enter(REST_BREAK)

    def _skip(self) -> None:
        run, state = self.run, self._active_state()
        self._card_note = ""
        self._suspended = None
        self._user_paused = False
        self.log(self._ex_record(type="skip", state=state))
        if state == TRACKING:
            self._end_set("skipped")
        if state == TRACKING and run.reps_per_set[-1] > 0 and not self._is_extension():
            run.last_set_after_symptom = True  # they did exercise: ask how it went before moving on
            self._enter(SYMPTOM)
        else:
            self._end_exercise("skipped")

    def _pain(self) -> None:
        state = self._active_state()
        self._suspended = None
        self._user_paused = False
        if state == TRACKING:
            self._end_set("pain")
        self.sound.tone("alert")
        self.log(self._ex_record(type="pain", state=state))
        self._enter(PAIN)

    def _end_exercise(self, reason: str) -> None:
        run = self.run
        run.end_reason, run.ended = reason, True
        self._pipeline = None
        self.log(self._ex_record(type="exercise_end", reason=reason, reps=run.reps, sets_done=len(run.reps_per_set)))
        self._next_exercise()

    # -- standing extension (PROTOCOL.md: timer, symptom prompt, stop) --------------------------
    def _extension_hold_done(self) -> None:
        self._end_set("timed")
        self.sound.tone("hold")
        self.sound.say("Relax and stand normally")
        self._enter(EXT_CHECK)

    def _extension_answer(self, state: str, symptoms: bool) -> None:
        run = self.run
        self.log(self._ex_record(type="extension_check" if state == EXT_CHECK else "extension_recheck",
                                 symptoms=symptoms))
        if state == EXT_CHECK and symptoms:
            self._enter(EXT_SETTLE)
        elif state == EXT_RECHECK and symptoms:
            run.flags.append("drop_standing_extension")
            self.log(self._ex_record(type="extension_flag", advice=EXTENSION_ADVICE))
            self._card_note = EXTENSION_ADVICE
            self._end_exercise("extension_dropped")
        elif run.set_no >= run.entry.sets:
            self._end_exercise("completed")
        else:
            self._enter(REST_BREAK)

    # -- ending ------------------------------------------------------------------------------
    def _end_session(self, reason: str, next_state: str = SUMMARY) -> None:
        run = self.run
        if run is not None and run.set_no > 0 and not run.ended:
            if self._active_state() == TRACKING:
                self._end_set(reason)
            run.end_reason, run.ended = reason, True
            self.log(self._ex_record(type="exercise_end", reason=reason, reps=run.reps,
                                     sets_done=len(run.reps_per_set)))
        self._suspended = None
        self._pipeline = None
        self.end_reason = reason
        self.log({"type": "session_end", "reason": reason, "reps": sum(r.reps for r in self.runs)})
        self._enter(next_state)

    def summary(self) -> dict:
        return {"routine": self.routine.name, "routine_source": self.routine.source,
                "end_reason": self.end_reason or "running", "notices": list(self.notices),
                "red_flags": {k: ("yes" if v else "no") for k, v in self.red_flags.items()},
                "safety_questions": [{"question": text, "answer": ("yes" if self.red_flags[k] else "no")
                                      if k in self.red_flags else None} for k, text in RED_FLAGS],
                "exercises": [r.as_dict() for r in self.runs],
                "reps": sum(r.reps for r in self.runs)}

    # -- what to show ------------------------------------------------------------------------
    def progress_line(self) -> str:
        """Where the session is, in one console line without timers ("" on closing screens)."""
        state, run = self.state, self.run
        if state == WELCOME:
            return "Welcome screen: press space to continue"
        if state == RED_FLAG:
            return f"Safety question {self._question + 1} of {len(RED_FLAGS)}: {RED_FLAGS[self._question][1]} (y/n)"
        if state == PAUSED:
            return "Paused (space: resume)"
        if state == CAMERA_LOST:
            return f"Camera lost: {self._camera_message} Retrying."
        if run is None or state in (SUMMARY, RED_FLAG_STOP, FINISHED):
            return ""
        ex = run.exercise
        name = f"{ex.name}, set {max(run.set_no, 1)}/{run.entry.sets}" if run.entry.sets > 1 else ex.name
        if state == CARD:
            return f"Exercise {self._run_index + 1} of {len(self.runs)}: {ex.name} (space: start, n: skip)"
        if state == SETUP:
            return f"{name}: set-up check"
        if state == COUNTDOWN:
            return f"{name}: countdown"
        if state == TRACKING:
            timed = self._timed_set_s()
            if self._is_extension():
                return f"{name}: hold {timed:g} s"
            if timed is not None:
                return f"{name}: timed set, {timed:g} s"
            analyzer = self._pipeline.analyzer if self._pipeline else None
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
            return f"{ex.name}: letting symptoms settle, {self.t.extension_settle_s:g} s"
        if state == EXT_RECHECK:
            return f"{ex.name}: leg symptoms still there? (y/n)"
        return ""

    def view(self) -> Screen:
        state, run = self.state, self.run
        status = ""
        if run is not None:
            status = f"{run.exercise.name}: set {max(run.set_no, 1)}/{run.entry.sets}"
        if state == WELCOME:
            return Screen(state, "Welcome to your exercise session",
                          DISCLAIMER + tuple(self.notices) + (WELCOME_CONTINUE,), "space: continue   q: quit")
        if state == RED_FLAG:
            return Screen(state, f"Safety question {self._question + 1} of {len(RED_FLAGS)}",
                          (RED_FLAGS[self._question][1],), "y: yes   n: no   q: quit")
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
            if self._card_note:
                lines = (self._card_note,) + lines
            return Screen(state, f"Exercise {self._run_index + 1} of {len(self.runs)}: {ex.name}", lines,
                          "space: start   n: skip this exercise   p: pain   q: finish for today")
        if state == SETUP:
            message = self._framing_message or ("Hold still..." if self._keypoints is not None else "Looking for you...")
            return Screen(state, "Camera check", keys=KEYS_ACTIVE, video=True, message=message,
                          keypoints=self._keypoints, status=status)
        if state == COUNTDOWN:
            return Screen(state, keys=KEYS_ACTIVE, video=True, big=str(self._countdown_left()),
                          message="Get ready", keypoints=self._keypoints, status=status)
        if state == TRACKING:
            message, timed = "", self._timed_set_s()
            if timed is not None:
                message = f"{'Hold' if self._is_extension() else 'Time'}: {self._left(timed)} s left"
            return Screen(state, keys=KEYS_ACTIVE, video=True, result=self._result, keypoints=self._keypoints,
                          message=message, status=status)
        if state == REST_BREAK:
            return Screen(state, "Rest", (f"Next: set {run.set_no + 1} of {run.entry.sets}",), KEYS_ACTIVE,
                          big=f"{self._left(run.entry.rest_s)} s", status=status)
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
                          big=f"{self._left(self.t.extension_settle_s)} s")
        if state == EXT_RECHECK:
            return Screen(state, "Symptom check", ("Are the leg symptoms still there?",), "y: yes   n: no   q: quit")
        if state == PAUSED:
            return Screen(state, "Paused", ("Take your time.",), "space: resume   n: skip   p: pain   q: quit",
                          status=status)
        if state == CAMERA_LOST:
            wait = max(0, math.ceil(self._next_retry - self._now))
            return Screen(state, "I've lost the camera", (
                self._camera_message, "Check that it is plugged in and not used by another program.",
                f"Trying again in {wait} s (attempt {self._camera_failures + 1} of {self.t.camera_retries})."),
                "r: retry now   q: finish", alert=True)
        if state == SUMMARY:
            return Screen(state, "Session summary", summary_lines(self.summary()), "any key: close")
        return Screen(state)


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

    def check(self, session: "Session") -> None:
        line = session.progress_line()
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
