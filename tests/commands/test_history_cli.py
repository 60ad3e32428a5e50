"""`formcheck history`: the list, one exercise's trend, plot, page and CSV, an empty history, and
bad input in one line with exit code 2."""
import csv
import re
import subprocess
import sys

import pytest

from formcheck.commands.cli import main
from formcheck.history import store

from support import ROOT


def a_run(origin, started, exercise="bridge", reps=3, peak=185.0, hold=3.0, pain=(), kind="analyze"):
    return {"origin": origin, "kind": kind, "started": started, "exercise": exercise, "exercise_name": exercise.title(),
            "unit": "deg", "reps": reps, "target_reps": 5, "best_hold_s": hold, "peak_angle_deg": peak,
            "warnings": {"over_arch": 1} if peak > 190 else {}, "symptoms": ["same"] if pain else [],
            "pain": list(pain), "rep_rows": [{"idx": i, "hold_s": hold, "warnings": []} for i in range(1, reps + 1)]}


@pytest.fixture
def data(tmp_path):
    data = tmp_path / "data"
    store.record([a_run("a", "2026-11-02T10:00:00", reps=2, peak=175.0, hold=2.0),
                  a_run("b", "2026-11-09T10:00:00", reps=4, peak=182.0, hold=4.0, pain=(3,), kind="session"),
                  a_run("c", "2026-11-16T10:00:00", reps=5, peak=192.0, hold=5.5),
                  a_run("d", "2026-11-10T08:00:00", exercise="standing_flexion", reps=3, peak=62.0)], data)
    return data


def history(capsys, *args):
    code = main(["history", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_an_empty_history_is_one_line(tmp_path, capsys):
    code, out, err = history(capsys, "--data-dir", tmp_path / "nothing")
    assert code == 0 and err == ""
    assert out.splitlines() == [f"The history is empty ({tmp_path / 'nothing' / 'history.sqlite3'}): "
                                "`formcheck analyze`, `live` and `session` add to it."]
    assert not (tmp_path / "nothing").exists()  # looking does not create anything


def test_the_list_has_every_run_oldest_first(data, capsys):
    code, out, _ = history(capsys, "--data-dir", data)
    lines = out.splitlines()
    assert code == 0 and lines[0].split()[:3] == ["date", "exercise", "from"]
    assert [line.split()[2] for line in lines[1:]] == ["bridge", "bridge", "standing_flexion", "bridge"]
    assert "2 / 5" in lines[1] and "2.0 s" in lines[1] and "175 deg" in lines[1]
    assert "session" in lines[2] and "3/9 (same)" in lines[2]
    assert "over arch x1" in lines[4]


def test_one_exercise_shows_its_trend_week_by_week(data, capsys):
    code, out, _ = history(capsys, "--data-dir", data, "--exercise", "bridge")
    assert code == 0
    weeks = [line for line in out.splitlines() if re.match(r"\d{4}-\d\d-\d\d ", line)]
    assert [w.split()[0] for w in weeks] == ["2026-11-02", "2026-11-09", "2026-11-16"]
    assert "First run to latest: reps 2 -> 5, peak 175 deg -> 192 deg, best hold 2.0 s -> 5.5 s." in out


def test_an_exercise_with_no_runs_yet_is_one_line(data, capsys):
    code, out, _ = history(capsys, "--data-dir", data, "-e", "plank")
    assert code == 0 and out.startswith("No runs of plank in the history yet") and len(out.splitlines()) == 1


def test_plot_page_and_csv(data, tmp_path, capsys):
    png, page, table = tmp_path / "p.png", tmp_path / "p.html", tmp_path / "p.csv"
    code, out, _ = history(capsys, "--data-dir", data, "--plot", png, "--html", page, "--csv", table)
    assert code == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = page.read_text()
    assert not re.search(r"https?://", text) and "data:image/png;base64," in text
    assert len(re.findall(r"<tr class=run>", text)) == 4
    with open(table, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["exercise"] for r in rows] == ["bridge", "bridge", "standing_flexion", "bridge"]
    assert rows[1]["pain_max"] == "3" and rows[1]["kind"] == "session" and rows[3]["warnings"] == "over_arch=1"


BAD = [
    (["-e", "situps"], "Unknown exercise 'situps'"),
    (["--plot", "{tmp}/missing-folder/p.png"], "does not exist"),
    (["--csv", "{tmp}"], "it is a folder"),
    (["--html", "/proc/formcheck.html"], "Cannot write the progress page"),
]


@pytest.mark.parametrize("args, words", BAD, ids=[w for _, w in BAD])
def test_bad_input_is_one_line_and_exit_2(data, tmp_path, capsys, args, words):
    code, out, err = history(capsys, "--data-dir", data, *[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and words in err


def test_a_damaged_database_is_one_line_without_a_traceback_and_rebuild_mends_it(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "history.sqlite3").write_bytes(b"\x00not sqlite" * 200)
    cmd = [sys.executable, "-m", "formcheck", "history", "--data-dir", str(data)]
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and "--rebuild" in result.stderr
    result = subprocess.run(cmd + ["--rebuild"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "damaged history was moved" in result.stdout and "The history is empty" in result.stdout
