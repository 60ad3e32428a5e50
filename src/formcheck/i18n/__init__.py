"""Translations: one catalogue per language, keyed by the English text.

English is the source language and the fallback: ``t("Rest")`` returns the active language's
entry for "Rest", or "Rest" itself when there is none. Text with values in it is a template with
named fields, translated first and filled in after: ``t("Rest {seconds} s", seconds=30)``.

Two sources feed a language's lookup table:

- the catalogue files ``catalogs/<language>/*.toml`` (``patient.toml``: session screens, set-up
  and warning messages, safety questions, summaries, speech; ``errors.toml``: the command
  line's error messages, see ``error_text``; others for the command line and the clinician's
  pages), whose tables only group entries for the translator; one English text has one entry
  across a language's files;
- each exercise definition's ``[i18n.<language>]`` table (name, instructions, safety notes,
  cues), registered by ``definitions.exercises`` as it loads them, so an exercise file a user
  adds carries its own translations.

The active language is process-wide (``set_language``, or ``using`` for a block): one person
uses one formcheck at a time, and the audio thread must speak the language the screen shows.
"""
from __future__ import annotations

import functools
import locale
import os
import re
import string
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from importlib import resources

from formcheck.core.errors import FormcheckError

SOURCE = "en"
LANGUAGES = ("en", "zh-TW", "ko")
LANGUAGE_NAMES = {"en": "English", "zh-TW": "繁體中文", "ko": "한국어"}
# Locale spellings (LANG=zh_TW.UTF-8, zh-Hant, ko_KR) -> the language formcheck has for them.
_ALIASES = {"en": "en", "zh_tw": "zh-TW", "zh_hk": "zh-TW", "zh_mo": "zh-TW", "zh_hant": "zh-TW",
            "ko": "ko", "ko_kr": "ko"}

_current = SOURCE
_catalogs: dict[str, dict[str, str]] = {}
_exercise_text: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES if lang != SOURCE}


def normalize(code: str | None) -> str | None:
    """The formcheck language for a language tag or locale name, or None if there is none.

    "zh-TW", "zh_TW.UTF-8", "zh-Hant-TW", "ko_KR" and "en_GB" are understood; "zh_CN"
    (simplified Chinese) is not Traditional Chinese and gives None.
    """
    if not code:
        return None
    tag = code.split(".", 1)[0].split("@", 1)[0].replace("-", "_").lower()
    if tag in ("c", "posix"):
        return None
    parts = tag.split("_")
    for key in ("_".join(parts[:2]), parts[0]):
        if key in _ALIASES:
            return _ALIASES[key]
    if parts[0] == "zh" and "hant" in parts:
        return "zh-TW"
    return None


def parse_language(text: str) -> str:
    """``--language`` / a routine's ``language``: one of LANGUAGES (any locale spelling of one)."""
    lang = normalize(text)
    if lang is None or text.strip() == "":
        raise FormcheckError(f"Unknown language {text!r}.", f"Use one of: {', '.join(LANGUAGES)}.")
    return lang


def system_language(environ: Mapping[str, str] | None = None) -> str | None:
    """The language of the user's locale (LANGUAGE, LC_ALL, LC_MESSAGES, LANG), if formcheck has it."""
    env = os.environ if environ is None else environ
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "")
        if not value:
            continue
        for part in value.split(":"):  # LANGUAGE is a priority list
            lang = normalize(part)
            if lang:
                return lang
        if var != "LANGUAGE":
            return None  # the first locale variable set decides, as for the C library
    if environ is None:
        try:
            return normalize(locale.getlocale(locale.LC_MESSAGES)[0])
        except (AttributeError, ValueError):
            return None
    return None


def resolve_language(explicit: str | None = None, routine: str | None = None,
                     environ: Mapping[str, str] | None = None) -> str:
    """The language to use: ``--language`` > the routine file's ``language`` > the locale > English."""
    for choice in (explicit, routine):
        if choice:
            return parse_language(choice)
    return system_language(environ) or SOURCE


def catalog(lang: str) -> dict[str, str]:
    """The catalogue of ``lang`` (English -> translation), loaded once; {} for English."""
    if lang == SOURCE:
        return {}
    if lang not in _catalogs:
        if lang not in LANGUAGES:
            raise FormcheckError(f"Unknown language {lang!r}.", f"Use one of: {', '.join(LANGUAGES)}.")
        entries: dict[str, str] = {}
        folder = resources.files("formcheck.i18n").joinpath("catalogs", lang)
        for file in sorted((f for f in folder.iterdir() if f.name.endswith(".toml")), key=lambda f: f.name):
            found: dict[str, str] = {}
            _flatten(tomllib.loads(file.read_text(encoding="utf-8")), found, f"{lang}/{file.name}")
            twice = sorted(set(found) & set(entries))
            if twice:
                raise FormcheckError(f"Catalogue {lang}/{file.name} repeats entries of another file: {twice[:3]}.",
                                     "Keep one entry per English text.")
            entries.update(found)
        _catalogs[lang] = entries
    return _catalogs[lang]


def _flatten(table: dict, into: dict[str, str], file: str, prefix: str = "") -> None:
    for key, value in table.items():
        if isinstance(value, dict):  # a [section]: grouping only
            _flatten(value, into, file, f"{prefix}{key}.")
        elif isinstance(value, str):
            into[key] = value
        else:
            raise FormcheckError(f"Catalogue {file}: entry {prefix}{key!r} must be text.", "Fix the catalogue.")


def register_exercise_text(lang: str, pairs: Mapping[str, str]) -> None:
    """Translations an exercise definition carries (English -> ``lang``), for ``t``."""
    if lang in _exercise_text:
        _exercise_text[lang].update({k: v for k, v in pairs.items() if k and v})
        _lookup.cache_clear()


MIN_TEMPLATE_WORDS = 12  # letters of fixed text a template needs to be matched in reverse (not "{a}: {b}")
MAX_SPLITS = 64  # ways of cutting one text into a template's fields that are tried (see _fill)
_CONTEXT = re.compile(r"^[A-Za-z_]\w*\|")  # "view|side", "problem|Not found: {p}."


@functools.lru_cache(maxsize=4)
def _reverse_templates(lang: str) -> tuple[tuple, ...]:
    """Catalogue templates as patterns, to translate text that was filled in before it reached
    the screen (an analyzer's message with its numbers in it, an error message with a path in it).

    A template needs MIN_TEMPLATE_WORDS letters of fixed text, so that "{a}: {b}" does not claim
    every text with a colon in it; a template with a context ("where|exercise {i}") needs only one
    letter, as it is tried only on text given with that context: by ``t(..., context=...)``, or
    for a field of a template already matched ("Routine {source}: {where} {problem}." fills
    ``where`` from "where|exercise {i}" or "exercise {i}"). The most specific template (the most
    fixed text) is tried first; each only on text that starts and ends with its fixed text and
    holds its longest piece of it. Each is (context or None, pattern, translation, literals, names,
    longest literal).
    """
    found = []
    for key, value in catalog(lang).items():
        context = key.split("|", 1)[0] if _CONTEXT.match(key) else None
        parts = list(string.Formatter().parse(key))
        names = [name for _, name, _, _ in parts if name is not None]
        literals = [literal for literal, _, _, _ in parts]
        if len(literals) == len(names):
            literals.append("")  # the text ends with a field
        fixed = "".join(literals)[len(context) + 1 if context else 0:]
        if (not names or not all(n.isidentifier() for n in names) or len(set(names)) != len(names)
                or sum(c.isalpha() for c in fixed) < (1 if context else MIN_TEMPLATE_WORDS)):
            continue
        pattern = "".join(re.escape(literal) + (f"(?P<{name}>.*?)" if i < len(names) else "")
                          for i, (literal, name) in enumerate(zip(literals, [*names, None], strict=True)))
        found.append((len(fixed), context, re.compile(f"^{pattern}$", re.DOTALL), value, tuple(literals),
                      tuple(names), max(literals, key=len)))
    found.sort(key=lambda item: -item[0])
    return tuple(item[1:] for item in found)


def _splits(text: str, literals: tuple[str, ...], start: int = 0) -> Iterator[list[str]]:
    """Every way of reading ``text[start:]`` as field, literal, field, ... (``literals[0]`` is
    already matched), the shortest first field first."""
    if len(literals) == 1:  # one field left, then the last literal, which ends the text
        if text.endswith(literals[0]) and len(text) - len(literals[0]) >= start:
            yield [text[start:len(text) - len(literals[0])]]
        return
    at = text.find(literals[0], start) if literals[0] else start
    while at != -1:
        for rest in _splits(text, literals[1:], at + len(literals[0])):
            yield [text[start:at], *rest]
        if not literals[0]:
            break  # two fields side by side: the first takes what the regex gave it
        at = text.find(literals[0], at + 1)


def _field(name: str, value: str, lang: str) -> str | None:
    """A field's text in ``lang`` if it is text formcheck wrote (its own entry, or one in the
    field's context: "where|the file"), else None (a path, a number, the system's message)."""
    return (_lookup(f"{name}|{value}", lang) if value else None) or (_lookup(value, lang) if value else None)


def _fill(text: str, pattern: re.Pattern, template: str, literals: tuple[str, ...], names: tuple[str, ...],
          lang: str) -> str | None:
    match = pattern.match(text)
    if not match:
        return None
    # A field in quotes ("field '{key}'") is a name to type as it is: never translated.
    quoted = {name for i, name in enumerate(names)
              if literals[i][-1:] in ("'", '"') or literals[i + 1][:1] in ("'", '"')}

    def translated(name: str, value: str) -> str | None:
        return None if name in quoted else _field(name, value, lang)

    best, best_score = match.groupdict(), -1
    if len(names) > 1:  # "{where} {problem}": choose the cut whose fields formcheck can translate
        for n, values in enumerate(_splits(text, literals[1:], len(literals[0]))):
            if n >= MAX_SPLITS:
                break
            score = sum(translated(k, v) is not None for k, v in zip(names, values, strict=True))
            if score > best_score:
                best, best_score = dict(zip(names, values, strict=True)), score
    fields = {k: v if k in quoted else translated(k, v) or _exercise_text.get(lang, {}).get(v) or _DEG.sub("°", v)
              for k, v in best.items()}  # "°": the text is drawn with FreeType
    return template.format(**fields)


_DEG = re.compile(r"(?<=\d) deg\b")


@functools.lru_cache(maxsize=4096)  # cues are looked up on every frame
def _lookup(text: str, lang: str) -> str | None:
    direct = catalog(lang).get(text) or _exercise_text.get(lang, {}).get(text)
    if direct:
        return direct
    # "problem|Not found: x." is tried on "problem|..." templates and, as "Not found: x.", on the
    # others, the most specific first: a long plain template beats a short one in context.
    context, plain = (text.split("|", 1) if _CONTEXT.match(text) else (None, text))
    for needs, pattern, template, literals, names, longest in _reverse_templates(lang):
        if needs is not None and needs != context:
            continue
        candidate = text if needs else plain
        if candidate.startswith(literals[0]) and candidate.endswith(literals[-1]) and longest in candidate:
            filled = _fill(candidate, pattern, template, literals, names, lang)
            if filled is not None:
                return filled
    return None


def lookup(text: str, lang: str) -> str | None:
    """The translation of ``text`` into ``lang``, or None if there is none. Text filled in from
    a catalogue template ("... within 120 s: it was closed") is recognised and translated too."""
    if lang == SOURCE or not text:
        return None
    return _lookup(text, lang)


def t(text: str, /, lang: str | None = None, context: str | None = None, **fields) -> str:
    """``text`` in the active language (or ``lang``), with ``fields`` filled in.

    ``context`` tells apart one English word with two meanings: the catalogue key
    "view|side" (the camera's view) is tried before "side" (e.g. a body side).
    """
    lang = lang or _current
    out = (context and lookup(f"{context}|{text}", lang)) or lookup(text, lang) or text
    return out.format(**fields) if fields else out


def count_text(n: int, one: str, many: str) -> str:
    """A count in words, in the active language: ``count_text(1, "1 run", "{n} runs")`` is "1 run",
    with 3 it is "3 runs" (each form its own catalogue entry: languages count differently)."""
    return t(one) if n == 1 else t(many, n=n)


def error_text(exc: FormcheckError, lang: str | None = None) -> str:
    """A ``FormcheckError`` as the command line prints it (what is wrong, then what to do), in the
    active language. The raise sites write English, often filled in (``f"Video not found: {path}."``):
    the catalogue entry is the template, matched in reverse, tried first with the context
    "problem" or "fix" (which lets a short template such as "problem|Not found: {p}." be matched)."""
    try:
        problem = t(exc.problem, lang, context="problem") if exc.problem else ""
        fix = t(exc.fix, lang, context="fix") if exc.fix else ""
    except FormcheckError:  # the catalogue itself cannot be read: the message it was about, in English
        return str(exc)
    return f"{problem}{'' if problem.endswith('。') else ' '}{fix}".strip()  # no space after a full stop "。"


def set_language(lang: str) -> str:
    """Make ``lang`` the active language; returns the one it replaces."""
    global _current
    if lang not in LANGUAGES:
        raise FormcheckError(f"Unknown language {lang!r}.", f"Use one of: {', '.join(LANGUAGES)}.")
    catalog(lang)  # load (and check) it now, not on the first frame
    previous, _current = _current, lang
    return previous


def get_language() -> str:
    return _current


@contextmanager
def using(lang: str) -> Iterator[str]:
    """The active language is ``lang`` inside the block."""
    previous = set_language(lang)
    try:
        yield lang
    finally:
        set_language(previous)


def placeholders(template: str) -> set[str]:
    """The named fields of a template ("{n} of {total}" -> {"n", "total"})."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}
