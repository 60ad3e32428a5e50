"""What the angle plot (``angles.png``) shows, as plain data: the exercise's own signal per
frame and its repetitions, chosen by the signal field (never by its label).

Kept apart from ``plot`` so that choosing what to plot needs numpy only, not matplotlib.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from formcheck.analysis.kinematics import Angles
from formcheck.core.events import RepRecord
from formcheck.core.text import plural
from formcheck.definitions.exercises import Exercise


def plot_data(exercise: Exercise, t, angles: Sequence[Angles], timer_s: Sequence[float] | None = None,
              reps: Sequence[RepRecord] = ()) -> dict:
    """What ``angles.png`` shows, as plain data (``plot_angles``'s arguments).

    The curve is the exercise's own measured signal (``signal_field``) in its own unit; an
    alternating exercise gets one curve per side. A timer exercise measures nothing: its curve
    is the time counted in view (``timer_s``, seconds), with no target line.
    """
    t = np.asarray(t, dtype=float)
    n_reps = plural(len(reps), "repetition")
    if not exercise.measures:
        timer = np.asarray(timer_s if timer_s is not None else np.full(t.size, np.nan), dtype=float).reshape(t.shape)
        timed = float(np.nanmax(timer)) if np.isfinite(timer).any() else 0.0
        return {"t_s": t, "series": {"time in view": timer}, "signal_name": "time in view", "unit": "s",
                "target_deg": None, "limit_deg": None, "title": f"{exercise.name}: {timed:.0f} s in view"}

    def values(field: str) -> np.ndarray:
        return np.array([getattr(a, field) for a in angles], dtype=float).reshape(t.shape)

    if exercise.sides:
        series = {f"{side} side": values(exercise.signal_for(side)) for side in exercise.sides}
        by_side = ", ".join(f"{side} {sum(r.side == side for r in reps)}" for side in exercise.sides)
        title = f"{exercise.name}: {n_reps} ({by_side})"
    else:
        series = {exercise.signal_label: values(exercise.signal_field)}
        title = f"{exercise.name}: {n_reps}"
    return {"t_s": t, "series": series, "signal_name": exercise.signal_label, "unit": exercise.unit,
            "target_deg": exercise.target_deg, "limit_deg": exercise.limit_deg, "title": title}


def plot_reps(exercise: Exercise, reps: Sequence[RepRecord]) -> list[dict]:
    """Repetitions for the plot, their warnings in words ("Straighten the knee...", not "knee_bent")."""
    return [dict(r.as_dict(), warnings=[exercise.message_for(code) for code in r.warnings]) for r in reps]
