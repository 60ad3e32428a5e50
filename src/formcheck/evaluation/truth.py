"""Truth for a clip, in the two formats ``formcheck eval`` accepts (README, "Testing on clips
with known truth"):

- synthetic: ``CLIP.json`` beside ``CLIP.mp4`` with per-frame true angles (the renderer's format);
- manual: ``CLIP.truth.json``, a small file a person writes by hand (exercise, reps, optional
  rep intervals, holds, sides and form errors).

``truth_for`` finds the truth file beside a clip or its landmark recording; ``load_truth`` reads
either format into one ``Truth``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from formcheck.core.errors import FormcheckError

RECORDING_SUFFIX = ".landmarks.npz"  # a clip's landmark recording: CLIP.landmarks.npz
RENDERER_EXERCISES = {"forward_bend": "standing_flexion", "standing": "standing_flexion"}

# Truth angle fields (synthetic format, image-plane versions) -> formcheck's measured fields.
# "{near}" is the body side facing the camera.
TRUTH_ANGLES = {
    "trunk_inclination_deg": "trunk_from_vertical_signed_2d_deg",
    "hip_angle_deg": "hip_angle_{near}_signed_2d_deg",
    "knee_angle_deg": "knee_angle_{near}_2d_deg",
    # the thorax's rotation relative to the pelvis (+ flexion): not a projection, the back's own bend
    "spine_flexion_deg": "spine_flexion_deg",
}


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
    phases: np.ndarray | None = None  # per frame: rest, moving, hold (synthetic)
    peak_spine_flexion_deg: list = field(default_factory=list)  # per rep, None where the truth does not say


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
                     data.get("fps"), data.get("n_frames", len(frames)), angles,
                     np.array([f.get("phase", "") for f in frames]),
                     [r.get("peak_spine_flexion_deg") for r in reps])
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
