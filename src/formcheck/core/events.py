"""What every analyzer reports: per-frame feedback, finished repetitions and events.

These are plain dataclasses so that the renderer, the report writer and the tests depend on
them and not on any particular analyzer.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

# Phases of one repetition (the synthetic truth files use rest / moving / hold).
REST, MOVING, HOLD, RETURNING = "rest", "moving", "hold", "returning"
NO_PERSON = "no_person"  # tracking lost: timers pause, nothing is counted

# Stable event codes (the truth files' vocabulary plus tracking and safety events).
PARTIAL_RANGE = "partial_range"  # rep reached less than the target range (still counted)
SHORT_HOLD = "short_hold"  # held for less than the target hold
RUSHED = "rushed"  # one-way movement faster than the minimum time
KNEE_BENT = "knee_bent"  # a knee that should stay straight bent
OVER_ARCH = "over_arch"  # bridge hips past straight: the low back arches
HIP_SAG = "hip_sag"  # plank hips below the body line
HIP_PIKE = "hip_pike"  # plank hips above the body line
TRACKING_LOST = "tracking_lost"  # the person left the view or could not be seen
WRONG_VIEW = "wrong_view"  # facing the camera when a side view is needed
HOLD_CAP = "hold_cap"  # a hold reached its hard limit (dead hang: 60 s)
OTHER_PERSON = "other_person"  # someone else came into view (logged the first time)
REP_TIMEOUT = "rep_timeout"  # a repetition never came back and was closed after its timeout
REST_OUTSIDE = "rest_outside"  # the person's resting position is outside what the exercise allows

EVENT_MESSAGES = {
    PARTIAL_RANGE: "Did not reach the target range",
    SHORT_HOLD: "Hold was shorter than the target",
    RUSHED: "Moved too fast: move slowly",
    KNEE_BENT: "Knees bent: keep them straight",
    OVER_ARCH: "Hips too high: lower a little",
    HIP_SAG: "Hips sagging: lift them into line",
    HIP_PIKE: "Hips too high: lower them into line",
    TRACKING_LOST: "I can't see you: step into view",
    WRONG_VIEW: "Turn sideways to the camera",
    HOLD_CAP: "Time is up: stop now",
    OTHER_PERSON: "Someone else is in view: formcheck follows the person it started with",
    REP_TIMEOUT: "That repetition did not come back to the start: it was closed",
    REST_OUTSIDE: "Your starting position is outside what this exercise expects",
}


@dataclass
class Event:
    t_s: float
    code: str
    message: str
    rep: int | None = None  # 1-based rep the event belongs to, if any

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class RepRecord:
    """One completed repetition, as written to report.json's ``rep_details``."""

    index: int  # 1-based
    start_s: float  # left rest
    end_s: float  # back at rest (the moment it was counted)
    peak_angle_deg: float  # furthest value of the measured signal
    hold_s: float  # time held still at the end of the range with valid tracking
    warnings: list[str] = field(default_factory=list)  # event codes, in order of first occurrence
    side: str | None = None  # for alternating exercises
    hold_start_s: float | None = None  # the timed hold, if there was one
    hold_end_s: float | None = None
    # The back's bend and the hips' share at their furthest in the repetition (exercises that measure
    # the spine, analysis.spine); None where the back was not measured during it
    peak_spine_flexion_deg: float | None = None
    peak_hip_flexion_deg: float | None = None

    def as_dict(self) -> dict:
        d = asdict(self)
        for key, digits in (("peak_angle_deg", 1), ("hold_s", 2), ("start_s", 3), ("end_s", 3),
                            ("hold_start_s", 3), ("hold_end_s", 3), ("peak_spine_flexion_deg", 1),
                            ("peak_hip_flexion_deg", 1)):
            if d[key] is not None:
                d[key] = round(d[key], digits)
        return d


@dataclass
class Feedback:
    """What the analyzer tells the display after each frame."""

    t_s: float
    phase: str
    signal_name: str  # the exercise's label, e.g. "trunk inclination" (for people, never matched on)
    signal_field: str | None  # the Angles field of signal_deg, side filled in ("hip_angle_left_deg"); None: timer
    signal_deg: float  # current value (NaN if unknown)
    rest_deg: float  # value at rest
    target_deg: float  # value that counts as reaching the range
    limit_deg: float | None  # value past which a safety/form warning fires (None: no limit)
    reps: int  # all sides together
    target_reps: int  # all sides together (the definition's target times the number of sides)
    hold_s: float  # current hold time (0 when not holding)
    target_hold_s: float
    cue: str  # one short line for the user
    warnings: list[str] = field(default_factory=list)  # codes raised on this frame
    side: str | None = None  # alternating exercises: the side being worked
    side_reps: int | None = None  # ... its repetitions so far (what the rep counter shows)
    side_target_reps: int | None = None  # ... and its target: the definition's reps per side
    unit: str = "deg"  # of signal_deg, rest_deg, target_deg, limit_deg: "deg" or "%"
