"""The command line: bad input gets one clear line and exit code 2, never a traceback."""
import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, SAMPLES
from formcheck.cli import main


def run_cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "formcheck.cli", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, **(env or {})}, timeout=300)


@pytest.mark.parametrize("args, words", [
    (["analyze", "nope.mp4", "-e", "standing_flexion"], "Video not found"),
    (["analyze", SAMPLES / "standing_still.mp4", "-e", "situps"], "Unknown exercise 'situps'"),
    (["analyze", SAMPLES / "clips.json", "-e", "bridge"], "Cannot read"),
    (["analyze", SAMPLES, "-e", "bridge"], "is a folder"),
    (["analyze", SAMPLES / "standing_still.mp4", "-e", "bridge", "--out", "/proc/formcheck"], "Cannot write"),
    (["live", "-e", "bridge", "--source", "missing.mp4", "--no-window"], "Video not found"),
])
def test_bad_input_exits_2_with_one_clear_line(args, words, tmp_path):
    result = run_cli(*args)
    assert result.returncode == 2, result.stderr
    assert words in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("formcheck: ")


def test_missing_model_is_explained(tmp_path):
    result = run_cli("analyze", SAMPLES / "standing_still.mp4", "-e", "bridge", "--out", tmp_path,
                     env={"FORMCHECK_MODEL": str(tmp_path / "none.task")})
    assert result.returncode == 2 and "pose model is missing" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("keep_bytes", [0, 2000])
def test_empty_or_truncated_video_is_explained(tmp_path, keep_bytes):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes((SAMPLES / "standing_still.mp4").read_bytes()[:keep_bytes])
    result = run_cli("analyze", broken, "-e", "bridge", "--out", tmp_path / "out")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "no video frames" in result.stderr or "Cannot read" in result.stderr


def test_exercises_lists_levels_and_signals(capsys):
    assert main(["exercises"]) == 0
    out = capsys.readouterr().out
    assert "standing_flexion" in out and "[measured]" in out and "trunk inclination" in out


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "analyze" in capsys.readouterr().out


@pytest.mark.model
def test_video_without_a_person_is_explained(tmp_path):
    import numpy as np

    from formcheck.video_out import VideoWriter

    clip = tmp_path / "empty_room.mp4"
    with VideoWriter(clip, 15) as writer:
        for i in range(20):
            writer.write(np.full((240, 320, 3), 90 + i, np.uint8))
    result = run_cli("analyze", clip, "-e", "standing_flexion", "--out", tmp_path / "out")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "No person was found" in result.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["frames"] == 20 and report["detected_frames"] == 0 and report["reps"] == 0
