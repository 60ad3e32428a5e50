"""The absolute limits of ``formcheck eval``: what a clip must meet, whatever the baseline says.

They follow the exercise definition's capability ``level`` (README, "Using it"):

- ``measured``: repetitions exact (and per side where the truth gives sides), every hold within
  0.3 s of the truth, no missed and no false form warning, and on clips with per-frame true
  angles (the synthetic ones) trunk inclination within 5 deg mean absolute error and the person
  found in at least 95% of frames; where the exercise measures the spine and the truth has it, the
  back's bend within 5 deg mean absolute error over held frames and the reps in the truth's order
  by peak spine flexion;
- ``tracked``: repetitions exact (and per side);
- ``timer``: nothing (the camera cannot measure it).

A figure the truth does not give (a hand-written truth without holds or form errors) is not
limited. A clip that misses a limit fails the eval unless the baseline lists it as a known
failure, with its reason.
"""
from __future__ import annotations

from dataclasses import dataclass

from formcheck.evaluation.scoring import ClipResult

HOLD_ERROR_S = 0.3  # the README's and report's hold accuracy (report.json, hold_timing)
TRUNK_MAE_DEG = 5.0
DETECTION_RATE = 0.95
SPINE_HOLD_MAE_DEG = 5.0  # the back's bend (spine_flexion_deg) over held frames

# Figures limited at each level: reps (total), reps_by_side, hold, form_fn (missed), form_fp (false),
# trunk_mae, detection.
LIMITED = {
    "measured": frozenset({"reps", "reps_by_side", "hold", "form_fn", "form_fp", "trunk_mae", "detection",
                           "spine_mae", "spine_rank"}),
    "tracked": frozenset({"reps", "reps_by_side"}),
    "timer": frozenset(),
}


@dataclass(frozen=True)
class Miss:
    figure: str  # one of the LIMITED names
    text: str  # the figure and its limit, for people


def limited(result: ClipResult) -> frozenset[str]:
    return LIMITED.get(result.level, frozenset())


def side_error(counted: dict | None, truth: dict | None) -> int:
    """Repetitions counted on the wrong side or missed, summed over sides (0 where the truth has none)."""
    if truth is None:
        return 0
    counted = counted or {}
    return sum(abs(counted.get(s, 0) - truth.get(s, 0)) for s in set(counted) | set(truth))


def misses(result: ClipResult) -> list[Miss]:
    """The absolute limits this clip's figures miss (none for a clip that could not be evaluated)."""
    if result.error:
        return []
    want = limited(result)
    level = result.level
    out = []
    if "reps" in want and result.rep_error:
        out.append(Miss("reps", f"repetition count {result.reps} (truth {result.true_reps}; "
                                f"{level} exercises: exact)"))
    if "reps_by_side" in want and side_error(result.reps_by_side, result.true_reps_by_side):
        out.append(Miss("reps_by_side", f"reps by side {result.reps_by_side} (truth {result.true_reps_by_side})"))
    if "hold" in want and result.max_hold_error_s is not None and result.max_hold_error_s > HOLD_ERROR_S + 1e-9:
        out.append(Miss("hold", f"worst hold error {result.max_hold_error_s:.2f} s (limit {HOLD_ERROR_S:.1f} s)"))
    if "form_fn" in want and result.form_fn:
        out.append(Miss("form_fn", f"{result.form_fn} form error(s) of the truth missed (limit 0)"))
    if "form_fp" in want and result.form_fp:
        out.append(Miss("form_fp", f"{result.form_fp} form warning(s) not in the truth (limit 0)"))
    trunk = result.angles.get("trunk_inclination_deg")
    if "trunk_mae" in want and trunk is not None and trunk["mae"] >= TRUNK_MAE_DEG:
        out.append(Miss("trunk_mae", f"trunk inclination mean absolute error {trunk['mae']:.2f} deg "
                                     f"(limit {TRUNK_MAE_DEG:.0f} deg)"))
    spine = result.angles.get("spine_flexion_deg")
    if "spine_mae" in want and spine is not None and spine.get("hold_mae") is not None \
            and spine["hold_mae"] > SPINE_HOLD_MAE_DEG:
        out.append(Miss("spine_mae", f"spine flexion mean absolute error over held frames {spine['hold_mae']:.2f} deg "
                                     f"(limit {SPINE_HOLD_MAE_DEG:.0f} deg)"))
    if "spine_rank" in want and result.spine_rank_errors:
        out.append(Miss("spine_rank", f"{result.spine_rank_errors} pair(s) of reps out of the truth's order by "
                                      f"peak spine flexion (measured {result.spine_peaks}, "
                                      f"truth {result.true_spine_peaks})"))
    if ("detection" in want and result.angles and result.detection_rate is not None
            and result.detection_rate < DETECTION_RATE):
        out.append(Miss("detection", f"person found in {result.detection_rate:.1%} of frames "
                                     f"(limit {DETECTION_RATE:.0%})"))
    return out
