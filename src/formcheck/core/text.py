"""Small wording helpers shared by the summaries, the report plot and the overlay."""
from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime

# How each signal unit of an exercise definition is written after a number.
UNIT_SYMBOLS = {"deg": "°", "%": "%", "s": " s"}
# ... and in plain ASCII (terminal output, OpenCV's Hershey fonts, which have no "°").
UNIT_WORDS = {"deg": " deg", "%": "%", "s": " s"}


def plural(n: int | float, word: str, plural_word: str | None = None) -> str:
    """``plural(1, "repetition")`` -> "1 repetition"; ``plural(2, "repetition")`` -> "2 repetitions"."""
    many = plural_word if plural_word is not None else word + "s"
    return f"{n:g} {word if n == 1 else many}" if isinstance(n, float) else f"{n} {word if n == 1 else many}"


def with_unit(value: float | None, unit: str, fmt: str = ".0f", ascii_only: bool = False) -> str:
    """A value followed by its unit: "45°" (or "45 deg" with ``ascii_only``), "12%", "2.5 s";
    "--" for a missing value."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "--"
    symbols = UNIT_WORDS if ascii_only else UNIT_SYMBOLS
    return f"{value:{fmt}}{symbols.get(unit, ' ' + unit)}"


def name_with_unit(name: str, unit: str, ascii_only: bool = False) -> str:
    """A signal's name with its unit in brackets, unless the name already states it:
    ("trunk inclination", "deg") -> "trunk inclination (°)" (or "(deg)"); "foot lift (% of leg
    length)" stays as it is."""
    symbol = (UNIT_WORDS if ascii_only else UNIT_SYMBOLS).get(unit, unit).strip()
    stated = symbol in name if symbol in ("°", "%") else f"({symbol})" in name
    return name if stated else f"{name} ({symbol})"


# -- text in other scripts: terminal columns and dates -------------------------------------------

# One Chinese character or Hangul syllable (and any other ideograph) splits from its neighbours
# when wrapping; a run of Latin letters, digits or Hangul is a word and stays whole.
_CJK = "\u2e80-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_NO_LINE_START = set("，。、：；！？）」』")  # punctuation that never starts a line: it stays on the one before
_TOKENS = re.compile(f"[{_CJK}]|[^\\s{_CJK}]+|\\s+")


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes: two for a wide (Chinese, Korean) character, one otherwise."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad_to(text: str, width: int, right: bool = False) -> str:
    """``text`` padded with spaces to ``width`` columns (str.ljust / rjust, counting wide characters twice)."""
    fill = " " * max(0, width - display_width(text))
    return fill + text if right else text + fill


def wrap_to_width(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` columns, broken at spaces, or between Chinese characters (which
    have none); a word longer than a line gets a line of its own."""
    lines, line = [], ""
    for token in _TOKENS.findall(" ".join(text.split())):
        if token.isspace():
            if line:
                line += " "
        elif (display_width(line) + display_width(token) <= width or not line.strip()
              or token in _NO_LINE_START):
            line += token
        else:
            lines.append(line.rstrip())
            line = token
    if line.strip():
        lines.append(line.rstrip())
    return lines


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def date_text(day: date) -> str:
    """A day the way the reader's language writes it: "2 Dec 2026", "2026年12月2日", "2026년 12월 2일"."""
    from formcheck.i18n import t

    return t("{day} {month_name} {year}", day=day.day, month_name=t(MONTHS[day.month - 1], context="month"),
             year=day.year)


def date_time_text(moment: datetime) -> str:
    """A day and the time of day: "2 Dec 2026, 10:00", "2026年12月2日 10:00"."""
    from formcheck.i18n import t

    return t("{date}, {time}", date=date_text(moment), time=f"{moment:%H:%M}")
