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

REPORT_VERSION = 1
CSV_COLUMNS = ("frame", "t_s", "detected", "trunk_inclination_deg", "hip_angle_deg", "knee_angle_deg",
               "side", "view", "phase", "signal_deg", "reps", "hold_s", "warnings")


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
            ";".join(fb.warnings)))
        self._fh.flush()
        self.rows += 1

    def __exit__(self, *exc) -> None:
        if self._fh:
            self._fh.close()


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
    }


def build_report(exercise: Exercise, analyzer: ExerciseAnalyzer, *, source: str, frames: int,
                 detected_frames: int, duration_s: float, fps: float, timing: dict | None = None,
                 outputs: dict | None = None) -> dict:
    reps = analyzer.reps
    return {
        "report_version": REPORT_VERSION,
        "exercise": exercise.id,
        "exercise_name": exercise.name,
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
