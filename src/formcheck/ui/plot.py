"""Angle-over-time plot for the report: the measured angle(s), each rep, its hold and warnings.

Uses matplotlib's object API (``Figure`` + ``FigureCanvasAgg``) and never pyplot, so it neither
needs a display nor changes the backend or global state of a program that uses pyplot itself.
"""
from __future__ import annotations

import os
import textwrap
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

from formcheck.core.errors import FormcheckError
from formcheck.core.text import name_with_unit, with_unit
from formcheck.ui.plot_data import plot_data, plot_reps

WIDTH_PX, HEIGHT_PX, DPI = 1200, 500, 100
REP_COLOR = "#4c72b0"
TARGET_COLOR = "#2a9d3c"
LIMIT_COLOR = "#d62728"
WARN_COLOR = "#c0392b"
WARNING_WRAP_CHARS = 34  # a warning label wraps onto at most two lines of this width
MAX_WARNINGS_SHOWN = 3


def _bare_name(signal_name: str) -> str:
    """'trunk inclination (deg)' -> 'trunk inclination'."""
    name = signal_name.strip()
    for unit in ("(deg)", "(°)", "(degrees)", "(%)", "(s)"):
        if name.lower().endswith(unit):
            return name[: -len(unit)].strip()
    return name


def y_label(signal_name: str, unit: str = "deg") -> str:
    """The value axis: what is measured and its unit, e.g. "trunk inclination (°)".

    A name that already states its unit keeps it ("foot lift (% of leg length)")."""
    return name_with_unit(_bare_name(signal_name) or ("angle" if unit == "deg" else "value"), unit)


def _label_lines(warnings: list[str]) -> int:
    return _warning_label(warnings).count("\n") + 1 if warnings else 0


def _warning_label(warnings: list[str]) -> str:
    lines = []
    for text in warnings[:MAX_WARNINGS_SHOWN]:
        wrapped = textwrap.wrap(" ".join(str(text).split()), WARNING_WRAP_CHARS,
                                max_lines=2, placeholder=" …")
        lines.append("! " + "\n   ".join(wrapped))
    if len(warnings) > MAX_WARNINGS_SHOWN:
        lines.append(f"+{len(warnings) - MAX_WARNINGS_SHOWN} more")
    return "\n".join(lines)


def plot_angles(path: str | os.PathLike, t_s, series: dict[str, np.ndarray], reps: list[dict], *,
                signal_name: str, target_deg: float | None, limit_deg: float | None,
                title: str, unit: str = "deg") -> Path:
    """Write a ~1200x500 px PNG of ``series`` (label -> values of the signal ``signal_name`` in
    ``unit``, "deg" or "%" or "s"; NaN = not detected) against ``t_s`` (seconds), with each rep
    shaded and numbered, hold intervals banded, warnings labelled, and dashed target/limit lines
    (``target_deg``/``limit_deg``, in ``unit`` too). Returns the PNG's path."""
    path = Path(path)
    t = np.asarray(t_s, dtype=float).ravel()
    values = {}
    for label, y in series.items():
        y = np.asarray(y, dtype=float).ravel()
        if y.shape != t.shape:
            raise ValueError(f"series {label!r} has {y.size} values but t_s has {t.size}")
        values[label] = y

    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    handles: list = []

    # -- the angle curves. NaN breaks the line by itself; isolated detections get a dot so a
    # lone valid sample between gaps is still visible.
    finite_all = []
    for k, (label, y) in enumerate(values.items()):
        color = f"C{k}"
        (line,) = ax.plot(t, y, color=color, lw=1.8, label=label, zorder=3)
        handles.append(line)
        ok = np.isfinite(y)
        if ok.any():
            finite_all.append(y[ok])
            prev_ok = np.r_[False, ok[:-1]]
            next_ok = np.r_[ok[1:], False]
            lone = ok & ~prev_ok & ~next_ok
            if lone.any():
                ax.plot(t[lone], y[lone], "o", ms=3, color=color, zorder=3)

    # -- reference lines (every curve is the same signal, e.g. one per side, so one target)
    if target_deg is not None:
        handles.append(ax.axhline(target_deg, color=TARGET_COLOR, ls="--", lw=1.4,
                                  label=f"target {with_unit(target_deg, unit, 'g')}", zorder=2))
    if limit_deg is not None:
        handles.append(ax.axhline(limit_deg, color=LIMIT_COLOR, ls="--", lw=1.4,
                                  label=f"limit {with_unit(limit_deg, unit, 'g')}", zorder=2))

    # -- axis ranges (set before placing rep labels so they do not stretch the view)
    data = np.concatenate(finite_all) if finite_all else np.empty(0)
    refs = [v for v in (target_deg, limit_deg) if v is not None]
    if data.size:
        lo, hi = float(min([data.min(), *refs])), float(max([data.max(), *refs]))
    else:  # nothing detected: a plain 0-90 degree frame that still shows the reference lines
        lo, hi = float(min([0.0, *refs])), float(max([90.0, *refs]))
    if hi - lo < 10.0:  # a flat signal: show at least 10 degrees around it
        mid = 0.5 * (hi + lo)
        lo, hi = mid - 5.0, mid + 5.0
    bottom = lo - 0.08 * (hi - lo)
    # Leave room at the top for the warning labels (about 0.037 of the axes height per line at
    # 500 px) so they sit above the curves instead of on them.
    lines = max((_label_lines([w for w in (r.get("warnings") or []) if w]) for r in reps), default=0)
    has_warnings = lines > 0
    free = 1.0 - (0.05 + 0.037 * lines if has_warnings else 0.1)
    ax.set_ylim(bottom, bottom + (hi - bottom) / max(free, 0.5))

    t_ok = t[np.isfinite(t)]
    rep_ends = [float(r[k]) for r in reps for k in ("start_s", "end_s") if r.get(k) is not None]
    x_pts = np.concatenate([t_ok, np.asarray(rep_ends, dtype=float)])
    if x_pts.size and x_pts.max() > x_pts.min():
        ax.set_xlim(float(x_pts.min()), float(x_pts.max()))
    elif x_pts.size:
        ax.set_xlim(float(x_pts[0]) - 0.5, float(x_pts[0]) + 0.5)
    else:
        ax.set_xlim(0.0, 1.0)

    # -- reps: light span, stronger hold band, number above the axes, peak/hold at the bottom,
    # warnings at the top.
    x_data_y_axes = blended_transform_factory(ax.transData, ax.transAxes)
    any_hold = False
    for rep in reps:
        start, end = float(rep["start_s"]), float(rep["end_s"])
        warnings = [w for w in (rep.get("warnings") or []) if w]
        ax.axvspan(start, end, color=REP_COLOR, alpha=0.08, lw=0, zorder=0)
        hs, he = rep.get("hold_start_s"), rep.get("hold_end_s")
        if hs is not None and he is not None and he > hs:
            any_hold = True
            ax.axvspan(float(hs), float(he), color=REP_COLOR, alpha=0.22, lw=0, zorder=1)
        mid = 0.5 * (start + end)
        ax.text(mid, 1.01, str(rep.get("index", "")), transform=x_data_y_axes, ha="center",
                va="bottom", fontsize=11, fontweight="bold",
                color=WARN_COLOR if warnings else "#333333", clip_on=False)
        info = [str(rep["side"])] if rep.get("side") else []
        peak = rep.get("peak_angle_deg")
        if peak is not None and np.isfinite(peak):
            info.append(with_unit(peak, unit))
        hold = rep.get("hold_s")
        if hold is not None and np.isfinite(hold) and hold > 0:
            info.append(f"hold {hold:.1f} s")
        if info:
            ax.text(mid, 0.02, "\n".join(info), transform=x_data_y_axes, ha="center",
                    va="bottom", fontsize=8.5, color="#444444", clip_on=True, zorder=4,
                    bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.6))
        if warnings:
            # Centred over the rep, under its number; reps near either edge anchor the label
            # on their start/end instead so it stays inside the axes.
            x0, x1 = ax.get_xlim()
            frac = (mid - x0) / (x1 - x0)
            x, ha = (start, "left") if frac < 0.15 else (end, "right") if frac > 0.85 else (mid, "center")
            ax.text(x, 0.97, _warning_label(warnings), transform=x_data_y_axes, ha=ha, va="top",
                    multialignment="left", fontsize=8.5, color=WARN_COLOR, clip_on=True, zorder=5,
                    linespacing=1.3,
                    bbox=dict(boxstyle="round,pad=0.3", fc="white", ec=WARN_COLOR, lw=0.6,
                              alpha=0.9))
    if reps:
        handles.append(Patch(color=REP_COLOR, alpha=0.12, label="rep (number on top)"))
    if any_hold:
        handles.append(Patch(color=REP_COLOR, alpha=0.3, label="hold"))
    if has_warnings:
        handles.append(Line2D([], [], ls="none", marker="$!$", color=WARN_COLOR, ms=8,
                              label="warning"))

    if not data.size:
        ax.text(0.5, 0.5, "no pose detected", transform=ax.transAxes, ha="center",
                va="center", fontsize=14, color="#888888")

    ax.set_xlabel("time (s)", fontsize=11)
    ax.set_ylabel(y_label(signal_name, unit), fontsize=11)
    ax.set_title(title, fontsize=13, pad=22 if reps else 8)
    ax.grid(True, color="#dddddd", lw=0.6, zorder=0)
    ax.tick_params(labelsize=10)
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  fontsize=9.5, frameon=False, borderaxespad=0.0)

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=DPI, format="png")
    except OSError as exc:
        raise FormcheckError(f"Cannot write the plot to {path} ({exc.strerror or exc}).",
                             "Choose another output folder, or check its permissions.") from exc
    return path


def write_plot(path: str | os.PathLike, exercise, t_s, angles, timer_s, reps) -> Path:
    """Write ``angles.png`` of an analysed clip: the exercise's own signal per frame (``angles``,
    or ``timer_s`` for a timer exercise) against ``t_s``, with its repetitions ``reps``
    (``RepRecord``), as ``plot_data`` and ``plot_reps`` choose them. Returns the PNG's path."""
    data = plot_data(exercise, t_s, angles, timer_s, reps)
    series = data.pop("series")
    if getattr(exercise, "measures_spine", False) and exercise.signal_field == "trunk_inclination_deg":
        # Under the trunk curve, its two parts: the back's own bend and the hips' share (analysis.spine)
        series = dict(series)
        series["back (spine flexion)"] = np.array([a.spine_flexion_deg for a in angles], dtype=float)
        series["hips (trunk - back)"] = np.array([a.hip_flexion_deg for a in angles], dtype=float)
    return plot_angles(path, data.pop("t_s"), series, plot_reps(exercise, reps), **data)
