"""`formcheck eval`: run clips with known truth through the pipeline and score the result.

Two truth formats are accepted (README, "Testing on clips with known truth"):
- synthetic: ``CLIP.json`` beside ``CLIP.mp4`` with per-frame true angles (the renderer's format);
- manual: ``CLIP.truth.json``, a small file a person writes by hand (exercise, reps, optional
  rep intervals, holds, sides and form errors).

A clip runs through the real model; a recording (``CLIP.landmarks.npz``) replays the model's
landmarks without it (``--replay`` prefers recordings where they exist). Results are compared
with a checked-in baseline; a regression beyond the tolerances is named, clip and figure.
"""
from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from formcheck.core.errors import FormcheckError
from formcheck.definitions.exercises import Exercise, get_exercise

VIDEO_SUFFIXES = {".mp4", ".mov", ".avi", ".webm", ".mkv"}
RECORDING_SUFFIX = ".landmarks.npz"
FORM_CODES = {"partial_range", "short_hold", "rushed", "knee_bent", "over_arch", "hip_sag", "hip_pike"}
RENDERER_EXERCISES = {"forward_bend": "standing_flexion", "standing": "standing_flexion"}

# Truth angle fields (synthetic format, image-plane versions) -> formcheck's measured fields.
# "{near}" is the body side facing the camera.
TRUTH_ANGLES = {
    "trunk_inclination_deg": "trunk_from_vertical_signed_2d_deg",
    "hip_angle_deg": "hip_angle_{near}_signed_2d_deg",
    "knee_angle_deg": "knee_angle_{near}_2d_deg",
}

# How much worse than the baseline a figure may get before it counts as a regression.
TOLERANCES = {
    # Worst per-rep hold error may grow by this much (two frames at 15 fps: the model's numerics
    # differ between CPUs, which moved hamstring_stretch_1's hold by 0.13 s on an AMD EPYC)...
    "hold_error_s": 0.15,
    "hold_error_limit_s": 0.3,  # ...but never beyond the documented accuracy
    "angle_mae_deg": 0.5,
    "detection_rate": 0.02,
}  # form warnings: no more misses or false alarms than the baseline


@dataclass
class Truth:
    path: Path
    kind: str  # "synthetic" or "manual"
    exercise: str
    reps: int
    reps_by_side: dict | None = None
    holds_s: list = field(default_factory=list)  # per rep, None where unknown
    form_errors: list | None = None  # per rep, list of codes; None if the truth does not say
    fps: float | None = None
    n_frames: int | None = None
    angles: dict = field(default_factory=dict)  # measured field -> per-frame truth (synthetic)


def _fail(path: Path, problem: str) -> FormcheckError:
    return FormcheckError(f"Truth file {path}: {problem}.",
                          "See README, 'Testing on clips with known truth', for the format.")


def load_truth(path: Path) -> Truth:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise _fail(path, f"cannot be read as JSON ({exc})") from exc
    if not isinstance(data, dict) or "exercise" not in data or "reps" not in data:
        raise _fail(path, "needs at least 'exercise' and 'reps'")
    if "frames" in data:  # the renderer's per-frame format
        exercise = RENDERER_EXERCISES.get(data["exercise"], data["exercise"])
        reps = data["reps"]
        near = data.get("near_side", "left")
        frames = data["frames"]
        angles = {}
        for measured, truth_field in TRUTH_ANGLES.items():
            name = truth_field.format(near=near)
            if frames and name in frames[0]:
                angles[measured] = np.array([f.get(name, np.nan) for f in frames], dtype=float)
        by_side: dict[str, int] = {}
        for r in reps:
            if r.get("side"):
                by_side[r["side"]] = by_side.get(r["side"], 0) + 1
        return Truth(path, "synthetic", exercise, len(reps), by_side or None,
                     [r.get("hold_s") for r in reps], [list(r.get("errors", [])) for r in reps],
                     data.get("fps"), data.get("n_frames", len(frames)), angles)
    reps = data["reps"]
    if not isinstance(reps, int) or reps < 0:
        raise _fail(path, f"'reps' must be a whole number >= 0, not {reps!r}")
    holds = data.get("holds_s") or [None] * reps
    errors = data.get("form_errors")
    if len(holds) != reps or (errors is not None and len(errors) != reps):
        raise _fail(path, f"'holds_s' and 'form_errors' need one entry per rep ({reps})")
    return Truth(path, "manual", data["exercise"], reps, data.get("reps_by_side"), list(holds),
                 None if errors is None else [list(e) for e in errors], data.get("fps"), data.get("n_frames"))


def truth_for(clip: Path) -> Path | None:
    """``CLIP.truth.json`` (manual) or ``CLIP.json`` (synthetic) beside the clip or recording."""
    stem = clip.name[: -len(RECORDING_SUFFIX)] if clip.name.endswith(RECORDING_SUFFIX) else clip.stem
    for name in (f"{stem}.truth.json", f"{stem}.json"):
        candidate = clip.with_name(name)
        if candidate.exists():
            return candidate
    return None


@dataclass
class ClipResult:
    clip: str
    exercise: str = ""
    mode: str = ""  # "model" or "replay"
    reps: int | None = None
    true_reps: int | None = None
    rep_error: int | None = None
    reps_by_side: dict | None = None
    true_reps_by_side: dict | None = None
    hold_errors_s: list = field(default_factory=list)
    max_hold_error_s: float | None = None
    angles: dict = field(default_factory=dict)  # field -> {mae, bias, max, n}
    detection_rate: float | None = None
    form_tp: int = 0
    form_fp: int = 0
    form_fn: int = 0
    ms_per_frame: float | None = None
    error: str | None = None  # why this clip could not be evaluated

    @property
    def form_precision(self) -> float | None:
        n = self.form_tp + self.form_fp
        return self.form_tp / n if n else None

    @property
    def form_recall(self) -> float | None:
        n = self.form_tp + self.form_fn
        return self.form_tp / n if n else None

    def as_dict(self) -> dict:
        d = asdict(self)
        d["form_precision"] = self.form_precision
        d["form_recall"] = self.form_recall
        return d


def _score(result: ClipResult, truth: Truth, pipeline, measured: dict[str, np.ndarray]) -> None:
    reps = pipeline.analyzer.reps
    result.reps, result.true_reps = len(reps), truth.reps
    result.rep_error = len(reps) - truth.reps
    result.true_reps_by_side = truth.reps_by_side
    sides = {r.side for r in reps if r.side}
    result.reps_by_side = {s: sum(r.side == s for r in reps) for s in sorted(sides)} or None
    errors = [r.hold_s - h for r, h in zip(reps, truth.holds_s) if h is not None]
    result.hold_errors_s = [round(e, 3) for e in errors]
    result.max_hold_error_s = round(max(abs(e) for e in errors), 3) if errors else None
    if truth.form_errors is not None:
        for rep, true_codes in zip(reps, truth.form_errors):
            got, want = set(rep.warnings) & FORM_CODES, set(true_codes)
            result.form_tp += len(got & want)
            result.form_fp += len(got - want)
            result.form_fn += len(want - got)
        # Reps only one side has: their truth errors are misses, our warnings false alarms.
        for true_codes in truth.form_errors[len(reps):]:
            result.form_fn += len(true_codes)
        for rep in reps[len(truth.form_errors):]:
            result.form_fp += len(set(rep.warnings) & FORM_CODES)
    for name, true_values in truth.angles.items():
        values = measured[name]
        ok = ~np.isnan(values) & ~np.isnan(true_values)
        if ok.any():
            err = values[ok] - true_values[ok]
            result.angles[name] = {"mae": round(float(np.abs(err).mean()), 2), "bias": round(float(err.mean()), 2),
                                   "max": round(float(np.abs(err).max()), 2), "n": int(ok.sum())}


def evaluate(path: Path, *, replay: bool = False, model: Path | None = None,
             exercises_dir: Path | None = None) -> ClipResult:
    """Evaluate one clip or recording. Problems are reported in ``ClipResult.error``."""
    from formcheck.analysis.pipeline import Pipeline

    path = Path(path)
    result = ClipResult(clip=path.name)
    truth_path = truth_for(path)
    if truth_path is None:
        result.error = (f"no truth file: add {path.stem}.truth.json beside it "
                        "(README, 'Testing on clips with known truth')")
        return result
    try:
        truth = load_truth(truth_path)
        exercise: Exercise = get_exercise(truth.exercise, exercises_dir)
    except FormcheckError as exc:
        result.error = str(exc)
        return result
    result.exercise = exercise.id
    recording_path = path if path.name.endswith(RECORDING_SUFFIX) else path.with_name(path.stem + RECORDING_SUFFIX)
    use_recording = path.name.endswith(RECORDING_SUFFIX) or (replay and recording_path.exists())
    pipeline = Pipeline(exercise)
    measured: dict[str, list] = {name: [] for name in TRUTH_ANGLES}
    started = time.perf_counter()
    try:
        if use_recording:
            from formcheck.io.recording import LandmarkRecording

            result.mode = "replay"
            frames = LandmarkRecording.load(recording_path).frames()
        else:
            result.mode = "model"
            frames = _model_frames(path, model)
        for t, raw in frames:
            angles = pipeline.step(t, raw).angles
            for name in measured:
                measured[name].append(getattr(angles, name))
    except FormcheckError as exc:
        result.error = str(exc)
        return result
    n = pipeline.frames
    result.ms_per_frame = round(1000 * (time.perf_counter() - started) / n, 2) if n else None
    result.detection_rate = round(pipeline.detected_frames / n, 4) if n else 0.0
    if truth.n_frames is not None and truth.n_frames != n:
        result.error = (f"the truth file {truth_path.name} describes {truth.n_frames} frames but the clip has {n}: "
                        "they do not belong together")
        return result
    _score(result, truth, pipeline, {k: np.array(v, dtype=float) for k, v in measured.items()})
    return result


def _model_frames(path: Path, model: Path | None):
    """(t, landmarks) from a fresh model run: a new estimator per clip, so MediaPipe's tracking
    never carries over from one clip to the next (as in `record-landmarks` and `analyze`)."""
    from formcheck.io.sources import VideoFileSource
    from formcheck.pose.estimators import PoseEstimator

    with VideoFileSource(path) as source, PoseEstimator(model) as estimator:
        for frame in source:
            yield frame.t_s, estimator.detect(frame.image, frame.t_s)


def collect(paths: list[Path], replay: bool = False) -> list[Path]:
    """Clips (and recordings without their clip) under the given files or folders, sorted."""
    found: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            videos = sorted(q for q in p.iterdir() if q.suffix.lower() in VIDEO_SUFFIXES)
            stems = {v.stem for v in videos}
            orphans = sorted(q for q in p.glob(f"*{RECORDING_SUFFIX}") if q.name[: -len(RECORDING_SUFFIX)] not in stems)
            found += videos + orphans
        elif p.exists():
            found.append(p)
        else:
            raise FormcheckError(f"Not found: {p}.", "Give clips, recordings or folders of them.")
    if not found:
        raise FormcheckError(f"No clips found in {', '.join(map(str, paths))}.",
                             f"Put videos ({', '.join(sorted(VIDEO_SUFFIXES))}) with truth files there.")
    return found


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
            problems.append(f"{r.clip}: {r.form_fp} form warning(s) not in the truth (baseline {base.get('form_fp', 0)})")
    return problems


def baseline_from(results: list[ClipResult]) -> dict:
    keep = ("rep_error", "reps_by_side", "max_hold_error_s", "angles", "detection_rate", "form_fp", "form_fn")
    return {r.clip: {k: r.as_dict()[k] for k in keep} for r in results if not r.error}


def _fmt(x, spec: str, none: str = "-") -> str:
    return none if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, spec)


def table(results: list[ClipResult]) -> str:
    head = (f"{'clip':38s} {'exercise':20s} {'mode':6s} {'reps':>7s} {'hold err':>8s} {'trunk MAE':>9s} "
            f"{'hip MAE':>7s} {'detect':>6s} {'form P/R':>9s} {'ms/frame':>8s}")
    lines = [head, "-" * len(head)]
    for r in results:
        if r.error:
            lines.append(f"{r.clip:38s} ERROR: {r.error}")
            continue
        reps = f"{r.reps}/{r.true_reps}"
        pr = f"{_fmt(r.form_precision, '.2f')}/{_fmt(r.form_recall, '.2f')}"
        trunk = r.angles.get("trunk_inclination_deg", {}).get("mae")
        hip = r.angles.get("hip_angle_deg", {}).get("mae")
        lines.append(f"{r.clip:38s} {r.exercise:20s} {r.mode:6s} {reps:>7s} {_fmt(r.max_hold_error_s, '.2f'):>8s} "
                     f"{_fmt(trunk, '.1f'):>9s} {_fmt(hip, '.1f'):>7s} {_fmt(r.detection_rate, '.0%'):>6s} "
                     f"{pr:>9s} {_fmt(r.ms_per_frame, '.1f'):>8s}")
    return "\n".join(lines)
