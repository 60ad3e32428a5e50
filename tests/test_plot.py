import numpy as np
import pytest

from formcheck.plot import plot_angles

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("series, reps", [
    ({"trunk inclination (deg)": 35 * (1 - np.cos(np.linspace(0, 6 * np.pi, 300)))},
     [{"index": 1, "start_s": 1, "end_s": 6, "peak_angle_deg": 70, "hold_s": 2.5, "warnings": ["rushed"],
       "hold_start_s": 2.5, "hold_end_s": 5.0}]),
    ({"trunk inclination (deg)": np.full(300, np.nan)}, []),
])
def test_plot_is_a_png(tmp_path, series, reps):
    t = np.arange(300) / 15
    path = plot_angles(tmp_path / "a.png", t, series, reps, signal_name="trunk inclination (deg)",
                       target_deg=50.0, limit_deg=None, title="test")
    data = path.read_bytes()
    assert data[:8] == PNG
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert 900 <= width <= 1600 and 350 <= height <= 700


def test_mismatched_lengths_are_rejected(tmp_path):
    with pytest.raises(ValueError):
        plot_angles(tmp_path / "b.png", np.arange(3), {"x": np.arange(4)}, [], signal_name="x",
                    target_deg=None, limit_deg=None, title="t")
