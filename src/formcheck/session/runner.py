"""`formcheck session`: the I/O around the ``flow.Session`` state machine.

One loop on the main thread: read a frame (camera or file at camera speed, ``live_runtime``), hand
it to the asynchronous model, give the state machine the time, keys and any new pose, draw its
screen and show it. The model runs on MediaPipe's thread and sound on its own, so neither can
stall the window. Every event is in ``events.jsonl`` the moment it happens.

A ``--source FILE`` loops like a camera feed, so a short clip can drive a whole session;
``source_end="stop"`` makes it behave like a camera that is unplugged when the clip ends (the
session pauses, retries, then ends cleanly: ``live_runtime``'s retry policy).

Without a window, a line goes to stderr at each change of screen, rep and answer (``Progress``),
and a screen left waiting for a key once the key script has run out ends the session
(``no_input``) instead of waiting for ever.
"""
from __future__ import annotations

import contextlib
import statistics
import sys
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import numpy as np

from formcheck.analysis.framing import frame_brightness
from formcheck.definitions.exercises import load_exercises
from formcheck.definitions.routines import load_routine
from formcheck.i18n import get_language, parse_language, t, using
from formcheck.io.jsonl import JsonlLog
from formcheck.io.outputs import ensure_writable_dir
from formcheck.io.sources import Frame
from formcheck.pose.estimators import CAMERA_POSES, LivePoseEstimator, PoseSettings
from formcheck.session.flow import Session
from formcheck.session.live_runtime import LiveSource, PoseFeed, next_frame
from formcheck.session.log import (
    DATA_OPTION,
    EVENTS_FILE,
    last_session_notice,
    new_session_dir,
    sessions_root,
    summary_paths,
    write_summary,
)
from formcheck.session.progress import Progress
from formcheck.session.types import Timings
from formcheck.session.view import session_summary, summary_lines
from formcheck.ui.audio import Audio
from formcheck.ui.keys import KeyQueue, load_key_script
from formcheck.ui.overlay import OverlayRenderer
from formcheck.ui.screens import draw_screen
from formcheck.ui.window import WindowDisplay, require_display

BLANK_SIZE = (480, 640)  # what the window shows before the first frame or without a camera
# Without a window, once the key script is used up, a screen that waits for an answer this long
# ends the session ("no_input") rather than wait for ever.
NO_INPUT_S = 10.0


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class RateMeter:
    """Events per second over the last few seconds: what the screen shows."""

    def __init__(self, window_s: float = 2.0) -> None:
        self.window_s = window_s
        self._times: deque[float] = deque()

    def tick(self, t: float) -> None:
        self._times.append(t)

    def rate(self, now: float) -> float:
        while self._times and self._times[0] < now - self.window_s:
            self._times.popleft()
        if len(self._times) < 2:
            return 0.0
        return (len(self._times) - 1) / max(self._times[-1] - self._times[0], 1e-6)


class Stats:
    """Display rate, pose rate and camera-to-overlay latency, recent (on screen) and overall (summary)."""

    def __init__(self) -> None:
        self.frames_shown = 0
        self.pose_updates = 0
        self.pose_time_s = 0.0  # time spent in states that run the model
        self.latencies_s: list[float] = []
        self.display = RateMeter()
        self.pose = RateMeter()

    def on_screen(self, now: float) -> str:
        return f"{self.display.rate(now):.0f} fps, pose {self.pose.rate(now):.0f}/s"

    def as_dict(self, elapsed_s: float) -> dict:
        lat = sorted(self.latencies_s)
        p95 = lat[min(len(lat) - 1, int(round(0.95 * (len(lat) - 1))))] if lat else None
        return {"display_fps": round(self.frames_shown / elapsed_s, 1) if elapsed_s else 0.0,
                "pose_updates_per_s": round(self.pose_updates / self.pose_time_s, 1) if self.pose_time_s else 0.0,
                "latency_ms_median": round(1000 * statistics.median(lat), 1) if lat else None,
                "latency_ms_p95": round(1000 * p95, 1) if lat else None,
                "latency_samples": len(lat)}


def run_session(routine: str | Path = "default", *, camera: int = 0, source_file: Path | None = None,
                source_end: str = "loop", keys_file: Path | None = None, window: bool = True,
                data_dir: Path | None = None, audio: bool = True, model: Path | None = None,
                exercises_dir: Path | None = None, timings: Timings | None = None, render: bool | None = None,
                print_fn: Callable[[str], None] = print, progress: Callable[[str], None] | None = None,
                no_input_s: float = NO_INPUT_S, poses: int = CAMERA_POSES, language: str | None = None) -> dict:
    """Run a whole session; returns the summary (also written as summary.json / summary.html).

    ``render`` draws the screens even without a window (the benchmark measures drawing too);
    by default only a window gets them. Without a window, ``progress`` (default: stderr) gets a
    line at each change of screen, each rep and each answer, and a screen that waits for a key
    longer than ``no_input_s`` after the key script has run out ends the session. ``poses``: how
    many people the model may find (the session follows the one it started with). ``language``
    (``--language``) beats the routine's own ``language``; without either, the active one
    (``i18n``: the CLI sets it from the locale).
    """
    the_routine = load_routine(routine, load_exercises(exercises_dir))
    lang = parse_language(language) if language else the_routine.language or get_language()
    script = load_key_script(keys_file) if keys_file else []
    if window:
        require_display()
    source = LiveSource(camera, source_file, source_end)
    source.probe()  # a bad file or an absent camera fails before anything (even the data folder) is created
    timings = timings or Timings(closing_s=Timings.closing_s if window else 0.0)
    render = window if render is None else render
    root = ensure_writable_dir(sessions_root(data_dir), DATA_OPTION)  # before the model: fail fast
    if progress is None and not window:
        progress = _stderr
    shown = Progress(the_routine, progress) if progress else None
    with using(lang):
        previous = last_session_notice(root)  # in the session's language, as shown and logged
    for line in ((previous,) if previous else ()) + the_routine.notices:
        print_fn(t(line, lang))  # a routine's notices are written in English (the log keeps them so)

    # The model and the camera first: if either fails, no empty session folder is left behind.
    # One model for the whole session: with masks (the back's outline) if any exercise measures the spine.
    masks = any(entry.exercise.measures_spine for entry in the_routine.entries)
    with (LivePoseEstimator(model, PoseSettings(num_poses=poses, segmentation_masks=masks)) as estimator,
          contextlib.closing(source),
          using(lang)):
        source.open()
        folder = new_session_dir(root)
        with JsonlLog(folder / EVENTS_FILE) as log, Audio(enabled=audio, language=lang) as sound:
            written: list[dict] = []

            def write(record: dict) -> None:
                log.write(record)
                written.append(record)
                if shown is not None:
                    shown.record(record)
                if record.get("type") in ("exercise_end", "session_end"):
                    # Into the history at the end of each exercise, from the records just logged
                    # (the same reading `formcheck history --rebuild` does of the log).
                    record_session_history(written, folder / EVENTS_FILE, data_dir)

            session = Session(the_routine, log=write, sound=sound, timings=timings,
                              notices=(previous,) if previous else ())
            display = WindowDisplay() if window else None
            loop = SessionLoop(session, source, PoseFeed(estimator), KeyQueue(script), display, render,
                               progress=shown, no_input_s=None if window else no_input_s, scripted=bool(script))
            started = datetime.now()
            session.start(0.0, time=started.isoformat(timespec="seconds"), source=source.name,
                          folder=str(folder), audio=sound.backends, language=lang)
            try:
                loop.run()
            except KeyboardInterrupt:
                session.interrupt(loop.clock(), "interrupted")
            finally:
                if display is not None:
                    display.close()
            elapsed = loop.clock()
            summary = {"started": started.isoformat(timespec="seconds"), "duration_s": round(elapsed, 1),
                       **session_summary(session), "folder": str(folder), "timing": loop.stats.as_dict(elapsed)}
            summary["lines"] = list(summary_lines(summary))
            summary["outputs"] = {"events": str(folder / EVENTS_FILE), **summary_paths(folder)}
            write_summary(folder, summary, written)
    return summary


def record_session_history(records: list[dict], log_path: Path, data_dir: Path | None) -> None:
    from formcheck.history.rebuild import runs_from_session_log
    from formcheck.history.store import record_quietly

    runs = runs_from_session_log(records, log_path)
    if runs:
        record_quietly(runs, data_dir, _stderr)


class SessionLoop:
    """The per-frame loop: frames -> model -> state machine -> screen."""

    def __init__(self, session: Session, source: LiveSource, feed: PoseFeed, keys: KeyQueue,
                 display: WindowDisplay | None, render: bool, progress: Progress | None = None,
                 no_input_s: float | None = None, scripted: bool = False) -> None:
        self.session, self.source, self.feed, self.keys = session, source, feed, keys
        self.display, self.render = display, render
        self.progress, self.no_input_s, self.scripted = progress, no_input_s, scripted
        self._waiting_since = 0.0  # the last key or change of screen: how long nothing has happened
        self._waiting_on: tuple | None = None
        self.renderer = OverlayRenderer()
        self.stats = Stats()
        self._t0 = time.monotonic()
        self._last_image = np.zeros((*BLANK_SIZE, 3), np.uint8)

    def clock(self) -> float:
        """Seconds since the session started: key scripts, logs and pose timestamps all use it."""
        return time.monotonic() - self._t0

    def run(self) -> None:
        session, stats = self.session, self.stats
        last = self.clock()
        self._show_progress()
        while not session.finished:
            frame, captured = self._next_frame()
            pose = None
            brightness = 128.0
            if frame is not None:
                brightness = frame_brightness(frame.image)
                if session.wants_pose:
                    pose = self.feed.push(frame.image, captured)
            now = self.clock()
            if session.wants_pose:
                stats.pose_time_s += now - last
                if pose is not None:
                    stats.pose_updates += 1
                    stats.pose.tick(now)
            last = now
            size = (frame.image.shape[1], frame.image.shape[0]) if frame is not None else BLANK_SIZE[::-1]
            session.update(now, pose, brightness, size)
            self._show_progress()
            keys = self.keys.take(now)
            for key in keys:
                session.key(now, key)
                self._show_progress()  # every screen a burst of keys went through
            self._check_input(now, bool(keys))
            if session.finished:
                break
            self._show(frame, pose)
            if frame is None:
                time.sleep(0.03)  # no camera: do not spin

    def _show_progress(self) -> None:
        if self.progress is not None:
            self.progress.check(self.session)

    def _check_input(self, now: float, pressed: bool) -> None:
        """Headless: end a session stuck on a screen that waits for a key when no key will come."""
        session = self.session
        if self.no_input_s is None:  # a window: someone may still press a key
            return
        where = (session.state, session.view().title)
        if pressed or where != self._waiting_on:
            self._waiting_on, self._waiting_since = where, now
            return
        if not session.waiting_for_key or not self.keys.script_done or now - self._waiting_since < self.no_input_s:
            return
        why = ("and the --keys script has no more keys" if self.scripted
               else "and there is no window or --keys script to press one")
        session.no_input(now, now - self._waiting_since, why)

    def _next_frame(self) -> tuple[Frame | None, float]:
        """A frame (None while the camera is lost) and when it was captured, on the session clock."""
        frame = next_frame(self.source, self.session, self.clock)
        return frame, self.clock()

    def _show(self, frame: Frame | None, pose: tuple | None) -> None:
        screen = self.session.view()
        if self.render:
            if frame is not None:
                self._last_image = frame.image
            canvas = self._last_image.copy() if frame is not None else np.zeros_like(self._last_image)
            # Frame rates only over the picture: the cards (questions, summary) are for the patient.
            draw_screen(canvas, screen, self.renderer, self.stats.on_screen(self.clock()) if screen.video else "")
            if self.display is not None:
                self.keys.push(self.display.show(canvas))
                if self.display.closed:
                    self.session.interrupt(self.clock(), "window_closed")
        if frame is not None:
            self.stats.frames_shown += 1
            self.stats.display.tick(self.clock())
        # Latency: from the capture of the frame a pose came from to the first overlay drawn with it.
        if pose is not None and (screen.result is not None or screen.keypoints is not None):
            self.stats.latencies_s.append(self.clock() - pose[0])
