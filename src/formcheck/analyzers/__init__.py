"""Exercise analyzers: pure state machines over per-frame angles."""
from .base import Event, Feedback, RepRecord
from .exercise import ExerciseAnalyzer
from .rep_machine import RepParams, RepStateMachine

__all__ = ["Event", "ExerciseAnalyzer", "Feedback", "RepParams", "RepRecord", "RepStateMachine"]
