"""The per-frame path: people found -> the person followed -> smoothing -> angles -> analyzer.

``Pipeline.step`` takes the landmarks of everyone the model found in a frame (from the model or a
recording) and is what tests replay; ``Pipeline.process`` runs the model on a frame first.
Drawing and writing happen outside.

With more than one person in view, ``person_selection`` says whom to follow; the first time
someone else counts as present the analyzer gets an ``other_person`` event (logged, reported and
shown as the cue for a moment). When the followed person is chosen afresh (after being out of
sight, or a skeleton that jumped further than a body moves), the smoothing and the kinematics'
slow votes start again, so one person's landmarks are never blended into another's.
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from formcheck.analysis import spine
from formcheck.analysis.exercise_analyzer import ExerciseAnalyzer
from formcheck.analysis.filters import OneEuroPoseFilter, PoseFilter
from formcheck.analysis.kinematics import Angles, KinematicsTracker
from formcheck.analysis.person_selection import ContinuitySelector, PersonSelector
from formcheck.core.events import OTHER_PERSON, REST, Feedback
from formcheck.core.keypoints import KeyPoints, Poses
from formcheck.definitions.exercises import Exercise
from formcheck.io.sources import Frame


@dataclass
class StepResult:
    t_s: float
    raw: KeyPoints | None  # the model's landmarks of the person followed (None: not seen)
    keypoints: KeyPoints | None  # after smoothing
    angles: Angles
    feedback: Feedback
    others: int = 0  # other people in view (counted once seen for a moment)


def default_filter() -> OneEuroPoseFilter:
    # Tuned on the synthetic clips: low lag (trunk error under 4 deg while moving) and
    # steady numbers while holding.
    return OneEuroPoseFilter(min_cutoff=1.0, beta=20.0)


class Pipeline:
    def __init__(self, exercise: Exercise, estimator=None, pose_filter: PoseFilter | None = None,
                 kinematics: KinematicsTracker | None = None, person_selector: PersonSelector | None = None) -> None:
        self.exercise = exercise
        self.estimator = estimator
        self.pose_filter = pose_filter if pose_filter is not None else default_filter()
        self.kinematics = kinematics or KinematicsTracker()
        self.person_selector = person_selector if person_selector is not None else ContinuitySelector()
        self.analyzer = ExerciseAnalyzer(exercise)
        self.frames = 0
        self.detected_frames = 0  # frames where the person followed was seen
        self.other_person_t: float | None = None  # when someone else first counted as in view
        # The back's bend (exercises with measures_spine): per frame from the followed person's
        # outline, and each repetition's peak from the frames it spanned
        self.spine = spine.SpineTracker() if exercise.measures_spine else None
        self._spine_history: deque[tuple[float, float, float]] = deque()
        self._reps_seen = 0
        self._spine_keep_s = 2 * exercise.rep_params().timeout_s if exercise.measures_spine else 0.0

    def step(self, t_s: float, poses: Poses) -> StepResult:
        """One frame: ``poses`` is everyone the model found (a list, any order), or one person's
        ``KeyPoints``, or None for nobody."""
        selection = self.person_selector.update(t_s, poses)
        if selection.new_person:  # not the skeleton of the frame before: nothing carries over
            self.pose_filter.reset()
            self.kinematics.reset()
            if self.spine is not None:
                self.spine.reset()
        raw = selection.person
        first_other = selection.others > 0 and self.other_person_t is None
        if first_other:
            self.other_person_t = t_s
            self.analyzer.note_event(t_s, OTHER_PERSON)
        keypoints = self.pose_filter(raw, t_s)
        angles = self.kinematics.update(keypoints)
        feedback = self.analyzer.update(t_s, angles)
        if self.spine is not None:
            self._measure_spine(t_s, raw, angles, feedback)
        if first_other:
            feedback.warnings.insert(0, OTHER_PERSON)  # raised on this frame, before the analyzer's own
        self.frames += 1
        self.detected_frames += raw is not None
        return StepResult(t_s, raw, keypoints, angles, feedback, selection.others)

    def _measure_spine(self, t_s: float, raw: KeyPoints | None, angles: Angles, feedback: Feedback) -> None:
        """The back's bend from the followed person's outline (derived once from their mask, which
        is then dropped), into ``angles``; each new repetition gets its peaks."""
        outline = None
        if raw is not None and angles.detected:
            spine.keep_outline(raw)
            outline = raw.outline
        reading = self.spine.update(t_s, outline, angles.facing, angles.trunk_inclination_deg, angles.view,
                                    at_rest=feedback.phase == REST)
        angles.spine_status = reading.status
        angles.spine_flexion_deg, angles.hip_flexion_deg = reading.spine_flexion_deg, reading.hip_flexion_deg
        if reading.fit is not None and raw is not None:
            curve = spine.outline_points(reading.fit, raw.mid("left_hip", "right_hip"),
                                         raw.mid("left_shoulder", "right_shoulder"), angles.facing)
            angles.back_curve = None if curve is None else tuple(map(tuple, np.round(curve, 1).tolist()))
        history = self._spine_history
        if math.isfinite(reading.spine_flexion_deg):
            history.append((t_s, reading.spine_flexion_deg, reading.hip_flexion_deg))
        while history and t_s - history[0][0] > self._spine_keep_s:
            history.popleft()
        reps = self.analyzer.reps
        ex = self.analyzer.exercise
        direction = 1.0 if ex.target_deg >= ex.rest_deg else -1.0
        for rep in reps[self._reps_seen:]:
            during = [(sp, hp) for t, sp, hp in history if rep.start_s <= t <= rep.end_s]
            if during:
                rep.peak_spine_flexion_deg = direction * max(direction * sp for sp, _ in during)
                rep.peak_hip_flexion_deg = direction * max(direction * hp for _, hp in during)
        self._reps_seen = len(reps)

    def process(self, frame: Frame) -> StepResult:
        return self.step(frame.t_s, self.estimator.detect_poses(frame.image, frame.t_s))
