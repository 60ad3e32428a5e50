"""Scoring the back's bend: the reps' order by peak spine flexion, and the absolute limits."""
import pytest

from formcheck.evaluation.limits import misses
from formcheck.evaluation.scoring import ClipResult, rank_errors


@pytest.mark.parametrize("measured, true, errors", [
    ([8.0, 21.0, 34.0, 14.0], [3.0, 21.0, 42.0, 12.0], 0),  # in the truth's order, whatever the scale
    ([8.0, 34.0, 21.0, 14.0], [3.0, 21.0, 42.0, 12.0], 1),  # two reps swapped
    ([8.0, None, 34.0], [3.0, 21.0, 42.0], 2),  # a rep without a number cannot be ordered
    ([21.0, 20.0, 22.0], [21.0, 21.0, 21.0], 0),  # equal truths: no order to keep
    ([5.0, 30.0], [7.5, 37.5, 20.0], 0),  # a rep only the truth has is not compared
])
def test_reps_rank_by_peak_spine_flexion_in_the_truths_order(measured, true, errors):
    assert rank_errors(measured, true) == errors


def _result(hold_mae, rank):
    return ClipResult(clip="c.mp4", exercise="standing_flexion", level="measured", reps=2, true_reps=2, rep_error=0,
                      angles={"spine_flexion_deg": {"mae": hold_mae, "bias": 0.0, "max": 9.0, "n": 10,
                                                    "hold_mae": hold_mae}},
                      detection_rate=1.0, spine_peaks=[1.0, 2.0], true_spine_peaks=[1.0, 20.0],
                      spine_rank_errors=rank)


def test_the_spine_limits_are_5_deg_over_held_frames_and_the_reps_order():
    assert [m.figure for m in misses(_result(4.9, 0))] == []
    assert [m.figure for m in misses(_result(5.2, 0))] == ["spine_mae"]
    assert [m.figure for m in misses(_result(2.0, 1))] == ["spine_rank"]
