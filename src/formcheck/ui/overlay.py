"""The overlay the live window and the annotated video show: every annotator, in drawing order."""
from __future__ import annotations

import numpy as np

from formcheck.analysis.kinematics import Angles
from formcheck.core.events import Feedback
from formcheck.core.keypoints import KeyPoints
from formcheck.i18n.feedback import translated
from formcheck.ui.annotators import (
    AngleArcAnnotator,
    BackCurveAnnotator,
    CueAnnotator,
    HoldTimerAnnotator,
    RepCounterAnnotator,
    SkeletonAnnotator,
    StatusAnnotator,
)
from formcheck.ui.gauge import GaugeAnnotator


class OverlayRenderer:
    """Everything the live window and the output video show, in drawing order."""

    def __init__(self, min_visibility: float = 0.5) -> None:
        self.skeleton = SkeletonAnnotator(min_visibility)
        self.angle_arc = AngleArcAnnotator()
        self.back_curve = BackCurveAnnotator()
        self.gauge = GaugeAnnotator(min_visibility=min_visibility)
        self.rep_counter = RepCounterAnnotator()
        self.hold_timer = HoldTimerAnnotator()
        self.cue = CueAnnotator()
        self.status = StatusAnnotator()

    def render(self, scene: np.ndarray, keypoints: KeyPoints | None, angles: Angles | None,
               feedback: Feedback | None, status: str = "") -> np.ndarray:
        """Draw onto ``scene`` in place and return it. Body first, then the panels above it."""
        feedback = translated(feedback)  # the cue and the gauge's title in the person's language (i18n)
        self.skeleton.annotate(scene, keypoints, angles.side if angles is not None else "")
        if feedback is not None:
            self.angle_arc.annotate(scene, keypoints, angles, feedback)
            self.back_curve.annotate(scene, keypoints, angles)
            self.gauge.annotate(scene, feedback, keypoints)
            self.rep_counter.annotate(scene, feedback)
            self.hold_timer.annotate(scene, feedback)
            self.cue.annotate(scene, feedback)
        self.status.annotate(scene, status)
        return scene
