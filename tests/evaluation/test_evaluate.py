"""`formcheck eval`: scoring against truth, the baseline guard, and clear messages."""
import json
import shutil

import pytest

from formcheck.commands.cli import main
from formcheck.core.errors import FormcheckError
from formcheck.evaluation.baseline import FIGURES, compare
from formcheck.evaluation.scoring import collect, evaluate
from formcheck.evaluation.truth import load_truth, truth_for

from support import ROOT, SAMPLES


def test_samples_pass_the_eval_replaying_recordings(tmp_path, capsys):
    """Against the checked-in baseline every sample meets its absolute limits or is a known failure
    listed with its reason. After a deliberate change, regenerate the baseline (README)."""
    code = main(["eval", "--replay", "-q", "--json", str(tmp_path / "eval.json")])
    out = capsys.readouterr().out
    results = json.loads((tmp_path / "eval.json").read_text())
    assert results["failures"] == [] and code == 0, "\n".join(results["failures"])
    assert "standing_flexion_1.mp4" in out and "bridge_physioplus_4.mp4" in out
    by_clip = {r["clip"]: r for r in results["results"]}
    assert all(r["mode"] == "replay" for r in by_clip.values())
    for clip, r in by_clip.items():
        assert r["status"] in ("ok", "known failure", "no limits"), clip
        assert (r["status"] == "known failure") == bool(r["limits_missed"]) == (r["known_failure"] is not None), clip
    assert results["known_failures"] == {c: r["known_failure"] for c, r in by_clip.items() if r["known_failure"]}


def test_tracked_samples_pass_their_own_baseline(tmp_path, capsys):
    """samples/tracked/: the clips of tracked and timer exercises, whose misses are known failures."""
    code = main(["eval", "--replay", "-q", str(SAMPLES / "tracked"), "--json", str(tmp_path / "eval.json")])
    results = json.loads((tmp_path / "eval.json").read_text())
    assert results["failures"] == [] and code == 0, "\n".join(results["failures"])
    assert {r["clip"]: r["status"] for r in results["results"]}["pelvic_tilt_1.mp4"] == "no limits"
    assert "ok (no limits: a timer exercise)" in capsys.readouterr().out


def test_a_threshold_that_breaks_a_count_fails_naming_the_clip(tmp_path, capsys):
    broken = tmp_path / "defs"
    broken.mkdir()
    text = (ROOT / "src/formcheck/definitions/exercise_defs/standing_flexion.toml").read_text()
    # A minimum bend of 40 deg: the shallow 35-deg rep in one sample is no longer counted.
    (broken / "standing_flexion.toml").write_text(text.replace("count_min_deg = 25.0", "count_min_deg = 40.0"))
    clips = [str(SAMPLES / f"{name}.mp4") for name in ("standing_flexion_depth_hold_tempo", "standing_flexion_1")]
    code = main(["eval", "--replay", "-q", *clips, "--exercises-dir", str(broken), "--json", str(tmp_path / "e.json")])
    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL standing_flexion_depth_hold_tempo.mp4: repetition count 2 (truth 3; measured exercises: exact)" in out
    assert "standing_flexion_1.mp4: repetition" not in out  # the other clips still pass


def test_a_figure_no_limit_covers_may_not_regress_from_the_baseline():
    result = evaluate(SAMPLES / "bridge_overarch.landmarks.npz")
    figures = {k: result.as_dict()[k] for k in FIGURES}
    baseline = {"clips": {"bridge_overarch.landmarks.npz": {**figures,
                                                             "angles": {"hip_angle_deg": {"mae": 1.0}}}}}
    problems = compare([result], baseline)
    assert any("bridge_overarch.landmarks.npz: hip_angle_deg mean absolute error" in p for p in problems)


def test_clip_without_truth_is_explained(tmp_path):
    clip = tmp_path / "mine.mp4"
    shutil.copy(SAMPLES / "standing_still.mp4", clip)
    result = evaluate(clip)
    assert result.error.startswith("no truth file: add mine.truth.json")
    assert compare([result], {}) == [f"mine.mp4: could not be evaluated: {result.error}"]


def test_truth_that_does_not_match_its_clip(tmp_path):
    shutil.copy(SAMPLES / "standing_still.landmarks.npz", tmp_path / "x.landmarks.npz")
    shutil.copy(SAMPLES / "bridge_1.json", tmp_path / "x.json")
    assert "describes 465 frames but the clip has 15" in evaluate(tmp_path / "x.landmarks.npz").error


def test_clip_the_model_cannot_read(tmp_path):
    (tmp_path / "broken.mp4").write_bytes(b"\x00" * 100)
    (tmp_path / "broken.truth.json").write_text('{"exercise": "bridge", "reps": 1}')
    assert "Cannot read" in evaluate(tmp_path / "broken.mp4").error


def test_manual_truth_format(tmp_path):
    path = tmp_path / "clip.truth.json"
    path.write_text(json.dumps({"exercise": "bridge", "reps": 2, "holds_s": [5, 4.5],
                                "form_errors": [[], ["over_arch"]], "rep_intervals_s": [[1, 8], [10, 17]]}))
    truth = load_truth(path)
    assert truth.kind == "manual" and truth.reps == 2 and truth.form_errors == [[], ["over_arch"]]
    assert truth_for(tmp_path / "clip.mp4") == path


@pytest.mark.parametrize("content, words", [
    ('{"reps": 2}', "needs at least 'exercise' and 'reps'"),
    ('{"exercise": "bridge", "reps": -1}', "whole number"),
    ('{"exercise": "bridge", "reps": 2, "holds_s": [5]}', "one entry per rep"),
    ("not json", "cannot be read as JSON"),
])
def test_bad_manual_truth(tmp_path, content, words):
    path = tmp_path / "c.truth.json"
    path.write_text(content)
    with pytest.raises(FormcheckError, match=words):
        load_truth(path)


def test_nothing_to_evaluate(tmp_path):
    with pytest.raises(FormcheckError, match="No clips found"):
        collect([tmp_path])


def _strict_defs(tmp_path):
    """Exercise definitions where standing flexion needs a 40-deg bend: the depth-hold-tempo clip's
    35-deg rep is no longer counted (2 of 3), a wrong answer on a measured exercise."""
    defs = tmp_path / "defs"
    defs.mkdir(exist_ok=True)
    text = (ROOT / "src/formcheck/definitions/exercise_defs/standing_flexion.toml").read_text()
    (defs / "standing_flexion.toml").write_text(text.replace("count_min_deg = 25.0", "count_min_deg = 40.0"))
    return defs


def _copy_clip(stem, folder):
    folder.mkdir(exist_ok=True)
    for suffix in (".landmarks.npz", ".json"):
        shutil.copy(SAMPLES / f"{stem}{suffix}", folder / f"{stem}{suffix}")


def test_without_a_baseline_it_says_so_and_never_claims_one(tmp_path, capsys):
    clips = tmp_path / "clips"
    _copy_clip("standing_flexion_1", clips)
    code = main(["eval", "--replay", "--clips-dir", str(clips), "--json", str(tmp_path / "e.json")])
    captured = capsys.readouterr()
    assert code == 0
    assert "No baseline" in captured.out and "absolute limits only" in captured.out
    assert "(baseline" not in captured.out and "REGRESSION" not in captured.out
    assert json.loads((tmp_path / "e.json").read_text())["baseline"] is None
    # Progress goes to stderr on lines of its own, never glued onto the table.
    assert captured.err.splitlines() == ["[1/1] standing_flexion_1.landmarks.npz"]
    assert not any(line.startswith("[1/1]") for line in captured.out.splitlines())


def test_without_a_baseline_a_wrong_count_fails_the_limits(tmp_path, capsys):
    clips = tmp_path / "clips"
    _copy_clip("standing_flexion_depth_hold_tempo", clips)
    code = main(["eval", "--replay", "-q", "--clips-dir", str(clips), "--exercises-dir", str(_strict_defs(tmp_path)),
                 "--json", str(tmp_path / "e.json")])
    captured = capsys.readouterr()
    assert code == 1
    assert "FAIL standing_flexion_depth_hold_tempo.landmarks.npz: repetition count 2 (truth 3" in captured.out
    assert "1 of 1 clips fail" in captured.err and "baseline" not in captured.err


def test_a_named_baseline_that_does_not_exist_is_an_error(tmp_path):
    with pytest.raises(FormcheckError, match="Baseline not found"):
        from formcheck.commands.cli import build_parser
        from formcheck.commands.eval import cmd_eval

        cmd_eval(build_parser().parse_args(["eval", "--replay", "-q", str(SAMPLES / "standing_still.landmarks.npz"),
                                            "--baseline", str(tmp_path / "none.json"),
                                            "--json", str(tmp_path / "e.json")]))
