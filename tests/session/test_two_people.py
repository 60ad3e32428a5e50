"""A guided session with someone else in view (fake clock, stick figures, no model): the set-up
check and the set follow the exerciser, and other_person is logged, said and shown once."""
import pytest

from formcheck.core.events import EVENT_MESSAGES, OTHER_PERSON
from formcheck.definitions.exercises import load_exercises
from formcheck.definitions.routines import parse_routine
from formcheck.session import types as S
from formcheck.session.flow import Session

from support import FPS, bend, side_view_figure

FAST = S.Timings(countdown_s=3.0, setup_stable_s=0.5, setup_timeout_s=20.0, closing_s=5.0)
MESSAGE = EVENT_MESSAGES[OTHER_PERSON]


class Sound:
    def __init__(self):
        self.played = []

    def tone(self, kind):
        self.played.append(("tone", kind))

    def say(self, text):
        self.played.append(("say", text))

    def toggle_mute(self):
        return False


def bystander():
    return side_view_figure(0.0, facing=1, hip_xy=(560.0, 260.0), scale=70.0)


@pytest.mark.parametrize("order", ["exerciser first", "bystander first"])
def test_a_set_with_someone_else_in_view_counts_the_exerciser_and_says_so_once(order):
    exercises = load_exercises()
    the_routine = parse_routine({"exercise": [{"id": "standing_flexion", "reps": 2, "sets": 1, "rest_s": 0}]},
                                "test.toml", exercises, skip_unknown=False)
    records, sound = [], Sound()
    session = Session(the_routine, log=records.append, sound=sound, timings=FAST)
    session.start(0.0, time="2025-03-01T10:00:00")
    now = 0.0
    for key in ("space", *["n"] * len(S.RED_FLAGS), "space"):
        now += 0.1
        session.key(now, key)
    assert session.state == S.SETUP
    cues, setup_hips = [], []

    def show(deg):
        nonlocal now
        now += 1 / FPS
        people = [side_view_figure(deg), bystander()]
        session.update(now, (now, people if order == "exerciser first" else people[::-1]))
        screen = session.view()
        if session.state in (S.SETUP, S.COUNTDOWN) and screen.keypoints is not None:
            setup_hips.append(screen.keypoints.point("left_hip")[0])
        if screen.result is not None:
            cues.append(screen.result.feedback.cue)

    while session.state != S.TRACKING and now < 15:
        show(0.0)
    assert session.state == S.TRACKING
    assert setup_hips and all(abs(x - 320.0) < 1 for x in setup_hips)  # the set-up check looked at the exerciser
    for deg in bend() * 2 + [0.0] * 8:
        show(deg)
    assert session.state == S.SYMPTOM
    assert [r["index"] for r in records if r["type"] == "rep"] == [1, 2]
    warnings = [r for r in records if r["type"] == "warning" and r["code"] == OTHER_PERSON]
    assert len(warnings) == 1 and warnings[0]["message"] == MESSAGE
    assert warnings[0]["set_t_s"] < 0.5  # the bystander was there from the start of the set
    assert sound.played.count(("say", MESSAGE)) == 1
    assert MESSAGE in cues[:int(FPS)]  # shown as the cue for a moment, then the exercise's own cues
    assert cues[-1] != MESSAGE
