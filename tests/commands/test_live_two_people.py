"""`formcheck live` with two people in view (a two-person clip standing in for the camera, real time):
other_person reaches events.jsonl and report.json once."""
import json
import subprocess
import sys

import pytest

from formcheck.core.events import EVENT_MESSAGES, OTHER_PERSON
from formcheck.io.jsonl import read_jsonl

from support import ROOT, SAMPLES

pytestmark = pytest.mark.model


def test_live_logs_someone_else_in_view_once(tmp_path):
    clip = SAMPLES / "two_person" / "standing_flexion_bystander.mp4"
    proc = subprocess.run([sys.executable, "-m", "formcheck", "live", "--source", str(clip), "-e", "standing_flexion",
                           "--no-window", "--out", str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=180)
    assert proc.returncode == 0, proc.stderr
    events = [r for r in read_jsonl(tmp_path / "events.jsonl") if r["type"] == "event"]
    others = [r for r in events if r["code"] == OTHER_PERSON]
    assert len(others) == 1 and others[0]["message"] == EVENT_MESSAGES[OTHER_PERSON]
    assert others[0]["t_s"] < 3.0  # the bystander is there from the first frame
    report = json.loads((tmp_path / "report.json").read_text())
    assert [e["code"] for e in report["events"]].count(OTHER_PERSON) == 1
    assert report["reps"] >= 1  # the exerciser is counted (the pose rate on a loaded machine limits how well)
