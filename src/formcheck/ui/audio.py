"""Optional sound: short tones and spoken cues, played on a worker thread.

Nothing here may hold up the video loop: requests go into a small queue and are dropped when it
is full (a late "hold" is worse than none). Every backend is optional: tones through
``sounddevice`` or, failing that, a WAV file played by ``aplay``/``paplay``; speech through an
``espeak-ng`` subprocess. With none available the session is silent.
"""
from __future__ import annotations

import io
import queue
import shutil
import subprocess
import threading
import wave
from collections.abc import Callable

import numpy as np

from formcheck.i18n import t

SAMPLE_RATE = 22050
# Tone kinds: (frequency Hz, duration s). Higher and shorter for a rep, a two-note chime for a hold.
TONES = {"rep": ((880.0, 0.12),), "hold": ((660.0, 0.1), (990.0, 0.16)), "tick": ((520.0, 0.08),),
         "alert": ((330.0, 0.35),)}


def tone_samples(kind: str) -> np.ndarray:
    """int16 mono samples for a tone kind, with 10 ms fades so it does not click."""
    parts = []
    for freq, dur in TONES[kind]:
        t = np.arange(int(SAMPLE_RATE * dur)) / SAMPLE_RATE
        wave_ = 0.4 * np.sin(2 * np.pi * freq * t)
        fade = min(len(t) // 2, int(0.01 * SAMPLE_RATE))
        ramp = np.linspace(0.0, 1.0, fade)
        wave_[:fade] *= ramp
        wave_[len(t) - fade:] *= ramp[::-1]
        parts.append(wave_)
    return (np.concatenate(parts) * 32767).astype(np.int16)


def wav_bytes(samples: np.ndarray) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(samples.tobytes())
    return buf.getvalue()


def _sounddevice_player() -> Callable[[np.ndarray], None] | None:
    try:
        import sounddevice as sd

        sd.query_devices(kind="output")
    except Exception:  # not installed, no PortAudio, or no output device
        return None

    def play(samples: np.ndarray) -> None:
        sd.play(samples, SAMPLE_RATE, blocking=True)

    return play


def _command_player() -> Callable[[np.ndarray], None] | None:
    for tool in ("paplay", "aplay"):
        exe = shutil.which(tool)
        if exe:
            def play(samples: np.ndarray, exe: str = exe) -> None:
                subprocess.run([exe, "-q"] if exe.endswith("aplay") else [exe], input=wav_bytes(samples),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=5, check=False)
            return play
    return None


# espeak-ng voices per formcheck language, best first (``espeak-ng --voices``). Mandarin reads
# Traditional characters too; plain "cmn" turns them into pinyin and then reads the pinyin as
# English, so "cmn-latn-pinyin" comes first. Slower than espeak's default, for older listeners.
VOICES = {"en": ("en",), "zh-TW": ("cmn-latn-pinyin", "cmn"), "ko": ("ko",)}
SPEED_WPM = 150


def espeak_voices(exe: str) -> set[str]:
    """Voice names espeak-ng has on this machine (its data packages vary)."""
    try:
        out = subprocess.run([exe, "--voices"], capture_output=True, text=True, timeout=5, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return set()
    return {cols[1] for cols in (line.split() for line in out.splitlines()[1:]) if len(cols) > 1}


def _espeak_speaker(language: str = "en") -> Callable[[str], None] | None:
    """Speech in ``language``'s voice; None without espeak-ng or without that voice (silent, as
    without espeak: an English voice reading Chinese is noise, not a cue)."""
    exe = shutil.which("espeak-ng")
    if not exe:
        return None
    wanted = VOICES.get(language, ("en",))
    have = espeak_voices(exe) if wanted != ("en",) else {"en"}
    voice = next((v for v in wanted if v in have), None)
    if voice is None:
        return None

    def say(text: str) -> None:
        # Text with no translation is English (i18n's fallback): read it with the English voice.
        use = voice if not text.isascii() else "en"
        subprocess.run([exe, "-v", use, "-s", str(SPEED_WPM), text], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=10, check=False)

    return say


class Audio:
    """``tone(kind)`` and ``say(text)`` return at once; a worker thread does the playing.

    ``player`` and ``speaker`` default to whatever this machine has (see the module docstring);
    tests pass their own. ``say`` takes the English text and speaks it in ``language`` (the
    i18n catalogues; English where a text has no translation).
    """

    def __init__(self, enabled: bool = True, player: Callable[[np.ndarray], None] | None = None,
                 speaker: Callable[[str], None] | None = None, max_queued: int = 4, language: str = "en") -> None:
        self.muted = False
        self.enabled = enabled
        self.language = language
        self._queue: queue.Queue = queue.Queue(maxsize=max_queued)
        self._thread: threading.Thread | None = None
        if enabled:
            self._player = player or _sounddevice_player() or _command_player()
            self._speaker = speaker or _espeak_speaker(language)
            if self._player or self._speaker:
                self._thread = threading.Thread(target=self._run, name="formcheck-audio", daemon=True)
                self._thread.start()

    @property
    def backends(self) -> str:
        """What will actually sound, for the session's start line."""
        if not self._thread:
            return "off" if not self.enabled else "none available"
        return ", ".join(n for n, f in (("tones", self._player), ("speech", self._speaker)) if f)

    def toggle_mute(self) -> bool:
        self.muted = not self.muted
        return self.muted

    def _put(self, item: tuple[str, object]) -> None:
        if self._thread is None or self.muted:
            return
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            pass  # never wait: a dropped cue is better than a frozen window

    def tone(self, kind: str) -> None:
        if kind in TONES:
            self._put(("tone", kind))

    def say(self, text: str) -> None:
        if text:
            self._put(("say", t(text, lang=self.language)))

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            what, arg = item
            try:
                if what == "tone" and self._player:
                    self._player(tone_samples(arg))
                elif what == "say" and self._speaker:
                    self._speaker(arg)
            except Exception:  # a sound that fails must never end the session
                pass

    def close(self) -> None:
        if self._thread is not None:
            while True:  # drop what has not started: the session is over
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break
            self._queue.put(None)
            self._thread.join(timeout=2.0)
            self._thread = None

    def __enter__(self) -> Audio:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
