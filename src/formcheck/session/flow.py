"""`formcheck session`: the guided session as a state machine (its states and the transitions
between them), with no I/O of its own.

The runner (``runner``) feeds it the clock, key names, new poses and camera events; it answers
with log records (``log``), sounds (``sound``) and a ``Screen`` to draw (``view``). The set in
progress is a ``SetTracker``; a lost camera follows ``live_runtime``'s retry policy. Tests drive
it with a fake clock, scripted keys and synthetic poses.

Flow: welcome -> red-flag questions -> per exercise: card -> set-up check -> 3-2-1 -> a set ->
symptom check -> rest -> next set ... -> summary. A red-flag "yes" ends it with advice to seek
care; ``p`` (pain) stops the exercise and asks for a 0-9 rating; "worse" twice ends the exercise;
standing extension is a timed test, flagged to be dropped if symptoms do not settle.
"""
from __future__ import annotations

import math
from collections.abc import Callable

from formcheck.analysis.pipeline import Pipeline
from formcheck.core.keypoints import Poses
from formcheck.definitions.exercises import Exercise
from formcheck.definitions.routines import Routine
from formcheck.i18n import t
from formcheck.session import types as st  # states and wording: st.CARD, st.RED_FLAGS, ...
from formcheck.session.live_runtime import CameraRecovery
from formcheck.session.set_tracker import SetTracker, is_extension_test
from formcheck.session.types import ExerciseRun, Screen, Silent, Sound, Timings
from formcheck.session.view import screen_for

# What ``no_input`` logs and a headless run prints: English in the log, translated where printed
# (``progress``: the catalogue's entry for this template is matched in reverse; ``why`` by its
# "why|" entry).
NO_INPUT_MESSAGE = "The {state} screen ({screen}) waited {seconds} s for a key ({keys}){why}: ending the session."


class Session:
    def __init__(self, routine: Routine, *, log: Callable[[dict], None], sound: Sound | None = None,
                 timings: Timings | None = None, notices: tuple[str, ...] = (),
                 make_pipeline: Callable[[Exercise], Pipeline] = Pipeline) -> None:
        self.routine = routine
        self._log = log
        self.sound = sound or Silent()
        self.t = timings = timings or Timings()
        self.make_pipeline = make_pipeline
        self.notices = tuple(notices) + routine.notices  # shown on the welcome screen
        self.runs = [ExerciseRun(entry) for entry in routine.entries]
        self.red_flags: dict[str, bool] = {}
        self.end_reason = ""
        self.state = st.WELCOME
        self.now = 0.0  # the clock of the latest input
        self.question = 0  # the safety question on screen
        self.run_index = -1  # the routine entry under way
        self.card_note = ""  # why the previous exercise ended early, shown on the next card
        self.tracker: SetTracker | None = None  # the current set, from its set-up check on
        self.camera = CameraRecovery(self.log, retry_s=timings.camera_retry_s, retries=timings.camera_retries)
        self._since = 0.0  # when the current state began (shifted by pauses)
        self._worse_streak = 0
        self._suspended: tuple[str, float] | None = None  # (state to go back to, since)
        self._user_paused = False
        self._count_shown = 0

    def start(self, now: float, **info) -> None:
        """Log the session's start (``info``: source, time...) and the notices shown."""
        self.now = self._since = now
        self.log({"type": "session_start", "routine": self.routine.name, "routine_source": self.routine.source,
                  "exercises": [r.exercise.id for r in self.runs], **info})
        for notice in self.notices:
            self.log({"type": "notice", "message": notice})

    # -- helpers -----------------------------------------------------------------------------
    def log(self, record: dict) -> None:
        self._log({"t_s": round(self.now, 3), **record})

    def _log_exercise(self, **fields) -> None:
        """A record about the current exercise and set."""
        run = self.run
        self.log({"exercise": run.exercise.id, "set": run.set_no, **fields})

    @property
    def run(self) -> ExerciseRun | None:
        return self.runs[self.run_index] if 0 <= self.run_index < len(self.runs) else None

    @property
    def finished(self) -> bool:
        return self.state == st.FINISHED

    @property
    def wants_pose(self) -> bool:
        return self.state in st.POSE_STATES

    @property
    def waiting_for_key(self) -> bool:
        """The screen waits for an answer: without a key nothing moves on."""
        return self.state in st.WAITING

    def no_input(self, now: float, waited_s: float, why: str = "") -> str:
        """End a session nobody answers (headless, no keys to come); returns what waited for what.

        ``why`` says why no key will come, e.g. "and the --keys script has no more keys".
        """
        self.now = now
        screen = self.view()
        keys = ", ".join(k.strip() for k in screen.keys.split("  ") if k.strip())
        message = NO_INPUT_MESSAGE.format(state=self.state.replace("_", " "), screen=repr(screen.title),
                                          seconds=f"{waited_s:.0f}", keys=keys, why=f" {why}" if why else "")
        self.log({"type": "no_input", "state": self.state, "screen": screen.title, "keys": keys,
                  "waited_s": round(waited_s, 1), "message": message})
        self._end_session("no_input")
        return message

    def _enter(self, state: str) -> None:
        self.state, self._since = state, self.now

    def _elapsed(self) -> float:
        return self.now - self._since

    def seconds_left(self, duration_s: float) -> int:
        """Whole seconds left of a timer of ``duration_s`` started with this state."""
        return max(0, math.ceil(duration_s - self._elapsed()))

    def countdown_left(self) -> int:
        return max(1, self.seconds_left(self.t.countdown_s))

    def view(self) -> Screen:
        """What to show now (built by ``session.view``)."""
        return screen_for(self)

    # -- inputs ------------------------------------------------------------------------------
    def key(self, now: float, key: str) -> None:
        self.now = now
        state = self.state
        if state == st.FINISHED:
            return
        if state in st.CLOSING:
            self._enter(st.FINISHED)
            return
        if key in ("q", "esc"):
            self.log({"type": "quit", "state": self._active_state()})
            self._end_session("quit")
            return
        if key == "m":
            muted = self.sound.toggle_mute()
            self.log({"type": "mute" if muted else "unmute"})
            return
        if state == st.CAMERA_LOST:
            if key == "r":
                self.camera.request_retry()
            return
        active = self._active_state()
        if key == "p" and active in st.EXERCISE_STATES:
            self._pain()
        elif key == "n" and active in st.EXERCISE_STATES:
            self._skip()
        elif key == "space" and state == st.PAUSED:
            self._user_paused = False
            self._resume()
            self.log({"type": "resume"})
        elif key == "space" and state in st.TIMED:
            self._user_paused = True
            self._suspend(st.PAUSED)
            self.log({"type": "pause", "state": state})
        else:
            self._state_key(state, key)

    def _state_key(self, state: str, key: str) -> None:
        """Keys that answer the current screen."""
        if state == st.WELCOME and key in ("space", "enter"):
            self._enter(st.RED_FLAG)
        elif state == st.RED_FLAG and key in ("y", "n"):
            flag_id, question = st.RED_FLAGS[self.question]
            self.red_flags[flag_id] = key == "y"
            self.log({"type": "red_flag", "question": flag_id, "text": question,
                      "answer": "yes" if key == "y" else "no"})
            if key == "y":
                self.sound.tone("alert")
                self.log({"type": "red_flag_stop", "question": flag_id, "advice": st.RED_FLAG_ADVICE})
                self._end_session("red_flag", next_state=st.RED_FLAG_STOP)
            else:
                self.question += 1
                if self.question == len(st.RED_FLAGS):
                    self._next_exercise()
        elif state == st.CARD and key in ("space", "enter"):
            self._start_set()
        elif state == st.SYMPTOM and key in st.SYMPTOM_ANSWERS:
            self._symptom(st.SYMPTOM_ANSWERS[key])
        elif state == st.PAIN and key.isdigit():
            self.run.pain.append(int(key))
            self._log_exercise(type="pain_rating", rating=int(key))
            self.card_note = t("{name} was stopped because of pain ({rating}/9). If pain is severe or keeps "
                               "coming back, stop for today and tell your clinician.",
                               name=t(self.run.exercise.name), rating=key)
            self._end_exercise("pain")
        elif state in (st.EXT_CHECK, st.EXT_RECHECK) and key in ("y", "n"):
            self._extension_answer(state, key == "y")

    def update(self, now: float, pose: tuple[float, Poses] | None = None, brightness: float = 128.0,
               image_size: tuple[int, int] = (640, 480)) -> None:
        """Advance timers; ``pose`` is a new (capture time, everyone found) from the model, if any."""
        self.now = now
        tracker = self.tracker
        if pose is not None and self.state in st.POSE_STATES:
            tracker.see(pose)
        state = self.state
        if state == st.SETUP:
            if pose is not None and tracker.check_setup(now, tracker.keypoints, brightness, image_size):
                self._count_shown = 0
                self._enter(st.COUNTDOWN)
            if self.state == st.SETUP and self._elapsed() >= self.t.setup_timeout_s:
                problem = tracker.framing_message
                self._log_exercise(type="setup_timeout", problem=problem)
                self.card_note = t("I couldn't see you well enough for {name}, so it was skipped ({problem}).",
                                   name=t(self.run.exercise.name), problem=t(problem) if problem else t("no picture"))
                self._end_exercise("setup_timeout")
        elif state == st.COUNTDOWN:
            if self._elapsed() >= self.t.countdown_s:
                tracker.begin(now)
                self._enter(st.TRACKING)
            elif self.countdown_left() != self._count_shown:
                self._count_shown = self.countdown_left()
                self.sound.tone("tick")
        elif state == st.TRACKING:
            if pose is not None and tracker.track(pose):
                self._end_set("completed")
                self._enter(st.SYMPTOM)
            timed = tracker.timed_s
            if self.state == st.TRACKING and timed is not None and self._elapsed() >= timed:
                if tracker.is_extension:
                    self._extension_hold_done()
                else:
                    self._end_set("completed")
                    self._enter(st.SYMPTOM)
        elif state == st.REST_BREAK and self._elapsed() >= self.run.entry.rest_s:
            self._start_set()
        elif state == st.EXT_SETTLE and self._elapsed() >= self.t.extension_settle_s:
            self._enter(st.EXT_RECHECK)
            self.sound.tone("tick")
        elif state in st.CLOSING and self._elapsed() >= self.t.closing_s:
            self._enter(st.FINISHED)

    # -- camera (the policy is live_runtime's; this is what it does to the session) -------------
    @property
    def camera_is_lost(self) -> bool:
        return self.state == st.CAMERA_LOST

    def camera_lost(self, now: float, message: str) -> None:
        self.now = now
        if self.state in (*st.CLOSING, st.FINISHED):
            return
        self.camera.camera_lost(now, message, state=self._active_state())  # logged once per loss
        if self.state != st.CAMERA_LOST:
            self._suspend(st.CAMERA_LOST)

    def camera_retry_due(self, now: float) -> bool:
        return self.state == st.CAMERA_LOST and self.camera.camera_retry_due(now)

    def camera_retry_failed(self, now: float) -> None:
        self.now = now
        self.camera.camera_retry_failed(now)
        if self.camera.gave_up:
            self._end_session("camera_lost")

    def camera_back(self, now: float) -> None:
        self.now = now
        if self.state != st.CAMERA_LOST:
            return
        self.camera.camera_back(now)
        if self._user_paused:
            self.state = st.PAUSED
        else:
            self._resume()

    def interrupt(self, now: float, reason: str) -> None:
        """Ctrl-C or the window closed: log and stop at once, no closing screen."""
        self.now = now
        if self.state != st.FINISHED:
            self.log({"type": "interrupted", "reason": reason})
            self._end_session(reason, next_state=st.FINISHED)

    # -- pause -------------------------------------------------------------------------------
    def _active_state(self) -> str:
        return self._suspended[0] if self._suspended else self.state

    def _suspend(self, state: str) -> None:
        if self._suspended is None:
            self._suspended = (self.state, self.now)
        self.state = state

    def _resume(self) -> None:
        state, since = self._suspended
        self._suspended = None
        gap = self.now - since  # timers and the analyzer clock skip the pause
        self._since += gap
        if self.tracker is not None:
            self.tracker.skip_pause(gap, self.now)
        self.state = state

    # -- exercise flow -----------------------------------------------------------------------
    def _next_exercise(self) -> None:
        self.run_index += 1
        if self.run is None:
            self._end_session("completed")
            return
        self._enter(st.CARD)

    def _start_set(self) -> None:
        run = self.run
        self.card_note = ""  # read on the card just left
        run.set_no += 1
        ex = run.exercise
        if run.set_no == 1:
            self._log_exercise(type="exercise_start", name=ex.name, target_reps=ex.target_reps,
                               target_hold_s=ex.hold_s, sets=run.entry.sets, rest_s=run.entry.rest_s)
        self._log_exercise(type="set_start")
        self.tracker = SetTracker(run, timings=self.t, log=self._log_exercise, sound=self.sound,
                                  make_pipeline=self.make_pipeline)
        self._enter(st.SETUP)

    def _end_set(self, how: str) -> None:
        reps = self.tracker.finish() if self.tracker else 0
        self.run.reps_per_set.append(reps)
        self._log_exercise(type="set_end", reps=reps, how=how)
        if how == "completed":
            self.sound.say("Set complete")

    def _symptom(self, answer: str) -> None:
        run = self.run
        run.symptoms.append(answer)
        self._log_exercise(type="symptom", answer=answer)
        self._worse_streak = self._worse_streak + 1 if answer == "worse" else 0
        if self._worse_streak >= st.WORSE_IN_A_ROW:
            self.card_note = t("Your symptoms were worse twice in a row, so {name} was stopped. If this keeps "
                               "happening, stop for today and tell your clinician.", name=t(run.exercise.name))
            self._end_exercise("symptoms_worse")
        elif run.last_set_after_symptom:
            self._end_exercise("skipped")
        elif run.set_no >= run.entry.sets:
            self._end_exercise("completed")
        else:
            self._enter(st.REST_BREAK)

    def _skip(self) -> None:
        run, state = self.run, self._active_state()
        self.card_note = ""
        self._suspended = None
        self._user_paused = False
        self._log_exercise(type="skip", state=state)
        if state == st.TRACKING:
            self._end_set("skipped")
        if state == st.TRACKING and run.reps_per_set[-1] > 0 and not is_extension_test(run.exercise):
            run.last_set_after_symptom = True  # they did exercise: ask how it went before moving on
            self._enter(st.SYMPTOM)
        else:
            self._end_exercise("skipped")

    def _pain(self) -> None:
        state = self._active_state()
        self._suspended = None
        self._user_paused = False
        if state == st.TRACKING:
            self._end_set("pain")
        self.sound.tone("alert")
        self._log_exercise(type="pain", state=state)
        self._enter(st.PAIN)

    def _end_exercise(self, reason: str) -> None:
        run = self.run
        run.end_reason, run.ended = reason, True
        self.tracker = None
        self._log_exercise(type="exercise_end", reason=reason, reps=run.reps, sets_done=len(run.reps_per_set))
        self._next_exercise()

    # -- standing extension (PROTOCOL.md: timer, symptom prompt, stop) --------------------------
    def _extension_hold_done(self) -> None:
        self._end_set("timed")
        self.sound.tone("hold")
        self.sound.say("Relax and stand normally")
        self._enter(st.EXT_CHECK)

    def _extension_answer(self, state: str, symptoms: bool) -> None:
        run = self.run
        self._log_exercise(type="extension_check" if state == st.EXT_CHECK else "extension_recheck",
                           symptoms=symptoms)
        if state == st.EXT_CHECK and symptoms:
            self._enter(st.EXT_SETTLE)
        elif state == st.EXT_RECHECK and symptoms:
            run.flags.append("drop_standing_extension")
            self._log_exercise(type="extension_flag", advice=st.EXTENSION_ADVICE)
            self.card_note = t(st.EXTENSION_ADVICE)
            self._end_exercise("extension_dropped")
        elif run.set_no >= run.entry.sets:
            self._end_exercise("completed")
        else:
            self._enter(st.REST_BREAK)

    # -- ending ------------------------------------------------------------------------------
    def _end_session(self, reason: str, next_state: str = st.SUMMARY) -> None:
        run = self.run
        if run is not None and run.set_no > 0 and not run.ended:
            if self._active_state() == st.TRACKING:
                self._end_set(reason)
            run.end_reason, run.ended = reason, True
            self._log_exercise(type="exercise_end", reason=reason, reps=run.reps, sets_done=len(run.reps_per_set))
        self._suspended = None
        self.tracker = None
        self.end_reason = reason
        self.log({"type": "session_end", "reason": reason, "reps": sum(r.reps for r in self.runs)})
        self._enter(next_state)
