"""A hysteresis state machine that turns one angle signal into repetitions and holds.

Pure logic: feed it ``(t_s, value or None)`` samples and read its state. No drawing, no I/O,
so it is tested with synthetic angle sequences.

Phases: rest -> moving -> hold -> returning -> rest (a rep is counted on reaching rest).
Everything is measured as the *excursion* from rest in the exercise's direction, so the same
machine serves signals that grow (trunk flexion) and shrink (knee-to-chest hip angle).

- Leaving rest needs ``start_deg`` of excursion; coming back needs less than ``return_deg``
  (hysteresis, so jitter at one threshold cannot count twice).
- A movement whose peak stays under ``count_min_deg`` is a small movement, not a rep.
- A rep whose peak stays short of the target still counts, and is marked ``partial_range``.
- The hold timer runs only while the angle is still (speed under ``still_speed_dps``, within
  ``hold_band_deg`` of where the hold began) with valid tracking; a dropout pauses it.
- Robust to single-frame landmark glitches: the machine reads the median of the last three
  values, and the speed is a Theil-Sen slope (median of pairwise slopes), so one bad frame
  neither ends a hold nor starts a return. This costs one frame of delay at a real change.
"""
from __future__ import annotations

import itertools
import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from formcheck.core.events import HOLD, MOVING, NO_PERSON, REST, RETURNING


@dataclass
class RepParams:
    rest_deg: float  # signal value at rest (re-estimated while the person rests)
    target_deg: float  # signal value that counts as the full range
    start_deg: float = 15.0  # excursion that starts a rep
    return_deg: float = 10.0  # excursion under which the person is back at rest
    count_min_deg: float = 25.0  # smaller peaks are not counted at all
    still_speed_dps: float = 4.0  # |angular speed| under which the position is still (floor)
    still_fraction: float = 0.12  # ... or this fraction of the rep's top speed, if larger
    hold_exit_factor: float = 2.0  # a hold survives jitter up to this multiple of the entry speed
    hold_band_deg: float = 6.0  # a hold ends when the angle leaves this band
    speed_window_s: float = 0.3  # window of the speed estimate (linear fit)
    max_gap_s: float = 0.5  # frame gaps longer than this do not add to the hold timer
    adapt_rest: bool = True  # follow the person's own rest value (e.g. bridge knee bend)
    rest_limit_deg: float = 15.0  # how far the learned rest may lie from rest_deg

    @property
    def direction(self) -> float:
        return 1.0 if self.target_deg >= self.rest_deg else -1.0


@dataclass
class RepResult:
    """A finished repetition as the state machine saw it (analyzers add form warnings)."""

    start_s: float
    end_s: float
    peak_value: float
    peak_excursion: float
    hold_s: float
    hold_start_s: float | None
    hold_end_s: float | None
    out_move_s: float | None  # estimated one-way move time out (None if not measurable)
    back_move_s: float | None
    samples: list[tuple[float, float]] = field(default_factory=list, repr=False)


def _crossing_time(samples: list[tuple[float, float]], level: float, rising: bool) -> float | None:
    """Time the (t, excursion) sequence first crosses ``level`` upward (or downward)."""
    for (t0, e0), (t1, e1) in itertools.pairwise(samples):
        if (rising and e0 < level <= e1) or (not rising and e0 > level >= e1):
            return t0 + (level - e0) / (e1 - e0) * (t1 - t0)
    return None


def _ease_fraction(p: float) -> float:
    """Fraction of a smooth S-shaped move's duration spent before reaching fraction p of it.

    Uses the cosine ease (close to a minimum-jerk human movement): p = (1 - cos(pi t)) / 2.
    """
    return math.acos(1.0 - 2.0 * min(max(p, 0.0), 1.0)) / math.pi


def move_time_s(samples: list[tuple[float, float]], peak: float, rising: bool,
                floor: float = 0.0) -> float | None:
    """Whole one-way move time, estimated from the time between 10 % (or ``floor``) and 90 %.

    Measuring in the middle of the movement avoids its slow, noisy ends; the time between the
    two levels is scaled up to the whole movement assuming a smooth S-shaped profile.
    """
    lo_frac = min(max(0.1, (floor + 1.0) / peak), 0.5) if peak > 0 else 0.1
    lo, hi = lo_frac * peak, 0.9 * peak
    if rising:
        t_lo, t_hi = _crossing_time(samples, lo, True), _crossing_time(samples, hi, True)
    else:
        t_hi, t_lo = _crossing_time(samples, hi, False), _crossing_time(samples, lo, False)
    if t_lo is None or t_hi is None:
        return None
    return abs(t_hi - t_lo) / (_ease_fraction(0.9) - _ease_fraction(lo_frac))


class RepStateMachine:
    TRIM_WINDOW_S = 0.6  # longest delay the speed estimate and smoothing add to a hold's end

    def __init__(self, params: RepParams) -> None:
        self.p = params
        self.rest = params.rest_deg
        self.phase = REST
        self.tracking = False
        self.reps: list[RepResult] = []
        self._speed_buf: deque[tuple[float, float]] = deque()
        self._recent: deque[float] = deque(maxlen=3)  # last values, for the one-frame glitch filter
        self._history: deque[tuple[float, float]] = deque(maxlen=90)  # rest samples before a rep
        self._rep_samples: list[tuple[float, float]] = []
        self._last_t: float | None = None
        self.calibrated = False  # rest value taken from the person once they stand still
        self._reset_rep()
        self.speed_dps = 0.0

    def _reset_rep(self) -> None:
        self.peak_excursion = 0.0
        self.peak_value = float("nan")
        self.hold_s = 0.0
        self.hold_ref = float("nan")
        self.hold_start_s: float | None = None
        self.hold_end_s: float | None = None
        self._hold_samples: list[tuple[float, float, float]] = []  # (t, value, seconds counted)
        self.start_s = 0.0
        self.top_speed = 0.0
        self._rep_samples = []

    # -- signal helpers -------------------------------------------------------------------
    def excursion(self, value: float) -> float:
        return self.p.direction * (value - self.rest)

    def _speed(self, t: float, value: float) -> float:
        buf = self._speed_buf
        buf.append((t, value))
        while buf and t - buf[0][0] > self.p.speed_window_s:
            buf.popleft()
        if len(buf) < 3:
            return 0.0 if len(buf) < 2 else (buf[-1][1] - buf[0][1]) / max(buf[-1][0] - buf[0][0], 1e-6)
        # Theil-Sen: the median of the pairwise slopes. One landmark glitch (a far leg seen
        # through the near one for a frame) barely moves it, where a least-squares slope would
        # read the glitch as fast movement and stop a hold.
        ts = np.array([b[0] for b in buf])
        vs = np.array([b[1] for b in buf])
        i, j = np.triu_indices(len(ts), k=1)
        dt = ts[j] - ts[i]
        ok = dt > 1e-6
        return float(np.median((vs[j][ok] - vs[i][ok]) / dt[ok])) if ok.any() else 0.0

    # -- the machine -----------------------------------------------------------------------
    def update(self, t: float, value: float | None, may_start: bool = True) -> RepResult | None:
        """Advance one frame; returns the finished rep when one is counted on this frame.

        ``may_start=False`` keeps the machine at rest (another side's repetition is under way).
        """
        dt = 0.0 if self._last_t is None else t - self._last_t
        self._last_t = t
        if value is None or not np.isfinite(value):
            self.tracking = False
            self._speed_buf.clear()  # a slope across a gap would be meaningless
            return None
        resumed = not self.tracking
        self.tracking = True
        p = self.p
        if resumed:
            self._recent.clear()
        self._recent.append(float(value))
        value = float(np.median(self._recent))  # a one-frame landmark glitch is not a movement
        speed = self._speed(t, value)
        self.speed_dps = speed
        e = self.excursion(value)
        enough = len(self._speed_buf) >= 3
        if self.phase != REST:
            self.top_speed = max(self.top_speed, abs(speed))
        still_below = max(p.still_speed_dps, p.still_fraction * self.top_speed)
        # Hysteresis: once holding, the hold survives some jitter above the entry speed.
        limit = still_below * (p.hold_exit_factor if self.phase == HOLD else 1.0)
        still = enough and abs(speed) < limit

        if self.phase == REST:
            self._history.append((t, e))
            if p.adapt_rest and still and (abs(e) < p.return_deg or not self.calibrated):
                # Learn the person's own rest posture (at once the first time, then slowly).
                rate = 0.05 if self.calibrated else 1.0
                self.rest += rate * (value - self.rest)
                self.rest = float(np.clip(self.rest, p.rest_deg - p.rest_limit_deg, p.rest_deg + p.rest_limit_deg))
                self.calibrated = True
                e = self.excursion(value)
            if e > p.start_deg and may_start and (self.calibrated or not p.adapt_rest):
                self._reset_rep()
                self.phase = MOVING
                # The rep began when the angle last sat near rest, not when it crossed start_deg.
                self.start_s = next((ts for ts, es in reversed(self._history) if es < 0.3 * p.return_deg),
                                    next((ts for ts, es in reversed(self._history) if es < p.return_deg), t))
                self._rep_samples = [(ts, es) for ts, es in self._history if ts >= self.start_s - 0.5]
            return None

        self._rep_samples.append((t, e))
        if e > self.peak_excursion:
            self.peak_excursion, self.peak_value = e, value

        if self.phase == MOVING:
            if still and e >= p.count_min_deg:
                self.phase = HOLD
                self.hold_ref = value
                self.hold_s = 0.0
                self.hold_start_s = t
                self.hold_end_s = t
                self._hold_samples = [(t, value, 0.0)]
            elif e < p.return_deg:
                return self._finish(t)
            elif self.peak_excursion - e > p.hold_band_deg and self.peak_excursion >= p.count_min_deg:
                self.phase = RETURNING
        elif self.phase == HOLD:
            if still and abs(value - self.hold_ref) <= p.hold_band_deg:
                counted = dt if (not resumed and dt <= p.max_gap_s) else 0.0
                self.hold_s += counted
                self.hold_end_s = t
                self._hold_samples.append((t, value, counted))
            elif self.excursion(value) > self.excursion(self.hold_ref) + p.hold_band_deg:
                self.phase = MOVING  # went deeper: the hold at the end of the range starts again
            else:
                self._end_hold()
                if e < p.return_deg:
                    return self._finish(t)
                self.phase = RETURNING
        elif self.phase == RETURNING:
            if e < p.return_deg:
                return self._finish(t)
            if still and e >= p.count_min_deg and e > self.peak_excursion - p.hold_band_deg:
                self.phase = HOLD  # paused near the top again: treat as a continued hold
                self.hold_ref = value
                if self.hold_start_s is None:  # overshot and came back: the first hold of this rep
                    self.hold_start_s = self.hold_end_s = t
                    self._hold_samples = [(t, value, 0.0)]
        return None

    def _end_hold(self) -> None:
        """Trim the hold to the last moment the angle was still at the hold's level.

        The speed estimate needs a few frames to see the return begin; without this the
        timer would run on for that long (about 0.3 s) after the person started to move.
        Only the last ``TRIM_WINDOW_S`` can be trimmed, measured against the level held just
        before it, so a slow drift during a long hold is not mistaken for the return.
        """
        samples = self._hold_samples
        if len(samples) < 3:
            return
        t_end = samples[-1][0]
        tail = [i for i, (t, _, _) in enumerate(samples) if t >= t_end - self.TRIM_WINDOW_S]
        before = [v for t, v, _ in samples if t_end - 2 * self.TRIM_WINDOW_S <= t < t_end - self.TRIM_WINDOW_S]
        if len(before) < 3:
            before = [v for _, v, _ in samples]
        level = float(np.median(before))
        tol = max(0.75, 2.5 * float(np.std(before)))
        within = [i for i in tail if abs(samples[i][1] - level) <= tol]
        last = within[-1] if within else tail[0]
        self.hold_end_s = samples[last][0]
        self.hold_s = sum(c for _, _, c in samples[: last + 1])

    def _finish(self, t: float) -> RepResult | None:
        if self.phase == HOLD:
            self._end_hold()
        self.phase = REST
        self._history.clear()
        self._speed_buf.clear()
        if self.peak_excursion < self.p.count_min_deg:
            self._reset_rep()
            return None  # a small movement, not a repetition
        samples = self._rep_samples
        peak_i = int(np.argmax([s[1] for s in samples]))
        result = RepResult(
            start_s=self.start_s, end_s=t, peak_value=self.peak_value, peak_excursion=self.peak_excursion,
            hold_s=self.hold_s, hold_start_s=self.hold_start_s, hold_end_s=self.hold_end_s,
            out_move_s=move_time_s(samples[: peak_i + 1], self.peak_excursion, rising=True),
            back_move_s=move_time_s(samples[peak_i:], self.peak_excursion, rising=False,
                                    floor=self.p.return_deg),
            samples=samples)
        self.reps.append(result)
        self._reset_rep()
        return result

    @property
    def display_phase(self) -> str:
        return self.phase if self.tracking else NO_PERSON
