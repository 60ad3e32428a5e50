"""Routines: an ordered list of exercises with their targets (reps, hold, sets, rest).

A routine is a TOML file (see ``routines/default.toml``)::

    name = "My programme"
    language = "zh-TW"        # optional: en, zh-TW or ko (--language overrides it)
    [[exercise]]
    id = "standing_flexion"   # an exercise id (`formcheck exercises`)
    reps = 10                 # default: the exercise's own target
    hold_s = 2.0              # default: the exercise's own target
    sets = 1                  # default 1
    rest_s = 30               # rest between sets, default 30

The shipped default routine names exercises that later versions define: those are skipped with a
notice. A routine the user wrote must name only exercises that exist: a typo there would
otherwise silently drop an exercise the clinician prescribed.
"""
from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from formcheck.core.errors import FormcheckError
from formcheck.definitions.exercises import Exercise
from formcheck.i18n import LANGUAGES, normalize

DEFAULT = "default"
DEFAULT_SETS = 1
DEFAULT_REST_S = 30.0
ENTRY_FIELDS = ("id", "reps", "hold_s", "sets", "rest_s")
TOP_FIELDS = ("name", "language", "exercise")
FIX = "Fix the routine file: each [[exercise]] has id, and optionally reps, hold_s, sets, rest_s."


@dataclass(frozen=True)
class RoutineEntry:
    exercise: Exercise  # with the routine's reps and hold as its targets
    sets: int
    rest_s: float


@dataclass(frozen=True)
class Routine:
    name: str
    source: str
    entries: tuple[RoutineEntry, ...]
    notices: tuple[str, ...] = ()  # what was skipped and why: English (the log's), shown through i18n.t
    language: str | None = None  # the routine's own `language` (i18n.LANGUAGES); --language overrides it


def _fail(source: str, where: str, problem: str, fix: str = FIX) -> FormcheckError:
    return FormcheckError(f"Routine {source}: {where} {problem}.", fix)


def _number(source: str, where: str, table: dict, key: str, kind: type, default, minimum: float):
    if key not in table:
        return default
    value = table[key]
    ok = isinstance(value, int) if kind is int else isinstance(value, (int, float))
    if not ok or isinstance(value, bool):
        wanted = "a whole number" if kind is int else "a number"
        got = type(value).__name__
        raise _fail(source, where, f"field '{key}' must be {wanted}, not {got} ({value!r})")
    if value < minimum:
        raise _fail(source, where, f"field '{key}' is {value}; it must be at least {minimum:g}")
    return kind(value)


def parse_routine(data: dict, source: str, exercises: dict[str, Exercise], *, skip_unknown: bool) -> Routine:
    """Validate ``data``; unknown exercises are skipped (``skip_unknown``) or an error."""
    unknown_top = sorted(set(data) - set(TOP_FIELDS))
    if unknown_top:
        raise _fail(source, "top level", f"has unknown field '{unknown_top[0]}' (known: {', '.join(TOP_FIELDS)})")
    name = data.get("name", Path(source).stem)
    if not isinstance(name, str):
        got = type(name).__name__
        raise _fail(source, "field 'name'", f"must be text, not {got}")
    language = data.get("language")
    if language is not None:
        if not isinstance(language, str) or normalize(language) is None:
            raise _fail(source, "field 'language'", f"is {language!r}; use one of {', '.join(LANGUAGES)}")
        language = normalize(language)
    raw_entries = data.get("exercise", [])
    if not isinstance(raw_entries, list) or not raw_entries:
        raise _fail(source, "the file", "has no [[exercise]] entries")
    entries, notices = [], []
    for i, raw in enumerate(raw_entries, start=1):
        where = f"exercise {i}"
        if not isinstance(raw, dict):
            raise _fail(source, where, "must be a table ([[exercise]])")
        ex_id = raw.get("id")
        if not isinstance(ex_id, str):
            raise _fail(source, where, "needs an 'id' (text), e.g. id = \"standing_flexion\"")
        where = f"exercise {i} ({ex_id})"
        unknown = sorted(set(raw) - set(ENTRY_FIELDS))
        if unknown:
            raise _fail(source, where, f"has unknown field '{unknown[0]}' (known: {', '.join(ENTRY_FIELDS)})")
        if ex_id not in exercises:
            if skip_unknown:
                notices.append(f"{ex_id} is not available in this version, skipping")
                continue
            raise _fail(source, where, "is not a known exercise",
                        f"Use one of: {', '.join(sorted(exercises))} (see `formcheck exercises`).")
        base = exercises[ex_id]
        exercise = dataclasses.replace(
            base, target_reps=_number(source, where, raw, "reps", int, base.target_reps, 1),
            hold_s=_number(source, where, raw, "hold_s", float, base.hold_s, 0))
        entries.append(RoutineEntry(exercise, sets=_number(source, where, raw, "sets", int, DEFAULT_SETS, 1),
                                    rest_s=_number(source, where, raw, "rest_s", float, DEFAULT_REST_S, 0)))
    if not entries:
        raise FormcheckError(f"Routine {source}: none of its exercises is available in this version.",
                             f"Use a routine with some of: {', '.join(sorted(exercises))}.")
    return Routine(name=name, source=source, entries=tuple(entries), notices=tuple(notices), language=language)


def load_routine(spec: str | Path, exercises: dict[str, Exercise]) -> Routine:
    """``"default"`` (the shipped programme) or the path of a routine TOML file."""
    if str(spec) == DEFAULT:
        text = resources.files("formcheck.definitions").joinpath("routines", "default.toml").read_text(encoding="utf-8")
        return parse_routine(tomllib.loads(text), "default", exercises, skip_unknown=True)
    path = Path(spec)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:  # binary, or text in another encoding
        text = None
    except FileNotFoundError:
        raise FormcheckError(f"Routine file not found: {path}.",
                             "Check the --routine path, or leave it out to use the default routine.") from None
    except OSError as exc:
        raise FormcheckError(f"Cannot read routine {path}: {exc.strerror}.", "Check the --routine path.") from exc
    if text is None or "\0" in text:
        raise FormcheckError(f"Routine {path} is not a text file (binary, or not UTF-8).",
                             "Give a routine .toml file saved as UTF-8 text (see README, 'Your own routine').")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FormcheckError(f"Routine {path} is not valid TOML: {exc}.", "Fix the syntax.") from exc
    return parse_routine(data, str(path), exercises, skip_unknown=False)
