"""Accuracy on every sample clip, from real runs of the MediaPipe model: `formcheck eval` as tests.

Marked ``model_full`` (about 20 min on 2 cores), so not in the default run: `.ci/run` runs the
same checks as `formcheck eval` through the model (samples/ and samples/tracked/), which is the
record. Run these with ``python -m pytest -m model_full`` for one test per clip and check, e.g.
``-k bridge_1``.

- Each clip meets the absolute limits of its exercise's level (``formcheck.evaluation.limits``:
  for ``measured`` exact reps, holds within 0.3 s, no missed or false form warning, trunk MAE
  under 5 deg and detection of 95% on synthetic clips; for ``tracked`` exact reps). A clip listed
  in its folder's baseline as a known failure is a strict expected failure with that reason: it
  must still fail, so the list stays true.
- Each committed landmark recording, which fast tests replay, still matches a fresh model run
  (``formcheck.evaluation.drift``).
"""
import json

import pytest

from formcheck.evaluation.baseline import parse_baseline
from formcheck.evaluation.limits import misses
from formcheck.evaluation.scoring import evaluate

from support import SAMPLES

pytestmark = [pytest.mark.model, pytest.mark.model_full]

FOLDERS = (SAMPLES, SAMPLES / "tracked")
CLIPS = [p for folder in FOLDERS for p in sorted(folder.glob("*.mp4"))]


def _known_failures() -> dict:
    known = {}
    for folder in FOLDERS:
        path = folder / "eval_baseline.json"
        if path.exists():
            baseline = parse_baseline(json.loads(path.read_text()), str(path))
            known.update({folder / clip: reason for clip, reason in baseline.known_failures.items()})
    return known


KNOWN = _known_failures()
_runs: dict = {}


def model_run(clip):
    """`formcheck eval`'s model run of one clip (drift check included), once per clip."""
    if clip not in _runs:
        _runs[clip] = evaluate(clip)
    return _runs[clip]


def _name(clip) -> str:
    return str(clip.relative_to(SAMPLES))


@pytest.mark.parametrize("clip", [
    pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=f"known failure: {KNOWN[c]}")) if c in KNOWN else c
    for c in CLIPS], ids=_name)
def test_meets_the_absolute_limits(clip):
    result = model_run(clip)
    assert result.error is None, result.error
    assert [m.text for m in misses(result)] == []


@pytest.mark.parametrize("clip", CLIPS, ids=_name)
def test_recording_matches_a_fresh_model_run(clip):
    result = model_run(clip)
    assert result.error is None, result.error
    assert result.recording is not None, f"{_name(clip)} has no landmark recording: `formcheck record-landmarks`"
    assert result.recording["problem"] is None, result.recording["problem"]
