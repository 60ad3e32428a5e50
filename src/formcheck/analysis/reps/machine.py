"""A hysteresis state machine that turns one angle signal into repetitions and holds.

Pure logic: feed it ``(t_s, value or None)`` samples and read its state. No drawing, no I/O,
so it is tested with synthetic angle sequences.

Phases: rest -> moving -> hold -> returning -> rest (a rep is counted on reaching rest).
Everything is measured as the *excursion* from the person's own rest in the exercise's
direction, so the same machine serves signals that grow (trunk flexion) and shrink (knee to
chest hip angle). It follows the person rather than an ideal body:

- Rest is learned from where the person is still before moving (within ``rest_limit_deg`` of the
  definition's rest, wide enough for a stooped stance); ``rest_outside`` says when it is not.
- A rep starts ``start_deg`` beyond the level it started from (the rest, or where the previous rep
  stopped short), counts once it has stayed ``count_min_deg`` beyond it for ``confirm_s`` (a
  landmark glitch is never a rep), and ends back within ``return_deg`` of rest, or after coming
  back ``return_fraction`` of its own excursion and stopping or turning round there: the next rep
  then starts from that level. A rep that never comes back is closed after ``timeout_s``.
- Stillness is judged against the signal's measured noise as well as fixed floors, and a hold
  ends on a sustained trend (a long-window slope) or on leaving its band, so a wobble does not end
  it. In ``stretch`` mode, slowly going deeper keeps the hold running.
- A hold's start and end are placed where the movements into and out of it began and ended: for
  the way in, the crossings of the middle of the movement, extended with a smooth
  (minimum-jerk-like) movement profile; for the way out, that profile fitted to every sample of the
  return (``fit_return``), so a return whose first part the landmarks show late does not delay the
  end. The filter's delay shifts both ends alike, so the duration is unbiased, and a slow approach
  or a slow start of the return is not timed as holding.
- Every time constant is in seconds, so results do not depend on the frame rate. The machine
  reads the median of the values in the last ``glitch_window_s`` (at least five) and uses a
  Theil-Sen slope, so one bad frame neither ends a hold nor starts a return.
"""
from __future__ import annotations

import itertools
import math
from collections import deque
from dataclasses import dataclass, field, fields

import numpy as np

from formcheck.core.events import HOLD, MOVING, NO_PERSON, REST, RETURNING

HOLD_MODES = ("static", "stretch")


@dataclass
class RepParams:
    """Every setting of the machine; all can be set in an exercise definition (see README)."""

    rest_deg: float  # signal value at rest (re-estimated while the person rests)
    target_deg: float  # signal value that counts as the full range
    start_deg: float = 15.0  # excursion beyond the starting level that starts a rep
    return_deg: float = 10.0  # excursion under which the person is back at rest
    count_min_deg: float = 25.0  # smaller excursions are not counted at all
    confirm_s: float = 0.25  # the excursion must stay past count_min_deg this long to count
    return_fraction: float = 0.6  # coming back this fraction of the rep's excursion may end it
    timeout_s: float = 120.0  # a rep still open after this long is closed (event rep_timeout)
    still_speed_dps: float = 4.0  # |angular speed| under which the position is still (floor)
    still_fraction: float = 0.12  # ... or this fraction of the rep's top speed, if larger
    noise_factor: float = 3.0  # ... or this multiple of the speed noise measured at rest
    hold_exit_factor: float = 2.0  # a hold survives jitter up to this multiple of the entry speed
    hold_band_deg: float = 6.0  # a hold ends when the angle leaves this band
    hold_mode: str = "static"  # "stretch": slowly going deeper keeps the hold running
    creep_max_dps: float = 5.0  # stretch mode: deepening slower than this is still holding
    speed_window_s: float = 0.3  # window of the speed estimate (Theil-Sen slope)
    trend_window_s: float = 0.8  # window of the slope that ends a hold (averages a wobble out)
    glitch_window_s: float = 0.15  # median filter window (at least five samples: a 2-frame glitch)
    max_gap_s: float = 0.5  # frame gaps longer than this do not add to the hold timer
    adapt_rest: bool = True  # follow the person's own rest value (e.g. bridge knee bend)
    rest_limit_deg: float = 15.0  # how far the learned rest may lie from rest_deg
    rest_adapt_s: float = 1.5  # time constant with which the rest follows the person
    # How much later than it happened the landmarks show a movement starting after stillness:
    # the pose model's raw output shows the first part of a return from stillness late (it does
    # not smooth landmarks; how late depends on the body and the view: on the synthetic clips
    # 0-0.2 s, against under 0.05 s at the end of a movement). Subtracted from the return fit's
    # estimate of when a hold ended (``fit_return``).
    onset_lag_s: float = 0.1

    def __post_init__(self) -> None:
        problem = self.problem()
        if problem:
            raise ValueError(problem)

    def problem(self) -> str:
        """'' when the settings are usable, else '<field> <what is wrong>'."""
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, float) and not math.isfinite(value):
                return f"{f.name} must be a finite number, not {value}"
        positive = ("confirm_s", "timeout_s", "still_speed_dps", "hold_band_deg", "creep_max_dps",
                    "speed_window_s", "trend_window_s", "glitch_window_s", "max_gap_s", "rest_adapt_s")
        for name in positive:
            if getattr(self, name) <= 0:
                return f"{name} must be above 0 (it is {getattr(self, name)})"
        for name in ("still_fraction", "noise_factor", "rest_limit_deg", "onset_lag_s"):
            if getattr(self, name) < 0:
                return f"{name} must not be negative (it is {getattr(self, name)})"
        if not 0 < self.return_deg < self.start_deg <= self.count_min_deg:
            return "start_deg must satisfy 0 < return_deg < start_deg <= count_min_deg"
        if not 0.3 <= self.return_fraction <= 1.0:
            return f"return_fraction must be between 0.3 and 1 (it is {self.return_fraction})"
        if self.hold_exit_factor < 1:
            return f"hold_exit_factor must be at least 1 (it is {self.hold_exit_factor})"
        if self.hold_mode not in HOLD_MODES:
            return f"hold_mode is {self.hold_mode!r}; use one of {', '.join(HOLD_MODES)}"
        if self.speed_window_s > self.trend_window_s:
            return "speed_window_s must not exceed trend_window_s"
        return ""

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
    ended_by: str = "return"  # "return", "partial_return" (stopped short) or "timeout"


def crossing_time(samples: list[tuple[float, float]], level: float, rising: bool) -> float | None:
    """Time the (t, excursion) sequence first crosses ``level`` upward (or downward)."""
    for (t0, e0), (t1, e1) in itertools.pairwise(samples):
        if (rising and e0 < level <= e1) or (not rising and e0 > level >= e1):
            return t0 + (level - e0) / (e1 - e0) * (t1 - t0)
    return None


def _ease_fraction(p: float) -> float:
    """Fraction of a smooth S-shaped move's duration spent before reaching fraction p of it.

    Uses the cosine ease (within 0.005 of a minimum-jerk movement at the levels used here):
    p = (1 - cos(pi t)) / 2.
    """
    return math.acos(1.0 - 2.0 * min(max(p, 0.0), 1.0)) / math.pi


def move_time_s(samples: list[tuple[float, float]], peak: float, rising: bool,
                floor: float = 0.0, base: float = 0.0) -> float | None:
    """Whole one-way move time, estimated from the time between 10 % (or ``floor``) and 90 %.

    Measuring in the middle of the movement avoids its slow, noisy ends; the time between the
    two levels is scaled up to the whole movement assuming a smooth S-shaped profile. Levels are
    fractions of the way from ``base`` to ``peak``.
    """
    span = peak - base
    lo_frac = min(max(0.1, (floor - base + 1.0) / span), 0.5) if span > 0 else 0.1
    lo, hi = base + lo_frac * span, base + 0.9 * span
    if rising:
        t_lo, t_hi = crossing_time(samples, lo, True), crossing_time(samples, hi, True)
    else:
        t_hi, t_lo = crossing_time(samples, hi, False), crossing_time(samples, lo, False)
    if t_lo is None or t_hi is None:
        return None
    return abs(t_hi - t_lo) / (_ease_fraction(0.9) - _ease_fraction(lo_frac))


# Levels (fractions of a movement) whose crossing times place a hold's start: the middle of a
# movement is fast, so its crossing times are the least affected by noise.
_NEAR, _MID = 0.9, 0.5
_MAX_CORRECTION_S = 1.0  # a profile's or fit's hold end further than this from the detected one is not used


def approach_profile(samples: list[tuple[float, float]], base: float,
                     level: float) -> tuple[float, float] | None:
    """(end, duration) of a movement from ``base`` up to ``level``, from its crossing times."""
    span = level - base
    if span <= 0 or len(samples) < 3:
        return None
    t_near = t_mid = None
    for (t0, e0), (t1, e1) in itertools.pairwise(reversed(samples)):  # newest first: t1 < t0
        near, mid = base + _NEAR * span, base + _MID * span
        if t_near is None and e1 < near <= e0:
            t_near = t1 + (near - e1) / (e0 - e1) * (t0 - t1)
        if t_near is not None and e1 < mid <= e0:
            t_mid = t1 + (mid - e1) / (e0 - e1) * (t0 - t1)
            break
    if t_near is None or t_mid is None or t_near <= t_mid:
        return None
    duration = (t_near - t_mid) / (_ease_fraction(_NEAR) - _ease_fraction(_MID))
    return t_near + (1.0 - _ease_fraction(_NEAR)) * duration, duration


# The return's fit (``fit_return``): the durations tried, and how much of the return it reads.
_FIT_DURATIONS_S = np.exp(np.linspace(np.log(0.3), np.log(8.0), 60))  # 0.3-8 s, about 6 % apart
_FIT_MIN_FRACTION = 0.05  # samples within this fraction of the base are left out (a slow settle)
_FIT_MAX_SAMPLES = 60  # longer returns are read at this many evenly spaced samples


def _eased(u: np.ndarray) -> np.ndarray:
    """The smooth movement profile: 0 before the start (u <= 0), 1 after the end (u >= 1)."""
    return (1.0 - np.cos(np.pi * np.clip(u, 0.0, 1.0))) / 2.0


def fit_return(samples: list[tuple[float, float]], level: float, base: float) -> tuple[float, float] | None:
    """(start, duration) of the smooth movement from ``level`` down to ``base`` that fits the
    return's (t, excursion) samples best: least absolute deviations, over starts every 0.02 s
    and the durations ``_FIT_DURATIONS_S``, then every 0.005 s and 1 % around the best.

    Every sample of the return has its say, so one distorted part does not place the start: the
    pose model's output of a limb that starts to move from stillness (most of all a far limb,
    hidden behind the near one) may stay put for a few tenths of a second and then catch up,
    which delays a crossing near the hold's level by all of that. Samples from the hold before
    the return anchor the level; the last ``_FIT_MIN_FRACTION`` before the base is left out.
    """
    span = level - base
    if span <= 0:
        return None
    pts = [(t, e) for t, e in samples if e >= base + _FIT_MIN_FRACTION * span]
    if len(pts) < 5:
        return None
    if len(pts) > _FIT_MAX_SAMPLES:
        pts = [pts[i] for i in np.linspace(0, len(pts) - 1, _FIT_MAX_SAMPLES).round().astype(int)]
    t = np.array([p[0] for p in pts])
    done = (level - np.array([p[1] for p in pts])) / span  # 0 at the hold's level, 1 at the base

    def best(starts: np.ndarray, durations: np.ndarray) -> tuple[float, float]:
        u = (t[None, None, :] - starts[:, None, None]) / durations[None, :, None]
        cost = np.abs(_eased(u) - done).sum(axis=-1)
        i, j = np.unravel_index(int(np.argmin(cost)), cost.shape)
        return float(starts[i]), float(durations[j])

    start, duration = best(np.arange(t[0] - 0.5, t[-1], 0.02), _FIT_DURATIONS_S)
    return best(start + np.arange(-0.05, 0.0501, 0.005), duration * np.linspace(0.94, 1.06, 13))


def _settle_s(tol: float, span: float, duration: float) -> float:
    """How long a smooth movement of ``span`` over ``duration`` stays within ``tol`` of one end."""
    return 2 / math.pi * math.sqrt(tol / max(span, 1e-6)) * duration


def _theil_sen(buf) -> float:
    """Median of the pairwise slopes: one glitch barely moves it, where least squares would."""
    if len(buf) < 3:
        return 0.0 if len(buf) < 2 else (buf[-1][1] - buf[0][1]) / max(buf[-1][0] - buf[0][0], 1e-6)
    ts = np.fromiter((b[0] for b in buf), float, len(buf))
    vs = np.fromiter((b[1] for b in buf), float, len(buf))
    i, j = np.triu_indices(len(ts), k=1)
    dt = ts[j] - ts[i]
    ok = dt > 1e-6
    return float(np.median((vs[j][ok] - vs[i][ok]) / dt[ok])) if ok.any() else 0.0


class RepStateMachine:
    TRIM_WINDOW_S = 0.6  # longest delay the speed estimate and smoothing add to a hold's end
    HISTORY_S = 6.0  # rest samples kept to find where a rep began
    NOISE_S = 2.0  # time constant of the speed-noise estimate at rest
    GLITCH_MIN_SAMPLES = 5  # the median filter's shortest length
    HOLD_TOL_DEG = 0.75  # how far from a hold's level still counts as at it, before its noise is known

    def __init__(self, params: RepParams) -> None:
        self.p = params
        self.rest = params.rest_deg
        self.phase = REST
        self.tracking = False
        self.reps: list[RepResult] = []
        self._speed_buf: deque[tuple[float, float]] = deque()
        self._trend_buf: deque[tuple[float, float]] = deque()
        self._recent: deque[tuple[float, float]] = deque()  # raw values for the glitch filter
        self._history: deque[tuple[float, float]] = deque()  # rest samples before a rep
        self._rep_samples: list[tuple[float, float]] = []
        self._last_t: float | None = None
        self.calibrated = False  # rest value taken from the person once they stand still
        self.rest_outside: float | None = None  # the person's rest, when beyond rest_limit_deg
        self.noise_dps = 0.0  # typical |speed| while resting: the signal's own noise
        self.base = 0.0  # excursion the next rep starts from (0, or where a rep stopped short)
        self._valley = (0.0, 0.0)  # (t, excursion) of the lowest point of the current return
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
        self._hold_tol = self.HOLD_TOL_DEG
        self._pending: tuple[float, float] | None = None  # (arrival, excursion) of a start to confirm
        self.start_s = 0.0
        self.top_speed = 0.0
        self._rep_samples = []
        self._above_since: float | None = None
        self.confirmed = False

    # -- signal helpers -------------------------------------------------------------------
    def excursion(self, value: float) -> float:
        return self.p.direction * (value - self.rest)

    @staticmethod
    def _window(buf: deque, t: float, value: float, window_s: float, keep: int = 0) -> None:
        buf.append((t, value))
        while len(buf) > keep and t - buf[0][0] > window_s:
            buf.popleft()

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
            self._trend_buf.clear()
            return self._check_timeout(t)
        resumed = not self.tracking
        self.tracking = True
        p = self.p
        if resumed:
            self._recent.clear()
        # The glitch filter keeps at least the last five values, whatever the frame rate, so a
        # glitch of two frames never reaches the machine.
        self._recent.append((t, float(value)))
        while len(self._recent) > self.GLITCH_MIN_SAMPLES and t - self._recent[0][0] > p.glitch_window_s:
            self._recent.popleft()
        value = float(np.median([v for _, v in self._recent]))
        self._window(self._speed_buf, t, value, p.speed_window_s, keep=3)
        self._window(self._trend_buf, t, value, p.trend_window_s, keep=3)
        speed = _theil_sen(self._speed_buf)
        self.speed_dps = speed
        e = self.excursion(value)
        enough = len(self._speed_buf) >= 3
        if self.phase != REST:
            self.top_speed = max(self.top_speed, abs(speed))
        still_below = max(p.still_speed_dps, p.still_fraction * self.top_speed, p.noise_factor * self.noise_dps)
        # Hysteresis: once holding, the hold survives some jitter above the entry speed.
        limit = still_below * (p.hold_exit_factor if self.phase == HOLD else 1.0)
        still = enough and abs(speed) < limit

        if self.phase == REST:
            return self._rest(t, value, e, speed, still, dt, may_start)

        self._rep_samples.append((t, e))
        if e > self.peak_excursion:
            self.peak_excursion, self.peak_value = e, value
        if not self.confirmed:
            if e - self.base >= p.count_min_deg:
                self._above_since = t if self._above_since is None else self._above_since
                self.confirmed = t - self._above_since >= p.confirm_s
            else:
                self._above_since = None
        toward = p.direction * speed  # + deeper, - coming back
        if self.phase == MOVING:
            result = self._moving(t, value, e, still, enough and -still_below < toward < p.creep_max_dps)
        elif self.phase == HOLD:
            result = self._holding(t, value, e, dt, resumed, still, still_below, toward)
        else:
            result = self._returning(t, value, e, still)
        return result if result is not None else self._check_timeout(t)

    def _moving(self, t: float, value: float, e: float, still: bool, creeping: bool) -> RepResult | None:
        p = self.p
        if (still or (p.hold_mode == "stretch" and creeping)) and e - self.base >= p.count_min_deg:
            self._enter_hold(t, value, e)
        elif e < p.return_deg:
            return self._finish(t)
        elif self.peak_excursion - e > p.hold_band_deg and self.confirmed:
            self._start_return(t, e)
        elif not self.confirmed and e - self.base < p.return_deg:
            self._abort()  # back where it started without ever counting: not a rep
        return None

    def _holding(self, t: float, value: float, e: float, dt: float, resumed: bool, still: bool,
                 still_below: float, toward: float) -> RepResult | None:
        p = self.p
        trend = p.direction * _theil_sen(self._trend_buf)
        if p.hold_mode == "stretch":  # deepening slowly is holding; only coming back ends it
            in_band = self.excursion(value) >= self.excursion(self.hold_ref) - p.hold_band_deg
            holding = in_band and trend > -still_below and toward < p.creep_max_dps * p.hold_exit_factor
            if holding and self.excursion(value) > self.excursion(self.hold_ref):
                self.hold_ref = value  # the band follows the stretch
        else:  # a wobble averages out of the long-window trend; a return does not
            in_band = abs(value - self.hold_ref) <= p.hold_band_deg
            holding = in_band and (still or abs(trend) < still_below)
        if self._pending is not None:
            self._confirm_pending_start(t, e)
        if holding:
            counted = dt if (not resumed and dt <= p.max_gap_s) else 0.0
            # The profile may place the hold's start a moment after the speed fell (a slow
            # approach): the timer runs from there.
            counted = max(0.0, min(counted, t - (self.hold_start_s or t)))
            self.hold_s += counted
            self.hold_end_s = t
            self._hold_samples.append((t, value, counted))
        elif self.excursion(value) > self.excursion(self.hold_ref) + p.hold_band_deg:
            self._go_on_out()
        else:
            self._end_hold()
            if e < p.return_deg:
                return self._finish(t)
            self._start_return(t, e)
        return None

    def _returning(self, t: float, value: float, e: float, still: bool) -> RepResult | None:
        p = self.p
        if e < p.return_deg:
            return self._finish(t)
        if e >= self.peak_excursion and e > self._valley[1] + p.hold_band_deg:
            # Deeper than ever before, well past where the "return" began: it was a pause (or a
            # noisy dip of the speed) on the way out, not a return. Judging "came back" against
            # a valley before the peak would close the rep mid-movement (and count a second one).
            self._go_on_out()
            return None
        if e < self._valley[1]:
            self._valley = (t, e)
        # Came most of the way back and stopped or turned round there: the rep ends at the
        # lowest point, and the next one starts from it.
        came_back = self.peak_excursion - self._valley[1] >= p.return_fraction * (self.peak_excursion - self.base)
        turned = e - self._valley[1] > max(p.return_deg, p.hold_band_deg) * 0.5
        if came_back and self.confirmed and (turned or (still and t - self._valley[0] >= p.confirm_s)):
            return self._finish(self._valley[0], partial=True)
        if still and e >= p.count_min_deg and e > self.peak_excursion - p.hold_band_deg:
            # Paused near the top again: a continued hold, unless it is deeper than the last
            # one (that "hold" was a glitch or a pause on the way): then the hold starts anew.
            deeper = math.isfinite(self.hold_ref) and e > self.excursion(self.hold_ref) + p.hold_band_deg
            if deeper and p.hold_mode == "static":
                self.hold_start_s = None
            previous = self.hold_start_s
            self._enter_hold(t, value, e)
            if previous is not None:
                self.hold_ref = value
        return None

    def _rest(self, t: float, value: float, e: float, speed: float, still: bool, dt: float,
              may_start: bool) -> RepResult | None:
        p = self.p
        self._history.append((t, e))
        while self._history and t - self._history[0][0] > self.HISTORY_S:
            self._history.popleft()
        if still and dt > 0:
            a = 1.0 - math.exp(-dt / self.NOISE_S)
            self.noise_dps += a * (min(abs(speed), p.still_speed_dps) - self.noise_dps)
        if p.adapt_rest and still and (abs(e) < p.return_deg or not self.calibrated):
            # Learn the person's own rest posture (at once the first time, then slowly).
            rate = 1.0 - math.exp(-dt / p.rest_adapt_s) if self.calibrated else 1.0
            target = self.rest + rate * (value - self.rest)
            lo, hi = p.rest_deg - p.rest_limit_deg, p.rest_deg + p.rest_limit_deg
            self.rest_outside = target if not lo <= target <= hi else None
            self.rest = float(np.clip(target, lo, hi))
            self.calibrated = True
            e = self.excursion(value)
        self.base = min(self.base, max(e, 0.0))  # coming further back: start from there
        if e - self.base > p.start_deg and may_start and (self.calibrated or not p.adapt_rest):
            base = self.base
            self._reset_rep()
            self.base = base
            self.phase = MOVING
            # The rep began when the angle last sat near its starting level, not at start_deg.
            near = [(ts, es) for ts, es in self._history if ts < t]
            self.start_s = next((ts for ts, es in reversed(near) if es - base < 0.3 * p.return_deg),
                                next((ts for ts, es in reversed(near) if es - base < p.return_deg), t))
            self._rep_samples = [(ts, es) for ts, es in self._history if ts >= self.start_s - 0.5]
        return None

    def _enter_hold(self, t: float, value: float, e: float) -> None:
        self.phase = HOLD
        self.hold_ref = value
        if self.hold_start_s is not None:
            return  # a continued hold (a pause after an overshoot, or a stretch going on)
        # The speed falls under the threshold a moment after the angle arrived (the speed window
        # and the glitch filter lag), or, after a slow approach, a moment before the movement
        # ended: the hold begins where the approach's profile says the movement ended. A smooth
        # movement ends soon after it comes within ``_hold_tol`` of its level; a profile end
        # later than that means the approach was not smooth, and the arrival is the better start.
        # (After a slow approach the angle goes on past the entry level: a later end is then
        # confirmed when the angle has in fact gone on by the time the profile says it ended.)
        arrival = self._arrival_s(t, e)
        found = approach_profile(self._rep_samples, self.base, e)
        end = arrival
        if found is not None and self.start_s <= found[0] and abs(found[0] - t) <= _MAX_CORRECTION_S:
            end = found[0]
            settle_s = _settle_s(self._hold_tol, e - self.base, found[1])
            if end > t and end > arrival + settle_s + 0.1:
                self._pending = (arrival, e)
        self.hold_start_s, self.hold_end_s = end, t
        self.hold_s = max(0.0, t - end)
        self._hold_samples = [(end, value, 0.0), (t, value, self.hold_s)] if end < t else [(t, value, 0.0)]

    def _arrival_s(self, t: float, e: float) -> float:
        """When the excursion last came within ``_hold_tol`` of ``e`` from below (or ``t``)."""
        arrived = t
        for ts, es in reversed(self._rep_samples):
            if es < e - self._hold_tol:
                break
            arrived = ts
        return arrived

    def _confirm_pending_start(self, t: float, e: float) -> None:
        """At a hold start placed after the entry: had the angle in fact gone on until then?"""
        arrival, entry_e = self._pending
        if t < self.hold_start_s:
            return
        self._pending = None
        if e - entry_e < self._hold_tol:  # it had already stopped: the hold began on arrival
            added = self.hold_start_s - arrival
            self.hold_s += added
            self.hold_start_s = arrival
            t0, v0, c0 = self._hold_samples[0]  # the samples' counts add up to the timer
            self._hold_samples[0] = (t0, v0, c0 + added)
            self._hold_samples.insert(0, (arrival, v0, 0.0))

    def _go_on_out(self) -> None:
        """The angle went on deeper than a hold or a return allows: the person is still on the way
        out, and in ``static`` mode the hold at the end of the range starts anew (the tolerance
        that the stop measured, movement included, with it)."""
        self.phase = MOVING
        if self.p.hold_mode == "static":
            self.hold_start_s = None
            self._hold_tol = self.HOLD_TOL_DEG
            self._pending = None

    def _abort(self) -> None:
        base = self.base
        self.phase = REST
        self._reset_rep()
        self.base = base

    def _start_return(self, t: float, e: float) -> None:
        self.phase = RETURNING
        self._valley = (t, e)

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
        tol = self._hold_tol = max(self.HOLD_TOL_DEG, 2.5 * float(np.std(before)))
        if self.p.hold_mode == "stretch":  # deepening is part of the hold: only a fall ends it
            within = [i for i in tail if self.p.direction * (samples[i][1] - level) >= -tol]
        else:
            within = [i for i in tail if abs(samples[i][1] - level) <= tol]
        last = within[-1] if within else tail[0]
        self.hold_end_s = samples[last][0]
        self.hold_s = sum(c for _, _, c in samples[: last + 1])

    def _refine_hold_end(self, end_e: float) -> None:
        """Move the hold's end to where the fit of the return says the return began."""
        if self.hold_end_s is None or len(self._hold_samples) < 2:
            return
        t_end = self.hold_end_s
        level = self.excursion(float(np.median([v for t, v, _ in self._hold_samples if t >= t_end - 0.3])))
        after = [s for s in self._rep_samples if s[0] >= t_end - self.TRIM_WINDOW_S]
        found = fit_return(after, level, end_e)
        if found is None:
            return
        start = found[0] - self.p.onset_lag_s
        # The fit may put the start before the signal left the hold's level (the model showed
        # the return's first part late, which is what the fit is for), but not by more than
        # ``_MAX_CORRECTION_S``, nor before the hold began.
        if not t_end - _MAX_CORRECTION_S <= start <= t_end + _MAX_CORRECTION_S or start < (self.hold_start_s or 0.0):
            return
        self.hold_s = max(0.0, self.hold_s + start - t_end)
        self.hold_end_s = start

    def _check_timeout(self, t: float) -> RepResult | None:
        if self.phase != REST and t - self.start_s > self.p.timeout_s:
            return self._finish(t, timeout=True)
        return None

    def _finish(self, t: float, partial: bool = False, timeout: bool = False) -> RepResult | None:
        if self.phase == HOLD:
            self._end_hold()
        end_e = self._valley[1] if partial else (0.0 if not timeout else None)
        if end_e is not None and self.hold_start_s is not None:
            self._refine_hold_end(min(end_e, self.peak_excursion))
        if self.hold_start_s is not None and self.hold_end_s is not None:  # gaps only ever shorten it
            self.hold_s = min(max(self.hold_s, 0.0), max(self.hold_end_s - self.hold_start_s, 0.0))
        self.phase = REST
        self._history.clear()
        self._speed_buf.clear()
        self._trend_buf.clear()
        confirmed = self.confirmed and self.peak_excursion - self.base >= self.p.count_min_deg
        if timeout:  # the person stays where they are: a new rep must start from there
            self.base = max(self._rep_samples[-1][1] if self._rep_samples else 0.0, 0.0)
        else:
            self.base = max(self._valley[1], 0.0) if partial else 0.0
        if not confirmed:
            self._reset_rep()
            return None  # a small movement or a glitch, not a repetition
        samples = [s for s in self._rep_samples if s[0] <= t]
        peak_i = int(np.argmax([s[1] for s in samples]))
        result = RepResult(
            start_s=self.start_s, end_s=t, peak_value=self.peak_value, peak_excursion=self.peak_excursion,
            hold_s=self.hold_s, hold_start_s=self.hold_start_s, hold_end_s=self.hold_end_s,
            out_move_s=move_time_s(samples[: peak_i + 1], self.peak_excursion, rising=True,
                                   base=samples[0][1] if samples else 0.0),
            back_move_s=move_time_s(samples[peak_i:], self.peak_excursion, rising=False,
                                    floor=self.p.return_deg if not partial else self.base, base=0.0
                                    if not partial else self.base),
            samples=samples, ended_by="timeout" if timeout else "partial_return" if partial else "return")
        self.reps.append(result)
        self._reset_rep()
        if partial:  # the next rep starts from where this one stopped
            self._history.extend(s for s in result.samples if s[0] >= t)
        return result

    @property
    def display_phase(self) -> str:
        return self.phase if self.tracking else NO_PERSON
