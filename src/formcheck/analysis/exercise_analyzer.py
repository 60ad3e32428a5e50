"""The analyzer for one exercise: the rep state machine plus the definition's rules.

Input per frame: ``(t_s, Angles)``. Output: ``Feedback`` for the display; finished reps in
``reps`` and every event in ``events`` (with stable codes, see ``base``).
"""
from __future__ import annotations

import math

from formcheck.analysis.kinematics import Angles
from formcheck.analysis.reps.machine import RepResult, RepStateMachine
from formcheck.analysis.sides import SideGate
from formcheck.core.events import (
    EVENT_MESSAGES,
    HOLD,
    HOLD_CAP,
    MOVING,
    NO_PERSON,
    PARTIAL_RANGE,
    REP_TIMEOUT,
    REST,
    REST_OUTSIDE,
    RETURNING,
    RUSHED,
    SHORT_HOLD,
    TRACKING_LOST,
    WRONG_VIEW,
    Event,
    Feedback,
    RepRecord,
)
from formcheck.definitions.exercises import Exercise

MIN_VISIBILITY = 0.5  # below this on the measured side, a frame is not measured
LOST_AFTER_S = 1.0  # tracking gaps shorter than this are not reported as events
WRONG_VIEW_AFTER_S = 1.0
CUE_HOLD_S = 2.5  # a warning's cue stays on screen this long


def rest_outside_message(ex: Exercise, value: float) -> str:
    """In words: the person's rest reads ``value``, outside the range the exercise accepts."""
    lo, hi = ex.rest_range
    unit = " deg" if ex.unit == "deg" else ex.unit
    return (f"Your starting {ex.signal_label} reads {value:.0f}{unit}; this exercise expects "
            f"{lo:.0f} to {hi:.0f}{unit}: start from the position in the instructions")


class ExerciseAnalyzer:
    """Counts repetitions of one exercise; one counter per side where sides alternate.

    A "timer" exercise (nothing measurable) only times how long the person is in view.
    """

    def __init__(self, exercise: Exercise) -> None:
        self.exercise = ex = exercise
        params = ex.rep_params() if ex.measures else None
        keys: tuple[str | None, ...] = ex.sides or (None,)
        self.machines = {key: RepStateMachine(params) for key in keys} if ex.measures else {}
        self.active: str | None = keys[0]  # the side whose repetition is shown
        # Alternating sides: only the limb that moved may start a repetition (analysis.sides)
        self.side_gate = SideGate(ex.sides, ex.rest_deg, ex.target_deg, ex.start_deg, ex.return_deg,
                                  ex.rest_limit_deg) if ex.measures and len(ex.sides) > 1 else None
        self.timer_s = 0.0  # timer exercises: time in view
        self._last_t: float | None = None
        self.reps: list[RepRecord] = []
        self.events: list[Event] = []
        self._rep_warnings: list[str] = []
        self._rule_since: dict[str, float | None] = {r.code: None for r in ex.form}
        self._lost_since: float | None = None
        self._lost_reported = False
        self._front_since: float | None = None
        self._wrong_view = False
        self._capped = False
        self._last_warning: Event | None = None
        self._rest_reported = False

    @property
    def machine(self) -> RepStateMachine | None:
        return self.machines.get(self.active)

    # -- events --------------------------------------------------------------------------
    def _emit(self, t: float, code: str, rep: int | None = None, message: str = "") -> Event:
        event = Event(t, code, message or EVENT_MESSAGES.get(code, code.replace("_", " ")), rep)
        self.events.append(event)
        self._last_warning = event
        return event

    def _warn_rep(self, t: float, code: str, message: str = "") -> None:
        """A form warning belonging to the repetition in progress (once per rep)."""
        if code not in self._rep_warnings:
            self._rep_warnings.append(code)
            self._emit(t, code, len(self.reps) + 1, message)

    # -- per frame ---------------------------------------------------------------------
    def _visible(self, t: float, angles: Angles) -> bool:
        """Whether this frame can be measured; raises lost-tracking and wrong-view events."""
        if not angles.detected or angles.visibility < MIN_VISIBILITY:
            self._front_since = None
            if self._lost_since is None:
                self._lost_since = t
            elif not self._lost_reported and t - self._lost_since >= LOST_AFTER_S:
                self._lost_reported = True
                self._emit(t, TRACKING_LOST)
            return False
        self._lost_since, self._lost_reported = None, False
        wrong = (self.exercise.view == "side" and angles.view == "front") or (
            self.exercise.view == "front" and angles.view == "side")
        if wrong:
            self._front_since = t if self._front_since is None else self._front_since
            if t - self._front_since >= WRONG_VIEW_AFTER_S:
                if not self._wrong_view:
                    self._wrong_view = True
                    self._emit(t, WRONG_VIEW)
                return False
        else:
            self._front_since, self._wrong_view = None, False
        return True

    def _value(self, angles: Angles, side: str | None) -> float | None:
        value = getattr(angles, self.exercise.signal_for(side))
        return None if math.isnan(value) else value

    def _check_form(self, t: float, angles: Angles) -> None:
        machine = self.machine
        phase = machine.phase if machine else HOLD
        for rule in self.exercise.form:
            value = getattr(angles, rule.field_for(self.active, angles.side))
            if phase in rule.phases and rule.violated(value):
                since = self._rule_since[rule.code]
                if since is None:
                    self._rule_since[rule.code] = t
                elif t - since >= rule.min_duration_s:
                    self._warn_rep(t, rule.code, rule.message)
            else:
                self._rule_since[rule.code] = None

    def _record(self, t: float, result: RepResult, side: str | None) -> RepRecord:
        ex = self.exercise
        d = self.machines[side].p.direction
        if d * (result.peak_value - ex.target_deg) < 0:
            self._warn_rep(t, PARTIAL_RANGE)
        if ex.warn_short_hold and result.hold_s < ex.hold_s - ex.hold_tolerance_s:
            self._warn_rep(t, SHORT_HOLD)
        moves = [m for m in (result.out_move_s, result.back_move_s) if m is not None]
        if moves and min(moves) < ex.min_move_s:
            self._warn_rep(t, RUSHED)
        rep = RepRecord(index=len(self.reps) + 1, start_s=result.start_s, end_s=result.end_s,
                        peak_angle_deg=result.peak_value, hold_s=result.hold_s,
                        warnings=list(self._rep_warnings), side=side,
                        hold_start_s=result.hold_start_s, hold_end_s=result.hold_end_s)
        self.reps.append(rep)
        self._rep_warnings = []
        self._capped = False
        return rep

    def update(self, t: float, angles: Angles) -> Feedback:
        n_events = len(self.events)
        visible = self._visible(t, angles)
        dt = 0.0 if self._last_t is None else min(t - self._last_t, 0.5)
        self._last_t = t
        if visible:
            self._check_form(t, angles)
            if not self.machines:
                self.timer_s += dt
        idle = object()  # sentinel: keys may be None (one counter, no sides)
        busy = next((k for k, m in self.machines.items() if m.phase != REST), idle)
        movers = None if self.side_gate is None else self.side_gate.update(
            t, {k: self._value(angles, k) if visible else None for k in self.machines}, None if busy is idle else busy)
        for key, machine in self.machines.items():
            value = self._value(angles, key) if visible else None
            free = busy is idle and (movers is None or key in movers)
            result = machine.update(t, value, may_start=free or busy == key)
            if machine.phase != REST and busy is idle:
                busy = key  # this side just started a repetition
                self.active = key
                self._rep_warnings = []
            if result is not None:
                if result.ended_by == "timeout":
                    self._emit(t, REP_TIMEOUT, len(self.reps) + 1,
                               f"That repetition did not come back to the start within "
                               f"{machine.p.timeout_s:.0f} s: it was closed")
                self._record(t, result, key if self.exercise.sides else None)
            if machine.rest_outside is not None and not self._rest_reported:
                self._rest_reported = True
                self._emit(t, REST_OUTSIDE, None, rest_outside_message(self.exercise, machine.rest_outside))
        held = self.machine.hold_s if self.machine else self.timer_s
        if self.exercise.hold_cap_s is not None and held >= self.exercise.hold_cap_s and not self._capped:
            self._capped = True
            self._emit(t, HOLD_CAP, len(self.reps) + 1 if self.machines else None)
        value = self._value(angles, self.active) if visible and self.machines else None
        return self._feedback(t, value, [e.code for e in self.events[n_events:]])

    @property
    def reps_by_side(self) -> dict[str, int] | None:
        if not self.exercise.sides:
            return None
        return {side: sum(r.side == side for r in self.reps) for side in self.exercise.sides}

    def _cue(self, t: float) -> str:
        ex, m = self.exercise, self.machine
        if self._wrong_view:
            return "Face the camera" if ex.view == "front" else EVENT_MESSAGES[WRONG_VIEW]
        tracking = m.tracking if m else self._lost_since is None and self._last_t is not None
        if not tracking:
            return EVENT_MESSAGES[TRACKING_LOST] if self._lost_reported else "Hold still: finding you"
        last = self._last_warning
        if last and t - last.t_s < CUE_HOLD_S and last.code not in (TRACKING_LOST, WRONG_VIEW):
            return last.message
        if m is None:  # timer
            return ex.cues.get("hold_done") if self.timer_s >= ex.hold_s else ex.cues.get("hold") or "Hold"
        if m.phase == HOLD:
            return ex.cues.get("hold_done") if m.hold_s >= ex.hold_s else ex.cues.get("hold") or "Hold"
        if m.phase == REST and len(self.reps) >= ex.target_reps * max(len(ex.sides), 1):
            return "Well done: all repetitions complete"
        cue = ex.cues.get(m.phase) or ""
        return cue.format(side=self.active or "") if "{side}" in cue else cue

    def _feedback(self, t: float, value: float | None, warnings: list[str]) -> Feedback:
        ex, m = self.exercise, self.machine
        tracking = m.tracking if m else self._lost_since is None
        phase = (m.phase if m else HOLD) if tracking and not self._wrong_view else NO_PERSON
        if m is not None:
            hold = m.hold_s if m.phase in (HOLD, RETURNING, MOVING) and m.hold_start_s is not None else 0.0
        else:
            hold = self.timer_s
        return Feedback(
            t_s=t, phase=phase, signal_name=ex.signal_label, signal_field=ex.signal_for(self.active),
            signal_deg=value if value is not None else float("nan"),
            rest_deg=m.rest if m else 0.0, target_deg=ex.target_deg, limit_deg=ex.limit_deg,
            reps=len(self.reps), target_reps=ex.target_reps * max(len(ex.sides), 1),
            hold_s=hold, target_hold_s=ex.hold_s, cue=self._cue(t), warnings=warnings,
            side=self.active if ex.sides else None,
            side_reps=sum(r.side == self.active for r in self.reps) if ex.sides else None,
            side_target_reps=ex.target_reps if ex.sides else None, unit=ex.unit)

    def note_event(self, t: float, code: str, message: str = "") -> Event:
        """Record an event from outside the analyzer (the pipeline's ``other_person``): logged and
        reported like its own, and shown as the cue for a moment like a warning."""
        return self._emit(t, code, None, message)
