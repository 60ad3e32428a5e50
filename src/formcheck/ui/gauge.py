"""The gauge: a vertical bar from rest to past the target with the current value, placed
where it covers least of the body."""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from formcheck.core.events import Feedback
from formcheck.core.keypoints import KeyPoints
from formcheck.ui.drawing import (
    BAND_ALPHA,
    CUE_SIZE,
    GAUGE_TRACK,
    LABEL_SIZE,
    LIMIT_RED,
    TARGET_GREEN,
    VALUE_SIZE,
    WHITE,
    Layout,
    body_points,
    fit_text,
    put_text,
    put_value,
    shade,
    text_width,
    value_width,
)


def is_past(value: float, threshold: float, start: float) -> bool:
    """Whether ``value`` has reached ``threshold`` coming from ``start`` (either direction)."""
    return (value - threshold) * (threshold - start) >= 0



@dataclass(frozen=True)
class GaugeScale:
    """Maps a signal value to the gauge: 0 at rest, 1 a little past the target (or the limit)."""

    rest: float
    end: float

    @classmethod
    def from_feedback(cls, feedback: Feedback, overshoot: float = 0.25) -> GaugeScale | None:
        rest, target, limit = feedback.rest_deg, feedback.target_deg, feedback.limit_deg
        if not (math.isfinite(rest) and math.isfinite(target)) or abs(target - rest) < 1e-6:
            return None
        span = target - rest  # negative for signals that decrease when moving
        reach = 1.0 + overshoot
        if limit is not None and math.isfinite(limit):
            reach = max(reach, (limit - rest) / span + 0.1)  # keep a limit beyond the target in view
        return cls(rest=rest, end=rest + reach * span)

    def fraction(self, value: float) -> float:
        """0..1 along the gauge, clipped; NaN stays NaN."""
        return min(1.0, max(0.0, (value - self.rest) / (self.end - self.rest))) if math.isfinite(value) else value


class GaugeAnnotator:
    """A vertical bar from rest (bottom) to past the target (top) with the current value.

    The target band is green, the zone past ``limit_deg`` red; the filled part and the value
    turn green at the target and red past the limit. Values are in ``feedback.unit`` (degrees,
    or percent for the single-leg stand).

    It sits at the top left, below the status line, unless that would cover the person (a
    lying person's raised foot, say) while the right side, below the rep counter and hold
    timer, covers less of them: given the keypoints, it moves there, and stays until the
    other side becomes the better one again (so it does not flicker between frames).
    """

    TITLE_MAX_UNITS = 0.4  # the title is shrunk to at most this share of the frame's shorter side

    def __init__(self, overshoot: float = 0.25, min_visibility: float = 0.5) -> None:
        self.overshoot = overshoot  # how far past the target the bar goes, as a share of rest->target
        self.min_visibility = min_visibility  # keypoints counted as the body when choosing a side
        self.side = "left"  # where the gauge is: "left" or "right"

    @staticmethod
    def title(signal_name: str) -> str:
        """The gauge's heading: the signal's name without its explanation in brackets
        ("leg lift (hip to ankle above horizontal)" -> "leg lift"); the status line has it all."""
        return signal_name.split(" (", 1)[0].strip() or signal_name

    def place(self, layout: Layout, size: tuple[int, int], feedback: Feedback,
              keypoints: KeyPoints | None) -> tuple[int, int]:
        """Top-left corner of a gauge panel of ``size`` (width, height); updates ``self.side``."""
        width, height = size
        corners = {"left": (layout.margin, layout.left_column_top)}
        right_top = 2 * layout.margin + layout.reps_panel_height(bool(feedback.side))
        if feedback.target_hold_s > 0:  # below the hold timer too
            right_top += 2 * (layout.hold_ring_radius + layout.pad) + layout.margin
        if right_top + height <= layout.height - 2 * layout.cap(CUE_SIZE):  # above the cue banner
            corners["right"] = (layout.width - layout.margin - width, right_top)
        points = body_points(keypoints, self.min_visibility)
        if len(points) and len(corners) > 1:
            gap = layout.pad

            def covered(corner: tuple[int, int]) -> int:
                x, y = corner
                inside = ((points[:, 0] >= x - gap) & (points[:, 0] <= x + width + gap)
                          & (points[:, 1] >= y - gap) & (points[:, 1] <= y + height + gap))
                return int(inside.sum())

            other = "right" if self.side == "left" else "left"
            if covered(corners[other]) < covered(corners[self.side]):
                self.side = other
        elif self.side not in corners:
            self.side = "left"
        return corners.get(self.side, corners["left"])

    def annotate(self, scene: np.ndarray, feedback: Feedback, keypoints: KeyPoints | None = None) -> np.ndarray:
        """``keypoints`` (optional) let the gauge keep clear of the person."""
        gauge = GaugeScale.from_feedback(feedback, self.overshoot)
        if gauge is None:
            return scene
        layout = Layout.of(scene)
        pad = layout.pad
        label_scale, label_thick = layout.font(LABEL_SIZE)
        value_scale, value_thick = layout.font(VALUE_SIZE)
        rest, target, limit, value = feedback.rest_deg, feedback.target_deg, feedback.limit_deg, feedback.signal_deg
        unit = feedback.unit
        has_limit = limit is not None and math.isfinite(limit)
        ticks = [(target, WHITE)] + ([(limit, LIMIT_RED)] if has_limit else [])

        title = self.title(feedback.signal_name)
        label_scale, label_thick = fit_text(title, label_scale, label_thick, round(layout.unit * self.TITLE_MAX_UNITS))
        tick_scale, tick_thick = layout.font(LABEL_SIZE)
        bar_w, bar_h = max(8, round(layout.unit * 0.045)), round(layout.unit * 0.4)
        tick_w = max(value_width(t, unit, tick_scale, tick_thick) for t, _ in ticks)
        inner_w = max(text_width(title, label_scale, label_thick), bar_w + pad + tick_w,
                      value_width(value, unit, value_scale, value_thick))
        panel_h = 6 * pad + layout.cap(LABEL_SIZE) + bar_h + layout.cap(VALUE_SIZE)
        x0, y0 = self.place(layout, (inner_w + 2 * pad, panel_h), feedback, keypoints)
        title_y = y0 + pad + layout.cap(LABEL_SIZE)
        bar_top = title_y + 2 * pad
        bar_bottom = bar_top + bar_h
        value_y = bar_bottom + 2 * pad + layout.cap(VALUE_SIZE)
        shade(scene, x0, y0, x0 + inner_w + 2 * pad, value_y + pad)
        put_text(scene, title, (x0 + pad, title_y), label_scale, WHITE, label_thick)

        bx0, bx1 = x0 + pad, x0 + pad + bar_w

        def y_at(v: float) -> int:
            return round(bar_bottom - gauge.fraction(v) * bar_h)

        shade(scene, bx0, bar_top, bx1, bar_bottom, GAUGE_TRACK, 0.8)
        shade(scene, bx0, bar_top, bx1, y_at(target), TARGET_GREEN, BAND_ALPHA)
        if has_limit and (limit - rest) * (target - rest) > 0:  # only a limit on the moving side has a zone
            shade(scene, bx0, bar_top, bx1, y_at(limit), LIMIT_RED, BAND_ALPHA)
        if has_limit and math.isfinite(value) and is_past(value, limit, rest):
            colour = LIMIT_RED
        elif math.isfinite(value) and is_past(value, target, rest):
            colour = TARGET_GREEN
        else:
            colour = WHITE
        if math.isfinite(value):
            y = y_at(value)
            inset = bar_w // 4  # a narrower fill keeps the bands visible on both sides of it
            cv2.rectangle(scene, (bx0 + inset, y), (bx1 - inset, bar_bottom), colour, -1)
            cv2.line(scene, (bx0 - pad // 2, y), (bx1 + pad // 2, y), colour, max(2, layout.thickness), cv2.LINE_AA)
        # Ticks over the fill, so the target line stays visible once the fill passes it.
        for tick, tick_colour in ticks:
            y = y_at(tick)
            cv2.line(scene, (bx0, y), (bx1, y), tick_colour, max(1, layout.thickness - 1), cv2.LINE_AA)
            put_value(scene, tick, unit, (bx1 + pad, y + layout.cap(LABEL_SIZE) // 2), tick_scale, tick_colour,
                       tick_thick)
        put_value(scene, value, unit, (bx0, value_y), value_scale, colour, value_thick)
        return scene
