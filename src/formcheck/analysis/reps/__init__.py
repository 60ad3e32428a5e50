"""Repetition and hold timing: a hysteresis state machine over one angle signal."""
