import numpy as np
import pytest

from formcheck.analysis.filters import NoFilter, OneEuroFilter, OneEuroPoseFilter

from support import side_view_figure


def test_constant_signal_passes_unchanged():
    f = OneEuroFilter(min_cutoff=1.0, beta=0.1)
    out = [f(5.0, i / 30) for i in range(30)]
    assert out[-1] == pytest.approx(5.0)


def test_noise_is_reduced_when_still():
    rng = np.random.default_rng(0)
    noisy = 10.0 + rng.normal(0, 1.0, 300)
    f = OneEuroFilter(min_cutoff=1.0, beta=0.0)
    smoothed = np.array([f(x, i / 30) for i, x in enumerate(noisy)])
    assert smoothed[50:].std() < 0.5 * noisy[50:].std()


def test_high_beta_follows_fast_movement_with_less_lag():
    t = np.arange(0, 2, 1 / 30)
    ramp = 100 * t  # 100 units per second
    slow, fast = OneEuroFilter(1.0, 0.0), OneEuroFilter(1.0, 1.0)
    lag_slow = ramp[-1] - [slow(x, ti) for x, ti in zip(ramp, t, strict=True)][-1]
    lag_fast = ramp[-1] - [fast(x, ti) for x, ti in zip(ramp, t, strict=True)][-1]
    assert 0 <= lag_fast < 0.5 * lag_slow


def test_works_on_arrays_and_restarts_on_time_going_backwards():
    f = OneEuroFilter(1.0, 0.0)
    f(np.zeros(3), 0.0)
    assert f(np.ones(3), 0.1).shape == (3,)
    assert np.allclose(f(np.full(3, 7.0), 0.05), 7.0)


@pytest.mark.parametrize("kwargs", [dict(min_cutoff=0), dict(d_cutoff=-1), dict(beta=-0.1)])
def test_rejects_bad_settings(kwargs):
    with pytest.raises(ValueError):
        OneEuroFilter(**kwargs)


def test_pose_filter_resets_after_a_long_dropout():
    f = OneEuroPoseFilter(min_cutoff=0.5, beta=0.0, reset_after_s=0.5)
    f(side_view_figure(0.0, hip_xy=(100, 240)), 0.0)
    f(side_view_figure(0.0, hip_xy=(100, 240)), 0.1)
    assert f(None, 0.2) is None
    back = f(side_view_figure(0.0, hip_xy=(500, 240)), 2.0)  # returns elsewhere after 1.9 s
    assert back.point("left_hip")[0] == pytest.approx(500, abs=1e-6)


def test_pose_filter_smooths_positions():
    rng = np.random.default_rng(1)
    f = OneEuroPoseFilter(min_cutoff=1.0, beta=0.0)
    xs = []
    for i in range(60):
        kp = side_view_figure(0.0)
        kp.xy += rng.normal(0, 3.0, kp.xy.shape)
        xs.append(f(kp, i / 30).point("left_hip")[0])
    assert np.std(xs[20:]) < 2.0


def test_no_filter_is_identity():
    kp = side_view_figure(10.0)
    assert NoFilter()(kp, 0.0) is kp
