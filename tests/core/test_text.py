"""Wording helpers: plurals and units in summaries, the plot and the overlay."""
import pytest

from formcheck.core.text import name_with_unit, plural, with_unit


@pytest.mark.parametrize("n, word, plural_word, expected", [
    (0, "repetition", None, "0 repetitions"),
    (1, "repetition", None, "1 repetition"),
    (2, "repetition", None, "2 repetitions"),
    (1, "rep", None, "1 rep"),
    (10, "set", None, "10 sets"),
    (1.0, "second", None, "1 second"),
    (2.5, "second", None, "2.5 seconds"),
    (3, "person", "people", "3 people"),
    (1, "person", "people", "1 person"),
])
def test_plural(n, word, plural_word, expected):
    assert plural(n, word, plural_word) == expected


@pytest.mark.parametrize("value, unit, fmt, ascii_only, expected", [
    (45.4, "deg", ".0f", False, "45°"),
    (45.4, "deg", ".0f", True, "45 deg"),
    (12.0, "%", ".0f", False, "12%"),
    (12.0, "%", ".0f", True, "12%"),
    (2.5, "s", ".1f", False, "2.5 s"),
    (30.0, "deg", "g", False, "30°"),
    (float("nan"), "deg", ".0f", False, "--"),
    (None, "%", ".0f", False, "--"),
])
def test_with_unit(value, unit, fmt, ascii_only, expected):
    assert with_unit(value, unit, fmt, ascii_only) == expected


@pytest.mark.parametrize("name, unit, ascii_only, expected", [
    ("trunk inclination", "deg", False, "trunk inclination (°)"),
    ("trunk inclination", "deg", True, "trunk inclination (deg)"),
    ("foot lift (% of leg length)", "%", False, "foot lift (% of leg length)"),
    ("foot lift", "%", True, "foot lift (%)"),
    ("time in view", "s", False, "time in view (s)"),
])
def test_name_with_unit(name, unit, ascii_only, expected):
    assert name_with_unit(name, unit, ascii_only) == expected
