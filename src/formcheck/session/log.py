"""Where a session leaves its traces: the folder, the event log, the summary pages.

Each session gets ``DATA/sessions/YYYYMMDD-HHMMSS/`` (``sessions_root``; `formcheck live` puts its
folders there too) with ``events.jsonl`` (written line by line as things happen, see ``io.jsonl``),
and at the end ``summary.json`` and ``summary.html``. The next session reads the newest log back
to tell the user when the last one ended early.
"""
from __future__ import annotations

import html
from datetime import datetime
from pathlib import Path

from formcheck.i18n import count_text, get_language, t, using
from formcheck.io.jsonl import read_jsonl
from formcheck.io.outputs import ensure_writable_dir, write_json
from formcheck.session.types import ANSWERS, RED_FLAGS, exercise_end_text

EVENTS_FILE = "events.jsonl"
STAMP = "%Y%m%d-%H%M%S"
# Endings the user did not choose: the next start mentions them. (No session_end at all, after a
# kill or a crash, counts too.)
EARLY_ENDINGS = ("interrupted", "window_closed", "camera_lost")


DATA_OPTION = "--data-dir"  # the option that picks the data folder: named in the advice when it is unwritable


def sessions_root(data_dir: Path | None = None) -> Path:
    """``DATA/sessions``: DATA is the per-user data folder (honours XDG_DATA_HOME) unless given."""
    if data_dir is None:
        from platformdirs import user_data_dir

        data_dir = Path(user_data_dir("formcheck", appauthor=False))
    return Path(data_dir) / "sessions"


def new_session_dir(root: Path, now: datetime | None = None) -> Path:
    stamp = (now or datetime.now()).strftime(STAMP)
    folder, n = Path(root) / stamp, 1
    while folder.exists():  # two sessions within a second (tests, a quick restart)
        n += 1
        folder = Path(root) / f"{stamp}-{n}"
    return ensure_writable_dir(folder, DATA_OPTION)


def _session_logs(root: Path) -> list[Path]:
    """Session logs, newest first (folder names sort by time)."""
    if not Path(root).is_dir():
        return []
    return sorted((d / EVENTS_FILE for d in Path(root).iterdir() if (d / EVENTS_FILE).is_file()), reverse=True)


def last_session_notice(root: Path) -> str | None:
    """"Your last session (...) ended early after ..." in the active language if the newest
    session did; else None."""
    for path in _session_logs(root):
        records = read_jsonl(path)
        if not records or records[0].get("type") != "session_start":
            continue  # a `formcheck live` log, or empty: not a guided session
        end = next((r for r in reversed(records) if r.get("type") == "session_end"), None)
        if end is not None and end.get("reason") not in EARLY_ENDINGS:
            return None
        return _early_notice(records)
    return None


def _early_notice(records: list[dict]) -> str:
    when = _when(records[0].get("time", ""))
    reps: dict[str, int] = {}
    for r in records:
        if r.get("type") == "exercise_start":
            reps.setdefault(r["exercise"], 0)
        elif r.get("type") == "rep" and r.get("exercise") in reps:
            reps[r["exercise"]] += 1
    if not reps:
        return t("Your last session ({when}) ended early, before the first exercise.", when=when)
    done = t(", ", context="list").join(
        t("{name}: {reps}", context="done", name=_exercise_name(ex), reps=count_text(n, "1 rep", "{n} reps"))
        for ex, n in reps.items())
    return t("Your last session ({when}) ended early after {done}.", when=when, done=done)


def _exercise_name(exercise_id: str) -> str:
    """An exercise's name in the active language; its id if this formcheck no longer has it."""
    from formcheck.core.errors import FormcheckError
    from formcheck.definitions.exercises import get_exercise

    try:
        return t(get_exercise(exercise_id).name)
    except FormcheckError:
        return exercise_id


def summary_paths(folder: Path) -> dict[str, str]:
    return {"summary_json": str(Path(folder) / "summary.json"), "summary_html": str(Path(folder) / "summary.html")}


def write_summary(folder: Path, summary: dict, records: list[dict] | None = None) -> None:
    """``summary.json`` and a readable ``summary.html`` (see ``summary_paths``); with the session's
    log ``records``, also a review page per exercise started (``exercise-N-ID.html``, the same page
    `formcheck analyze` writes), linked from the summary."""
    paths = summary_paths(folder)
    if records:
        from formcheck.io.report_page import write_report_page

        pages = []
        for n, report in enumerate(exercise_reports(records), start=1):
            name = f"exercise-{n}-{report['exercise']}.html"
            write_report_page(report, Path(folder), name=name,
                              video_note="A guided session records no video: every event is in events.jsonl.")
            pages.append({"name": report["exercise_name"], "page": name})
        summary = dict(summary, pages=pages)
    write_json(Path(paths["summary_json"]), summary)
    Path(paths["summary_html"]).write_text(summary_html(summary), encoding="utf-8")


def exercise_reports(records: list[dict]) -> list[dict]:
    """A report (``report.json``'s shape, as far as a session log has it) per exercise started.

    Times are seconds from the session's start: each set's analyzer counts from its own start,
    so a repetition's times are shifted by when it was logged less when its set's clock said it ended.
    """
    from formcheck.analysis.report import measured_signal
    from formcheck.definitions.exercises import load_exercises

    known = load_exercises()
    reports: list[dict] = []
    current = None
    for r in records:
        kind = r.get("type")
        if kind == "exercise_start" and r.get("exercise") in known:
            ex = known[r["exercise"]]
            current = {"exercise": ex.id, "exercise_name": ex.name, "level": ex.level, "level_reason": ex.level_reason,
                       "source": next((x.get("source") for x in records if x.get("type") == "session_start"), None),
                       "reps": 0, "reps_by_side": {s: 0 for s in ex.sides} or None,
                       "target_reps": (r.get("target_reps") or ex.target_reps) * (r.get("sets") or 1),
                       "target_hold_s": r.get("target_hold_s"), "target_angle_deg": ex.target_deg,
                       "rep_details": [], "events": [], "measured_signal": measured_signal(ex),
                       "hold_timing": {"unit": "s", "expected_error_s": 0.3,
                                       "definition": "time held still at the end of the range with valid tracking"},
                       "outputs": {}}
            reports.append(current)
        elif current is None or r.get("exercise") != current["exercise"]:
            continue
        elif kind == "rep":
            shift = (r.get("t_s") or 0.0) - (r.get("end_s") or 0.0)
            rep = {k: v for k, v in r.items() if k not in ("t_s", "type", "exercise")}
            for key in ("start_s", "end_s", "hold_start_s", "hold_end_s"):
                if rep.get(key) is not None:
                    rep[key] = round(rep[key] + shift, 3)
            current["rep_details"].append(dict(rep, index=len(current["rep_details"]) + 1))
            current["reps"] += 1
            if current["reps_by_side"] is not None and rep.get("side") in current["reps_by_side"]:
                current["reps_by_side"][rep["side"]] += 1
        elif kind == "warning":
            current["events"].append({"t_s": r.get("t_s"), "code": r.get("code"), "message": r.get("message"),
                                      "rep": None})
        elif kind == "exercise_end":
            current["interrupted"] = r.get("reason") not in ("completed", "skipped", "pain", "symptoms_worse")
            current = None
    return reports


def _when(iso: str) -> str:
    """When the session started, the way the active language writes a date and a time."""
    from formcheck.core.text import date_time_text

    try:
        return date_time_text(datetime.fromisoformat(iso))
    except ValueError:
        return iso or t("date unknown")


def _safety(summary: dict) -> list[dict]:
    """The safety questions in the words asked, with the answers (older summaries: from the codes)."""
    if "safety_questions" in summary:
        return summary["safety_questions"]
    given = summary.get("red_flags", {})
    return [{"question": text, "answer": given.get(code)} for code, text in RED_FLAGS]


def reps_against_target(ex: dict) -> str:
    """"12 / 20 (10 per side)" for an alternating exercise, "7 / 10" otherwise."""
    sides = max(len(ex.get("sides") or ()), 1)
    target = ex["target_reps"] * ex["target_sets"]
    text = f"{ex['reps']} / {target * sides}"
    return text + (t(" ({n} per side)", n=target) if sides > 1 else "")


def summary_html(summary: dict) -> str:
    """The page for the patient (and their clinician): plain words, in the session's language;
    technical figures stay in summary.json."""
    with using(summary.get("language") or get_language()):
        return _summary_html(summary)


def _summary_html(summary: dict) -> str:
    esc = html.escape
    rows = []
    for ex in summary["exercises"]:
        rows.append("<tr>" + "".join(f"<td>{esc(str(v))}</td>" for v in (
            t(ex["name"]), reps_against_target(ex),
            ", ".join(map(str, ex["reps_per_set"])) or "-", ex["holds_completed"],
            t(", ").join(f"{t(ex.get('warning_messages', {}).get(k) or k.replace('_', ' '))} ({n}x)"
                         for k, n in ex["warnings"].items()) or "-",
            t(", ").join(t(a) for a in ex["symptoms"]) or "-", ", ".join(map(str, ex["pain"])) or "-",
            t(exercise_end_text(ex["end_reason"])))) + "</tr>")
    flags = "".join(f"<li>{esc(t(q['question']))} <b>{esc(t(ANSWERS[q['answer']]))}</b></li>"
                    for q in _safety(summary))
    notes = "".join(f"<li>{esc(line)}</li>" for line in summary.get("lines", []))
    pages = "".join(f'<li><a href="{esc(p["page"])}">{esc(p["name"])}</a></li>' for p in summary.get("pages", ()))
    if pages:
        pages = f"<h2>{esc(t('Each exercise in detail'))}</h2><ul>{pages}</ul>\n"
    head = "".join(f"<th>{esc(t(h))}</th>" for h in ("exercise", "reps / target", "per set", "holds done",
                                                    "form warnings", "symptoms", "pain (0-9)", "ended"))
    return f"""<!doctype html>
<html lang="{esc(get_language())}"><head><meta charset="utf-8">
<title>{esc(t("formcheck session, {date}", date=_when(summary.get('started', ''))))}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}}
table{{border-collapse:collapse}}td,th{{border:1px solid #999;padding:.3em .6em;text-align:left}}</style></head>
<body>
<h1>{esc(t("Exercise session, {date}", date=_when(summary.get('started', ''))))}</h1>
<p>{esc(t("Routine: {name}. Duration {minutes} min.", name=summary['routine'],
           minutes=f"{summary.get('duration_s', 0) / 60:.1f}"))}</p>
<ul>{notes}</ul>
<h2>{esc(t("Exercises"))}</h2>
<table><tr>{head}</tr>
{''.join(rows)}</table>
{pages}<h2>{esc(t("Safety questions"))}</h2><ul>{flags}</ul>
<p>{esc(t("formcheck does not replace your clinician. Show them this page if anything got worse."))}</p>
</body></html>
"""
