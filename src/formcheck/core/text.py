"""Small wording helpers shared by the summaries, the report plot and the overlay."""
from __future__ import annotations

import math

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
