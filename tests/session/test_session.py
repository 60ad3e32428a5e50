"""The session state machine with fake inputs: a fake clock, key names and synthetic poses (no model)."""
import dataclasses
import json
import time

import pytest

from formcheck.analysis.framing import check_framing
from formcheck.analysis.kinematics import KinematicsTracker
from formcheck.commands.cli import main
from formcheck.core.errors import FormcheckError
from formcheck.core.keypoints import KeyPoints
from formcheck.definitions.exercises import load_exercises
from formcheck.definitions.routines import load_routine, parse_routine
from formcheck.i18n import using
from formcheck.io.jsonl import JsonlLog
from formcheck.session import types as S
from formcheck.session.flow import Session
from formcheck.session.log import last_session_notice
from formcheck.session.progress import Progress
from formcheck.session.view import session_summary, summary_lines
from formcheck.ui.audio import Audio, tone_samples
from formcheck.ui.keys import KeyQueue, key_from_code, load_key_script

from support import FPS, bend, side_view_figure

EXERCISES = load_exercises()
# standing_extension has no definition yet: a stand-in built from standing flexion, for tests only.
EXTENSION = dataclasses.replace(EXERCISES["standing_flexion"], id="standing_extension", name="Standing extension",
                                hold_s=60.0, target_reps=1)
FAST = S.Timings(countdown_s=3.0, setup_stable_s=0.5, setup_timeout_s=20.0, closing_s=5.0)


class FakeSound:
    def __init__(self):
        self.played, self.muted = [], False

    def tone(self, kind):
        self.played.append(("tone", kind))

    def say(self, text):
        self.played.append(("say", text))

    def toggle_mute(self):
        self.muted = not self.muted
        return self.muted


def routine(*entries, exercises=EXERCISES):
    """A routine from (id, reps, sets, rest_s) tuples."""
    data = {"exercise": [{"id": i, "reps": r, "sets": s, "rest_s": rest} for i, r, s, rest in entries]}
    return parse_routine(data, "test.toml", exercises, skip_unknown=False)


class Driver:
    """Feeds a Session a fake clock, keys and a stick figure bending by a scripted angle."""

    def __init__(self, the_routine, timings=FAST):
        self.records, self.sound, self.lines = [], FakeSound(), []  # lines: what a headless run prints
        self.progress = Progress(the_routine, self.lines.append)
        self.session = Session(the_routine, log=self._log, sound=self.sound, timings=timings)
        self.now = 0.0
        self.session.start(0.0, time="2025-03-01T10:00:00")
        self.progress.check(self.session)

    def _log(self, record):
        self.records.append(record)
        self.progress.record(record)

    @property
    def state(self):
        return self.session.state

    def press(self, *keys):
        for key in keys:
            self.now += 0.1
            self.session.key(self.now, key)
            self.progress.check(self.session)

    def run(self, seconds=None, angles=None, until=None):
        """Advance at 15 fps, showing the figure at each of ``angles`` (or upright) in turn."""
        frames = list(angles) if angles is not None else [0.0] * int(round(seconds * FPS))
        for deg in frames:
            self.now += 1 / FPS
            self.session.update(self.now, (self.now, side_view_figure(deg)))
            self.progress.check(self.session)
            if until is not None and self.session.state == until:
                return

    def to_tracking(self):
        """Welcome -> red flags (all no) -> card -> set-up -> countdown -> tracking."""
        if self.state == S.WELCOME:
            self.press("space", *["n"] * len(S.RED_FLAGS))
        assert self.state == S.CARD
        self.press("space")
        self.start_set()

    def start_set(self):
        self.run(10.0, until=S.TRACKING)
        assert self.state == S.TRACKING, self.state

    def reps(self, n):
        self.run(angles=bend() * n + [0.0] * 8)

    def of(self, type_):
        return [r for r in self.records if r["type"] == type_]

    def types(self):
        return [r["type"] for r in self.records]


# --- red flags ----------------------------------------------------------------------------

@pytest.mark.parametrize("question", range(len(S.RED_FLAGS)))
def test_red_flag_yes_ends_the_session_and_is_logged(question):
    d = Driver(routine(("standing_flexion", 2, 1, 0)))
    d.press("space", *["n"] * question, "y")
    assert d.state == S.RED_FLAG_STOP
    answers = d.of("red_flag")
    assert [a["answer"] for a in answers] == ["no"] * question + ["yes"]
    assert answers[-1]["question"] == S.RED_FLAGS[question][0]
    assert d.of("red_flag_stop")[0]["advice"] == S.RED_FLAG_ADVICE
    assert d.of("session_end")[0]["reason"] == "red_flag"
    assert "exercise_start" not in d.types()
    assert "seek" in " ".join(d.session.view().lines).lower() or "doctor" in " ".join(d.session.view().lines)
    d.press("space")
    assert d.session.finished


def test_all_red_flags_no_leads_to_the_first_exercise_card():
    d = Driver(routine(("standing_flexion", 2, 1, 0)))
    d.press("space", *["n"] * len(S.RED_FLAGS))
    assert d.state == S.CARD
    screen = d.session.view()
    assert "Standing flexion" in screen.title and any("Target: 2 repetitions" in line for line in screen.lines)


# --- a set, reps, holds, symptoms ---------------------------------------------------------

def test_a_set_counts_reps_and_holds_then_asks_about_symptoms():
    d = Driver(routine(("standing_flexion", 2, 1, 0)))
    d.to_tracking()
    d.reps(2)
    assert d.state == S.SYMPTOM
    assert [r["index"] for r in d.of("rep")] == [1, 2]
    assert len(d.of("hold_complete")) == 2
    assert ("tone", "rep") in d.sound.played and ("tone", "hold") in d.sound.played
    d.press("1")
    assert d.of("symptom")[0]["answer"] == "better"
    assert d.of("exercise_end")[0]["reason"] == "completed"
    assert d.state == S.SUMMARY and d.of("session_end")[0]["reason"] == "completed"
    assert session_summary(d.session)["exercises"][0]["reps"] == 2


@pytest.mark.parametrize("answers, sets_done, reason", [
    ("33", 2, "symptoms_worse"),  # worse twice in a row: stop
    ("323", 3, "completed"),  # not in a row
    ("111", 3, "completed"),
])
def test_worse_twice_in_a_row_ends_the_exercise(answers, sets_done, reason):
    d = Driver(routine(("standing_flexion", 1, 3, 2.0), ("bridge", 1, 1, 0)))
    d.to_tracking()
    for i, answer in enumerate(answers):
        d.reps(1)
        assert d.state == S.SYMPTOM
        d.press(answer)
        if i + 1 < len(answers):
            assert d.state == S.REST_BREAK
            d.run(2.1)
            d.start_set()
    end = d.of("exercise_end")[0]
    assert (end["reason"], end["sets_done"]) == (reason, sets_done)
    assert d.state == S.CARD  # on to the bridge
    if reason == "symptoms_worse":
        assert "worse twice" in d.session.view().lines[0]


def test_pain_key_stops_at_once_and_logs_the_rating():
    d = Driver(routine(("standing_flexion", 5, 2, 0), ("bridge", 1, 1, 0)))
    d.to_tracking()
    d.reps(1)
    d.press("p")
    assert d.state == S.PAIN
    assert d.of("pain")[0]["state"] == S.TRACKING
    assert d.of("set_end")[-1]["how"] == "pain"
    d.run(angles=bend())  # poses keep coming: nothing more is counted
    assert len(d.of("rep")) == 1
    d.press("7")
    assert d.of("pain_rating")[0]["rating"] == 7
    assert d.of("exercise_end")[0]["reason"] == "pain"
    assert d.state == S.CARD and "pain (7/9)" in d.session.view().lines[0]
    assert session_summary(d.session)["exercises"][0]["pain"] == [7]
    d.press("space")
    assert "pain" not in " ".join(d.session.view().lines)  # the note went with the card


@pytest.mark.parametrize("where, asks_symptoms", [
    ("card", False), ("setup", False), ("tracking_no_reps", False), ("tracking_after_reps", True)])
def test_skip(where, asks_symptoms):
    d = Driver(routine(("standing_flexion", 5, 1, 0), ("bridge", 1, 1, 0)))
    d.press("space", *["n"] * len(S.RED_FLAGS))
    if where != "card":
        d.press("space")
    if where.startswith("tracking"):
        d.start_set()
    if where == "tracking_after_reps":
        d.reps(1)
    d.press("n")
    assert d.of("skip")[0]["state"] == where.split("_")[0]
    if asks_symptoms:
        assert d.state == S.SYMPTOM
        d.press("2")
    assert d.of("exercise_end")[0]["reason"] == "skipped"
    assert d.state == S.CARD and d.session.run.exercise.id == "bridge"


def test_pause_stops_the_rest_timer_and_resume_continues_it():
    d = Driver(routine(("standing_flexion", 1, 2, 10.0)))
    d.to_tracking()
    d.reps(1)
    d.press("2")
    assert d.state == S.REST_BREAK
    d.run(4.0)
    d.press("space")
    assert d.state == S.PAUSED
    d.run(60.0)
    assert d.state == S.PAUSED
    d.press("space")
    assert d.state == S.REST_BREAK and d.session.view().big == "6 s"
    d.run(6.1)
    assert d.state == S.SETUP
    assert [r["type"] for r in d.records if r["type"] in ("pause", "resume")] == ["pause", "resume"]


def test_pause_during_tracking_ignores_poses_until_resumed():
    d = Driver(routine(("standing_flexion", 3, 1, 0)))
    d.to_tracking()
    d.press("space")
    d.run(angles=bend())
    assert d.of("rep") == []
    d.press("space")
    d.reps(1)
    assert len(d.of("rep")) == 1


def test_mute_and_quit_with_summary():
    d = Driver(routine(("standing_flexion", 3, 1, 0)))
    d.to_tracking()
    d.press("m")
    assert d.sound.muted and d.of("mute")
    d.press("q")
    assert d.state == S.SUMMARY
    assert d.of("quit")[0]["state"] == S.TRACKING
    assert d.of("exercise_end")[0]["reason"] == "quit"
    assert d.of("session_end")[0]["reason"] == "quit"
    assert "You finished early." in d.session.view().lines
    d.run(5.1)
    assert d.session.finished


def test_setup_check_waits_for_a_side_view_and_times_out_with_a_notice():
    d = Driver(routine(("standing_flexion", 3, 1, 0), ("bridge", 1, 1, 0)))
    d.press("space", *["n"] * len(S.RED_FLAGS), "space")
    front = side_view_figure(0.0)
    front.xy[12] += (120.0, 0.0)  # right shoulder far from the left one: facing the camera
    for _ in range(int(21 * FPS)):
        d.now += 1 / FPS
        d.session.update(d.now, (d.now, front))
    assert d.of("setup")[0]["message"] == "Turn sideways to the camera"
    assert ("say", "Turn sideways to the camera") in d.sound.played
    assert d.of("setup_timeout") and d.of("exercise_end")[0]["reason"] == "setup_timeout"
    assert d.state == S.CARD and "couldn't see you" in d.session.view().lines[0]


# --- standing extension (PROTOCOL.md) -----------------------------------------------------

def test_a_definition_asking_for_the_extension_rule_gets_it():
    ex = dataclasses.replace(EXERCISES["standing_flexion"], id="backward_lean", hold_s=60.0)
    object.__setattr__(ex, "rule", S.EXTENSION_RULE)
    d = Driver(routine(("backward_lean", 1, 1, 0), exercises={**EXERCISES, "backward_lean": ex}))
    d.to_tracking()
    d.run(60.1)
    assert d.state == S.EXT_CHECK


def test_a_timer_exercise_set_is_timed():
    ex = dataclasses.replace(EXERCISES["standing_flexion"], id="timed_thing", hold_s=3.0)
    object.__setattr__(ex, "signal_field", None)  # nothing the camera can measure
    d = Driver(routine(("timed_thing", 2, 1, 0), exercises={**EXERCISES, "timed_thing": ex}))
    d.to_tracking()
    assert d.session.view().message == f"Time: {2 * (3 + S.TIMER_RELAX_S):.0f} s left"
    d.run(2 * (3 + S.TIMER_RELAX_S) + 0.1)
    assert d.state == S.SYMPTOM


@pytest.mark.parametrize("answers, reason, flagged", [
    ("n", "completed", False),  # no symptoms after the hold
    ("yn", "completed", False),  # symptoms, settled within ~60 s
    ("yy", "extension_dropped", True),  # symptoms persist past ~60 s: flag to drop
])
def test_standing_extension_is_timed_then_checked(answers, reason, flagged):
    exercises = {**EXERCISES, "standing_extension": EXTENSION}
    d = Driver(routine(("standing_extension", 1, 1, 0), ("standing_flexion", 1, 1, 0), exercises=exercises))
    d.to_tracking()
    assert d.session.view().message == "Hold: 60 s left"
    d.run(30.0)
    assert d.state == S.TRACKING and d.session.view().message == "Hold: 30 s left"
    d.run(30.1)
    assert d.state == S.EXT_CHECK
    d.press(answers[0])
    if answers[0] == "y":
        assert d.state == S.EXT_SETTLE
        d.run(59.0)
        assert d.state == S.EXT_SETTLE
        d.run(1.1)
        assert d.state == S.EXT_RECHECK
        d.press(answers[1])
    end = d.of("exercise_end")[0]
    assert end["reason"] == reason
    assert bool(d.of("extension_flag")) == flagged
    summary = session_summary(d.session)["exercises"][0]
    assert ("drop_standing_extension" in summary["flags"]) == flagged
    if flagged:
        assert "tell your clinician" in d.session.view().lines[0]
    assert "symptom" not in d.types()  # the extension check replaces the usual question


def test_standing_extension_hold_is_wall_clock_even_when_the_camera_cannot_see():
    exercises = {**EXERCISES, "standing_extension": EXTENSION}
    d = Driver(routine(("standing_extension", 1, 1, 0), exercises=exercises))
    d.to_tracking()
    for _ in range(int(60.1 * FPS)):  # nobody in view: the exposure still ends on time
        d.now += 1 / FPS
        d.session.update(d.now, (d.now, None))
    assert d.state == S.EXT_CHECK


# --- camera loss ---------------------------------------------------------------------------

def test_camera_lost_pauses_retries_then_ends_cleanly():
    d = Driver(routine(("standing_flexion", 3, 1, 0)))
    d.to_tracking()
    d.reps(1)
    d.session.camera_lost(d.now, "Camera 0 stopped sending pictures.")
    assert d.state == S.CAMERA_LOST and not d.session.camera_retry_due(d.now)
    for _ in range(3):  # attempts 1-3
        d.now += 2.0
        assert d.session.camera_retry_due(d.now)
        d.session.camera_retry_failed(d.now)
    assert d.state == S.SUMMARY
    assert [r["type"] for r in d.records][-3:] == ["set_end", "exercise_end", "session_end"]
    assert d.of("session_end")[0]["reason"] == "camera_lost" and d.of("exercise_end")[0]["reps"] == 1


def test_camera_back_resumes_where_it_was():
    d = Driver(routine(("standing_flexion", 2, 1, 0)))
    d.to_tracking()
    d.session.camera_lost(d.now, "gone")
    d.press("r")
    assert d.session.camera_retry_due(d.now)
    d.now += 5
    d.session.camera_back(d.now)
    assert d.state == S.TRACKING
    d.reps(2)
    assert d.state == S.SYMPTOM


# --- routine files -------------------------------------------------------------------------

@pytest.mark.parametrize("text, words", [
    ('[[exercise]]\nid = "situps"\n', ["exercise 1 (situps) is not a known exercise", "bridge, ", "standing_flexion"]),
    ('[[exercise]]\nid = "bridge"\nreps = "ten"\n', ["exercise 1 (bridge)", "'reps' must be a whole number", "'ten'"]),
    ('[[exercise]]\nid = "bridge"\nreps = -3\n', ["'reps' is -3", "at least 1"]),
    ('[[exercise]]\nid = "bridge"\nhold_s = -1.5\n', ["'hold_s' is -1.5", "at least 0"]),
    ('[[exercise]]\nid = "bridge"\nrest_s = true\n', ["'rest_s' must be a number"]),
    ('[[exercise]]\nid = "bridge"\nrepetitions = 3\n', ["unknown field 'repetitions'", "reps, hold_s"]),
    ('colour = "red"\n[[exercise]]\nid = "bridge"\n', ["unknown field 'colour'"]),
    ('[[exercise]]\nreps = 3\n', ["exercise 1 needs an 'id'"]),
    ('name = "empty"\n', ["has no [[exercise]] entries"]),
    ('[[exercise]\nid = "bridge"\n', ["is not valid TOML"]),
])
def test_routine_file_errors_name_file_entry_and_problem(tmp_path, text, words):
    path = tmp_path / "mine.toml"
    path.write_text(text)
    with pytest.raises(FormcheckError) as err:
        load_routine(path, EXERCISES)
    message = str(err.value)
    assert str(path) in message
    for w in words:
        assert w in message


DEFAULT_IDS = ["standing_flexion", "seated_flexion", "knees_to_chest", "pelvic_tilt", "bridge"]


@pytest.mark.parametrize("removed", [[], ["seated_flexion", "knees_to_chest", "pelvic_tilt"], ["bridge"]])
def test_default_routine_skips_exercises_not_defined_yet_with_a_notice(removed):
    available = {k: v for k, v in EXERCISES.items() if k not in removed}
    missing = [x for x in DEFAULT_IDS if x not in available]
    r = load_routine("default", available)
    assert [e.exercise.id for e in r.entries] == [x for x in DEFAULT_IDS if x not in missing]
    assert r.notices == tuple(f"{x} is not available in this version, skipping" for x in missing)
    targets = {e.exercise.id: (e.exercise.target_reps, e.exercise.hold_s) for e in r.entries}
    assert targets["standing_flexion"] == (10, 2.0)
    if "bridge" in targets:
        assert targets["bridge"] == (5, 5.0)
    d = Driver(r)
    assert [n["message"] for n in d.of("notice")] == list(r.notices)
    assert all(n in d.session.view().lines for n in r.notices)


def test_a_routine_sets_the_exercise_targets(tmp_path):
    path = tmp_path / "r.toml"
    path.write_text('name = "short"\n[[exercise]]\nid = "bridge"\nreps = 3\nhold_s = 4\nsets = 2\nrest_s = 15\n')
    entry = load_routine(path, EXERCISES).entries[0]
    assert (entry.exercise.target_reps, entry.exercise.hold_s, entry.sets, entry.rest_s) == (3, 4.0, 2, 15.0)


def test_cli_unknown_exercise_in_a_routine_is_one_line_and_exit_2(tmp_path, capsys):
    path = tmp_path / "r.toml"
    path.write_text('[[exercise]]\nid = "situps"\n')
    assert main(["session", "--routine", str(path), "--no-window", "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("formcheck: Routine") and "situps" in err and err.count("\n") == 1


# --- last session ended early --------------------------------------------------------------

def write_log(folder, records, torn=False):
    folder.mkdir(parents=True)
    with JsonlLog(folder / "events.jsonl", fsync=False) as log:
        for r in records:
            log.write(r)
    if torn:
        with open(folder / "events.jsonl", "a") as fh:
            fh.write('{"t_s":40.1,"type":"re')


START = {"t_s": 0.0, "type": "session_start", "time": "2025-03-01T10:12:00"}
SF = {"exercise": "standing_flexion", "set": 1}


@pytest.mark.parametrize("records, torn, expected", [
    ([START, {"type": "exercise_start", **SF}] + [{"type": "rep", **SF, "index": i} for i in range(1, 7)], True,
     "Your last session (1 Mar 2025, 10:12) ended early after Standing flexion: 6 reps."),
    ([START], False, "Your last session (1 Mar 2025, 10:12) ended early, before the first exercise."),
    ([START, {"type": "exercise_start", **SF}, {"type": "rep", **SF, "index": 1},
      {"type": "session_end", "reason": "interrupted"}], False,
     "Your last session (1 Mar 2025, 10:12) ended early after Standing flexion: 1 rep."),
    ([START, {"type": "session_end", "reason": "completed"}], False, None),
    ([START, {"type": "session_end", "reason": "quit"}], False, None),
    ([{"type": "start", "exercise": "bridge"}], True, None),  # a `formcheck live` log
])
def test_last_session_ended_early_notice(tmp_path, records, torn, expected):
    write_log(tmp_path / "sessions" / "20250301-101200", [START, {"type": "session_end", "reason": "completed"}])
    write_log(tmp_path / "sessions" / "20250302-101200", records, torn)
    assert last_session_notice(tmp_path / "sessions") == expected


@pytest.mark.parametrize("lang, expected", [
    ("zh-TW", "您上次的運動（2025年3月1日 10:12）做了站姿前彎 2 下、橋式 1 下後就提早結束了。"),
    ("ko", "지난번 운동(2025년 3월 1일 10:12)은 도중에 끝났습니다. 마친 횟수: 서서 허리 숙이기 2회, 브리지 1회."),
    ("en", "Your last session (1 Mar 2025, 10:12) ended early after Standing flexion: 2 reps, Bridge: 1 rep."),
])
def test_the_ended_early_notice_is_in_the_active_language(tmp_path, lang, expected):
    bridge = {"exercise": "bridge", "set": 1}
    write_log(tmp_path / "sessions" / "20250301-101200",
              [START, {"type": "exercise_start", **SF}, {"type": "rep", **SF, "index": 1},
               {"type": "rep", **SF, "index": 2}, {"type": "exercise_start", **bridge},
               {"type": "rep", **bridge, "index": 1}, {"type": "session_end", "reason": "camera_lost"}])
    with using(lang):
        assert last_session_notice(tmp_path / "sessions") == expected


def test_no_sessions_folder_means_no_notice(tmp_path):
    assert last_session_notice(tmp_path / "nothing") is None


# --- keys, set-up check, audio -------------------------------------------------------------

def test_key_script_and_queue(tmp_path):
    path = tmp_path / "keys.txt"
    path.write_text("# comment\n2.5 n\n0.5 space  # start\n\n3 Q\n")
    queue = KeyQueue(load_key_script(path))
    queue.push("m")  # from the window
    assert queue.take(1.0) == ["m", "space"]
    assert queue.take(2.0) == []
    assert queue.take(5.0) == ["n", "q"]
    assert [key_from_code(c) for c in (-1, 32, 13, 27, ord("N"), 0x100 + ord("y"))] == [
        None, "space", "enter", "esc", "n", "y"]


@pytest.mark.parametrize("line", ["abc n", "1.0", "1.0 spacebar", "-2 n", "1 n extra"])
def test_bad_key_script_lines_are_named(tmp_path, line):
    path = tmp_path / "keys.txt"
    path.write_text(f"0.5 space\n{line}\n")
    with pytest.raises(FormcheckError, match="line 2"):
        load_key_script(path)


def _framing(exercise_id, kp, brightness=120.0):
    return check_framing(EXERCISES[exercise_id], kp, KinematicsTracker().update(kp), brightness, (640, 480))


def _without(kp, *names):
    from formcheck.core.keypoints import INDEX
    kp = KeyPoints(kp.xy.copy(), kp.visibility.copy())
    for name in names:
        kp.visibility[INDEX[name]] = 0.0
    return kp


def _lying():
    kp = side_view_figure(0.0, hip_xy=(320.0, 300.0))
    # rotate the standing figure by 90 deg about the hip: lying on the back
    centre = kp.point("left_hip").copy()
    d = kp.xy - centre
    return KeyPoints(centre + d[:, ::-1] * (1, -1), kp.visibility)


@pytest.mark.parametrize("exercise_id, make, brightness, code, message", [
    ("standing_flexion", lambda: side_view_figure(0.0), 120.0, "ok", ""),
    ("standing_flexion", lambda: side_view_figure(0.0), 20.0, "dark", "More light, please"),
    ("standing_flexion", lambda: None, 120.0, "no_person", "Step into view: I can't see you"),
    ("standing_flexion", lambda: _without(side_view_figure(0.0), *(f"{s}_{p}" for s in ("left", "right")
                                                                 for p in ("ankle", "heel", "foot_index"))),
     120.0, "feet", "Step back: I can't see your feet"),
    ("standing_flexion", lambda: side_view_figure(0.0, hip_xy=(320.0, 320.0)), 120.0, "feet",
     "Step back: I can't see your feet"),  # feet below the bottom edge
    ("standing_flexion", lambda: _without(side_view_figure(0.0), "nose", "left_ear", "right_ear"), 120.0, "head",
     "Step back: I can't see your head"),
    ("standing_flexion", lambda: side_view_figure(70.0), 120.0, "posture", "Stand up straight to start"),
    ("bridge", lambda: side_view_figure(0.0), 120.0, "posture", "Lie down on your back, side-on to the camera"),
    ("straight_leg_raise", _lying, 120.0, "ok", ""),
])
def test_camera_setup_check_messages(exercise_id, make, brightness, code, message):
    result = _framing(exercise_id, make(), brightness)
    assert (result.code, result.message) == (code, message)


@pytest.mark.parametrize("trunk_deg, code", [(30.0, "ok"), (-35.0, "ok"), (43.0, "rest")])
def test_setup_check_accepts_a_stooped_rest_and_says_when_it_is_outside_the_range(trunk_deg, code):
    result = _framing("standing_flexion", side_view_figure(trunk_deg))
    assert result.code == code
    if code == "rest":  # in words, with the numbers: not silently clipped
        assert result.message.startswith("Your starting trunk inclination reads 4"), result.message
        assert "expects -40 to 40 deg" in result.message


def test_setup_check_asks_for_the_starting_position_when_lying_wrongly():
    result = _framing("bridge", _lying())  # legs straight: the bridge starts with the knees bent
    assert result.code == "rest" and "expects 120 to 160 deg" in result.message


def test_audio_never_blocks_and_mute_drops_cues():
    played = []

    def slow_player(samples):
        time.sleep(0.2)
        played.append(len(samples))

    audio = Audio(player=slow_player, speaker=lambda text: played.append(text))
    start = time.monotonic()
    for _ in range(50):
        audio.tone("rep")
        audio.say("hold")
    assert time.monotonic() - start < 0.1  # queued or dropped, never waited for
    time.sleep(0.5)
    audio.close()
    assert 0 < len(played) <= 5
    muted = Audio(player=lambda s: played.append("x"))
    muted.toggle_mute()
    muted.tone("rep")
    muted.close()
    assert "x" not in played
    assert Audio(enabled=False).backends == "off"
    assert tone_samples("hold").dtype.name == "int16"


def test_summary_is_json_serialisable():
    d = Driver(routine(("standing_flexion", 1, 1, 0)))
    d.to_tracking()
    d.reps(1)
    d.press("3")
    json.dumps(session_summary(d.session))
    assert session_summary(d.session)["exercises"][0]["symptoms"] == ["worse"]


# --- the welcome screen, and a session nobody answers ----------------------------------------

def test_the_welcome_screen_says_which_key_continues():
    d = Driver(routine(("standing_flexion", 2, 1, 0)))
    screen = d.session.view()
    assert "space: continue" in screen.keys
    assert any("Press space" in line for line in screen.lines)  # on the card itself, not only the strip
    d.press("n")  # not an answer here
    assert d.state == S.WELCOME
    d.press("space")
    assert d.state == S.RED_FLAG


@pytest.mark.parametrize("keys, state, words", [
    ((), S.WELCOME, ["welcome screen", "space: continue"]),
    (("space", "n"), S.RED_FLAG, ["red flag screen", "Safety question 2 of 5", "y: yes, n: no"]),
    (("space",) + ("n",) * len(S.RED_FLAGS), S.CARD, ["card screen", "space: start"]),
])
def test_no_input_ends_the_session_saying_which_screen_waited_for_which_keys(keys, state, words):
    d = Driver(routine(("standing_flexion", 2, 1, 0)))
    d.press(*keys)
    assert d.state == state and d.session.waiting_for_key
    message = d.session.no_input(d.now + 10, 10.0, "and the --keys script has no more keys")
    for w in words:
        assert w in message
    assert d.of("no_input")[0]["message"] == message and d.of("no_input")[0]["state"] == state
    assert d.of("session_end")[0]["reason"] == "no_input"
    assert session_summary(d.session)["end_reason"] == "no_input"
    assert d.session.view().lines[0] == "Ended: no key was pressed."
    assert message in d.lines  # a headless run prints it


def _loop(session, script=(), no_input_s=5.0):
    from formcheck.session.runner import SessionLoop
    from formcheck.ui.keys import KeyQueue

    return SessionLoop(session, source=None, feed=None, keys=KeyQueue(list(script)), display=None, render=False,
                       no_input_s=no_input_s, scripted=bool(script))


def test_headless_loop_ends_a_screen_waiting_for_a_key_once_the_script_has_run_out():
    d = Driver(routine(("standing_flexion", 2, 1, 0)))
    loop = _loop(d.session, [(0.5, "n"), (1.0, "n")])
    for t in (0.0, 0.5, 1.0):  # scripted keys that do not answer the welcome screen
        pressed = loop.keys.take(t)
        for key in pressed:
            d.session.key(t, key)
        loop._check_input(t, bool(pressed))
    loop._check_input(5.9, False)
    assert not d.session.finished and d.state == S.WELCOME  # 4.9 s after the last key
    loop._check_input(6.1, False)
    assert d.of("no_input")[0]["waited_s"] == 5.1 and "script has no more keys" in d.of("no_input")[0]["message"]
    assert d.state == S.SUMMARY


def test_headless_loop_waits_while_keys_are_still_to_come_and_never_in_timed_states():
    d = Driver(routine(("standing_flexion", 2, 1, 0)))
    loop = _loop(d.session, [(100.0, "space")])
    loop._check_input(0.0, False)
    loop._check_input(50.0, False)
    assert "no_input" not in d.types()  # a key is due at 100 s
    d2 = Driver(routine(("standing_flexion", 2, 1, 0)))
    d2.to_tracking()
    loop = _loop(d2.session)
    loop._check_input(0.0, False)
    loop._check_input(60.0, False)
    assert "no_input" not in d2.types()  # tracking does not wait for a key
    window = _loop(Driver(routine(("standing_flexion", 2, 1, 0))).session, no_input_s=None)
    window._check_input(0.0, False)
    window._check_input(600.0, False)
    assert not window.session.finished  # with a window someone may still press a key


# --- progress lines for headless runs --------------------------------------------------------

def test_headless_progress_is_one_line_per_change_of_screen_rep_and_answer():
    d = Driver(routine(("standing_flexion", 3, 2, 30.0)))
    d.to_tracking()
    d.reps(3)
    d.press("2")
    d.run(10.0)  # 10 s of the rest: one line, not one per second
    lines = d.lines
    expected = ["Welcome screen: press space to continue",
                f"Safety question 1 of 5: {S.RED_FLAGS[0][1]} (y/n)", "  answer: No",
                "Exercise 1 of 1: Standing flexion (space: start, n: skip)",
                "Standing flexion, set 1/2: set-up check", "Standing flexion, set 1/2: countdown",
                "Standing flexion, set 1/2: 0/3 reps", "Standing flexion, set 1/2: 1/3 reps",
                "Standing flexion, set 1/2: 2/3 reps",
                "Standing flexion: symptom check (1 better, 2 same, 3 worse)", "  answer: symptoms same",
                "Rest 30 s"]
    positions = [lines.index(line) for line in expected]
    assert positions == sorted(positions), lines
    assert lines.count("  answer: No") == len(S.RED_FLAGS)
    assert lines[-1] == "Rest 30 s"
    assert all(a != b for a, b in zip(lines, lines[1:], strict=False))  # no repeats
    assert len(lines) <= 25  # hundreds of frames, a couple of dozen lines
    d.press("q")
    assert d.lines[-2:] == ["Standing flexion: you finished early, 3 reps", "Session ended (quit)"]


# --- the summary, for the patient ------------------------------------------------------------

def _finished_summary(*keys):
    d = Driver(routine(("standing_flexion", 2, 1, 0), ("bridge", 1, 1, 0)))
    d.press(*keys)
    if d.state == S.CARD:
        d.press("space")
        d.start_set()
        d.run(angles=bend(hold_s=0.6) * 2 + [0.0] * 8)  # short holds: a form warning
        d.press("3", "q")
    summary = {"started": "2025-03-01T10:00:00", "duration_s": 300.0, **session_summary(d.session),
               "timing": {"display_fps": 29.7, "pose_updates_per_s": 14.2, "latency_ms_median": 81.5,
                          "latency_ms_p95": 120.3, "latency_samples": 300}}
    summary["lines"] = list(summary_lines(summary))
    return summary


def test_summary_html_is_written_for_the_patient():
    from formcheck.session.log import summary_html

    summary = _finished_summary("space", *["n"] * len(S.RED_FLAGS))
    assert summary["exercises"][0]["warnings"], "the test needs a form warning"
    page = summary_html(summary)
    for _, question in S.RED_FLAGS:
        assert f"{question} <b>No</b>" in page  # the words asked, the answer as No
    for code, _ in S.RED_FLAGS:
        assert code not in page
    code = next(iter(summary["exercises"][0]["warnings"]))
    assert code not in page and summary["exercises"][0]["warning_messages"][code] in page
    assert "Safety questions: you answered No to all of them." in page
    assert "You finished early." in page and "<td>not started</td>" in page  # endings in words
    for technical in ("fps", "frames/s", "latency", "29.7", "81.5", "pose updates", "_"):
        assert technical not in page.split("<body>")[1], technical
    assert summary["timing"]["display_fps"] == 29.7  # ... which stays in summary.json


def test_summary_after_a_red_flag_names_the_question_answered_yes():
    from formcheck.session.log import summary_html

    summary = _finished_summary("space", "n", "y")
    page = summary_html(summary)
    assert f"{S.RED_FLAGS[0][1]} <b>No</b>" in page and f"{S.RED_FLAGS[1][1]} <b>Yes</b>" in page
    assert f"{S.RED_FLAGS[2][1]} <b>Not answered</b>" in page
    assert f"You answered Yes to: {S.RED_FLAGS[1][1]}" in summary["lines"]
    assert S.RED_FLAG_ADVICE in summary["lines"]


def test_summary_html_of_an_older_summary_without_the_question_texts():
    from formcheck.session.log import summary_html

    summary = _finished_summary("space", *["n"] * len(S.RED_FLAGS))
    del summary["safety_questions"]
    assert f"{S.RED_FLAGS[4][1]} <b>No</b>" in summary_html(summary)


def test_card_screens_show_no_frame_rates(monkeypatch):
    import formcheck.session.runner as R

    drawn = []
    monkeypatch.setattr(R, "draw_screen",
                        lambda canvas, screen, renderer, stats="": drawn.append((screen.state, stats)))
    d = Driver(routine(("standing_flexion", 2, 1, 0)))
    loop = _loop(d.session)
    loop.render = True
    loop._show(None, None)  # the welcome card
    d.press("space", *["n"] * len(S.RED_FLAGS), "space")
    loop._show(None, None)  # the set-up check, over the picture
    d.press("q")
    loop._show(None, None)  # the summary card
    assert drawn[0] == (S.WELCOME, "") and drawn[2] == (S.SUMMARY, "")
    assert drawn[1][0] == S.SETUP and "fps" in drawn[1][1]


# --- bad input on the command line: one line, exit 2, nothing left behind ---------------------

def run_cli(*args, cwd=None, env=None):
    import os
    import subprocess
    import sys

    from support import ROOT

    proc = subprocess.run([sys.executable, "-m", "formcheck", *map(str, args)], cwd=cwd or ROOT,
                          capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})})
    return proc


def assert_one_line_error(proc, *words):
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("formcheck: "), proc.stderr
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


BAD_BYTES = {"binary": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\x00",
             "latin-1": 'name = "Ma routine, été"\n# café\n'.encode("latin-1"),
             "utf-8 with NUL": b"0.5 space\x00\n"}


@pytest.mark.parametrize("kind", [*BAD_BYTES, "empty"])
def test_cli_key_script_that_is_not_text_or_empty(tmp_path, kind):
    path = tmp_path / "keys.txt"
    path.write_bytes(BAD_BYTES.get(kind, b""))
    proc = run_cli("session", "--keys", path, "--no-window", "--data-dir", tmp_path / "data")
    line = assert_one_line_error(proc, str(path), "'SECONDS KEY' per line")
    assert ("has no keys" if kind == "empty" else "is not a text file") in line
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize("kind", [*BAD_BYTES, "empty"])
def test_cli_routine_that_is_not_text_or_empty(tmp_path, kind):
    path = tmp_path / "mine.toml"
    path.write_bytes(BAD_BYTES.get(kind, b""))
    proc = run_cli("session", "--routine", path, "--no-window", "--data-dir", tmp_path / "data")
    line = assert_one_line_error(proc, f"Routine {path}")
    assert ("has no [[exercise]] entries" if kind == "empty" else "is not a text file") in line


@pytest.mark.parametrize("command", ["session", "exercises"])
@pytest.mark.parametrize("kind", [*BAD_BYTES, "empty"])
def test_cli_exercise_definition_that_is_not_text_or_empty(tmp_path, kind, command):
    folder = tmp_path / "defs"
    folder.mkdir()
    (folder / "mine.toml").write_bytes(BAD_BYTES.get(kind, b""))
    extra = ("--no-window", "--data-dir", tmp_path / "data") if command == "session" else ()
    proc = run_cli(command, "--exercises-dir", folder, *extra)
    line = assert_one_line_error(proc, f"Exercise definition {folder / 'mine.toml'}")
    assert ("is missing" if kind == "empty" else "is not a text file") in line


def test_load_exercise_file_that_is_not_text(tmp_path):
    from formcheck.definitions.exercises import load_exercise_file

    path = tmp_path / "x.toml"
    path.write_bytes(BAD_BYTES["latin-1"])
    with pytest.raises(FormcheckError, match="is not a text file"):
        load_exercise_file(path)


@pytest.mark.parametrize("data_dir", ["/proc/formcheck-test/x", "a-file"])
def test_cli_unwritable_data_dir_names_the_data_dir_option(tmp_path, data_dir):
    if data_dir == "a-file":
        data_dir = tmp_path / "a-file"
        data_dir.write_text("not a folder")
    from support import SAMPLES

    proc = run_cli("session", "--no-window", "--source", SAMPLES / "standing_still.mp4", "--data-dir", data_dir)
    line = assert_one_line_error(proc, "Cannot write", str(data_dir), "--data-dir")
    assert "--out" not in line


def test_cli_live_unwritable_out_still_names_out(tmp_path):
    from support import SAMPLES

    proc = run_cli("live", "-e", "standing_flexion", "--no-window", "--source", SAMPLES / "standing_flexion_1.mp4",
                   "--out", "/proc/formcheck-test/x")
    assert_one_line_error(proc, "Cannot write", "--out")


def _zero_frame_video(path):
    import cv2

    cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 15.0, (64, 48)).release()
    return path


@pytest.mark.parametrize("command", ["session", "live"])
@pytest.mark.parametrize("source, words", [
    ("missing.mp4", ["Video not found"]),
    ("a-folder", ["is a folder"]),
    ("zero.avi", ["no video frames"]),
])
def test_cli_bad_source_leaves_no_session_folder(tmp_path, command, source, words):
    path = tmp_path / source
    if source == "a-folder":
        path.mkdir()
    elif source == "zero.avi":
        _zero_frame_video(path)
    data = tmp_path / "data"
    extra = ("--data-dir", data) if command == "session" else ("-e", "standing_flexion")
    proc = run_cli(command, "--no-window", "--source", path, *extra, env={"XDG_DATA_HOME": str(data)})
    assert_one_line_error(proc, str(path), *words)
    sessions = data / "sessions" if command == "session" else data / "formcheck" / "sessions"
    assert not sessions.exists()


# -- alternating exercises: targets are per side, as `formcheck exercises` says --------------------

def _rep(side):
    from formcheck.core.events import RepRecord

    return RepRecord(index=1, start_s=0.0, end_s=1.0, peak_angle_deg=40.0, hold_s=1.5, side=side)


@pytest.mark.parametrize("sides, complete", [
    (["left", "left", "left", "left"], False),  # twice the target on one leg is not a finished set
    (["left", "right", "left"], False),
    (["left", "right", "left", "right"], True),
    (["right", "right", "left", "left", "left"], True),
])
def test_an_alternating_set_ends_when_each_side_reached_its_target(sides, complete):
    d = Driver(routine(("straight_leg_raise", 2, 1, 30)))
    d.press("space", *["n"] * len(S.RED_FLAGS))
    assert d.state == S.CARD
    from formcheck.session.set_tracker import set_complete

    assert set_complete(d.session.run.exercise, [_rep(s) for s in sides]) is complete


def test_the_card_gives_the_target_per_side_in_words():
    d = Driver(routine(("straight_leg_raise", 1, 1, 30), ("bridge", 1, 1, 30)))
    d.press("space", *["n"] * len(S.RED_FLAGS))
    card = d.session.view()
    assert "Target: 1 repetition per side, hold 1.5 s" in card.lines


@pytest.mark.parametrize("sides, expected", [([], "7 / 10"), (["left", "right"], "7 / 20 (10 per side)")])
def test_the_summary_counts_against_the_per_side_target(sides, expected):
    from formcheck.session.log import reps_against_target

    assert reps_against_target({"reps": 7, "target_reps": 5, "target_sets": 2, "sides": sides}) == expected
