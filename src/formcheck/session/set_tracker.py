"""One set of one exercise, from its camera set-up check to its last rep: the framing check that
must pass before the countdown, then the analyzer during the set, logging each warning, rep and
completed hold and playing their sounds. What happens next is the session's (``flow``) to decide.

With more than one person in view, the set-up check and the countdown look at the person a
``ContinuitySelector`` follows, and the set's pipeline carries on following that person.
"""
from __future__ import annotations

import collections
from collections.abc import Callable

from formcheck.analysis.framing import check_framing
from formcheck.analysis.kinematics import KinematicsTracker
from formcheck.analysis.person_selection import ContinuitySelector
from formcheck.analysis.pipeline import Pipeline, StepResult
from formcheck.core.events import HOLD, REST
from formcheck.core.keypoints import KeyPoints, Poses
from formcheck.definitions.exercises import Exercise
from formcheck.session.types import EXTENSION_ID, EXTENSION_RULE, TIMER_RELAX_S, ExerciseRun, Sound, Timings


def is_extension_test(ex: Exercise) -> bool:
    """Standing extension (PROTOCOL.md): a timed test with a symptom prompt, not a counted set."""
    # ``rule`` is newer than this module: definitions without it are keyed on the id alone.
    return ex.id == EXTENSION_ID or getattr(ex, "rule", "") == EXTENSION_RULE


def set_complete(ex: Exercise, reps) -> bool:
    """The target is reached: on each side for an alternating exercise (20 on one leg is not done)."""
    if not ex.sides:
        return len(reps) >= ex.target_reps
    done = collections.Counter(rep.side for rep in reps)
    return all(done[side] >= ex.target_reps for side in ex.sides)


class SetTracker:
    """The current set of ``run``; ``log`` takes the fields of a record about the exercise."""

    def __init__(self, run: ExerciseRun, *, timings: Timings, log: Callable[..., None], sound: Sound,
                 make_pipeline: Callable[[Exercise], Pipeline]) -> None:
        self.run, self.t, self.log, self.sound = run, timings, log, sound
        self.make_pipeline = make_pipeline
        self.keypoints: KeyPoints | None = None  # the newest landmarks of the person followed, for the skeleton
        self._selector = ContinuitySelector()  # whom the set-up check and the countdown look at
        self.framing_message = ""  # what to fix in the set-up, "" while it looks right
        self.pipeline: Pipeline | None = None  # from the end of the countdown to the end of the set
        self.result: StepResult | None = None  # the newest step, for the overlay
        self._framing = KinematicsTracker()
        self._framing_ok_since: float | None = None
        self._origin = 0.0  # analyzer clock 0 for this set (session time, shifted by pauses)
        self._last_step_t = float("-inf")
        self._reps_logged = self._events_logged = 0
        self._hold_announced = self._hold_done = False

    @property
    def is_extension(self) -> bool:
        return is_extension_test(self.run.exercise)

    @property
    def timed_s(self) -> float | None:
        """How long the set lasts when it is timed rather than counted, else None.

        The extension test is a fixed exposure, timed by the clock from the end of the countdown
        so it never runs long when the camera loses the person. Exercises the camera cannot
        measure (``measures`` False) get their reps' holds plus time to relax.
        """
        if self.is_extension:
            return self.t.extension_hold_s
        ex = self.run.exercise
        if getattr(ex, "measures", True):
            return None
        return max(ex.hold_s, ex.target_reps * (ex.hold_s + TIMER_RELAX_S))

    def see(self, pose: tuple[float, Poses]) -> None:
        """A new result from the model (capture time, everyone found): before the set, ``keypoints``
        becomes the person followed; during it the pipeline chooses (``track``)."""
        if self.pipeline is None:
            self.keypoints = self._selector.update(pose[0], pose[1]).person

    def check_setup(self, now: float, keypoints: KeyPoints | None, brightness: float,
                    size: tuple[int, int]) -> bool:
        """Check the framing with a new pose; True once it has looked right for ``setup_stable_s``."""
        result = check_framing(self.run.exercise, keypoints, self._framing.update(keypoints), brightness, size)
        if not result.ok:
            if result.message != self.framing_message:
                self.sound.say(result.message)
                self.log(type="setup", problem=result.code, message=result.message)
            self.framing_message = result.message
            self._framing_ok_since = None
            return False
        self.framing_message = ""
        if self._framing_ok_since is None:
            self._framing_ok_since = now
        elif now - self._framing_ok_since >= self.t.setup_stable_s:
            self.log(type="setup_ok")
            return True
        return False

    def begin(self, now: float) -> None:
        """The countdown is over: the set starts now."""
        self.pipeline = self.make_pipeline(self.run.exercise)
        if self.keypoints is not None:  # go on with the person the set-up check looked at
            self.pipeline.person_selector.follow(self.keypoints)
        self.result = None
        self._origin = now
        self._last_step_t = now
        self._reps_logged = self._events_logged = 0
        self._hold_announced = self._hold_done = False
        self.sound.say("Go" if not self.is_extension else "Lean back gently and hold")

    def skip_pause(self, gap_s: float, now: float) -> None:
        """After a pause of ``gap_s``: the analyzer clock skips it, poses from it are stale."""
        self._origin += gap_s
        self._last_step_t = max(self._last_step_t, now)
        self._framing_ok_since = None

    def track(self, pose: tuple[float, Poses]) -> bool:
        """A new pose during the set; True when a counted set has reached its target."""
        t, poses = pose
        if t <= self._last_step_t:  # captured before this set began or during a pause
            return False
        self._last_step_t = t
        result = self.result = self.pipeline.step(t - self._origin, poses)
        self.keypoints = result.raw
        analyzer, run, fb = self.pipeline.analyzer, self.run, result.feedback
        for event in analyzer.events[self._events_logged:]:
            run.warnings[event.code] = run.warnings.get(event.code, 0) + 1
            run.warning_messages.setdefault(event.code, event.message)
            self.log(type="warning", code=event.code, message=event.message, rep=event.rep,
                     set_t_s=round(event.t_s, 3))
            self.sound.say(event.message)
        self._events_logged = len(analyzer.events)
        for rep in analyzer.reps[self._reps_logged:]:
            self.log(type="rep", **rep.as_dict())
            self.sound.tone("rep")
            self._hold_announced = self._hold_done = False
        self._reps_logged = len(analyzer.reps)
        if fb.phase == HOLD and not self._hold_announced:
            self._hold_announced = True
            self.sound.say(run.exercise.cues.get("hold") or "Hold")
        if fb.target_hold_s > 0 and fb.hold_s >= fb.target_hold_s and not self._hold_done:
            self._hold_done = True
            run.holds_completed += 1
            self.log(type="hold_complete", rep=len(analyzer.reps) + 1, hold_s=round(fb.hold_s, 2))
            self.sound.tone("hold")
            self.sound.say(run.exercise.cues.get("hold_done") or "Relax")
        return self.timed_s is None and fb.phase == REST and set_complete(run.exercise, analyzer.reps)

    def finish(self) -> int:
        """End the set; the reps it counted."""
        reps = len(self.pipeline.analyzer.reps) if self.pipeline else 0
        self.pipeline = None
        return reps
