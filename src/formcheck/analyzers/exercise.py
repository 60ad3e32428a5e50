"""The analyzer for one exercise: the rep state machine plus the definition's rules.

Input per frame: ``(t_s, Angles)``. Output: ``Feedback`` for the display; finished reps in
``reps`` and every event in ``events`` (with stable codes, see ``base``).
"""
from __future__ import annotations

import math

from ..exercises import Exercise
from ..kinematics import Angles
from .base import (EVENT_MESSAGES, HOLD, MOVING, NO_PERSON, PARTIAL_RANGE, REST, RETURNING, RUSHED,
                   SHORT_HOLD, TRACKING_LOST, WRONG_VIEW, Event, Feedback, RepRecord)
from .rep_machine import RepParams, RepResult, RepStateMachine

MIN_VISIBILITY = 0.5  # below this on the measured side, a frame is not measured
LOST_AFTER_S = 1.0  # tracking gaps shorter than this are not reported as events
WRONG_VIEW_AFTER_S = 1.0
CUE_HOLD_S = 2.5  # a warning's cue stays on screen this long


class ExerciseAnalyzer:
    def __init__(self, exercise: Exercise) -> None:
        self.exercise = ex = exercise
        self.machine = RepStateMachine(RepParams(
            rest_deg=ex.rest_deg, target_deg=ex.target_deg, start_deg=ex.start_deg,
            return_deg=ex.return_deg, count_min_deg=ex.count_min_deg, rest_limit_deg=ex.rest_limit_deg))
        self.reps: list[RepRecord] = []
        self.events: list[Event] = []
        self._rep_warnings: list[str] = []
        self._rule_since: dict[str, float | None] = {r.code: None for r in ex.form}
        self._lost_since: float | None = None
        self._lost_reported = False
        self._front_since: float | None = None
        self._wrong_view = False
        self._last_warning: tuple[float, str] | None = None

    # -- events --------------------------------------------------------------------------
    def _emit(self, t: float, code: str, rep: int | None = None) -> Event:
        event = Event(t, code, EVENT_MESSAGES.get(code, code), rep)
        self.events.append(event)
        self._last_warning = (t, code)
        return event

    def _warn_rep(self, t: float, code: str) -> None:
        """A form warning belonging to the repetition in progress (once per rep)."""
        if code not in self._rep_warnings:
            self._rep_warnings.append(code)
            self._emit(t, code, len(self.reps) + 1)

    # -- per frame ---------------------------------------------------------------------
    def _measurable(self, t: float, angles: Angles) -> float | None:
        """The signal value, or None when this frame cannot be measured (and why, as events)."""
        if not angles.detected or angles.visibility < MIN_VISIBILITY:
            self._front_since = None
            if self._lost_since is None:
                self._lost_since = t
            elif not self._lost_reported and t - self._lost_since >= LOST_AFTER_S:
                self._lost_reported = True
                self._emit(t, TRACKING_LOST)
            return None
        self._lost_since, self._lost_reported = None, False
        if self.exercise.view == "side" and angles.view == "front":
            self._front_since = t if self._front_since is None else self._front_since
            if t - self._front_since >= WRONG_VIEW_AFTER_S:
                if not self._wrong_view:
                    self._wrong_view = True
                    self._emit(t, WRONG_VIEW)
                return None
        else:
            self._front_since, self._wrong_view = None, False
        value = getattr(angles, self.exercise.signal_field)
        return None if math.isnan(value) else value

    def _check_form(self, t: float, angles: Angles) -> None:
        phase = self.machine.phase
        for rule in self.exercise.form:
            if phase in rule.phases and rule.violated(getattr(angles, rule.field)):
                since = self._rule_since[rule.code]
                if since is None:
                    self._rule_since[rule.code] = t
                elif t - since >= rule.min_duration_s:
                    self._warn_rep(t, rule.code)
            else:
                self._rule_since[rule.code] = None

    def _record(self, t: float, result: RepResult) -> RepRecord:
        ex = self.exercise
        d = self.machine.p.direction
        if d * (result.peak_value - ex.target_deg) < 0:
            self._warn_rep(t, PARTIAL_RANGE)
        if result.hold_s < ex.hold_s - ex.hold_tolerance_s:
            self._warn_rep(t, SHORT_HOLD)
        moves = [m for m in (result.out_move_s, result.back_move_s) if m is not None]
        if moves and min(moves) < ex.min_move_s:
            self._warn_rep(t, RUSHED)
        rep = RepRecord(index=len(self.reps) + 1, start_s=result.start_s, end_s=result.end_s,
                        peak_angle_deg=result.peak_value, hold_s=result.hold_s,
                        warnings=list(self._rep_warnings),
                        hold_start_s=result.hold_start_s, hold_end_s=result.hold_end_s)
        self.reps.append(rep)
        self._rep_warnings = []
        return rep

    def update(self, t: float, angles: Angles) -> Feedback:
        n_events = len(self.events)
        value = self._measurable(t, angles)
        if value is not None:
            self._check_form(t, angles)
        was_rest = self.machine.phase == REST
        result = self.machine.update(t, value)
        if was_rest and self.machine.phase != REST:
            self._rep_warnings = []
        if result is not None:
            self._record(t, result)
        return self._feedback(t, value, [e.code for e in self.events[n_events:]])

    def _cue(self, t: float) -> str:
        ex, m = self.exercise, self.machine
        if self._wrong_view:
            return EVENT_MESSAGES[WRONG_VIEW]
        if not m.tracking:
            return EVENT_MESSAGES[TRACKING_LOST] if self._lost_reported else "Hold still: finding you"
        if self._last_warning and t - self._last_warning[0] < CUE_HOLD_S and self._last_warning[1] not in (
                TRACKING_LOST, WRONG_VIEW):
            return EVENT_MESSAGES[self._last_warning[1]]
        if m.phase == HOLD:
            return ex.cues.get("hold_done") if m.hold_s >= ex.hold_s else ex.cues.get("hold") or "Hold"
        if m.phase == REST and len(self.reps) >= ex.target_reps:
            return "Well done: all repetitions complete"
        return ex.cues.get(m.phase) or ""

    def _feedback(self, t: float, value: float | None, warnings: list[str]) -> Feedback:
        ex, m = self.exercise, self.machine
        phase = m.phase if m.tracking else NO_PERSON
        if self._wrong_view:
            phase = NO_PERSON
        return Feedback(
            t_s=t, phase=phase, signal_name=ex.signal_label,
            signal_deg=value if value is not None else float("nan"),
            rest_deg=m.rest, target_deg=ex.target_deg, limit_deg=ex.limit_deg,
            reps=len(self.reps), target_reps=ex.target_reps,
            hold_s=m.hold_s if m.phase in (HOLD, RETURNING, MOVING) and m.hold_start_s is not None else 0.0,
            target_hold_s=ex.hold_s, cue=self._cue(t), warnings=warnings)

