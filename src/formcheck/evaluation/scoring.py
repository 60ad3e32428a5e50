"""Scoring one clip against its truth (``evaluate`` -> ``ClipResult``), finding the clips to
score (``collect``) and the table ``formcheck eval`` prints.

A clip runs through the real model; a recording (``CLIP.landmarks.npz``) replays the model's
landmarks without it (``--replay`` prefers recordings where they exist). A model run of a clip
that has a recording also checks that the recording still matches the model (``drift``). Truth
formats are in ``truth``; the absolute limits are in ``limits``, the comparison with a baseline
in ``baseline``.

Form warnings are scored against what the exercise's own definition should say: the truth's
codes, except ``short_hold``, which the renderer sets from its own target hold (a 4-s hold of a
hamstring stretch is "short" against the renderer's 5 s, while the definition's 30-s target has
``warn_short = false``). So a rep is expected to get ``short_hold`` exactly when the definition
warns short holds and the true hold is below ``hold.target_s - hold.tolerance_s``
(``expected_form_codes``).
"""
from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from formcheck.core.errors import FormcheckError
from formcheck.core.keypoints import N_LANDMARKS
from formcheck.definitions.exercises import Exercise, get_exercise
from formcheck.evaluation.truth import RECORDING_SUFFIX, TRUTH_ANGLES, Truth, load_truth, truth_for

if TYPE_CHECKING:
    from formcheck.analysis.pipeline import StepResult
    from formcheck.core.keypoints import KeyPoints

VIDEO_SUFFIXES = {".mp4", ".mov", ".avi", ".webm", ".mkv"}
FORM_CODES = {"partial_range", "short_hold", "rushed", "knee_bent", "over_arch", "hip_sag", "hip_pike"}


@dataclass
class ClipResult:
    clip: str
    exercise: str = ""
    level: str = ""  # the exercise definition's capability level: which absolute limits apply
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
    recording: dict | None = None  # a model run compared with the clip's landmark recording (drift)
    # The back's bend per rep (exercises that measure the spine, truth with per-rep peaks): measured
    # and true peaks, and the pairs of reps whose order by peak differs from the truth's
    spine_peaks: list | None = None
    true_spine_peaks: list | None = None
    spine_rank_errors: int | None = None
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


def expected_form_codes(true_codes, true_hold_s: float | None, exercise: Exercise) -> set[str]:
    """The form codes a rep should get from ``exercise``: the truth's, with ``short_hold`` decided by
    the definition's own hold target (see the module docstring). Where the true hold is unknown
    (a hand-written truth without it), the truth's own ``short_hold`` stands."""
    codes = set(true_codes)
    if true_hold_s is None:
        return codes
    codes.discard("short_hold")
    if exercise.warn_short_hold and true_hold_s < exercise.hold_s - exercise.hold_tolerance_s:
        codes.add("short_hold")
    return codes


def _score(result: ClipResult, truth: Truth, pipeline, measured: dict[str, np.ndarray]) -> None:
    reps = pipeline.analyzer.reps
    result.reps, result.true_reps = len(reps), truth.reps
    result.rep_error = len(reps) - truth.reps
    result.true_reps_by_side = truth.reps_by_side
    sides = {r.side for r in reps if r.side}
    result.reps_by_side = {s: sum(r.side == s for r in reps) for s in sorted(sides)} or None
    errors = [r.hold_s - h for r, h in zip(reps, truth.holds_s, strict=False) if h is not None]
    result.hold_errors_s = [round(e, 3) for e in errors]
    result.max_hold_error_s = round(max(abs(e) for e in errors), 3) if errors else None
    if truth.form_errors is not None:
        exercise = pipeline.analyzer.exercise
        holds = list(truth.holds_s) + [None] * (len(truth.form_errors) - len(truth.holds_s))
        wanted = [expected_form_codes(codes, hold, exercise) for codes, hold in zip(truth.form_errors, holds,
                                                                                     strict=False)]
        for rep, want in zip(reps, wanted, strict=False):  # either may be longer
            got = set(rep.warnings) & FORM_CODES
            result.form_tp += len(got & want)
            result.form_fp += len(got - want)
            result.form_fn += len(want - got)
        # Reps only one side has: their truth errors are misses, our warnings false alarms.
        for want in wanted[len(reps):]:
            result.form_fn += len(want)
        for rep in reps[len(truth.form_errors):]:
            result.form_fp += len(set(rep.warnings) & FORM_CODES)
    for name, true_values in truth.angles.items():
        values = measured[name]
        ok = ~np.isnan(values) & ~np.isnan(true_values)
        if ok.any():
            err = values[ok] - true_values[ok]
            result.angles[name] = {"mae": round(float(np.abs(err).mean()), 2), "bias": round(float(err.mean()), 2),
                                   "max": round(float(np.abs(err).max()), 2), "n": int(ok.sum())}
            if truth.phases is not None and len(truth.phases) == len(ok):
                held = ok & (truth.phases == "hold")
                if held.any():
                    e = values[held] - true_values[held]
                    result.angles[name].update(hold_mae=round(float(np.abs(e).mean()), 2),
                                               hold_bias=round(float(e.mean()), 2),
                                               hold_max=round(float(np.abs(e).max()), 2), hold_n=int(held.sum()))
    if "spine_flexion_deg" in result.angles and any(p is not None for p in truth.peak_spine_flexion_deg):
        result.spine_peaks = [None if r.peak_spine_flexion_deg is None else round(r.peak_spine_flexion_deg, 1)
                              for r in reps]
        result.true_spine_peaks = list(truth.peak_spine_flexion_deg)
        result.spine_rank_errors = rank_errors(result.spine_peaks, result.true_spine_peaks)


RANK_MIN_DIFF_DEG = 5.0  # reps whose true peaks differ by less than this have no order to keep


def rank_errors(measured: list, true: list, min_diff: float = RANK_MIN_DIFF_DEG) -> int:
    """Pairs of reps (counted in both lists, true peaks ``min_diff`` apart) that the measured peaks put
    in the other order, or could not order (a rep with no measured peak)."""
    n = min(len(measured), len(true))
    bad = 0
    for i in range(n):
        for j in range(i + 1, n):
            ti, tj = true[i], true[j]
            if ti is None or tj is None or abs(ti - tj) < min_diff:
                continue
            mi, mj = measured[i], measured[j]
            if mi is None or mj is None or (mi - mj) * (ti - tj) <= 0:
                bad += 1
    return bad


def evaluate(path: Path, *, replay: bool = False, model: Path | None = None,
             exercises_dir: Path | None = None, check_recording: bool = True) -> ClipResult:
    """Evaluate one clip or recording. Problems are reported in ``ClipResult.error``.

    A model run of a clip with a recording beside it is also compared with that recording
    (``ClipResult.recording``), unless ``check_recording`` is false or another ``model`` is used
    (the recordings are of the bundled model)."""
    from formcheck.analysis.pipeline import Pipeline

    path = Path(path)
    result = ClipResult(clip=path.name)
    truth_path = truth_for(path)
    if truth_path is None:
        stem = path.name[: -len(RECORDING_SUFFIX)] if path.name.endswith(RECORDING_SUFFIX) else path.stem
        result.error = (f"no truth file: add {stem}.truth.json beside it "
                        "(README, 'Testing on clips with known truth')")
        return result
    try:
        truth = load_truth(truth_path)
        exercise: Exercise = get_exercise(truth.exercise, exercises_dir)
    except FormcheckError as exc:
        result.error = str(exc)
        return result
    result.exercise, result.level = exercise.id, exercise.level
    recording_path = path if path.name.endswith(RECORDING_SUFFIX) else path.with_name(path.stem + RECORDING_SUFFIX)
    use_recording = path.name.endswith(RECORDING_SUFFIX) or (replay and recording_path.exists())
    pipeline = Pipeline(exercise)
    measured: dict[str, list] = {name: [] for name in TRUTH_ANGLES}
    raw_xy: list[np.ndarray] = []  # the model's landmarks, to compare with the recording
    started = time.perf_counter()
    try:
        if use_recording:
            from formcheck.io.recording import LandmarkRecording

            result.mode = "replay"
            steps = ((None, pipeline.step(t, raw)) for t, raw in LandmarkRecording.load(recording_path).frames())
        else:
            result.mode = "model"
            steps = _model_steps(path, model, pipeline, exercise.measures_spine)
        for raw, step in steps:
            for name in measured:
                measured[name].append(getattr(step.angles, name))
            if result.mode == "model":
                raw_xy.append(raw.xy if raw is not None else np.full((N_LANDMARKS, 2), np.nan))
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
    if result.mode == "model" and check_recording and model is None and recording_path.exists():
        from formcheck.evaluation.drift import recording_drift

        result.recording = recording_drift(recording_path, np.array(raw_xy), pipeline, truth)
    return result


def _model_steps(path: Path, model: Path | None, pipeline,
                 masks: bool = False) -> Iterator[tuple[KeyPoints | None, StepResult]]:
    """``pipeline``'s steps on a fresh model run: a new estimator per clip, so MediaPipe's tracking
    never carries over from one clip to the next (as in `record-landmarks` and `analyze`); with
    segmentation masks where the exercise measures the spine."""
    from formcheck.analysis.frame_loop import run_frames
    from formcheck.io.sources import VideoFileSource
    from formcheck.pose.estimators import PoseEstimator, PoseSettings

    with VideoFileSource(path) as source, PoseEstimator(model, PoseSettings(segmentation_masks=masks)) as estimator:
        # ``closing``: the model's frame in flight is finished before the estimator closes.
        with contextlib.closing(run_frames(source, estimator, pipeline, overlap=True)) as steps:
            for step in steps:
                yield step.raw, step.result


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


def _fmt(x, spec: str, none: str = "-") -> str:
    return none if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, spec)


def status_text(verdict) -> str:
    """The table's last column: ``ok``, ``known failure: REASON``, ``fixed: ...``, ``FAIL``..."""
    if verdict is None:
        return ""
    if verdict.status == "known failure":
        return f"known failure: {verdict.reason}"
    if verdict.status == "fixed":
        return "fixed: remove from known failures"
    if verdict.status == "no limits":
        return "ok (no limits: a timer exercise)"
    return verdict.status


def table(results: list[ClipResult], verdicts: list | None = None) -> str:
    """The results, one line each; with ``verdicts`` (``baseline.judge``) a status column."""
    by_clip = {v.clip: v for v in verdicts or []}
    head = (f"{'clip':38s} {'exercise':20s} {'mode':6s} {'reps':>7s} {'hold err':>8s} {'trunk MAE':>9s} "
            f"{'hip MAE':>7s} {'spine hold':>10s} {'detect':>6s} {'form P/R':>9s} {'ms/frame':>8s}"
            + ("  status" if verdicts else ""))
    lines = [head, "-" * len(head)]
    for r in results:
        status = status_text(by_clip.get(r.clip))
        if r.error:
            lines.append(f"{r.clip:38s} ERROR: {r.error}")
            continue
        reps = f"{r.reps}/{r.true_reps}"
        pr = f"{_fmt(r.form_precision, '.2f')}/{_fmt(r.form_recall, '.2f')}"
        trunk = r.angles.get("trunk_inclination_deg", {}).get("mae")
        hip = r.angles.get("hip_angle_deg", {}).get("mae")
        spine_hold = r.angles.get("spine_flexion_deg", {}).get("hold_mae")
        line = (f"{r.clip:38s} {r.exercise:20s} {r.mode:6s} {reps:>7s} {_fmt(r.max_hold_error_s, '.2f'):>8s} "
                f"{_fmt(trunk, '.1f'):>9s} {_fmt(hip, '.1f'):>7s} {_fmt(spine_hold, '.1f'):>10s} "
                f"{_fmt(r.detection_rate, '.0%'):>6s} "
                f"{pr:>9s} {_fmt(r.ms_per_frame, '.1f'):>8s}")
        lines.append(f"{line}  {status}" if status else line)
    return "\n".join(lines)
