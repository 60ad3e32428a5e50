"""tools/hold_timing.py: the lags it reports are the delays between the two signals' crossings."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest

_spec = importlib.util.spec_from_file_location(
    "hold_timing", Path(__file__).resolve().parents[2] / "tools" / "hold_timing.py")
hold_timing = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hold_timing)


def _rep(t: np.ndarray, delay_in: float, delay_out: float) -> np.ndarray:
    """0 at rest, a 1-s cosine move up to 1 at 2 s, held to 5 s, a 1-s move back: shifted by the delays."""
    up = np.clip(t - 1.0 - delay_in, 0, 1)
    down = np.clip(t - 5.0 - delay_out, 0, 1)
    return (1 - np.cos(np.pi * up)) / 2 - (1 - np.cos(np.pi * down)) / 2


@pytest.mark.parametrize("fps", [10, 30])
@pytest.mark.parametrize("delay_in, delay_out", [(0.0, 0.0), (0.1, 0.3), (0.25, 0.05)])
def test_lags_are_the_delays_at_every_level(fps, delay_in, delay_out):
    t = np.arange(0, 8, 1 / fps)
    found = hold_timing.lags(t, _rep(t, 0, 0), t, _rep(t, delay_in, delay_out), (0.0, 7.0), (2.0, 5.0))
    assert found == pytest.approx([delay_in, delay_in, delay_out, delay_out], abs=0.02)


def test_a_level_never_crossed_has_no_lag():
    t = np.arange(0, 8, 1 / 15)
    flat = np.zeros_like(t)
    assert hold_timing.lags(t, _rep(t, 0, 0), t, flat, (0.0, 7.0), (2.0, 5.0)) == [None] * 4
