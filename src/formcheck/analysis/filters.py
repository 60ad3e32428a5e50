"""Smoothing strategies for landmark jitter, injected into the pipeline as small objects.

The One Euro filter (Casiez, Roussel & Vogel, CHI 2012) is a low-pass filter whose cut-off
rises with speed: strong smoothing when a joint is still (steady hold timing, steady numbers on
screen) and little lag when it moves. Works on timestamps, so uneven frame rates are fine.
"""
from __future__ import annotations

import math
from typing import Protocol

import numpy as np

from formcheck.core.keypoints import KeyPoints


def _alpha(cutoff_hz: float, dt: float) -> float:
    tau = 1.0 / (2.0 * math.pi * cutoff_hz)
    return 1.0 / (1.0 + tau / dt)


class OneEuroFilter:
    """One Euro filter over a scalar or a numpy array (element-wise)."""

    def __init__(self, min_cutoff: float = 1.0, beta: float = 0.0, d_cutoff: float = 1.0) -> None:
        if min_cutoff <= 0 or d_cutoff <= 0 or beta < 0:
            raise ValueError("min_cutoff and d_cutoff must be > 0 and beta >= 0")
        self.min_cutoff = min_cutoff
        self.beta = beta
        self.d_cutoff = d_cutoff
        self.reset()

    def reset(self) -> None:
        self._t: float | None = None
        self._x = None
        self._dx = None

    def __call__(self, x, t_s: float):
        x = np.asarray(x, dtype=np.float64)
        if self._t is None or t_s <= self._t:
            self._t, self._x, self._dx = t_s, x.copy(), np.zeros_like(x)
            return x.copy()
        dt = t_s - self._t
        dx = (x - self._x) / dt
        a_d = _alpha(self.d_cutoff, dt)
        self._dx = a_d * dx + (1.0 - a_d) * self._dx
        cutoff = self.min_cutoff + self.beta * np.abs(self._dx)
        tau = 1.0 / (2.0 * math.pi * cutoff)
        a = 1.0 / (1.0 + tau / dt)
        self._x = a * x + (1.0 - a) * self._x
        self._t = t_s
        return self._x.copy()


class PoseFilter(Protocol):
    """Anything that smooths a stream of ``KeyPoints`` (None = no person in this frame)."""

    def __call__(self, keypoints: KeyPoints | None, t_s: float) -> KeyPoints | None: ...

    def reset(self) -> None: ...


class NoFilter:
    """Pass landmarks through unchanged (for measuring what smoothing buys)."""

    def __call__(self, keypoints: KeyPoints | None, t_s: float) -> KeyPoints | None:
        return keypoints

    def reset(self) -> None:
        pass


class OneEuroPoseFilter:
    """One Euro filter on every landmark's position, in units of the body's size.

    ``beta`` is per body height per second, so the same settings suit a close-up webcam and a
    distant tripod. After ``reset_after_s`` without a person the filter starts afresh, so a
    person walking back into view is not dragged in from where they left.
    """

    def __init__(self, min_cutoff: float = 1.5, beta: float = 2.0, d_cutoff: float = 1.0,
                 reset_after_s: float = 0.5) -> None:
        self.min_cutoff = min_cutoff
        self.beta = beta
        self.d_cutoff = d_cutoff
        self.reset_after_s = reset_after_s
        self.reset()

    def reset(self) -> None:
        self._xy = OneEuroFilter(self.min_cutoff, self.beta, self.d_cutoff)
        self._vis = OneEuroFilter(self.min_cutoff, 0.0, self.d_cutoff)
        self._scale: float | None = None
        self._last_seen: float | None = None

    def __call__(self, keypoints: KeyPoints | None, t_s: float) -> KeyPoints | None:
        if keypoints is None:
            return None
        if self._last_seen is not None and t_s - self._last_seen > self.reset_after_s:
            self.reset()
        self._last_seen = t_s
        if self._scale is None:
            span = np.ptp(keypoints.xy, axis=0)
            self._scale = float(max(span.max(), 1.0))
        xy = self._xy(keypoints.xy / self._scale, t_s) * self._scale
        vis = np.clip(self._vis(keypoints.visibility, t_s), 0.0, 1.0)
        return KeyPoints(xy=xy, visibility=vis, z=keypoints.z)
