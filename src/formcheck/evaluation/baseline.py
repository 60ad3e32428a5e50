"""The regression check of ``formcheck eval``: scores against a checked-in baseline, within
tolerances, each regression named by clip and figure; and the baseline written from scores."""
from __future__ import annotations

from formcheck.evaluation.scoring import ClipResult

# How much worse than the baseline a figure may get before it counts as a regression.
TOLERANCES = {
    # Worst per-rep hold error may grow by this much (two frames at 15 fps: the model's numerics
    # differ between CPUs, which moved hamstring_stretch_1's hold by 0.13 s on an AMD EPYC)...
    "hold_error_s": 0.15,
    "hold_error_limit_s": 0.3,  # ...but never beyond the documented accuracy
    "angle_mae_deg": 0.5,
    "detection_rate": 0.02,
}  # form warnings: no more misses or false alarms than the baseline


def compare(results: list[ClipResult], baseline: dict) -> list[str]:
    """Regressions against the baseline, each naming the clip and the figure."""
    problems = []
    tol = TOLERANCES
    for r in results:
        base = baseline.get(r.clip)
        if r.error:
            problems.append(f"{r.clip}: could not be evaluated: {r.error}")
            continue
        if base is None:
            if r.rep_error:  # without a baseline, the truth itself is the bar for counting
                problems.append(f"{r.clip}: repetition count {r.reps} (truth {r.true_reps})")
            continue  # a new clip: nothing to regress from (run with --update-baseline)
        if r.rep_error != base["rep_error"]:
            problems.append(f"{r.clip}: repetition count {r.reps} (truth {r.true_reps}); baseline error was "
                            f"{base['rep_error']:+d}")
        if r.reps_by_side != base.get("reps_by_side"):
            problems.append(f"{r.clip}: reps by side {r.reps_by_side}, baseline {base.get('reps_by_side')}")
        if r.max_hold_error_s is not None and base.get("max_hold_error_s") is not None:
            limit = min(base["max_hold_error_s"] + tol["hold_error_s"],
                        max(tol["hold_error_limit_s"], base["max_hold_error_s"]))
            if r.max_hold_error_s > limit + 1e-9:
                problems.append(f"{r.clip}: worst hold error {r.max_hold_error_s:.2f} s > {limit:.2f} s")
        for name, stats in r.angles.items():
            base_mae = base.get("angles", {}).get(name, {}).get("mae")
            if base_mae is not None and stats["mae"] > base_mae + tol["angle_mae_deg"]:
                problems.append(f"{r.clip}: {name} mean absolute error {stats['mae']:.2f} deg > "
                                f"{base_mae + tol['angle_mae_deg']:.2f}")
        if r.detection_rate is not None and r.detection_rate < base["detection_rate"] - tol["detection_rate"]:
            problems.append(f"{r.clip}: detection rate {r.detection_rate:.1%} < baseline {base['detection_rate']:.1%}")
        if r.form_fn > base.get("form_fn", 0):
            problems.append(f"{r.clip}: {r.form_fn} named form error(s) missed (baseline {base.get('form_fn', 0)})")
        if r.form_fp > base.get("form_fp", 0):
            problems.append(f"{r.clip}: {r.form_fp} form warning(s) not in the truth "
                            f"(baseline {base.get('form_fp', 0)})")
    return problems


def baseline_from(results: list[ClipResult]) -> dict:
    keep = ("rep_error", "reps_by_side", "max_hold_error_s", "angles", "detection_rate", "form_fp", "form_fn")
    return {r.clip: {k: r.as_dict()[k] for k in keep} for r in results if not r.error}
