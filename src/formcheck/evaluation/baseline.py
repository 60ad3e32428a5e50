"""The verdict of ``formcheck eval``: each clip against the absolute limits (``limits``) and the
checked-in baseline; and the baseline written from a run.

The baseline file (``eval_baseline.json`` beside the clips)::

    {
      "format": 2,
      "known_failures": {"CLIP.mp4": "why it misses a limit, in a few words", ...},
      "clips": {"CLIP.mp4": {"rep_error": 0, "reps_by_side": null, "max_hold_error_s": 0.13,
                             "angles": {...}, "detection_rate": 1.0, "form_fp": 0, "form_fn": 0}, ...}
    }

The baseline never makes a wrong answer right. A clip that misses an absolute limit fails unless
it is in ``known_failures`` with its reason; then it shows as a known failure. A known failure
that meets every limit fails too ("fixed": take it off the list), so the list stays true, like a
strict expected failure in pytest. The figures in ``clips`` are a ratchet: a known failure may
not get worse than them on the figures it misses, and the figures no limit covers for the clip
(every angle error, detection, and a tracked exercise's holds and form warnings) may not get
worse than them beyond the tolerances. A file of clips alone (format 1, before known failures)
is read as a baseline without known failures.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from formcheck.core.errors import FormcheckError
from formcheck.evaluation.limits import HOLD_ERROR_S, Miss, limited, misses, side_error
from formcheck.evaluation.scoring import ClipResult

FORMAT = 2
MAX_REASON_CHARS = 200

# How much worse than the baseline a figure may get before it counts as a regression.
TOLERANCES = {
    # Worst per-rep hold error may grow by this much (two frames at 15 fps: the model's numerics
    # differ between CPUs, which moved hamstring_stretch_1's hold by 0.13 s on an AMD EPYC)...
    "hold_error_s": 0.15,
    "hold_error_limit_s": HOLD_ERROR_S,  # ...but never beyond the documented accuracy, if it was within it
    "angle_mae_deg": 0.5,
    # The back's outline comes from the segmentation mask, whose numerics differ between CPUs far
    # more than the landmarks': standing_flexion_2's spine MAE is 4.67 deg from its recording and
    # 5.19 from a fresh model run on an AMD EPYC whose landmarks agree with it within 0.06 px.
    "spine_mae_deg": 1.0,
    "detection_rate": 0.02,
}  # form warnings and repetitions: no more misses or false alarms than the baseline

FIGURES = ("rep_error", "reps_by_side", "max_hold_error_s", "angles", "detection_rate", "form_fp", "form_fn")

# Verdict statuses. OK, NO_LIMITS (a timer exercise: nothing to meet) and KNOWN pass; the rest fail.
OK, NO_LIMITS, KNOWN = "ok", "no limits", "known failure"
FIXED, FAIL, REGRESSION, DRIFT, ERROR = "fixed", "FAIL", "REGRESSION", "DRIFT", "ERROR"
FAILING = {FIXED, FAIL, REGRESSION, DRIFT, ERROR}


@dataclass
class Baseline:
    clips: dict = field(default_factory=dict)  # clip -> figures
    known_failures: dict = field(default_factory=dict)  # clip -> reason

    def as_json(self, note: str = "") -> dict:
        return {"format": FORMAT,
                **({"note": note} if note else {}),
                "known_failures": dict(sorted(self.known_failures.items())),
                "clips": dict(sorted(self.clips.items()))}


def parse_baseline(data, source: str) -> Baseline:
    """A baseline from its JSON; a ``FormcheckError`` naming ``source`` if it is not one."""
    def bad(problem: str) -> FormcheckError:
        return FormcheckError(f"The baseline {source} {problem}.",
                              "Fix it, or write a new one with --update-baseline (README, 'Testing on clips').")

    if not isinstance(data, dict):
        raise bad("is not a JSON object")
    if "clips" not in data and "known_failures" not in data:  # format 1: clips only
        clips, known = data, {}
    else:
        clips, known = data.get("clips", {}), data.get("known_failures", {})
        if data.get("format", FORMAT) != FORMAT:
            raise bad(f"has format {data.get('format')!r}; this formcheck reads format {FORMAT}")
    if not isinstance(clips, dict) or not all(isinstance(v, dict) for v in clips.values()):
        raise bad("has 'clips' that are not an object of clip -> figures")
    if not isinstance(known, dict):
        raise bad("has 'known_failures' that are not an object of clip -> reason")
    for clip, reason in known.items():
        problem = reason_problem(reason)
        if problem:
            raise bad(f"lists {clip} as a known failure with {problem}")
    return Baseline(clips, known)


def reason_problem(reason) -> str | None:
    """What is wrong with a known failure's reason, or None."""
    if not isinstance(reason, str) or not reason.strip():
        return "no reason (a short text saying why it fails)"
    if "\n" in reason or len(reason) > MAX_REASON_CHARS:
        return f"a reason that is not one short line (at most {MAX_REASON_CHARS} characters)"
    return None


@dataclass
class Verdict:
    clip: str
    status: str
    reason: str = ""  # a known failure's reason
    misses: list[Miss] = field(default_factory=list)  # absolute limits missed
    problems: list[str] = field(default_factory=list)  # why it fails the eval, for people

    @property
    def failed(self) -> bool:
        return self.status in FAILING


def _worse(r: ClipResult, base: dict, ratchet: set[str], limits: frozenset[str]) -> list[str]:
    """Figures worse than the baseline: those in ``ratchet`` (the limits a known failure misses) and
    those no limit covers for this clip. A figure within its limit is never a regression."""
    out = []
    tol = TOLERANCES

    def check(figure: str) -> bool:
        return figure in ratchet or figure not in limits

    if check("reps") and "rep_error" in base and r.rep_error is not None and base["rep_error"] is not None \
            and abs(r.rep_error) > abs(base["rep_error"]):
        out.append(f"repetition count {r.reps} (truth {r.true_reps}); baseline error was {base['rep_error']:+d}")
    if check("reps_by_side") and "reps_by_side" in base and r.true_reps_by_side is not None \
            and side_error(r.reps_by_side, r.true_reps_by_side) > side_error(base["reps_by_side"],
                                                                             r.true_reps_by_side):
        out.append(f"reps by side {r.reps_by_side}, baseline {base['reps_by_side']} (truth {r.true_reps_by_side})")
    base_hold = base.get("max_hold_error_s")
    if check("hold") and r.max_hold_error_s is not None and base_hold is not None:
        allowed = base_hold + tol["hold_error_s"]
        if "hold" not in ratchet:  # a figure no limit covers: it may grow, but not past 0.3 s if it was within
            allowed = min(allowed, max(tol["hold_error_limit_s"], base_hold))
        if r.max_hold_error_s > allowed + 1e-9:
            out.append(f"worst hold error {r.max_hold_error_s:.2f} s > {allowed:.2f} s (baseline {base_hold:.2f} s)")
    for name, stats in r.angles.items():
        base_mae = base.get("angles", {}).get(name, {}).get("mae")
        slack = tol["spine_mae_deg"] if name == "spine_flexion_deg" else tol["angle_mae_deg"]
        if base_mae is not None and stats["mae"] > base_mae + slack:
            out.append(f"{name} mean absolute error {stats['mae']:.2f} deg > {base_mae + slack:.2f}"
                       f" (baseline {base_mae:.2f})")
    base_det = base.get("detection_rate")
    if r.detection_rate is not None and base_det is not None and r.detection_rate < base_det - tol["detection_rate"]:
        out.append(f"detection rate {r.detection_rate:.1%} < baseline {base_det:.1%}")
    if check("form_fn") and r.form_fn > base.get("form_fn", 0):
        out.append(f"{r.form_fn} form error(s) of the truth missed (baseline {base.get('form_fn', 0)})")
    if check("form_fp") and r.form_fp > base.get("form_fp", 0):
        out.append(f"{r.form_fp} form warning(s) not in the truth (baseline {base.get('form_fp', 0)})")
    return out


def judge(results: list[ClipResult], baseline: Baseline | None) -> list[Verdict]:
    """One verdict per clip, in order: the absolute limits first, then the baseline's ratchet."""
    baseline = baseline or Baseline()
    verdicts = []
    for r in results:
        if r.error:
            verdicts.append(Verdict(r.clip, ERROR, problems=[f"could not be evaluated: {r.error}"]))
            continue
        missed = misses(r)
        reason = baseline.known_failures.get(r.clip, "")
        base = baseline.clips.get(r.clip)
        ratchet = {m.figure for m in missed} if reason else set()  # an unlisted miss fails anyway
        worse = _worse(r, base, ratchet, limited(r)) if base is not None else []
        v = Verdict(r.clip, OK, reason, missed)
        if missed and not reason:
            v.status = FAIL
            v.problems += [m.text for m in missed]
        elif missed:
            v.status = KNOWN
        elif reason:
            v.status = FIXED
            v.problems.append(f"meets every limit now: take it off known_failures (it was: {reason})")
        if worse:
            v.status = REGRESSION if v.status in (OK, KNOWN) else v.status
            v.problems += worse
        drift = (r.recording or {}).get("problem")
        if drift:
            v.status = DRIFT if v.status in (OK, KNOWN) else v.status
            v.problems.append(f"recording drift: {drift}")
        if v.status == OK and not limited(r):
            v.status = NO_LIMITS
        verdicts.append(v)
    return verdicts


def compare(results: list[ClipResult], baseline: Baseline | dict | None) -> list[str]:
    """Every reason the eval fails, each naming the clip: ``judge`` in words."""
    if isinstance(baseline, dict):
        baseline = parse_baseline(baseline, "given")
    return [f"{v.clip}: {p}" for v in judge(results, baseline) if v.failed for p in v.problems]


def updated_baseline(results: list[ClipResult], previous: Baseline | None,
                     reasons: dict[str, str]) -> tuple[Baseline, list[str]]:
    """The baseline from this run, and notes for people. Known failures are the clips that miss
    a limit, each with its reason from ``reasons`` (given now) or carried over from ``previous``.
    Raises ``FormcheckError`` (nothing is written) for a clip that could not be evaluated, a
    failing clip without a reason, or a reason given for a clip that meets every limit."""
    previous = previous or Baseline()
    names = {r.clip for r in results}
    unknown = sorted(set(reasons) - names)
    if unknown:
        raise FormcheckError(f"--known-failure names clips not in this run: {', '.join(unknown)}.",
                             f"Use a clip's file name as the table shows it, e.g. {sorted(names)[0]}.")
    errors = [r.clip for r in results if r.error]
    if errors:
        n = len(errors)
        raise FormcheckError(f"Baseline not written: {n} clip(s) could not be evaluated "
                             f"({', '.join(errors)}).", "Fix them (see the ERROR lines) and run again.")
    failing = {r.clip: misses(r) for r in results if misses(r)}
    for clip, reason in reasons.items():
        problem = reason_problem(reason)
        if problem:
            raise FormcheckError(f"--known-failure {clip}: {problem}.", "Give it as --known-failure 'CLIP=REASON'.")
    wrong = sorted(set(reasons) - set(failing))
    if wrong:
        raise FormcheckError(f"Baseline not written: {', '.join(wrong)} meet(s) every limit, so it is not a "
                             "known failure.", "Drop its --known-failure.")
    known, notes = {}, []
    for clip in failing:
        reason = reasons.get(clip) or previous.known_failures.get(clip)
        if reason:
            known[clip] = reason
    missing = sorted(set(failing) - set(known))
    if missing:
        lines = "; ".join(f"{c}: {', '.join(m.text for m in failing[c])}" for c in missing)
        n, first = len(missing), missing[0]
        raise FormcheckError(
            f"Baseline not written: {n} clip(s) miss an absolute limit and have no known-failure "
            f"reason ({lines}).",
            "A known failure is only written with its reason: give one per clip with "
            f"--known-failure '{first}=WHY IT FAILS' (reasons already in the baseline are carried over).")
    for clip in sorted(set(previous.known_failures) - set(known)):
        if clip in names:
            notes.append(f"{clip} meets every limit now: no longer a known failure.")
    clips = {r.clip: {k: r.as_dict()[k] for k in FIGURES} for r in results}
    return Baseline(clips, known), notes
