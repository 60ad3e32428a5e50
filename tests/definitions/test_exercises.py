"""Exercise definition files: the built-ins load, bad files get precise messages."""
import pytest

from formcheck.core.errors import FormcheckError
from formcheck.definitions.exercises import get_exercise, load_exercise_file, load_exercises

GOOD = '''
id = "wall_lean"
name = "Wall lean"
position = "standing"
view = "side"
level = "tracked"
level_reason = "not yet validated on clips with known truth"
summary = "Lean forward"
instructions = ["Stand side-on"]
[signal]
field = "trunk_inclination_deg"
label = "trunk inclination"
expected_error_deg = 5
[reps]
target = 8
rest_deg = 0
target_deg = 30
start_deg = 10
return_deg = 6
count_min_deg = 15
[hold]
target_s = 3
'''


def test_builtins_load_with_their_rules():
    exercises = load_exercises()
    assert {"standing_flexion", "bridge"} <= set(exercises)
    assert exercises["bridge"].limit_deg == 190.0
    assert [r.code for r in exercises["standing_flexion"].form] == ["knee_bent"]


def test_user_folder_adds_an_exercise(tmp_path):
    (tmp_path / "wall_lean.toml").write_text(GOOD)
    ex = load_exercises(tmp_path)["wall_lean"]
    assert ex.target_reps == 8 and ex.hold_s == 3.0 and ex.min_move_s == 1.0


@pytest.mark.parametrize("change, field, words", [
    (('view = "side"', 'view = "top"'), "view", "use one of side, front, either"),
    (('target = 8', 'target = "eight"'), "reps.target", "must be int"),
    (('field = "trunk_inclination_deg"', 'field = "spine_curve"'), "signal.field", "use one of"),
    (('expected_error_deg = 5', ''), "signal.expected_error_deg", "is missing"),
    (('start_deg = 10', 'start_deg = 4'), "reps.start_deg", "return_deg < start_deg"),
    (('level = "tracked"', 'level = "tracked"\ncolour = "red"'), "colour", "not a known field"),
    (('level_reason = "not yet validated on clips with known truth"', ''), "level_reason", "say why"),
    (('[signal]', '[signal]\nsides = ["left"]'), "signal.sides", "must be"),
    (('target_s = 3', 'target_s = 3\nmode = "bouncy"'), "hold.mode", "use one of static, stretch"),
    (('target_s = 3', 'target_s = 3\nband_deg = 0'), "hold.band_deg", "must be above 0"),
    (('target_s = 3', 'target_s = 3\nstill_speed_dps = "slow"'), "hold.still_speed_dps", "must be float"),
    (('count_min_deg = 15', 'count_min_deg = 15\nreturn_fraction = 2'), "reps.return_fraction", "between"),
    (('count_min_deg = 15', 'count_min_deg = 15\nconfirm_s = -1'), "reps.confirm_s", "must be above 0"),
    (('[signal]', '[signal]\nspeed_window_s = 5'), "signal.speed_window_s", "must not exceed"),
])
def test_bad_definitions_name_file_field_and_problem(tmp_path, change, field, words):
    path = tmp_path / "bad.toml"
    path.write_text(GOOD.replace(*change))
    with pytest.raises(FormcheckError) as err:
        load_exercise_file(path)
    message = str(err.value)
    assert str(path) in message and f"'{field}'" in message and words in message


def test_machine_settings_come_from_the_definition(tmp_path):
    text = GOOD.replace("target_s = 3", 'target_s = 3\nmode = "stretch"\nband_deg = 4.5\nmax_gap_s = 0.8')
    (tmp_path / "wall_lean.toml").write_text(text.replace("count_min_deg = 15", "count_min_deg = 15\nconfirm_s = 0.4"))
    params = load_exercises(tmp_path)["wall_lean"].rep_params()
    assert (params.hold_mode, params.hold_band_deg, params.max_gap_s, params.confirm_s) == ("stretch", 4.5, 0.8, 0.4)
    assert params.speed_window_s == 0.3  # not given: the default


def test_stretches_keep_holding_while_they_deepen():
    modes = {name: ex.hold_mode for name, ex in load_exercises().items() if ex.measures}
    assert modes["hamstring_stretch"] == modes["knees_to_chest"] == "stretch"
    assert modes["standing_flexion"] == modes["bridge"] == "static"


def test_invalid_toml_syntax(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("id = ")
    with pytest.raises(FormcheckError, match="not valid TOML"):
        load_exercise_file(path)


def test_unknown_exercise_lists_the_choices():
    with pytest.raises(FormcheckError, match="Unknown exercise 'situps'.*standing_flexion"):
        get_exercise("situps")


@pytest.mark.parametrize("exercise_id, unit", [
    ("single_leg_stand", "%"),  # foot lift in percent of leg length, not an angle
    ("standing_flexion", "deg"),
    ("straight_leg_raise", "deg"),
    ("bird_dog", "deg"),
    ("pelvic_tilt", "s"),  # timer: only time is measured
])
def test_signal_unit_comes_from_the_definition(exercise_id, unit):
    assert get_exercise(exercise_id).unit == unit


def test_every_builtin_unit_matches_its_field():
    for ex in load_exercises().values():
        if ex.signal_field and ex.signal_field.endswith("_pct"):
            assert ex.unit == "%", ex.id
        elif ex.signal_field:
            assert ex.unit == "deg", ex.id


@pytest.mark.parametrize("unit_line, field, ok", [
    ('unit = "deg"', "trunk_inclination_deg", True),
    ('', "trunk_inclination_deg", True),
    ('unit = "%"', "foot_lift_left_pct", True),
    ('', "foot_lift_left_pct", True),  # the default follows the field
    ('unit = "rad"', "trunk_inclination_deg", False),
    ('unit = "%"', "trunk_inclination_deg", False),
    ('unit = "deg"', "foot_lift_left_pct", False),
])
def test_signal_unit_is_validated(tmp_path, unit_line, field, ok):
    path = tmp_path / "u.toml"
    path.write_text(GOOD.replace('field = "trunk_inclination_deg"', f'field = "{field}"\n{unit_line}'))
    if ok:
        assert load_exercise_file(path).unit == ("%" if field.endswith("_pct") else "deg")
    else:
        with pytest.raises(FormcheckError) as err:
            load_exercise_file(path)
        assert "'signal.unit'" in str(err.value) and str(path) in str(err.value)
