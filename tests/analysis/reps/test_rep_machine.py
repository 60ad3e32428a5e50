"""The rep/hold state machine on synthetic angle sequences (no model involved)."""
import numpy as np
import pytest

from formcheck.analysis.reps.machine import RepParams, RepStateMachine, fit_return, move_time_s
from formcheck.core.events import HOLD, REST

from support import FPS, bend  # noqa: E402  (shared with other analyzer tests)


def run(values, params=None, noise=0.0, seed=0, drop=()):
    rng = np.random.default_rng(seed)
    sm = RepStateMachine(params or RepParams(rest_deg=0.0, target_deg=50.0))
    phases = []
    for i, v in enumerate(values):
        value = None if i in drop else v + (rng.normal(0, noise) if noise else 0.0)
        sm.update(i / FPS, value)
        phases.append(sm.phase)
    return sm, phases


def test_counts_reps_and_times_holds():
    sm, phases = run(bend() * 3 + [0.0] * 15)
    assert len(sm.reps) == 3
    for rep in sm.reps:
        assert rep.hold_s == pytest.approx(2.5, abs=0.3)
        assert rep.peak_value == pytest.approx(70.0, abs=0.5)
    assert HOLD in phases and phases[-1] == REST


@pytest.mark.parametrize("noise", [0.5, 1.5])
def test_noise_does_not_add_or_lose_reps(noise):
    sm, _ = run(bend() * 3 + [0.0] * 15, noise=noise, seed=3)
    assert len(sm.reps) == 3
    assert all(abs(r.hold_s - 2.5) < 0.5 for r in sm.reps)


@pytest.mark.parametrize("amplitude", [3.0, 8.0, 14.0])
def test_small_movements_and_jitter_do_not_count(amplitude):
    wobble = [amplitude * np.sin(2 * np.pi * i / 20) ** 2 for i in range(300)]
    sm, _ = run([0.0] * 15 + wobble)
    assert sm.reps == []


def test_movement_between_start_and_count_threshold_is_not_a_rep():
    sm, _ = run(bend(peak=20.0) + [0.0] * 15)  # passes start (15) but not count_min (25)
    assert sm.reps == []


def test_shallow_rep_counts():
    sm, _ = run(bend(peak=35.0) + [0.0] * 15)
    assert len(sm.reps) == 1 and sm.reps[0].peak_value == pytest.approx(35.0, abs=0.5)


def test_jitter_at_the_threshold_counts_once():
    # Hovering right at the return threshold must not produce extra reps (hysteresis).
    seq = bend() + [10.0 + (1.5 if i % 2 else -1.5) for i in range(30)] + [0.0] * 15
    sm, _ = run(seq)
    assert len(sm.reps) == 1


def test_dropout_pauses_the_hold_timer_without_resetting_it():
    values = bend(hold_s=3.0) + [0.0] * 15
    hold_start = int(1.0 * FPS + 2.0 * FPS)
    gap = set(range(hold_start + 10, hold_start + 16))  # 6 frames (0.4 s) lost mid-hold
    sm, _ = run(values, drop=gap)
    assert len(sm.reps) == 1
    assert sm.reps[0].hold_s == pytest.approx(3.0 - len(gap) / FPS, abs=0.35)


def test_long_dropout_through_the_return_still_counts_on_return():
    values = bend() + bend()
    lost = set(range(50, 110))  # person out of view from mid-hold until back at rest
    sm, _ = run(values, drop=lost)
    assert len(sm.reps) == 2


def test_decreasing_signal_direction():
    # e.g. knee-to-chest: hip angle falls from 130 to 60
    params = RepParams(rest_deg=130.0, target_deg=70.0, start_deg=15, return_deg=10, count_min_deg=25)
    values = [130.0 - v for v in bend(peak=70.0)] * 2
    sm, _ = run(values, params)
    assert len(sm.reps) == 2 and sm.reps[0].peak_value == pytest.approx(60.0, abs=0.5)


def test_rest_is_learned_from_the_person():
    params = RepParams(rest_deg=140.0, target_deg=170.0, start_deg=10, return_deg=6, count_min_deg=18,
                       rest_limit_deg=20)
    values = [152.0 + v for v in bend(peak=32.0, hold_s=5.0)] * 2
    sm, _ = run(values, params)
    assert len(sm.reps) == 2
    assert sm.rest == pytest.approx(152.0, abs=1.0)


@pytest.mark.parametrize("move_s", [0.8, 2.0, 3.0])
def test_move_time_estimate(move_s):
    values = bend(move_s=move_s)
    samples = [(i / FPS, v) for i, v in enumerate(values)]
    peak_i = int(np.argmax(values))
    assert move_time_s(samples[: peak_i + 1], 70.0, rising=True) == pytest.approx(move_s, rel=0.12)
    assert move_time_s(samples[peak_i:], 70.0, rising=False) == pytest.approx(move_s, rel=0.12)


def overshoot(peak=70.0, settle=66.0, hold_s=2.0):
    """Rise fast past the hold level, fall back more than the hold band, settle and hold, return."""
    out = [0.0] * int(FPS)
    out += [peak * i / 15 for i in range(1, 16)]  # 1 s up, too fast to be still at the top
    out += [peak - (peak - 56.0) * i / 6 for i in range(1, 7)]  # back down to 56: returning
    out += [56.0 + (settle - 56.0) * i / 4 for i in range(1, 5)]  # up again to the settle level
    out += [settle] * int(hold_s * FPS)
    out += [settle * (1 - i / 20) for i in range(1, 21)] + [0.0] * int(FPS)
    return out


@pytest.mark.parametrize("values, params", [
    (overshoot(), None),
    (overshoot(peak=80.0, settle=76.0, hold_s=3.0), None),
    (bend(hold_s=2.5) + overshoot(), None),
    (bend(hold_s=3.0) * 2, None),
    ([130.0 - v for v in overshoot()], RepParams(rest_deg=130.0, target_deg=70.0)),  # decreasing signal
], ids=["overshoot", "overshoot-long", "bend-then-overshoot", "two-bends", "decreasing-overshoot"])
def test_a_timed_hold_always_has_its_start_and_end(values, params):
    sm, phases = run(values + [0.0 if params is None else 130.0] * 15, params)
    assert sm.reps and HOLD in phases
    for rep in sm.reps:
        assert rep.hold_s > 0
        assert rep.hold_start_s is not None and rep.hold_end_s is not None, rep
        assert rep.start_s <= rep.hold_start_s <= rep.hold_end_s <= rep.end_s
        assert rep.hold_end_s - rep.hold_start_s >= rep.hold_s - 1e-6


def _recordings() -> list[tuple[str, str]]:
    """Every committed landmark recording with the exercise it shows (from clips.json or its truth file)."""
    import json

    from formcheck.definitions.exercises import load_exercises

    from support import SAMPLES

    known = load_exercises()
    by_clip = {c["clip"].removesuffix(".mp4"): c["exercise"] for c in json.loads((SAMPLES / "clips.json").read_text())}
    found = []
    for npz in sorted(SAMPLES.rglob("*.landmarks.npz")):
        stem = npz.name.removesuffix(".landmarks.npz")
        exercise = by_clip.get(stem)
        for truth in (npz.with_name(f"{stem}.truth.json"), npz.with_name(f"{stem}.json")):
            if exercise is None and truth.exists():
                exercise = json.loads(truth.read_text()).get("exercise")
        if exercise in known:
            found.append((str(npz.relative_to(SAMPLES)), exercise))
    return found


RECORDINGS = _recordings()


def test_every_recording_is_checked():
    assert len(RECORDINGS) >= 20  # a renamed folder must not silently empty the check below
    assert ("straight_leg_raise_kneebend.landmarks.npz", "straight_leg_raise") in RECORDINGS


@pytest.mark.parametrize("recording, exercise", RECORDINGS, ids=[r for r, _ in RECORDINGS])
def test_recorded_holds_have_their_interval(recording, exercise):
    from support import replay

    for rep in replay(recording, exercise).analyzer.reps:
        d = rep.as_dict()
        if d["hold_s"] > 0:
            assert d["hold_start_s"] is not None and d["hold_end_s"] is not None, d
            assert d["start_s"] <= d["hold_start_s"] <= d["hold_end_s"] <= d["end_s"], d
            assert d["hold_end_s"] - d["hold_start_s"] >= d["hold_s"] - 0.01, d


def _spiked(values, at, by):
    out = list(values)
    for i in at:
        out[i] += by
    return out


@pytest.mark.parametrize("where", ["moving", "hold", "both"])
@pytest.mark.parametrize("by", [-25.0, 25.0])
def test_a_one_frame_landmark_glitch_neither_ends_nor_shortens_a_hold(where, by):
    """A far leg seen through the near one for a frame makes the angle jump and come back: that
    is not a movement (seen on straight_leg_raise_kneebend with another CPU's model numerics)."""
    values = bend(peak=40.0, move_s=1.5, hold_s=1.5) + [0.0] * 15
    rest = int(1.0 * FPS)
    moving_frame, hold_frame = rest + int(1.2 * FPS), rest + int(1.5 * FPS) + 10
    frames = {"moving": [moving_frame], "hold": [hold_frame], "both": [moving_frame, hold_frame]}[where]
    clean, _ = run(values, RepParams(rest_deg=0.0, target_deg=30.0, count_min_deg=20.0))
    spiked, _ = run(_spiked(values, frames, by), RepParams(rest_deg=0.0, target_deg=30.0, count_min_deg=20.0))
    assert len(spiked.reps) == len(clean.reps) == 1
    assert spiked.reps[0].hold_s == pytest.approx(clean.reps[0].hold_s, abs=0.15)
    assert spiked.reps[0].hold_s == pytest.approx(1.5, abs=0.3)



# -- patients' movements at any frame rate ---------------------------------------------------------

def patient(fps, reps=3, peak=60.0, rest=0.0, move_s=2.0, hold_s=2.5, rest_s=1.0, returns=None,
            creep_dps=0.0, wobble_deg=0.0, wobble_hz=0.8, noise_deg=0.0, seed=1):
    """A rep sequence sampled at ``fps``: cosine-eased moves from each rep's starting level up to
    ``peak`` above ``rest``, a hold (deepening ``creep_dps`` in a stretch), back to ``returns[i]`` of
    the range (0 = all the way), with a smooth wobble and noise. Returns (times, values, true holds)."""
    returns = returns or [0.0] * reps
    knots = [(0.0, 0.0), (rest_s, 0.0)]  # (t, fraction of the range), linear between eased moves
    holds = []
    level = 0.0
    for i in range(reps):
        t = knots[-1][0]
        knots.append((t + move_s, 1.0))
        top = 1.0 + creep_dps * hold_s / peak
        knots.append((t + move_s + hold_s, top))
        holds.append((t + move_s, t + move_s + hold_s))
        knots.append((t + 2 * move_s + hold_s, returns[i]))
        knots.append((t + 2 * move_s + hold_s + rest_s, returns[i]))
        level = returns[i]
    del level
    times = np.arange(0.0, knots[-1][0] + 1.0, 1.0 / fps)
    values = []
    for t in times:
        for (t0, f0), (t1, f1) in zip(knots, knots[1:], strict=False):
            if t0 <= t < t1:
                u = (t - t0) / (t1 - t0)
                moving = abs(f1 - f0) > 0.2  # the moves are eased; the hold's creep is linear
                w = (1 - np.cos(np.pi * u)) / 2 if moving else u
                values.append(f0 + (f1 - f0) * w)
                break
        else:
            values.append(knots[-1][1])
    rng = np.random.default_rng(seed)
    values = rest + peak * np.array(values) + wobble_deg * np.sin(2 * np.pi * wobble_hz * times)
    values = values + rng.normal(0, noise_deg, len(times)) if noise_deg else values
    return times, values, [h1 - h0 for h0, h1 in holds]


PATIENTS = {
    "clean": {},
    "stooped-rest-30": {"rest": 30.0},
    "incomplete-return": {"returns": [0.0, 0.3, 0.0]},
    "never-all-the-way-back": {"returns": [0.35, 0.35, 0.0], "rest": 10.0},
    "slow-4s-moves": {"move_s": 4.0},
    "wobble": {"wobble_deg": 1.5},
    "noisy": {"noise_deg": 0.7},
    "creeping-stretch": {"creep_dps": 1.0, "hold_s": 10.0, "reps": 1, "mode": "stretch"},
}


@pytest.mark.parametrize("fps", [10, 15, 30, 60])
@pytest.mark.parametrize("case", list(PATIENTS))
def test_patients_movements_count_and_time_at_any_frame_rate(case, fps):
    options = dict(PATIENTS[case])
    mode = options.pop("mode", "static")
    times, values, holds = patient(fps, **options)
    sm = RepStateMachine(RepParams(rest_deg=0.0, target_deg=50.0, rest_limit_deg=40.0, hold_mode=mode))
    for t, v in zip(times, values, strict=True):
        sm.update(float(t), float(v))
    assert len(sm.reps) == len(holds), [(r.start_s, r.end_s) for r in sm.reps]
    for rep, hold in zip(sm.reps, holds, strict=True):
        assert rep.hold_s == pytest.approx(hold, abs=0.2), (case, fps, [r.hold_s for r in sm.reps])
        assert rep.hold_start_s is not None and rep.hold_end_s is not None


@pytest.mark.parametrize("fps", [10, 15, 30, 60])
@pytest.mark.parametrize("frames", [1, 2])
def test_a_landmark_glitch_of_two_frames_is_never_a_rep(fps, frames):
    n = int(3 * fps)
    values = [0.0] * n
    for i in range(n // 2, n // 2 + frames):
        values[i] = 45.0
    sm = RepStateMachine(RepParams(rest_deg=0.0, target_deg=50.0))
    for i, v in enumerate(values):
        sm.update(i / fps, v)
    assert sm.reps == [] and sm.phase == REST


def paused_on_the_way(fps, pause_at=30.0, pause_s=0.8, peak=60.0, move_s=3.0, hold_s=2.5):
    """One rep whose way out stops for ``pause_s`` at ``pause_at`` (a patient catching their
    breath, or easing into the stretch), then goes on to ``peak``, holds and comes back."""
    def ease(t, a, b, d):  # a cosine-eased move from a to b over d seconds
        return a + (b - a) * (1 - np.cos(np.pi * min(max(t / d, 0.0), 1.0))) / 2
    first = move_s * pause_at / peak
    second = move_s - first
    phases = [(1.0, lambda t: 0.0), (first, lambda t: ease(t, 0.0, pause_at, first)),
              (pause_s, lambda t: pause_at), (second, lambda t: ease(t, pause_at, peak, second)),
              (hold_s, lambda t: peak), (move_s, lambda t: ease(t, peak, 0.0, move_s)), (1.5, lambda t: 0.0)]
    times = np.arange(0.0, sum(d for d, _ in phases), 1.0 / fps)
    values, starts = [], np.cumsum([0.0] + [d for d, _ in phases])
    for t in times:
        i = int(np.searchsorted(starts, t, side="right")) - 1
        values.append(phases[i][1](t - starts[i]))
    return times, values


@pytest.mark.parametrize("fps", [10, 15, 30, 60])
@pytest.mark.parametrize("pause_s", [0.2, 0.3, 0.5, 1.5])
def test_a_pause_on_the_way_out_is_neither_a_rep_nor_the_hold(fps, pause_s):
    """Stopping part of the way out, then going on deeper, is one rep whose hold is the one at the
    end of the range. (A short stop's tolerance, measured with movement in it, used to carry over
    to the real hold and start it 0.3-0.5 s late; with noisy landmarks the going-on was taken for
    a return and a second rep counted: tests/analysis/test_replay_variants.py.)"""
    times, values = paused_on_the_way(fps, pause_s=pause_s)
    sm = RepStateMachine(RepParams(rest_deg=0.0, target_deg=50.0))
    for t, v in zip(times, values, strict=True):
        sm.update(float(t), float(v))
    assert len(sm.reps) == 1, [(round(r.start_s, 2), round(r.end_s, 2), r.ended_by) for r in sm.reps]
    assert sm.reps[0].hold_s == pytest.approx(2.5, abs=0.2)
    assert sm.reps[0].peak_value == pytest.approx(60.0, abs=0.5)


def eased(u):
    """The smooth (cosine-eased) movement: 0 before it starts (u <= 0), 1 once it is over (u >= 1)."""
    return (1 - np.cos(np.pi * min(max(u, 0.0), 1.0))) / 2


@pytest.mark.parametrize("fps", [10, 15, 30, 60])
@pytest.mark.parametrize("duration", [0.8, 2.0, 5.0])
def test_the_return_fit_finds_a_smooth_return(fps, duration):
    """From the hold's last 0.6 s to 10 % of the way back, as the machine reads a return."""
    start, level = 3.0, 40.0
    times = np.arange(start - 0.6, start + duration, 1.0 / fps)
    samples = [(float(t), level * (1 - eased((t - start) / duration))) for t in times]
    samples = [s for s in samples if s[1] >= 0.1 * level]
    found = fit_return(samples, level, 0.0)
    assert found is not None
    assert found[0] == pytest.approx(start, abs=0.03)
    assert found[1] == pytest.approx(duration, rel=0.06)


@pytest.mark.parametrize("samples, level, base", [
    ([(0.1 * i, 40.0) for i in range(4)], 40.0, 0.0),  # too few samples to fit
    ([(0.1 * i, 40.0 - i) for i in range(20)], 0.0, 0.0),  # no movement to fit
])
def test_the_return_fit_declines_what_it_cannot_fit(samples, level, base):
    assert fit_return(samples, level, base) is None


def late_return(fps, stick_s, catch_s=0.15, peak=60.0, move_s=2.0, hold_s=2.5):
    """One rep whose return the landmarks show late, as the pose model shows a far limb (hidden
    behind the near one) leaving stillness: the angle stays at the hold's level for ``stick_s``
    after the true return began, then catches up with the true movement within ``catch_s``.
    Returns (times, values); the true hold is ``hold_s``, from 3.0 s."""
    up, down = 1.0, 1.0 + move_s + hold_s  # the movements' true starts
    caught = down + stick_s + catch_s

    def true_value(t):
        return peak * eased((t - up) / move_s) if t < down else peak * (1 - eased((t - down) / move_s))

    times = np.arange(0.0, down + move_s + 1.5, 1.0 / fps)
    values = [peak if down <= t < down + stick_s
              else peak + (true_value(caught) - peak) * (t - down - stick_s) / catch_s if down <= t < caught
              else true_value(t) for t in times]
    return times, values


@pytest.mark.parametrize("fps", [10, 15, 30, 60])
@pytest.mark.parametrize("stick_s", [0.3, 0.5])
def test_a_return_the_landmarks_show_late_does_not_lengthen_the_hold(fps, stick_s):
    """The hold ends where a smooth movement fitted to the whole return began, not where the
    angle first left the hold's level: with the crossing of 90 % of the way back (the previous
    method) these holds read 0.3-0.5 s long; single_knee_to_chest_1_mirrored's far leg did so."""
    times, values = late_return(fps, stick_s)
    sm = RepStateMachine(RepParams(rest_deg=0.0, target_deg=50.0))
    for t, v in zip(times, values, strict=True):
        sm.update(float(t), float(v))
    assert len(sm.reps) == 1
    assert sm.reps[0].hold_s == pytest.approx(2.5, abs=0.2), (fps, stick_s, sm.reps[0].hold_s)
    assert sm.reps[0].hold_end_s == pytest.approx(5.5, abs=0.2)


def test_a_rep_that_never_comes_back_is_closed_by_the_timeout():
    fps = 15
    times, values, _ = patient(fps, reps=1, returns=[0.0])
    values = list(values[: int(4 * fps)]) + [60.0] * int(20 * fps)  # goes down and stays down
    sm = RepStateMachine(RepParams(rest_deg=0.0, target_deg=50.0, timeout_s=10.0))
    results = [sm.update(i / fps, v) for i, v in enumerate(values)]
    closed = [r for r in results if r is not None]
    assert len(closed) == 1 and closed[0].ended_by == "timeout"
    assert closed[0].end_s == pytest.approx(closed[0].start_s + 10.0, abs=0.1)


def test_a_rest_outside_the_allowed_range_is_reported_not_hidden():
    sm = RepStateMachine(RepParams(rest_deg=0.0, target_deg=50.0, rest_limit_deg=15.0))
    for i in range(30):
        sm.update(i / 15, 28.0)
    assert sm.rest == pytest.approx(15.0) and sm.rest_outside == pytest.approx(28.0)


def test_hold_timer_starts_on_reentry_from_returning():
    values = [0.0] * 15 + [60 * (1 - np.cos(np.pi * i / 30)) / 2 for i in range(31)]
    values += [60.0] * 15 + [60 - 8 * i / 5 for i in range(1, 6)] + [52.0 + 6 * i / 5 for i in range(1, 6)]
    values += [58.0] * 30 + [58.0 * (1 - i / 20) for i in range(1, 21)] + [0.0] * 15
    sm = RepStateMachine(RepParams(rest_deg=0.0, target_deg=50.0))
    for i, v in enumerate(values):
        sm.update(i / 15, v)
        if sm.phase == HOLD:
            assert sm.hold_start_s is not None
    assert len(sm.reps) == 1 and sm.reps[0].hold_start_s is not None


@pytest.mark.parametrize("change, field_name", [
    ({"confirm_s": 0.0}, "confirm_s"),
    ({"return_fraction": 0.1}, "return_fraction"),
    ({"hold_mode": "bouncy"}, "hold_mode"),
    ({"speed_window_s": 2.0}, "speed_window_s"),
    ({"still_speed_dps": float("nan")}, "still_speed_dps"),
    ({"start_deg": 5.0}, "start_deg"),
    ({"timeout_s": -1.0}, "timeout_s"),
])
def test_bad_settings_are_refused_naming_the_setting(change, field_name):
    with pytest.raises(ValueError, match=f"^{field_name} "):
        RepParams(rest_deg=0.0, target_deg=50.0, **change)
