import numpy as np
import pytest

from formcheck.ui.plot import plot_angles

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


# -- more cases: gaps, empty inputs, several series, warnings, reference lines --------------------

import subprocess  # noqa: E402
import sys  # noqa: E402

from formcheck.core.errors import FormcheckError  # noqa: E402


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == PNG and data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def bends(n=600, fps=15.0):
    """Three 70-degree forward bends with 4 s holds, a detection gap and a lone valid sample."""
    t = np.arange(n) / fps
    y = np.full(n, 5.0)
    reps = []
    for i, s in enumerate((3.0, 15.0, 27.0), 1):
        up, hold_end, end = s + 2, s + 6, s + 8
        y = np.where((t >= s) & (t < up), 5 + 65 * (t - s) / 2, y)
        y = np.where((t >= up) & (t < hold_end), 70.0, y)
        y = np.where((t >= hold_end) & (t < end), 70 - 65 * (t - hold_end) / 2, y)
        reps.append({"index": i, "start_s": s, "end_s": end, "peak_angle_deg": 70.0, "hold_s": 4.0,
                     "hold_start_s": up, "hold_end_s": hold_end,
                     "warnings": ["hold shorter than the 5 s target"] if i == 3 else []})
    y[(t > 19) & (t < 20)] = np.nan
    y[300:305] = np.nan
    y[306:310] = np.nan  # sample 305 is a lone detection
    return t, y, reps


T, Y, REPS = bends()
MANY_WARNINGS = [dict(REPS[0], warnings=[f"warning number {k} with quite a long explanation" for k in range(5)])]
NO_HOLD_KEYS = [{k: v for k, v in r.items() if not k.startswith("hold_")} for r in REPS]


@pytest.mark.parametrize("t, series, reps, target, limit", [
    (T, {"trunk inclination (deg)": Y}, REPS, 70.0, 80.0),
    (T, {"trunk inclination (deg)": Y}, [], 70.0, None),  # empty reps
    (T, {"trunk inclination (deg)": np.full(T.size, np.nan)}, REPS, 70.0, 80.0),  # all NaN, with reps
    (T, {"trunk inclination (deg)": np.full(T.size, np.nan)}, [], None, None),  # all NaN, nothing else
    (np.empty(0), {"trunk inclination (deg)": np.empty(0)}, [], 70.0, None),  # no frames at all
    (np.empty(0), {}, [], None, None),  # no series
    (T, {"trunk inclination (deg)": Y, "hip angle (deg)": 180 - Y, "knee angle (deg)": 170 + 0 * Y},
     REPS, 70.0, 80.0),  # several series
    (T, {"trunk inclination (deg)": Y}, NO_HOLD_KEYS, 70.0, None),  # holds not given
    (T, {"trunk inclination (deg)": Y}, MANY_WARNINGS, None, 80.0),
    (T[:1], {"trunk inclination (deg)": Y[:1]}, [], 70.0, None),  # a single sample
], ids=["bends", "no-reps", "all-nan", "all-nan-bare", "empty", "no-series", "three-series",
        "no-hold-keys", "many-warnings", "one-sample"])
def test_plot_cases(tmp_path, t, series, reps, target, limit):
    path = plot_angles(tmp_path / "plot.png", t, series, reps, signal_name="trunk inclination",
                       target_deg=target, limit_deg=limit, title="Seated forward bend: 3 reps")
    assert path == tmp_path / "plot.png"
    assert png_size(path) == (1200, 500)


def test_plot_creates_missing_folder(tmp_path):
    path = plot_angles(tmp_path / "a" / "b" / "plot.png", T, {"trunk": Y}, REPS, signal_name="trunk",
                       target_deg=None, limit_deg=None, title="t")
    assert path.is_file()


def test_plot_unwritable_path_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(FormcheckError):
        plot_angles(blocker / "plot.png", T, {"trunk": Y}, [], signal_name="trunk",
                    target_deg=None, limit_deg=None, title="t")


def test_plot_does_not_touch_pyplot(tmp_path):
    """The report must not import pyplot (no backend switch, no global figure state)."""
    code = ("import sys, numpy as np; from formcheck.ui.plot import plot_angles; "
            f"plot_angles({str(tmp_path / 'p.png')!r}, np.arange(5.0), {{'a': np.arange(5.0)}}, [], "
            "signal_name='a', target_deg=None, limit_deg=None, title='t'); "
            "print('matplotlib.pyplot' in sys.modules)")
    import os
    from pathlib import Path

    import formcheck.ui.plot
    src = str(Path(formcheck.ui.plot.__file__).resolve().parents[2])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")])))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip() == "False"


# -- what the report plots (plot_data): the exercise's own signal, in its own unit ---------------------------

from dataclasses import fields as dataclass_fields  # noqa: E402

from matplotlib.figure import Figure  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from formcheck.analysis.kinematics import Angles  # noqa: E402
from formcheck.core.events import RepRecord  # noqa: E402
from formcheck.definitions.exercises import get_exercise  # noqa: E402
from formcheck.ui.plot import y_label  # noqa: E402
from formcheck.ui.plot_data import plot_data  # noqa: E402


def distinct_angles(n: int) -> list[Angles]:
    """Frames in which every float field of Angles has its own values, so a wrong field shows."""
    names = [f.name for f in dataclass_fields(Angles) if f.type in ("float", float)]
    frames = []
    for i in range(n):
        a = Angles(detected=True, side="left", view="side")
        for k, name in enumerate(names):
            setattr(a, name, 1000.0 * k + i)
        frames.append(a)
    frames[3] = Angles()  # a frame with nobody: NaN
    return frames


# exercise, expected curves {legend label: Angles field}, unit symbol on the axis
PLOTTED = [
    ("standing_flexion", {"trunk inclination": "trunk_inclination_deg"}, "°"),
    ("bridge", {"hip angle (shoulder-hip-knee)": "hip_angle_deg"}, "°"),
    ("modified_plank", {"body line (shoulder-hip-knee)": "body_line_knee_deg"}, "°"),
    ("plank", {"hip sag (below the body line)": "hip_sag_deg"}, "°"),
    ("cat_cow", {"head tuck (proxy for the cat)": "head_pitch_deg"}, "°"),
    ("straight_leg_raise", {"left side": "leg_elevation_left_deg", "right side": "leg_elevation_right_deg"}, "°"),
    ("bird_dog", {"left side": "diagonal_lift_left_deg", "right side": "diagonal_lift_right_deg"}, "°"),
    ("single_leg_stand", {"left side": "foot_lift_left_pct", "right side": "foot_lift_right_pct"}, "%"),
    ("pelvic_tilt", {"time in view": None}, "s"),  # timer: the time counted, no target
]


@pytest.mark.parametrize("exercise_id, curves, symbol", PLOTTED, ids=[p[0] for p in PLOTTED])
def test_plot_data_is_the_exercises_own_signal(exercise_id, curves, symbol):
    ex = get_exercise(exercise_id)
    angles = distinct_angles(30)
    t = np.arange(30) / 15.0
    timer = np.linspace(0.0, 2.0, 30)
    data = plot_data(ex, t, angles, timer)
    assert list(data["series"]) == list(curves)
    for label, field in curves.items():
        expected = timer if field is None else np.array([getattr(a, field) for a in angles])
        np.testing.assert_array_equal(data["series"][label], expected)
        assert np.isnan(data["series"][label][3]) == (field is not None)
    if ex.measures:
        assert data["signal_name"] == ex.signal_label
        assert (data["target_deg"], data["limit_deg"]) == (ex.target_deg, ex.limit_deg)
    else:
        assert data["target_deg"] is None and data["limit_deg"] is None
    assert y_label(data["signal_name"], data["unit"]).endswith(f"({symbol})") or symbol in data["signal_name"]


def figure_texts(monkeypatch, **kwargs) -> dict:
    """The texts plot_angles puts on its figure: value axis label, legend entries, all the others."""
    seen = []
    original = Figure.savefig

    def capture(fig, *args, **kw):
        seen.append(fig)
        return original(fig, *args, **kw)

    monkeypatch.setattr(Figure, "savefig", capture)
    plot_angles(**kwargs)
    (fig,) = seen
    ax = fig.axes[0]
    return {"ylabel": ax.get_ylabel(), "legend": [t.get_text() for t in ax.get_legend().get_texts()],
            "all": [t.get_text() for t in fig.findobj(Text)]}


@pytest.mark.parametrize("exercise_id, curves, symbol", PLOTTED, ids=[p[0] for p in PLOTTED])
def test_plot_labels_carry_the_unit(tmp_path, monkeypatch, exercise_id, curves, symbol):
    ex = get_exercise(exercise_id)
    t = np.arange(60) / 15.0
    angles = [Angles(detected=True) for _ in t]
    for k, a in enumerate(angles):
        for side in ("left", "right"):
            if ex.measures:
                setattr(a, ex.signal_for(side) if ex.sides else ex.signal_field, ex.rest_deg + 20 * np.sin(k / 9))
    reps = [RepRecord(1, 0.5, 3.0, ex.target_deg + 1.0, 1.0, side="left" if ex.sides else None,
                      hold_start_s=1.0, hold_end_s=2.0)] if ex.measures else []
    data = plot_data(ex, t, angles, np.linspace(0, 4, t.size), reps)
    texts = figure_texts(monkeypatch, path=tmp_path / "p.png", t_s=data.pop("t_s"), series=data.pop("series"),
                         reps=[r.as_dict() for r in reps], **data)
    assert texts["ylabel"].endswith(f"({symbol})") or symbol in ex.signal_label, texts["ylabel"]
    if symbol != "°":
        assert not any("°" in s or "deg" in s for s in texts["all"]), texts
    if ex.measures:
        assert f"target {ex.target_deg:g}{symbol}" in texts["legend"]
        assert f"{ex.target_deg + 1:.0f}{symbol}" in "\n".join(texts["all"])  # the rep's peak label
    else:
        assert not any(s.startswith(("target", "limit")) for s in texts["legend"])
    assert texts["legend"][:len(curves)] == list(curves)
    if ex.sides:
        assert any(s.startswith("left\n") for s in texts["all"])  # the rep says which side it was


@pytest.mark.parametrize("name, unit, expected", [
    ("trunk inclination", "deg", "trunk inclination (°)"),
    ("trunk inclination (deg)", "deg", "trunk inclination (°)"),
    ("foot lift (% of leg length)", "%", "foot lift (% of leg length)"),
    ("foot lift", "%", "foot lift (%)"),
    ("time in view", "s", "time in view (s)"),
])
def test_y_label(name, unit, expected):
    assert y_label(name, unit) == expected


@pytest.mark.parametrize("exercise_id, code, words", [
    ("straight_leg_raise", "knee_bent", "Straighten the knee of the raised leg"),
    ("standing_flexion", "knee_bent", "Knees bent: keep them straight"),
    ("bridge", "short_hold", "Hold was shorter than the target"),
])
def test_plot_warnings_are_words_not_codes(exercise_id, code, words):
    from formcheck.core.events import RepRecord
    from formcheck.definitions.exercises import get_exercise
    from formcheck.ui.plot_data import plot_reps

    rep = RepRecord(index=1, start_s=1.0, end_s=4.0, peak_angle_deg=40.0, hold_s=1.0, warnings=[code])
    assert plot_reps(get_exercise(exercise_id), [rep])[0]["warnings"] == [words]
