"""Every patient-facing English string has a zh-TW and a ko translation.

The strings are collected from where they live, not from a list kept by hand: the exercise
definitions (names, summaries, instructions, safety notes, cues, form messages, gauge labels),
the session's wording tables, the warning messages, the set-up (framing) messages and the
analyzer's own cues (read from the source), every literal handed to ``t()`` by the modules that
build screens, summaries and the exercise list, and every literal the session speaks; and, for
the command line and the clinician, every help text of the parser, the console summaries, the
history and its page, the batch index, report.html's descriptions and the exercises' own
descriptions and level reasons; and the console's words written in English and translated where
shown: a headless session's progress lines, a routine's notices, argparse's messages and the
history plot's labels.
"""
from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import formcheck
from formcheck.analysis import exercise_analyzer, framing
from formcheck.core.events import EVENT_MESSAGES
from formcheck.definitions.exercises import LEVELS, VIEWS, builtin_exercises, translatable_text
from formcheck.i18n import lookup
from formcheck.session import types as st

SRC = Path(formcheck.__file__).parent
LANGS = ("zh-TW", "ko")
# Modules whose t("...") literals are shown to the patient (screens, summaries, the exercise list).
T_MODULES = ("session/view.py", "session/flow.py", "session/log.py", "ui/screens.py", "commands/exercises.py",
             "commands/session.py", "io/report_page.py", "ui/annotators.py", "core/text.py",
             # the command line, the console summaries, the history and the clinician's pages
             "commands/cli.py", "commands/analyze.py", "commands/history.py", "history/views.py",
             # a headless session's progress lines on stderr
             "session/progress.py",
             # the one line saying Chinese and Korean cannot be drawn here
             "ui/text_render.py")
# Modules whose .say(...) literals are spoken.
SAY_MODULES = ("session/flow.py", "session/set_tracker.py")


def _strings(node: ast.AST) -> list[str]:
    """String literals in an expression, through `a or "b"` and `"x" if c else "y"`; not the keys
    of lookups (`cues.get("hold")`), tests (`"{side}" in cue`) or f-string pieces: not shown as they are."""
    if isinstance(node, ast.Constant):
        return [node.value] if isinstance(node.value, str) and node.value else []
    if (isinstance(node, ast.Call) and getattr(node.func, "attr", None) in ("get", "format")
            or isinstance(node, (ast.JoinedStr, ast.Compare))):
        return []
    return [s for child in ast.iter_child_nodes(node) for s in _strings(child)]


def _calls(path: Path, name: str) -> list[ast.Call]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call)
            and (getattr(n.func, "id", None) == name or getattr(n.func, "attr", None) == name)]


def t_literals() -> set[str]:
    found = set()
    for module in T_MODULES:
        for call in _calls(SRC / module, "t"):
            if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
                context = next((k.value.value for k in call.keywords if k.arg == "context"
                                and isinstance(k.value, ast.Constant)), None)
                found.add(f"{context}|{call.args[0].value}" if context else call.args[0].value)
        for call in _calls(SRC / module, "count_text"):  # count_text(n, "1 run", "{n} runs")
            found.update(a.value for a in call.args[1:] if isinstance(a, ast.Constant) and isinstance(a.value, str))
    return found


def label_literals() -> set[str]:
    """Labels translated in a loop: `t(h) for h in ("time", ...)`, the report page's fact rows
    (`("Level", level)` in ``_facts``) and the extra repetition columns."""
    from formcheck.io import report_page

    found = set()
    for module in T_MODULES:
        tree = ast.parse((SRC / module).read_text(encoding="utf-8"))
        for comp in ast.walk(tree):
            if not isinstance(comp, (ast.GeneratorExp, ast.ListComp)) or not isinstance(comp.generators[0].iter,
                                                                                          ast.Tuple):
                continue
            target = comp.generators[0].target
            used = [c for c in ast.walk(comp.elt) if isinstance(c, ast.Call) and getattr(c.func, "id", None) == "t"
                    and c.args and isinstance(c.args[0], ast.Name) and c.args[0].id == getattr(target, "id", None)]
            if used:
                found.update(_strings(comp.generators[0].iter))
    facts = ast.parse(inspect.getsource(report_page._facts))
    found.update(n.elts[0].value for n in ast.walk(facts) if isinstance(n, ast.Tuple) and len(n.elts) == 2
                 and isinstance(n.elts[0], ast.Constant) and isinstance(n.elts[0].value, str))
    return found | {label for _, label in report_page.EXTRA_REP_COLUMNS}


def spoken_literals() -> set[str]:
    return {s for module in SAY_MODULES for call in _calls(SRC / module, "say") for a in call.args for s in _strings(a)}


def framing_messages() -> set[str]:
    """The message of every FramingResult(False, "...", code) in analysis/framing.py."""
    return {call.args[1].value for call in _calls(Path(inspect.getfile(framing)), "FramingResult")
            if len(call.args) > 1 and isinstance(call.args[1], ast.Constant) and call.args[1].value}


def analyzer_cues() -> set[str]:
    """Literal cues the analyzer returns from ``_cue`` (e.g. "Hold still: finding you")."""
    tree = ast.parse(inspect.getsource(exercise_analyzer.ExerciseAnalyzer._cue).strip().replace("\n    ", "\n"))
    return {s for n in ast.walk(tree) if isinstance(n, ast.Return) and n.value is not None for s in _strings(n.value)}


def table_strings() -> set[str]:
    return ({text for _, text in st.RED_FLAGS} | {st.RED_FLAG_ADVICE, st.EXTENSION_ADVICE, st.KEYS_ACTIVE,
                                                  st.WELCOME_CONTINUE}
            | set(st.DISCLAIMER) | set(st.END_REASONS.values()) | set(st.EXERCISE_ENDS.values())
            | set(st.ANSWERS.values()) | set(st.SYMPTOM_ANSWERS.values()) | set(EVENT_MESSAGES.values())
            | {f"view|{v}" for v in VIEWS} | set(LEVELS))


CLINICIAN_FIELDS = ("description", "level_reason")  # an added definition may translate them in its own tables


def exercise_strings() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for ex in builtin_exercises().values():
        for key, value in translatable_text(ex).items():
            if key in CLINICIAN_FIELDS:
                continue  # the built-ins' are in catalogs/<lang>/clinician.toml (see clinician_strings)
            items = [value] if isinstance(value, str) else list(value.values()) if isinstance(value, dict) else value
            found.setdefault(ex.id, set()).update(v for v in items if v)
    return found


def help_texts() -> set[str]:
    """Every help and description of the parser and its commands, as ``--help`` shows them (in
    English: built with the default language), from the parser itself: a help= left without t()
    has no translation and is found here."""
    import argparse

    from formcheck.commands.cli import build_parser
    from formcheck.i18n import using

    with using("en"):
        parser = build_parser()
    found, parsers = set(), [parser]
    while parsers:
        p = parsers.pop()
        found.update(s for s in (p.description, p.usage) if s)
        for action in p._actions:
            if action.help and action.help != argparse.SUPPRESS:
                found.add(action.help)
            if isinstance(action, argparse._SubParsersAction):
                found.update(a.help for a in action._choices_actions if a.help)
                parsers += action.choices.values()
        found.update(g.title for g in p._action_groups if g.title)
    return found


def clinician_strings() -> set[str]:
    """Words the pages and the console show from tables, not from t("...") literals: the history's
    and the batch index's column headings, report.json's descriptions (analysis.report), the notes
    given to write_report_page(video_note=...), and each built-in exercise's signal description
    and level reason (report.html, `formcheck exercises`)."""
    from formcheck.analysis.report import build_report, measured_signal
    from formcheck.history import views
    from formcheck.io import report_page

    found = set(views.ROW) | set(views.TREND_HEADINGS)
    index = ast.parse(inspect.getsource(report_page.render_index_page))
    found.update(s for n in ast.walk(index) if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "head"
                 for s in _strings(n.value))
    for source in (inspect.getsource(measured_signal), inspect.getsource(build_report)):
        tree = ast.parse(source)
        found.update(v.value for n in ast.walk(tree) if isinstance(n, ast.Dict) for k, v in zip(n.keys, n.values,
                                                                                               strict=True)
                     if isinstance(k, ast.Constant) and k.value in ("name", "description", "method", "definition")
                     and isinstance(v, ast.Constant) and isinstance(v.value, str))
    for module in ("commands/live.py", "session/log.py"):
        found.update(s for call in _calls(SRC / module, "write_report_page") for k in call.keywords
                     if k.arg == "video_note" for s in _strings(k.value))
    for ex in builtin_exercises().values():
        found.update(s for s in (ex.signal_description, ex.level_reason) if s)
    from formcheck.core.text import MONTHS

    return found | {f"month|{m}" for m in MONTHS}  # dates: core.text.date_text


def _template(node: ast.expr) -> str | None:
    """A literal's text, an f-string's template ({ex_id} for ``{ex_id}``), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{" + ast.unparse(v.value) + "}"
                       for v in node.values)
    return None


def console_strings() -> set[str]:
    """Words written in English and translated where shown: the notices a routine writes
    (``notices.append(f"...")`` in definitions/routines.py: the welcome screen and the console),
    the no-input message of a headless session (``NO_INPUT_MESSAGE``, its ``why`` texts from the
    runner and the ending reasons the progress line names), argparse's own messages
    (``ARGPARSE_MESSAGES``, context "argparse") and the panels of the history plot (``_plot_png``)."""
    from formcheck.commands import cli
    from formcheck.history import views
    from formcheck.session import flow
    from formcheck.session.types import END_REASONS

    found = {_template(call.args[0]) for call in _calls(SRC / "definitions/routines.py", "append")
             if getattr(call.func.value, "id", None) == "notices" and call.args}
    found.add(flow.NO_INPUT_MESSAGE)
    runner = ast.parse((SRC / "session/runner.py").read_text(encoding="utf-8"))
    found.update(f"why| {s}" for n in ast.walk(runner) if isinstance(n, ast.Assign)
                 and getattr(n.targets[0], "id", None) == "why" for s in _strings(n.value))
    found.update(f"ended|{reason.replace('_', ' ')}" for reason in END_REASONS)
    found.update(f"argparse|{m}" for m in cli.ARGPARSE_MESSAGES)
    plot = ast.parse(inspect.getsource(views._plot_png))
    found.update(n.elts[0].value for n in ast.walk(plot) if isinstance(n, ast.Tuple) and len(n.elts) == 2
                 and isinstance(n.elts[0], ast.Constant) and isinstance(n.elts[0].value, str))
    return found - {None}


SOURCES = {"session tables and warning messages": table_strings, "framing messages": framing_messages,
           "analyzer cues": analyzer_cues, "t() literals": t_literals, "labels": label_literals,
           "spoken literals": spoken_literals, "command-line help": help_texts,
           "clinician pages and descriptions": clinician_strings, "console and plot": console_strings}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("where", SOURCES)
def test_every_patient_facing_string_has_a_translation(lang, where):
    strings = SOURCES[where]()
    assert len(strings) >= 3, f"collected too few strings from {where}: the collector is broken"
    missing = sorted(s for s in strings if lookup(s, lang) is None)
    assert not missing, f"{where}: no {lang} entry for {missing}"


@pytest.mark.parametrize("lang", LANGS)
def test_every_exercise_carries_its_own_translation_of_every_field(lang):
    defs = builtin_exercises()
    missing = {ex_id: sorted(s for s in strings if s not in defs[ex_id].i18n.get(lang, {}))
               for ex_id, strings in exercise_strings().items()}
    missing = {k: v for k, v in missing.items() if v}
    assert not missing, f"exercise definitions without [i18n.{lang}] text for: {missing}"


def test_collectors_find_what_they_should():
    # Guards the collectors themselves: each must see a string known to be there.
    assert "Turn sideways to the camera" in framing_messages()
    assert "Hold still: finding you" in analyzer_cues()
    assert "Safety question {n} of {total}" in t_literals() and "Looking for you..." in t_literals()
    assert {"1 run", "{n} runs"} <= t_literals()  # through count_text
    assert {"Go", "Lean back gently and hold", "Hold", "Relax", "Set complete"} <= spoken_literals()
    assert "Bend forward slowly" in exercise_strings()["standing_flexion"]
    assert {"Level", "Frames", "what happened", "pain (0-9)", "peak spinal flexion"} <= label_literals()
    helps = help_texts()
    assert {"a video, several, or a folder of videos", "list the exercises and what each measures",
            "show this help message and exit", "options"} <= helps
    assert any(h.startswith("how many people the model may find (1-4, default 2") for h in helps)  # filled in
    assert {"left side", "Analysing {video}", "History rebuilt: {runs} in {path}.", "must be a whole number from "
            "{low} to {high}, not {text}", "{name}: {description} Expected error about {error}."} <= t_literals()
    clinician = clinician_strings()
    assert {"week of", "peak angle", "person in view", "time held still at the end of the range with valid tracking; "
            "dropouts pause it", "Nothing is measured for this exercise: the camera only times it."} <= clinician
    assert any(s.startswith("A live run records no video") for s in clinician)
    assert builtin_exercises()["plank"].level_reason in clinician
    console = console_strings()
    assert {"{ex_id} is not available in this version, skipping", "why| and the --keys script has no more keys",
            "ended|red flag", "argparse|invalid choice: {value} (choose from {choices})",
            "argparse|argument {argument_name}: {message}", "peak (deg; % for foot lift)",
            "worst pain (0-9)"} <= console
    assert any(s.startswith("The {state} screen ({screen}) waited") for s in console)
    assert {"Welcome screen: press space to continue", "{name}: set-up check", "answer: pain {rating}/9",
            "Session ended ({reason})", "formcheck: progress over the weeks"} <= t_literals()  # progress.py, views.py
