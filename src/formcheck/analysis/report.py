"""What an analysis leaves on disk: a per-frame CSV, report.json and the angle plot.

``report.json`` is a documented contract (README, "The report"); bump ``REPORT_VERSION`` when a
field changes meaning. The CSV is written and flushed row by row, so an interrupted run still
leaves every frame it processed.
"""
from __future__ import annotations

import csv
import math
from pathlib import Path

from formcheck.analysis.exercise_analyzer import ExerciseAnalyzer
from formcheck.analysis.pipeline import StepResult
from formcheck.definitions.exercises import Exercise
from formcheck.i18n import get_language

REPORT_VERSION = 1
CSV_COLUMNS = ("frame", "t_s", "detected", "trunk_inclination_deg", "hip_angle_deg", "knee_angle_deg",
               "side", "view", "phase", "signal_deg", "reps", "hold_s", "warnings",
               "spine_flexion_deg", "hip_flexion_deg")


def _num(x: float, digits: int = 2):
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else round(x, digits)


class AnglesCsvWriter:
    """Context manager: one row per frame, flushed as it is written."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fh = None
        self._writer = None
        self.rows = 0

    def __enter__(self) -> AnglesCsvWriter:
        self._fh = open(self.path, "w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._fh)
        self._writer.writerow(CSV_COLUMNS)
        return self

    def write(self, index: int, r: StepResult) -> None:
        a, fb = r.angles, r.feedback
        self._writer.writerow((
            index, round(r.t_s, 4), int(a.detected), _num(a.trunk_inclination_deg), _num(a.hip_angle_deg),
            _num(a.knee_angle_deg), a.side, a.view, fb.phase, _num(fb.signal_deg), fb.reps, round(fb.hold_s, 2),
            ";".join(fb.warnings), _num(a.spine_flexion_deg), _num(a.hip_flexion_deg)))
        self._fh.flush()
        self.rows += 1

    def __exit__(self, *exc) -> None:
        if self._fh:
            self._fh.close()


# The back's own bend (analysis.spine), for exercises with measures_spine: how it is measured and
# how well, from `formcheck eval` on the synthetic clips with known truth (README, "What is measured").
SPINE_SIGNAL = {
    "fields": ["spine_flexion_deg", "hip_flexion_deg"],
    "unit": "deg",
    "level": "tracked",
    "description": ("spine_flexion_deg: the bend of the back's outline between the lumbar and mid-thoracic "
                    "levels, + = rounded (flexion), relative to your own back at rest; hip_flexion_deg: "
                    "trunk inclination - spine_flexion_deg. Empty where the back cannot be seen."),
    "method": ("side view: the segmentation mask's back edge between 0.15 and 0.75 of the hip-to-shoulder "
               "line (above the buttocks, below the shoulder blades), a robust quadratic fit, and the change "
               "of its tangent angle along that span; the neutral is the median over the first 0.5 s at rest"),
    "expected_error_deg": 8.0,
    "measured_error": ("formcheck eval on 14 synthetic clips with the true thorax-to-pelvis rotation: mean "
                       "absolute error over held frames 1.3-3.9 deg on 10 of them (standing, seated and long "
                       "sitting of the standard body); 6.2 and 11.4 deg (reading low) on two standing clips of "
                       "another body, 13.7 (seated) and 8.1 (long sitting) on the spine-mix clips; the reps' "
                       "order by peak spine flexion right on every clip"),
    "limits": ("an outline, not vertebrae: reads low where the bend lies below or above the window or the "
               "soft tissue hides it; a stooped rest is taken as neutral; loose clothing, a chair back, hair "
               "or hands over the back and a front view give no number ('can't see your back')"),
}


def measured_signal(exercise: Exercise) -> dict:
    if not exercise.measures:
        return {"name": "time in view", "field": None, "unit": "s", "expected_error_deg": None,
                "description": "Nothing is measured for this exercise: the camera only times it.",
                "method": "timer"}
    return {
        "name": exercise.signal_label,
        "field": exercise.signal_field,
        "unit": exercise.unit,
        "description": exercise.signal_description,
        "expected_error_deg": exercise.expected_error_deg,
        "method": "2-D side view, MediaPipe pose landmarks; angles in the image plane",
        **({"spine": SPINE_SIGNAL} if exercise.measures_spine else {}),
    }


def build_report(exercise: Exercise, analyzer: ExerciseAnalyzer, *, source: str, frames: int,
                 detected_frames: int, duration_s: float, fps: float, timing: dict | None = None,
                 outputs: dict | None = None) -> dict:
    reps = analyzer.reps
    return {
        "report_version": REPORT_VERSION,
        "exercise": exercise.id,
        "exercise_name": exercise.name,
        "language": get_language(),  # what the person saw and heard (formcheck.i18n); the words here stay English
        "level": exercise.level,
        "level_reason": exercise.level_reason,
        "source": source,
        "reps": len(reps),
        "reps_by_side": analyzer.reps_by_side,
        "target_reps": exercise.target_reps,
        "target_hold_s": exercise.hold_s,
        "target_angle_deg": exercise.target_deg,
        "rep_details": [r.as_dict() for r in reps],
        "events": [e.as_dict() for e in analyzer.events],
        "frames": frames,
        "detected_frames": detected_frames,
        "detection_rate": round(detected_frames / frames, 4) if frames else 0.0,
        "duration_s": round(duration_s, 3),
        "fps": round(fps, 3),
        "measured_signal": measured_signal(exercise),
        "hold_timing": {"unit": "s", "expected_error_s": 0.3,
                        "definition": "time held still at the end of the range with valid tracking; dropouts pause it"},
        "timing": timing or {},
        "outputs": outputs or {},
    }
