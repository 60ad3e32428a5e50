"""Every error message the command line prints has a zh-TW and a ko translation.

The messages are collected from the source with ``ast``, not from a list kept by hand:

- every ``FormcheckError(problem, fix)`` call's two arguments (context "problem" and "fix");
- the prose a module hands to its own helper that builds the error (``_fail(source, where,
  problem)``, ``check_target(path, "plot")``): the arguments, and defaults, of a parameter named
  ``problem``, ``fix``, ``where`` or ``what`` that the helper writes into a ``FormcheckError``
  (the parameter's name is the context);
- the text returned by a ``*_problem`` function (``reason_problem``: context "problem").
- the message a batch writes into a failed video's result (``batch._failed(task, message)``,
  ``RESULT_ERRORS``: context "problem"), printed as "formcheck: VIDEO: ..." and on the index page.

An argument written as a string is its text; an f-string is its template, each ``{...}`` named by
``field_name`` below (``{path}`` for ``path``, ``self.path`` and ``str(path)``; ``{LANGUAGES}``
for ``', '.join(LANGUAGES)``); a name is the text assigned to it in that module (``fix = "..."``,
``where = f"exercise {i}"``). Any other argument (``str(exc)``, a worker's ``message[1]``) is text
from elsewhere, the system's or a library's, or a message already collected where it was written:
it is not collected, and stays as it is. A catalogue entry is keyed by the template, with its
context when the template has too little fixed text to be recognised alone ("problem|Not found: {p}.").
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

import formcheck
from formcheck.core.errors import FormcheckError
from formcheck.i18n import catalog, error_text, lookup, placeholders, using

SRC = Path(formcheck.__file__).parent
LANGS = ("zh-TW", "ko")
PROSE_PARAMETERS = ("problem", "fix", "where", "what")
# Helpers that write a failed video's error into a batch's result (printed where it fails, as a
# problem): name -> the position of the message.
RESULT_ERRORS = {"_failed": 1}


def field_name(node: ast.expr) -> str:
    """The field an f-string's ``{...}`` is in the catalogue's template."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):
        return field_name(node.value)
    if isinstance(node, ast.BoolOp):  # exc.strerror or exc
        return field_name(node.values[0])
    if isinstance(node, ast.Call) and node.args:
        if isinstance(node.func, ast.Attribute) and node.func.attr == "join" or isinstance(node.func, ast.Name):
            return field_name(node.args[-1])  # ", ".join(LANGUAGES), sorted(names), map(str, paths)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return field_name(node.func.value)  # line.strip(), str(exc).splitlines()
    raise AssertionError(f"no field name for {{{ast.unparse(node)}}}: give it a name at the raise site")


def template(node: ast.JoinedStr) -> str:
    out = []
    for value in node.values:
        if isinstance(value, ast.Constant):
            out.append(value.value.replace("{", "{{").replace("}", "}}"))
        else:
            out.append("{" + field_name(value.value) + "}")
    return "".join(out)


def _is_error(call: ast.AST) -> bool:
    return isinstance(call, ast.Call) and getattr(call.func, "id", getattr(call.func, "attr", None)) == "FormcheckError"


class _Module:
    def __init__(self, path: Path) -> None:
        self.where = str(path.relative_to(SRC))
        self.tree = ast.parse(path.read_text(encoding="utf-8"))
        self.assigned: dict[str, list[ast.expr]] = {}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                self.assigned.setdefault(node.targets[0].id, []).append(node.value)

    def texts(self, node: ast.expr | None) -> list[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value] if node.value else []
        if isinstance(node, ast.JoinedStr):
            return [template(node)]
        if isinstance(node, ast.Name):
            return [t for value in self.assigned.get(node.id, []) if isinstance(value, (ast.Constant, ast.JoinedStr))
                    for t in self.texts(value)]
        return []  # text from elsewhere

    def helpers(self) -> dict[str, list[tuple[int, str, ast.expr | None]]]:
        """Functions that write a prose parameter into a FormcheckError: name -> (position, parameter, default)."""
        found = {}
        for fn in ast.walk(self.tree):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            params = [a.arg for a in fn.args.args]
            defaults = dict(zip(params[len(params) - len(fn.args.defaults):], fn.args.defaults, strict=True))
            used = {n.id for call in ast.walk(fn) if _is_error(call) for n in ast.walk(call) if isinstance(n, ast.Name)}
            offset = 1 if params[:1] in (["self"], ["cls"]) else 0
            prose = [(i - offset, p, defaults.get(p)) for i, p in enumerate(params)
                     if p in PROSE_PARAMETERS and p in used]
            if prose:
                found[fn.name] = prose
        return found

    def messages(self) -> set[tuple[str, str]]:
        found = set()
        helpers = self.helpers()
        for call in ast.walk(self.tree):
            if not isinstance(call, ast.Call):
                continue
            if _is_error(call):
                args = dict(zip(("problem", "fix"), call.args, strict=False)) | {k.arg: k.value for k in call.keywords}
                found |= {(ctx, s) for ctx in ("problem", "fix") for s in self.texts(args.get(ctx))}
            name = getattr(call.func, "id", getattr(call.func, "attr", None))
            if name in RESULT_ERRORS and len(call.args) > RESULT_ERRORS[name]:
                found |= {("problem", s) for s in self.texts(call.args[RESULT_ERRORS[name]])}
            for position, param, _ in helpers.get(name, []):
                arg = call.args[position] if position < len(call.args) else next(
                    (k.value for k in call.keywords if k.arg == param), None)
                found |= {(param, s) for s in self.texts(arg)}
        for _, prose in helpers.items():
            found |= {(param, s) for _, param, default in prose for s in self.texts(default)}
        for fn in ast.walk(self.tree):
            if isinstance(fn, ast.FunctionDef) and fn.name.endswith("_problem"):
                found |= {("problem", s) for r in ast.walk(fn) if isinstance(r, ast.Return)
                          for s in self.texts(r.value)}
        return found


def error_messages() -> dict[tuple[str, str], str]:
    """(context, English text or template) -> the module it is in."""
    found = {}
    for path in sorted(SRC.rglob("*.py")):
        module = _Module(path)
        for item in module.messages():
            found.setdefault(item, module.where)
    return found


def entry(context: str, text: str, lang: str) -> str | None:
    """The catalogue entry the command line uses for ``text``: with its context, else alone."""
    return catalog(lang).get(f"{context}|{text}") or catalog(lang).get(text)


def test_the_collector_finds_what_it_should():
    found = error_messages()
    assert len(found) > 100, f"only {len(found)} messages collected: the collector is broken"
    assert ("problem", "Video not found: {path}.") in found  # f"... {self.path}."
    assert ("fix", "Use one of: {LANGUAGES}.") in found  # f"{', '.join(LANGUAGES)}"
    assert ("problem", "Routine {source}: {where} {problem}.") in found  # a helper's own message
    assert ("where", "exercise {i} ({ex_id})") in found  # a prose parameter, through `where = f"..."`
    assert ("what", "progress page") in found  # check_target(path, "progress page")
    assert ("fix", "Fix the routine file: each [[exercise]] has id, and optionally reps, hold_s, sets, "
                   "rest_s.") in found  # a parameter's default (FIX)
    assert ("fix", "Write one 'SECONDS KEY' per line, e.g. '12.5 space' or '20 n'.") in found  # fix = "..."
    assert ("problem", "no reason (a short text saying why it fails)") in found  # reason_problem
    assert ("problem", "cannot read it: {strerror}") in found  # batch._failed(task, f"...")
    assert ("problem", "its worker process stopped unexpectedly (out of memory?); run it again on its own") in found
    assert not any(text.startswith("{") and text.endswith("}") and text.count("{") == 1 for _, text in found)


@pytest.mark.parametrize("lang", LANGS)
def test_every_error_message_has_a_translation(lang):
    missing = sorted(f"{where}: {ctx}|{text}" for (ctx, text), where in error_messages().items()
                     if entry(ctx, text, lang) is None)
    assert not missing, f"no {lang} entry for:\n" + "\n".join(missing)


@pytest.mark.parametrize("lang", LANGS)
def test_every_filled_in_message_is_recognised(lang):
    # Filled in with values no catalogue has, each message comes back as its own translation
    # with the values in it: the reverse match finds the right template and the right cut.
    wrong = []
    for ctx, text in error_messages():
        names = placeholders(text)
        if not names:
            continue
        values = {n: f"/tmp/{n}-1" for n in names}
        filled = text.format(**values)
        expected = entry(ctx, text, lang).format(**values)
        got = lookup(f"{ctx}|{filled}", lang) or lookup(filled, lang)
        if got != expected:
            wrong.append(f"{ctx}|{text}: {got!r} != {expected!r}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("lang, expected", [
    ("zh-TW", "找不到影片：/home/me/My Videos/back exercise (1).mp4。"),
    ("ko", "영상을 찾을 수 없습니다: /home/me/My Videos/back exercise (1).mp4."),
])
def test_a_missing_video_with_spaces_in_its_path_keeps_the_path(lang, expected):
    exc = FormcheckError("Video not found: /home/me/My Videos/back exercise (1).mp4.", "Check the path and try again.")
    with using(lang):
        text = error_text(exc)
    assert text.startswith(expected)
    assert "Check the path" not in text  # the fix is translated too


def test_an_unknown_language_keeps_the_quoted_value_and_translates_the_short_fix():
    from formcheck.i18n import parse_language

    with pytest.raises(FormcheckError) as caught:
        parse_language("klingon 'x'")
    with using("ko"):
        text = error_text(caught.value)
    assert "\"klingon 'x'\"" in text and "en, zh-TW, ko" in text
    assert "Unknown language" not in text and "Use one of" not in text


def test_a_routine_error_is_translated_piece_by_piece():
    # "Routine {source}: {where} {problem}." with a path that has spaces; the place and the
    # problem are themselves catalogue entries (context "where" and "problem").
    from formcheck.definitions.exercises import builtin_exercises
    from formcheck.definitions.routines import parse_routine

    with pytest.raises(FormcheckError) as caught:
        parse_routine({"exercise": [{"id": "situps"}]}, "my routines/back plan.toml", builtin_exercises(),
                      skip_unknown=False)
    english = str(caught.value)
    assert "exercise 1 (situps) is not a known exercise" in english
    for lang in LANGS:
        with using(lang):
            text = error_text(caught.value)
        assert "my routines/back plan.toml" in text and "situps" in text and "bridge" in text
        assert "exercise" not in text.replace("`formcheck exercises`", ""), text  # no English left


def test_a_name_in_quotes_is_kept_as_it_is():
    # "field '{key}' must be {wanted}, ...": 'reps' is what to type in the file, not a word to
    # translate (the patient catalogue has "reps" as a column label); "a whole number" is translated.
    from formcheck.definitions.exercises import builtin_exercises
    from formcheck.definitions.routines import parse_routine

    with pytest.raises(FormcheckError) as caught:
        parse_routine({"exercise": [{"id": "bridge", "reps": "ten"}]}, "mine.toml", builtin_exercises(),
                      skip_unknown=False)
    for lang, number in (("zh-TW", "整數"), ("ko", "정수")):
        with using(lang):
            text = error_text(caught.value)
        assert "reps'" in text or "「reps」" in text, text
        assert number in text and "whole number" not in text, text


def test_untranslated_text_stays_english():
    with using("ko"):
        assert error_text(FormcheckError("A problem nobody wrote down.", "Do something.")) == \
            "A problem nobody wrote down. Do something."


@pytest.mark.parametrize("lang, words", [("ko", "영상을 찾을 수 없습니다"), ("zh-TW", "找不到影片")])
def test_the_command_line_prints_the_error_in_the_language(lang, words, capsys):
    from formcheck.commands.cli import main
    from formcheck.i18n import get_language, set_language

    before = get_language()
    try:
        code = main(["analyze", "/no/such/file.mp4", "-e", "standing_flexion", "--language", lang])
    finally:
        set_language(before)
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("formcheck: ") and words in err, err
    assert "/no/such/file.mp4" in err and "not found" not in err


def test_the_stopped_line_is_translated():
    with using("ko"):
        assert lookup("formcheck: stopped.", "ko") is not None
    assert lookup("formcheck: stopped.", "zh-TW") is not None
