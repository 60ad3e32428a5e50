"""A wheel of this tree works anywhere: installed (not editable) into a new virtual environment,
`formcheck demo` runs from an empty folder, finds its model and clip as package data, and prints
nothing but its own lines."""
import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from support import ROOT

pytestmark = pytest.mark.install


def run(*args, cwd, env=None, timeout=900):
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(python, formcheck) of a new environment with the wheel installed."""
    base = tmp_path_factory.mktemp("wheel")
    built = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--disable-pip-version-check",
                "-w", base / "dist", ROOT, cwd=base)
    assert built.returncode == 0, built.stderr
    wheels = list((base / "dist").glob("formcheck-*.whl"))
    assert len(wheels) == 1
    venv.create(base / "venv", with_pip=True)
    python = base / "venv" / "bin" / "python"
    done = run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheels[0], cwd=base)
    assert done.returncode == 0, done.stderr
    return python, base / "venv" / "bin" / "formcheck"


def test_the_wheel_carries_the_model_clip_and_definitions(installed):
    python, _ = installed
    probe = run(python, "-c", "import formcheck, formcheck.assets as a, formcheck.definitions.exercises as e; "
                "print(formcheck.__file__); print(a.model_path()); print(a.demo_clip_path()); "
                "print(len(e.builtin_exercises())); print(formcheck.__version__)", cwd=installed[0].parent)
    assert probe.returncode == 0, probe.stderr
    package, model, clip, n_defs, version = probe.stdout.split("\n")[:5]
    assert "site-packages" in package and str(ROOT) not in package  # not the source tree
    assert Path(model).stat().st_size > 5_000_000 and Path(clip).stat().st_size > 100_000
    assert int(n_defs) >= 20 and version


def test_demo_runs_from_an_empty_folder_quietly(installed, tmp_path):
    _, formcheck = installed
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run(formcheck, "demo", "--quiet", cwd=empty)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no MediaPipe, TFLite or FFmpeg lines
    assert "3 repetitions" in result.stdout
    report = json.loads((empty / "formcheck-demo" / "report.json").read_text())
    assert Path(report["source"]).name == "standing_flexion_1.mp4" and report["reps"] == 3
    assert (empty / "formcheck-demo" / "annotated.mp4").stat().st_size > 10_000
