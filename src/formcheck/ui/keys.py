"""Key presses from the window and from a script, as one stream of key names.

A key is named by its character ("n", "q", "1") or by a word for keys without one ("space",
"enter", "esc"). A key script (``--keys FILE``) has one ``SECONDS KEY`` per line, seconds from the
session start, so a whole session can be driven without anyone at the keyboard; ``#`` starts a
comment.
"""
from __future__ import annotations

from collections import deque
from pathlib import Path

from formcheck.core.errors import FormcheckError

NAMED = {"space": 32, "enter": 13, "esc": 27, "tab": 9, "backspace": 8}
_BY_CODE = {code: name for name, code in NAMED.items()} | {10: "enter"}


def key_from_code(code: int) -> str | None:
    """The name of a ``cv2.waitKey`` code (its low byte), or None for no key."""
    if code < 0:
        return None
    code &= 0xFF
    if code in _BY_CODE:
        return _BY_CODE[code]
    return chr(code).lower() if 33 <= code < 127 else None


def parse_key(token: str) -> str | None:
    """A script's key token as a key name; None if it is not one."""
    lowered = token.lower()
    if lowered in NAMED:
        return lowered
    return lowered if len(token) == 1 and 33 <= ord(token) < 127 else None


def load_key_script(path: Path) -> list[tuple[float, str]]:
    """``[(seconds, key), ...]`` in time order, or a ``FormcheckError`` naming the line."""
    path = Path(path)
    fix = "Write one 'SECONDS KEY' per line, e.g. '12.5 space' or '20 n'."
    not_text = FormcheckError(f"The key script {path} is not a text file (binary, or not UTF-8).",
                              f"Give a UTF-8 text file as --keys. {fix}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:  # binary, or text in another encoding
        raise not_text from None
    except OSError as exc:
        raise FormcheckError(f"Cannot read the key script {path}: {exc.strerror}.", "Check the --keys path.") from exc
    if "\0" in text:  # valid UTF-8 but binary all the same
        raise not_text
    lines = text.splitlines()
    script = []
    for number, line in enumerate(lines, start=1):
        parts = line.split("#", 1)[0].split()
        if not parts:
            continue
        try:
            seconds = float(parts[0])
        except ValueError:
            seconds = -1.0
        key = parse_key(parts[1]) if len(parts) == 2 else None
        if seconds < 0 or key is None:
            raise FormcheckError(f"Key script {path}, line {number}: cannot read {line.strip()!r}.",
                                 f"{fix} Names: {', '.join(NAMED)}.")
        script.append((seconds, key))
    if not script:
        raise FormcheckError(f"The key script {path} has no keys in it.", fix)
    return sorted(script, key=lambda item: item[0])


class KeyQueue:
    """Keys waiting to be handled, whichever input they came from.

    Scripted keys are released when the session clock reaches their time, so the window and the
    script feed the session the same way.
    """

    def __init__(self, script: list[tuple[float, str]] = ()) -> None:
        self._script = deque(script)
        self._pending: deque[str] = deque()

    @property
    def script_done(self) -> bool:
        """Every scripted key has been released (true at once without a script)."""
        return not self._script

    def push(self, key: str | None) -> None:
        if key is not None:
            self._pending.append(key)

    def take(self, now_s: float) -> list[str]:
        """Every key due by ``now_s`` (seconds since the session start), oldest first."""
        while self._script and self._script[0][0] <= now_s:
            self._pending.append(self._script.popleft()[1])
        keys = list(self._pending)
        self._pending.clear()
        return keys
