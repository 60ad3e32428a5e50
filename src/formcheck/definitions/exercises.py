"""Exercise definitions: data files, validated on load.

Each exercise is one TOML file (``exercise_defs/*.toml`` inside the package, plus any folder a
user names). A bad file gets a message naming the file, the field and the problem.
"""
from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from formcheck.analysis.kinematics import Angles
from formcheck.analysis.reps.machine import RepParams
from formcheck.core.errors import FormcheckError
from formcheck.i18n import LANGUAGES, SOURCE, register_exercise_text

VIEWS = ("side", "front", "either")
LEVELS = ("measured", "tracked", "timer")
PHASE_NAMES = ("rest", "moving", "hold", "returning")
SIGNAL_FIELDS = tuple(k for k, v in Angles().as_dict().items() if isinstance(v, float) and k != "visibility")
SIDED_FIELDS = tuple(sorted({k.replace("_left", "_{side}") for k in SIGNAL_FIELDS if "_left" in k}))
SIDES = ("left", "right")
CUE_KEYS = ("rest", "moving", "hold", "hold_done", "returning")
SIGNAL_UNITS = ("deg", "%")  # [signal] unit: degrees, or percent (e.g. of leg length)
# Settings of the repetition machine (RepParams) that a definition may set, by table and key:
# every one has a default in RepParams and is validated there (README, "Adding an exercise").
MACHINE_FIELDS = {
    "reps": {"return_fraction": "return_fraction", "confirm_s": "confirm_s", "timeout_s": "timeout_s",
             "rest_adapt_s": "rest_adapt_s"},
    "hold": {"mode": "hold_mode", "band_deg": "hold_band_deg", "still_speed_dps": "still_speed_dps",
             "still_fraction": "still_fraction", "exit_factor": "hold_exit_factor",
             "creep_max_dps": "creep_max_dps", "max_gap_s": "max_gap_s"},
    "signal": {"speed_window_s": "speed_window_s", "trend_window_s": "trend_window_s",
               "glitch_window_s": "glitch_window_s", "noise_factor": "noise_factor"},
}


@dataclass(frozen=True)
class FormRule:
    """A named fault: ``field`` below ``below`` (or above ``above``) for ``min_duration_s``."""

    code: str
    field: str  # an Angles field; "{side}" in it means the side doing the current repetition
    below: float | None = None
    above: float | None = None
    phases: tuple[str, ...] = ("moving", "hold", "returning")
    min_duration_s: float = 0.3
    message: str = ""  # the on-screen cue; defaults to the built-in text for known codes

    def field_for(self, side: str | None, near_side: str) -> str:
        return self.field.format(side=side or near_side)

    def violated(self, value: float) -> bool:
        if math.isnan(value):
            return False
        return (self.below is not None and value < self.below) or (self.above is not None and value > self.above)


@dataclass(frozen=True)
class Exercise:
    id: str
    name: str
    position: str
    view: str
    level: str
    summary: str
    instructions: tuple[str, ...]
    safety: tuple[str, ...]
    signal_field: str | None  # None for "timer" exercises: nothing is measured
    signal_label: str
    signal_description: str
    expected_error_deg: float | None
    target_reps: int
    rest_deg: float
    target_deg: float
    start_deg: float
    return_deg: float
    count_min_deg: float
    rest_limit_deg: float
    hold_s: float
    hold_tolerance_s: float
    min_move_s: float
    form: tuple[FormRule, ...] = ()
    cues: dict = field(default_factory=dict)
    source: str = ""
    level_reason: str = ""  # why an exercise is "tracked" or "timer"
    sides: tuple[str, ...] = ()  # ("left", "right"): one repetition counter per side
    warn_short_hold: bool = True  # False where holding less is never to be pushed (extension test)
    hold_cap_s: float | None = None  # hard limit: the user is told to stop (dead hang)
    rule: str = ""  # special flow handled by the session: "extension_test"
    unit: str = "deg"  # of the signal and every *_deg threshold: "deg" or "%"; "s" for a timer
    machine: dict = field(default_factory=dict)  # RepParams settings the definition sets (MACHINE_FIELDS)
    # The back's own bend apart from the hips, from the body's outline (analysis.spine): asks the
    # model for segmentation masks, which cost time per frame (README, "What is measured")
    measures_spine: bool = False
    i18n: dict = field(default_factory=dict)  # language -> {English text: translation}, from [i18n.LANG]

    def rep_params(self) -> RepParams:
        """The repetition machine's settings: the definition's, defaults for the rest."""
        return RepParams(rest_deg=self.rest_deg, target_deg=self.target_deg, start_deg=self.start_deg,
                         return_deg=self.return_deg, count_min_deg=self.count_min_deg,
                         rest_limit_deg=self.rest_limit_deg, **self.machine)

    @property
    def hold_mode(self) -> str:
        return self.machine.get("hold_mode", "static")

    @property
    def rest_range(self) -> tuple[float, float]:
        """The lowest and highest signal value accepted as this person's rest."""
        return (min(self.rest_deg - self.rest_limit_deg, self.rest_deg + self.rest_limit_deg),
                max(self.rest_deg - self.rest_limit_deg, self.rest_deg + self.rest_limit_deg))

    @property
    def measures(self) -> bool:
        return self.signal_field is not None

    def signal_for(self, side: str | None) -> str | None:
        return self.signal_field.format(side=side) if self.signal_field and side else self.signal_field

    def message_for(self, code: str) -> str:
        """The words for an event code: this exercise's own rule message, else the built-in one."""
        from formcheck.core.events import EVENT_MESSAGES

        for rule in self.form:
            if rule.code == code and rule.message:
                return rule.message
        return EVENT_MESSAGES.get(code, code.replace("_", " "))

    @property
    def limit_deg(self) -> float | None:
        """The safety/form limit on the measured signal itself (drawn on the gauge), if any."""
        for rule in self.form:
            if rule.field == self.signal_field and rule.field is not None:
                return rule.above if rule.above is not None else rule.below
        return None


class _Fields:
    """Reads one table of a definition file, collecting precise error messages."""

    def __init__(self, source: str, table: dict, prefix: str = "") -> None:
        self.source, self.table, self.prefix = source, table, prefix

    def _fail(self, key: str, problem: str) -> FormcheckError:
        return FormcheckError(f"Exercise definition {self.source}: field '{self.prefix}{key}' {problem}.",
                              "Fix the file (see README, 'Adding an exercise').")

    def get(self, key: str, kind: type, default=...):
        if key not in self.table:
            if default is ...:
                raise self._fail(key, "is missing")
            return default
        value = self.table[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if kind is tuple:
            if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                raise self._fail(key, "must be a list of strings")
            return tuple(value)
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            wanted, got = kind.__name__, type(value).__name__
            raise self._fail(key, f"must be {wanted}, not {got} ({value!r})")
        return value

    def choice(self, key: str, options: tuple[str, ...], default=...) -> str:
        value = self.get(key, str, default)
        if value not in options:
            raise self._fail(key, f"is {value!r}; use one of {', '.join(options)}")
        return value

    def table_of(self, key: str) -> _Fields:
        return _Fields(self.source, self.get(key, dict), f"{self.prefix}{key}.")

    def check_unknown(self, known: set[str]) -> None:
        unknown = sorted(set(self.table) - known)
        if unknown:
            raise self._fail(unknown[0], f"is not a known field (known: {', '.join(sorted(known))})")


def _parse_rules(top: _Fields, source: str) -> tuple[FormRule, ...]:
    rules = []
    for i, raw in enumerate(top.get("form", list, [])):
        if not isinstance(raw, dict):
            raise top._fail(f"form[{i}]", "must be a table ([[form]])")
        rf = _Fields(source, raw, f"form[{i}].")
        rf.check_unknown({"code", "field", "below", "above", "phases", "min_duration_s", "message"})
        rule = FormRule(code=rf.get("code", str), field=rf.choice("field", SIGNAL_FIELDS + SIDED_FIELDS),
                        below=rf.get("below", float, None), above=rf.get("above", float, None),
                        phases=rf.get("phases", tuple, ("moving", "hold", "returning")),
                        min_duration_s=rf.get("min_duration_s", float, 0.3), message=rf.get("message", str, ""))
        if (rule.below is None) == (rule.above is None):
            raise rf._fail("below", "or 'above' must be given (exactly one of them)")
        bad = [ph for ph in rule.phases if ph not in PHASE_NAMES]
        if bad:
            raise rf._fail("phases", f"has {bad[0]!r}; use {', '.join(PHASE_NAMES)}")
        rules.append(rule)
    return tuple(rules)


def _field_unit(field_name: str) -> str | None:
    """The unit an Angles field is in, from its name ("..._deg", "..._pct"); None if it does not say."""
    return "%" if field_name.endswith("_pct") else "deg" if field_name.endswith("_deg") else None


def parse_exercise(data: dict, source: str) -> Exercise:
    top = _Fields(source, data)
    top.check_unknown({"id", "name", "position", "view", "level", "level_reason", "summary", "instructions",
                       "safety", "signal", "reps", "hold", "tempo", "form", "cues", "rule", "i18n",
                       "measures_spine"})
    level = top.choice("level", LEVELS)
    timer = level == "timer"
    empty = {"signal": {}, "reps": {}, "tempo": {}, "cues": {}}
    signal, reps, hold, tempo, cues = (
        top.table_of(k) if k in data or k not in empty else _Fields(source, empty[k], f"{k}.")
        for k in ("signal", "reps", "hold", "tempo", "cues"))
    signal.check_unknown({"field", "label", "expected_error_deg", "description", "sides", "unit",
                          *MACHINE_FIELDS["signal"]})
    reps.check_unknown({"target", "rest_deg", "target_deg", "start_deg", "return_deg", "count_min_deg",
                        "rest_limit_deg", *MACHINE_FIELDS["reps"]})
    hold.check_unknown({"target_s", "tolerance_s", "warn_short", "cap_s", *MACHINE_FIELDS["hold"]})
    tempo.check_unknown({"min_move_s"})
    cues.check_unknown(set(CUE_KEYS))
    if timer and "signal" in data:
        raise signal._fail("field", "is not used by a 'timer' exercise (nothing is measured): remove [signal]")
    sides = signal.get("sides", tuple, ())
    if sides and set(sides) != set(SIDES):
        raise signal._fail("sides", 'must be ["left", "right"] when given')
    field_name = None if timer else signal.choice("field", SIDED_FIELDS if sides else SIGNAL_FIELDS)

    def number(table: _Fields, key: str) -> float:  # angles are required unless nothing is measured
        return table.get(key, float, 0.0 if timer else ...)
    ex = Exercise(
        id=top.get("id", str), name=top.get("name", str), position=top.get("position", str),
        view=top.choice("view", VIEWS), level=level, summary=top.get("summary", str),
        instructions=top.get("instructions", tuple), safety=top.get("safety", tuple, ()),
        signal_field=field_name, signal_label=signal.get("label", str, "time" if timer else ...),
        signal_description=signal.get("description", str, ""),
        expected_error_deg=signal.get("expected_error_deg", float, None if timer else ...),
        target_reps=reps.get("target", int, 1 if timer else ...),
        rest_deg=number(reps, "rest_deg"), target_deg=number(reps, "target_deg"),
        start_deg=number(reps, "start_deg"), return_deg=number(reps, "return_deg"),
        count_min_deg=number(reps, "count_min_deg"), rest_limit_deg=reps.get("rest_limit_deg", float, 15.0),
        hold_s=hold.get("target_s", float), hold_tolerance_s=hold.get("tolerance_s", float, 0.3),
        min_move_s=tempo.get("min_move_s", float, 1.0), form=_parse_rules(top, source),
        cues={k: cues.get(k, str, "") for k in CUE_KEYS}, source=source,
        level_reason=top.get("level_reason", str, ""), sides=sides,
        warn_short_hold=hold.get("warn_short", bool, True), hold_cap_s=hold.get("cap_s", float, None),
        rule=top.choice("rule", ("", "extension_test"), ""),
        measures_spine=top.get("measures_spine", bool, False),
        unit="s" if timer else signal.choice("unit", SIGNAL_UNITS, _field_unit(field_name) or "deg"))
    tables = {"reps": reps, "hold": hold, "signal": signal}
    machine, where = {}, {}
    for table, keys in MACHINE_FIELDS.items():
        for key, name in keys.items():
            if key in tables[table].table:
                machine[name] = tables[table].get(key, str if name == "hold_mode" else float)
                where[name] = (tables[table], key)
    if machine and timer:
        table, key = next(iter(where.values()))
        raise table._fail(key, "is not used by a 'timer' exercise (nothing is counted)")
    object.__setattr__(ex, "machine", machine)
    object.__setattr__(ex, "i18n", _parse_i18n(top, ex))
    if not timer:
        try:
            ex.rep_params()
        except ValueError as exc:
            name, _, problem = str(exc).partition(" ")
            table, key = where.get(name, (reps, name))
            raise table._fail(key, problem) from None
    if not timer and _field_unit(field_name) not in (None, ex.unit):
        measured = _field_unit(field_name)
        raise signal._fail("unit", f"is {ex.unit!r} but field {field_name!r} is in {measured!r}")
    if level != "measured" and not ex.level_reason:
        raise top._fail("level_reason", f"is missing: say why this exercise is '{level}' and not 'measured'")
    if not timer:
        if ex.count_min_deg > abs(ex.target_deg - ex.rest_deg):
            raise reps._fail("count_min_deg", "must not exceed the distance from rest_deg to target_deg")
    if ex.target_reps < 1 or ex.hold_s < 0:
        raise reps._fail("target", "must be at least 1 (and hold.target_s not negative)")
    if ex.hold_cap_s is not None and ex.hold_cap_s < ex.hold_s:
        raise hold._fail("cap_s", "must not be below target_s")
    return ex


def translatable_text(ex: Exercise) -> dict[str, object]:
    """The English a patient or clinician sees, by [i18n.LANG] key: name, summary, label,
    instructions, safety, cues (by phase), form messages (by code), and for the clinician the
    signal's description and the level's reason."""
    return {"name": ex.name, "summary": ex.summary, "label": ex.signal_label if ex.measures else "",
            "instructions": ex.instructions, "safety": ex.safety,
            "cues": {k: v for k, v in ex.cues.items() if v},
            "messages": {r.code: r.message for r in ex.form if r.message},
            "description": ex.signal_description, "level_reason": ex.level_reason}


def _parse_i18n(top: _Fields, ex: Exercise) -> dict[str, dict[str, str]]:
    """``[i18n.zh-TW]`` etc.: the same fields as the English, translated; lists item by item."""
    if "i18n" not in top.table:
        return {}
    tables = top.table_of("i18n")
    english = translatable_text(ex)
    found = {}
    for lang in tables.table:
        if lang not in LANGUAGES or lang == SOURCE:
            raise tables._fail(lang, f"is not a language formcheck has (use {', '.join(LANGUAGES[1:])})")
        fields = tables.table_of(lang)
        fields.check_unknown(set(english))
        pairs: dict[str, str] = {}
        for key, source in english.items():
            if key not in fields.table:
                continue
            if isinstance(source, str):
                pairs[source] = fields.get(key, str)
            elif isinstance(source, tuple):
                items = fields.get(key, tuple)
                if len(items) != len(source):
                    raise fields._fail(key, f"has {len(items)} items; the English has {len(source)}")
                pairs.update(zip(source, items, strict=True))
            else:
                sub = fields.table_of(key)
                sub.check_unknown(set(source))
                pairs.update({source[k]: sub.get(k, str) for k in sub.table})
        pairs.pop("", None)
        found[lang] = pairs
        register_exercise_text(lang, pairs)
    return found


def load_exercise_file(path: Path) -> Exercise:
    try:
        text = Path(path).read_text(encoding="utf-8")
        if "\0" in text:  # valid UTF-8, but binary all the same
            raise UnicodeDecodeError("utf-8", b"\0", 0, 1, "NUL byte")
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        raise FormcheckError(f"Exercise definition {path} is not a text file (binary, or not UTF-8).",
                             "Save it as UTF-8 text, or move it out of the --exercises-dir folder.") from None
    except tomllib.TOMLDecodeError as exc:
        raise FormcheckError(f"Exercise definition {path} is not valid TOML: {exc}.", "Fix the syntax.") from exc
    except OSError as exc:
        raise FormcheckError(f"Cannot read exercise definition {path}: {exc.strerror}.", "Check the path.") from exc
    return parse_exercise(data, str(path))


def builtin_exercises() -> dict[str, Exercise]:
    found = {}
    folder = resources.files("formcheck.definitions").joinpath("exercise_defs")
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            source = f"formcheck/definitions/exercise_defs/{entry.name}"
            ex = parse_exercise(tomllib.loads(entry.read_text(encoding="utf-8")), source)
            found[ex.id] = ex
    return found


def load_exercises(extra_dir: Path | None = None) -> dict[str, Exercise]:
    """Built-in definitions, overridden or extended by ``extra_dir/*.toml``."""
    exercises = builtin_exercises()
    if extra_dir is not None:
        extra_dir = Path(extra_dir)
        if not extra_dir.is_dir():
            raise FormcheckError(f"Exercise folder not found: {extra_dir}.", "Check the --exercises-dir path.")
        for path in sorted(extra_dir.glob("*.toml")):
            ex = load_exercise_file(path)
            exercises[ex.id] = ex
    return exercises


def get_exercise(name: str, extra_dir: Path | None = None) -> Exercise:
    exercises = load_exercises(extra_dir)
    if name not in exercises:
        raise FormcheckError(f"Unknown exercise '{name}'.",
                             f"Choose one of: {', '.join(sorted(exercises))} (see `formcheck exercises`).")
    return exercises[name]
