"""The history read back: a table of runs, a week-by-week trend, a progress plot (PNG), a
self-contained progress page and a CSV export. Pure functions of the runs (``store.read_runs``),
apart from the writers at the end.

The table, the trend and the page are in the active language (formcheck.i18n; the words are in
``catalogs/<lang>/clinician.toml``); exercise ids, the kind of run ("analyze", "session": the
command) and the CSV (for programs) stay as they are. The plot is drawn in the language with the
overlay's font (Noto Sans CJK, ``ui.text_render``); without it, in English (matplotlib's own
fonts have no Chinese or Korean letters).
"""
from __future__ import annotations

import base64
import csv
import io
import os
import re
import sys
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

from formcheck.core.errors import FormcheckError
from formcheck.core.events import EVENT_MESSAGES
from formcheck.core.text import date_text, display_width, pad_to, with_unit
from formcheck.i18n import SOURCE, count_text, get_language, t

DASH = "-"
CSV_COLUMNS = ("started", "kind", "exercise", "exercise_name", "reps", "target_reps", "best_hold_s",
               "holds_completed", "peak_angle_deg", "unit", "warnings", "symptoms", "pain_max", "end_reason",
               "source", "report_path", "log_path")


def when(run: dict) -> datetime:
    try:
        return datetime.fromisoformat(run["started"])
    except (TypeError, ValueError):
        return datetime.min


def week_of(run: dict) -> date:
    """The Monday of the run's week."""
    day = when(run).date()
    return day - timedelta(days=day.weekday())


def reps_text(run: dict) -> str:
    return f"{run['reps']} / {run['target_reps']}" if run.get("target_reps") else str(run["reps"])


def hold_text(run: dict) -> str:
    hold = run.get("best_hold_s")
    return f"{hold:.1f} s" if hold else DASH


def peak_text(run: dict) -> str:
    peak = run.get("peak_angle_deg")
    return with_unit(peak, run.get("unit") or "deg", ".0f", ascii_only=True) if peak is not None else DASH


def pain_max(run: dict):
    return max(run["pain"]) if run.get("pain") else None


def pain_text(run: dict) -> str:
    pain = pain_max(run)
    symptoms = "/".join(t(s) for s in run.get("symptoms") or ())  # "better": the answer's words
    text = f"{pain}/9" if pain is not None else DASH
    return f"{text} ({symptoms})" if symptoms else text


def warnings_text(run: dict) -> str:
    """"over arch x1" (the code's words); in another language the warning as the person saw it."""
    translated = get_language() != SOURCE

    def words(code: str) -> str:
        return t(EVENT_MESSAGES[code]) if translated and code in EVENT_MESSAGES else code.replace("_", " ")
    return ", ".join(f"{words(code)} x{n}" for code, n in (run.get("warnings") or {}).items()) or DASH


ROW = ("date", "exercise", "from", "reps / target", "best hold", "peak angle", "pain (symptoms)", "warnings")


def row_headings() -> tuple[str, ...]:
    return tuple(t(h) for h in ROW)


def run_row(run: dict) -> tuple[str, ...]:
    return (when(run).strftime("%Y-%m-%d %H:%M"), run["exercise"], run["kind"], reps_text(run), hold_text(run),
            peak_text(run), pain_text(run), warnings_text(run))


def table_lines(runs: list[dict]) -> list[str]:
    rows = [row_headings()] + [run_row(r) for r in runs]
    widths = [max(display_width(r[i]) for r in rows) for i in range(len(ROW) - 1)]  # a Chinese letter: 2 columns
    return ["  ".join(pad_to(cell, w) for cell, w in zip(r[:-1], widths, strict=True)) + "  " + r[-1]
            for r in rows]


def weekly(runs: list[dict]) -> list[dict]:
    """Per week: runs, reps, best peak (furthest from the first run's rest side), best hold, worst pain."""
    weeks: dict[date, list[dict]] = defaultdict(list)
    for run in runs:
        weeks[week_of(run)].append(run)
    out = []
    for week in sorted(weeks):
        group = weeks[week]
        peaks = [r["peak_angle_deg"] for r in group if r.get("peak_angle_deg") is not None]
        holds = [r["best_hold_s"] for r in group if r.get("best_hold_s")]
        pains = [p for r in group for p in (r.get("pain") or ())]
        out.append({"week": week, "runs": len(group), "reps": sum(r["reps"] for r in group),
                    "peaks": peaks, "best_hold_s": max(holds) if holds else None,
                    "pain_max": max(pains) if pains else None})
    return out


def trend_lines(runs: list[dict], exercise: str) -> list[str]:
    """One exercise week by week, then the change from the first run to the latest."""
    unit = next((r["unit"] for r in runs if r.get("unit")), "deg")
    count = count_text(len(runs), "1 run", "{n} runs")
    name = t(runs[0].get("exercise_name") or exercise)
    heads = [t(h) for h in TREND_HEADINGS]
    widths = (10, 5, 5, 19, 9, 10)  # the English headings' columns; wider words widen them
    widths = tuple(max(w, display_width(h)) for w, h in zip(widths, heads, strict=True))
    right = (False, True, True, False, True, True)

    def line(cells) -> str:
        return "  ".join(pad_to(c, w, r) for c, w, r in zip(cells, widths, right, strict=True)).rstrip()
    lines = [t("{name}: {count}, {first} to {last}", name=name, count=count, first=date_text(when(runs[0])),
               last=date_text(when(runs[-1]))), "", line(heads)]
    for w in weekly(runs):
        peaks = w["peaks"]
        peak = (f"{with_unit(min(peaks), unit, '.0f', True)} - {with_unit(max(peaks), unit, '.0f', True)}"
                if peaks else DASH)
        hold = f"{w['best_hold_s']:.1f} s" if w["best_hold_s"] else DASH
        pain = f"{w['pain_max']}/9" if w["pain_max"] is not None else DASH
        lines.append(line((f"{w['week']:%Y-%m-%d}", str(w["runs"]), str(w["reps"]), peak, hold, pain)))
    first, last = runs[0], runs[-1]
    if len(runs) > 1:
        changes = [t("reps {first} -> {last}", first=first["reps"], last=last["reps"])]
        if first.get("peak_angle_deg") is not None and last.get("peak_angle_deg") is not None:
            changes.append(t("peak {first} -> {last}", first=peak_text(first), last=peak_text(last)))
        if first.get("best_hold_s") and last.get("best_hold_s"):
            changes.append(t("best hold {first} -> {last}", first=hold_text(first), last=hold_text(last)))
        lines += ["", t("First run to latest: {changes}.", changes=t(", ").join(changes))]
    return lines


TREND_HEADINGS = ("week of", "runs", "reps", "peak angle (range)", "best hold", "worst pain")


# -- writers -----------------------------------------------------------------------------------

def check_target(path: Path, what: str) -> Path:
    path = Path(path)
    if path.is_dir():
        raise FormcheckError(f"Cannot write the {what} to {path}: it is a folder.", "Give a file name.")
    if not path.parent.is_dir():
        raise FormcheckError(f"Cannot write the {what} to {path}: the folder {path.parent} does not exist.",
                             "Create it first, or give another path.")
    probe = path.with_name(f".{path.name}.tmp")
    try:  # the only reliable test (permissions, read-only mounts, /proc): write there
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise FormcheckError(f"Cannot write the {what} to {path}: {exc.strerror or exc}.",
                             "Give a path you can write to.") from exc
    return path


def _write_bytes(path: Path, data: bytes, what: str) -> Path:
    path = check_target(path, what)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise FormcheckError(f"Cannot write the {what} to {path}: {exc.strerror or exc}.",
                             "Give a path you can write to.") from exc
    return path


def plot_font(lang: str) -> str | None:
    """The matplotlib family name of the font the overlay draws Chinese and Korean with
    (``ui.text_render.font_path``: Noto Sans CJK, or $FORMCHECK_FONT), added to matplotlib's font
    manager, in the face for ``lang`` where the file has one (Noto Sans CJK TC / KR); None without one."""
    from matplotlib import font_manager

    from formcheck.ui import text_render

    path = text_render.font_path()
    if path is None:
        return None
    manager = font_manager.fontManager
    known = [f for f in manager.ttflist if os.path.realpath(f.fname) == os.path.realpath(path)]
    if not known:
        manager.addfont(path)
        known = [f for f in manager.ttflist if os.path.realpath(f.fname) == os.path.realpath(path)]
    if not known:
        return None
    want = text_render.FACE_FOR_LANGUAGE.get(lang, " TC").strip()
    return next((f.name for f in known if f.name.endswith(f" {want}")), known[0].name)


def _dates_in(lang: str, locator):
    """matplotlib's concise date ticks with the month names of ``lang`` (it writes "Mar") and the
    year and month above the axis as numbers ("2025-03")."""
    from matplotlib.dates import ConciseDateFormatter

    from formcheck.core.text import MONTHS

    pattern = re.compile(r"\b(" + "|".join(MONTHS) + r")\b")

    def words(text: str) -> str:
        return pattern.sub(lambda m: t(m.group(1), lang, context="month"), text)

    class Dates(ConciseDateFormatter):
        def format_ticks(self, values):
            return [words(label) for label in super().format_ticks(values)]

        def __call__(self, x, pos=None):
            return words(super().__call__(x, pos))

    return Dates(locator, offset_formats=["", "%Y", "%Y-%m", "%Y-%m-%d", "%Y-%m-%d", "%Y-%m-%d %H:%M"])


def plot_png(runs: list[dict]) -> bytes:
    """Progress over the weeks: range of motion, holds, reps and pain, one line per exercise.

    In the active language when the overlay's font (``plot_font``) is installed; else in English
    (matplotlib's own fonts have no Chinese or Korean letters), and one line on stderr says so."""
    import matplotlib

    lang, family = get_language(), None
    if lang != SOURCE:
        family = plot_font(lang)
        if family is None:
            from formcheck.ui.text_render import FONT_ENV

            print(t("formcheck: no font with Chinese and Korean letters was found, so the plot's labels are in "
                    "English (install fonts-noto-cjk, or set {variable} to a .ttf/.otf/.ttc file).",
                    variable=FONT_ENV), file=sys.stderr, flush=True)
            lang = SOURCE
    style = {"font.family": [family, "DejaVu Sans"]} if family else {}
    with matplotlib.rc_context(style):  # text artists take the font when made, tick labels when drawn
        return _plot_png(runs, lang)


def _plot_png(runs: list[dict], lang: str) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 8), dpi=100)
    FigureCanvasAgg(fig)
    axes = fig.subplots(4, 1, sharex=True)
    by_exercise: dict[str, list[dict]] = defaultdict(list)
    for run in runs:
        by_exercise[run["exercise"]].append(run)
    panels = (("peak (deg; % for foot lift)", lambda r: r.get("peak_angle_deg")),
              ("best hold (s)", lambda r: r.get("best_hold_s")),
              ("repetitions", lambda r: r.get("reps")), ("worst pain (0-9)", pain_max))
    for ax, (label, value) in zip(axes, panels, strict=True):
        for name, group in by_exercise.items():
            points = [(when(r), value(r)) for r in group if value(r) is not None]
            if points:
                ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=name)
        ax.set_ylabel(t(label, lang))
        ax.grid(True, alpha=0.3)
    axes[3].set_ylim(-0.5, 9.5)
    axes[2].yaxis.get_major_locator().set_params(integer=True)
    days = [when(r) for r in runs]
    if days and max(days) - min(days) < timedelta(days=14):  # a few days of data still reads as weeks
        axes[3].set_xlim(min(days) - timedelta(days=3), max(days) + timedelta(days=3))
    locator = AutoDateLocator()
    axes[3].xaxis.set_major_locator(locator)
    axes[3].xaxis.set_major_formatter(ConciseDateFormatter(locator) if lang == SOURCE else _dates_in(lang, locator))
    handles, labels = axes[2].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.965), ncol=min(4, len(labels)),
                   frameon=False)
    fig.suptitle(t("formcheck: progress over the weeks", lang), y=0.995)
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def write_plot(runs: list[dict], path: Path) -> Path:
    check_target(path, "plot")
    return _write_bytes(path, plot_png(runs), "plot")


def csv_text(runs: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_COLUMNS)
    for run in runs:
        row = dict(run, warnings=";".join(f"{k}={v}" for k, v in (run.get("warnings") or {}).items()),
                   symptoms=";".join(run.get("symptoms") or ()), pain_max=pain_max(run))
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in CSV_COLUMNS])
    return buf.getvalue()


def write_csv(runs: list[dict], path: Path) -> Path:
    return _write_bytes(path, csv_text(runs).encode("utf-8"), "CSV file")


def html_page(runs: list[dict], exercise: str | None = None) -> str:
    from formcheck.io.report_page import STYLE, esc

    title = t("formcheck progress: {exercise}", exercise=exercise) if exercise else t("formcheck progress")
    rows = "".join("<tr class=run>" + "".join(f"<td>{esc(c)}</td>" for c in run_row(r)) + "</tr>" for r in runs)
    trend = ""
    if exercise:
        trend = f"<h2>{esc(t('Week by week'))}</h2><pre>" + esc("\n".join(trend_lines(runs, exercise))) + "</pre>"
    plot = base64.b64encode(plot_png(runs)).decode("ascii") if runs else ""
    img = (f'<img class=plot alt="{esc(t("Progress over the weeks"))}" src="data:image/png;base64,{plot}">' if plot
           else f"<p>{esc(t('No runs yet.'))}</p>")
    if runs:
        span = t("{count} from {first} to {last}.", count=count_text(len(runs), "1 run", "{n} runs"),
                 first=date_text(when(runs[0])), last=date_text(when(runs[-1])))
    else:
        span = t("The history is empty.")
    about = t("Everything here comes from this computer's formcheck history.")
    note = t("Peak angle: the repetition that went furthest towards the exercise's target. Pain and symptoms are "
             "the answers given in guided sessions. formcheck does not replace your clinician.")
    return f"""<!doctype html>
<html lang="{esc(get_language())}"><head><meta charset="utf-8"><title>{esc(title)}</title><style>{STYLE}</style>
</head>
<body><h1>{esc(title)}</h1><p>{esc(span)} {esc(about)}</p>
{img}{trend}
<h2>{esc(t("Runs"))}</h2><table id=runs><thead><tr>{''.join(f'<th>{esc(h)}</th>' for h in row_headings())}</tr>
</thead>
<tbody>{rows}</tbody></table>
<p class=muted>{esc(note)}</p>
</body></html>
"""


def write_html(runs: list[dict], path: Path, exercise: str | None = None) -> Path:
    check_target(path, "progress page")
    return _write_bytes(path, html_page(runs, exercise).encode("utf-8"), "progress page")
