"""``report.html``: one self-contained page per analysed video, for the clinician who reviews it.

``render_report_page`` is a pure function of the report dict (``report.json``'s contract) and the
plot's PNG bytes; ``write_report_page`` reads what it needs from the run's folder and writes the
page next to ``annotated.mp4``. Nothing on the page loads from the network: the plot is a data
URI, the video a relative link to the file beside the page (never inlined: it can be large).
``render_index_page`` lists a batch of videos, each linking to its own page.

The pages are in the report's language (else the active one): headings and labels from
``catalogs/<lang>/patient.toml``, the clinician's descriptions (what is measured, how holds are
timed, why an exercise is "tracked") from ``clinician.toml``. report.json itself keeps English.
"""
from __future__ import annotations

import base64
import html
import math
import os
from collections.abc import Iterable
from pathlib import Path

from formcheck.core.events import EVENT_MESSAGES
from formcheck.core.text import with_unit
from formcheck.i18n import count_text, get_language, t, using

PAGE_NAME = "report.html"
INDEX_NAME = "index.html"
# Spinal / hip flexion per repetition: added to rep_details by the spine analysis (issue 11);
# shown only where a report has them.
EXTRA_REP_COLUMNS = (("peak_spine_flexion_deg", "peak spinal flexion"), ("peak_hip_flexion_deg", "peak hip flexion"))
DASH = "\u2014"

STYLE = """body{font-family:system-ui,sans-serif;max-width:68em;margin:1.5em auto;padding:0 1em;line-height:1.4;
color:#222}h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.15em;margin-top:1.5em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #bbb;padding:.25em .6em;text-align:left;
vertical-align:top}th{background:#f1f1f1}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.warn{color:#a61b1b}.muted{color:#666}video,img.plot,svg{max-width:100%;border:1px solid #ccc}
dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{font-weight:600}dd{margin:0}"""


def esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _number(value, unit: str = "", fmt: str = ".1f") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return DASH
    return with_unit(float(value), unit, fmt) if unit else f"{float(value):{fmt}}"


def warning_words(report: dict) -> dict[str, str]:
    """Event code -> the words the user saw (the exercise's own message where it has one)."""
    words = dict(EVENT_MESSAGES)
    seen = set()
    for event in report.get("events") or ():
        code = event.get("code")
        if code and event.get("message") and code not in seen:  # what was said beats the built-in text
            words[code] = event["message"]
            seen.add(code)
    return words


def in_words(code: str, words: dict[str, str]) -> str:
    return t(words.get(code) or code.replace("_", " "))  # in the page's language (render_report_page)


def best_hold_s(report: dict) -> float | None:
    holds = [r.get("hold_s") or 0.0 for r in report.get("rep_details") or ()]
    return max(holds) if holds else None


def side_name(side: str) -> str:
    """"left" / "right" in the active language (a body side, not the camera's view)."""
    return t(side, context="body")


def reps_text(report: dict) -> str:
    """"2 / 10", "3 / 5 per side (left 2, right 1)", or "timed" for a timer exercise."""
    if (report.get("measured_signal") or {}).get("field") is None:
        return t("timed")
    by_side = report.get("reps_by_side")
    text = f"{report.get('reps', 0)} / {report.get('target_reps', 0)}"
    if by_side:
        sides = t(", ").join(f"{side_name(k)} {v}" for k, v in by_side.items())
        text = t("{reps} per side ({sides})", reps=text, sides=sides)
    return text


def frames_text(n: int) -> str:
    return count_text(n, "1 frame", "{n} frames")


def _facts(report: dict) -> str:
    sig = report.get("measured_signal") or {}
    unit = sig.get("unit") or "deg"
    hold = report.get("hold_timing") or {}
    level = esc(t(report.get("level") or ""))
    if report.get("level_reason"):  # the exercise definition's own words (catalogs/<lang>/clinician.toml)
        level += f" <span class=muted>({esc(t(report['level_reason']))})</span>"
    if sig.get("expected_error_deg") is not None:
        measured = esc(t("{name}: {description} Expected error about {error}.", name=t(sig.get("name") or ""),
                         description=t(sig.get("description") or ""),
                         error=with_unit(sig["expected_error_deg"], unit, ".0f")))
    else:
        measured = esc(t(sig.get("description") or sig.get("name") or ""))
    if sig.get("method"):
        measured += f" <span class=muted>({esc(t(sig['method']))})</span>"
    holds = esc(t(hold.get("definition", "")))
    if hold.get("expected_error_s") is not None:
        holds += esc(t("; expected error about {error}", error=_number(hold["expected_error_s"], "s")))
    n = report.get("target_reps") or 0
    target = [count_text(n, "1 repetition", "{n} repetitions")]
    if report.get("reps_by_side"):
        target = [t("{reps} per side", reps=target[0])]
    if report.get("target_hold_s"):
        target.append(t("hold {seconds} s", seconds=f"{report['target_hold_s']:g}"))
    if report.get("target_angle_deg") is not None and sig.get("field") is not None:
        target.append(t("angle {value}", value=with_unit(report["target_angle_deg"], unit, ".0f")))
    rate = report.get("detection_rate")
    detection = (t("{percent} of frames ({detected} of {frames}) had the person in view", percent=f"{100 * rate:.0f}%",
                   detected=report.get("detected_frames", 0), frames=frames_text(report.get("frames", 0)))
                 if rate is not None else t("not recorded for this run"))
    rows = [("Exercise", esc(t(report.get("exercise_name") or report.get("exercise")))),
            ("Level", level), ("Measured", measured), ("Holds", holds),
            ("Repetitions", esc(reps_text(report))), ("Target", esc(t(", ").join(target))),
            ("Detection", esc(detection))]
    if report.get("duration_s") is not None:
        length = t("{duration} at {fps} fps", duration=_number(report["duration_s"], "s"),
                   fps=_number(report.get("fps"), "", ".1f"))
        rows.append(("Length", esc(length)))
    size = report.get("frame_size") or {}
    if size.get("source") and size.get("source") != size.get("analysed"):
        rows.append(("Frames", esc(t("scaled from {source} to {analysed} for analysis",
                                     source="{}x{}".format(*size["source"]),
                                     analysed="{}x{}".format(*size["analysed"])))))
    if report.get("interrupted"):
        rows.append(("Ended", esc(t("interrupted before the end"))))
    return "<dl>" + "".join(f"<dt>{esc(t(k))}</dt><dd>{v}</dd>" for k, v in rows) + "</dl>"


def _rep_table(report: dict, words: dict[str, str]) -> str:
    reps = report.get("rep_details") or []
    sig = report.get("measured_signal") or {}
    unit = sig.get("unit") or "deg"
    if not reps:
        return f"<p id=no-reps>{esc(t('No repetitions were counted.'))}</p>"
    extras = [(key, label) for key, label in EXTRA_REP_COLUMNS if any(key in r for r in reps)]
    sided = any(r.get("side") for r in reps)
    head = ["#"] + ([t("side", context="body")] if sided else []) + [
        t("start"), t("end"), t("peak {signal}", signal=t(sig.get("name") or "angle"))]
    head += [t(label) for _, label in extras] + [t("hold", context="table"), t("warnings")]
    rows = []
    for rep in reps:
        cells = [f"<td class=num>{esc(rep.get('index'))}</td>"]
        if sided:
            cells.append(f"<td>{esc(side_name(rep['side']) if rep.get('side') else DASH)}</td>")
        cells += [f"<td class=num>{esc(_number(rep.get('start_s'), 's'))}</td>",
                  f"<td class=num>{esc(_number(rep.get('end_s'), 's'))}</td>",
                  f"<td class=num>{esc(_number(rep.get('peak_angle_deg'), unit))}</td>"]
        cells += [f"<td class=num>{esc(_number(rep.get(key), 'deg'))}</td>" for key, _ in extras]
        hold = rep.get("hold_s")
        span = ""
        if hold and rep.get("hold_start_s") is not None and rep.get("hold_end_s") is not None:
            span = f" <span class=muted>({rep['hold_start_s']:.1f}-{rep['hold_end_s']:.1f} s)</span>"
        cells.append(f"<td class=num>{esc(_number(hold, 's'))}{span}</td>")
        warnings = rep.get("warnings") or []
        text = "; ".join(esc(in_words(code, words)) for code in warnings) or esc(t("none"))
        cells.append(f"<td{' class=warn' if warnings else ''}>{text}</td>")
        rows.append("<tr class=rep>" + "".join(cells) + "</tr>")
    return ("<table id=reps><thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in head)
            + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def _events(report: dict, words: dict[str, str]) -> str:
    events = report.get("events") or []
    if not events:
        return f"<p id=no-events>{esc(t('No events: the person was followed throughout, with no warnings.'))}</p>"
    rows = []
    for e in events:
        rep = t("repetition {n}", n=e["rep"]) if e.get("rep") else DASH
        rows.append(f"<tr class=event><td class=num>{esc(_number(e.get('t_s'), 's'))}</td>"
                    f"<td>{esc(t(e['message']) if e.get('message') else in_words(e.get('code', ''), words))}</td>"
                    f"<td class=muted>{esc(e.get('code'))}</td><td>{esc(rep)}</td></tr>")
    head = "".join(f"<th>{esc(t(h))}</th>" for h in ("time", "what happened", "code", "during"))
    return f"<table id=events><thead><tr>{head}</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"


def _video(video_name: str | None, note: str | None) -> str:
    if not video_name:
        return f"<p id=no-video>{esc(t(note or 'No annotated video was written for this run.'))}</p>"
    src = esc(video_name)
    link = f'<a href="{src}" download>{src}</a>'
    where = esc(t("The annotated video (H.264 mp4) is the file {link} beside this page.")).replace("{link}", link)
    cannot = esc(t("This browser cannot play it: download it and open it in a video player (VLC, or another "
                   "browser)."))
    # The script reveals the fallback line when this browser cannot decode the file, and notes on
    # the element what the browser made of it (data-ready, data-error: read by the browser test).
    return (f'<video id=annotated controls preload=auto width=720 src="{src}"></video>'
            f'<p id=video-help class=muted>{where} <span id=video-error hidden class=warn>{cannot}</span></p>'
            "<script>(function(){var v=document.getElementById('annotated');"
            "function note(){v.dataset.ready=v.readyState;v.dataset.duration=v.duration;v.dataset.width=v.videoWidth;}"
            "v.addEventListener('loadedmetadata',note);v.addEventListener('loadeddata',note);"
            "v.addEventListener('error',function(){v.dataset.error=v.error?v.error.code:'unknown';"
            "document.getElementById('video-error').hidden=false;});})();</script>")


def svg_plot(t_s: list[float], values: list[float | None], reps: list[dict], label: str, unit: str,
             width: int = 900, height: int = 260) -> str:
    """A small inline SVG of the signal over time with each repetition shaded and each hold darker
    (for runs without ``angles.png``: `live` has its angles.csv only)."""
    points = [(t, v) for t, v in zip(t_s, values, strict=True) if v is not None and math.isfinite(v)]
    if len(points) < 2:
        return ""
    t0, t1 = min(p[0] for p in points), max(p[0] for p in points)
    lo, hi = min(p[1] for p in points), max(p[1] for p in points)
    if hi - lo < 1e-6:
        lo, hi = lo - 1, hi + 1
    left, right, top, bottom = 50, 10, 10, 30
    w, h = width - left - right, height - top - bottom

    def x(t):
        return left + w * (t - t0) / ((t1 - t0) or 1)

    def y(v):
        return top + h * (hi - v) / (hi - lo)

    def band(start, end, colour):
        return (f'<rect x="{x(start):.1f}" y="{top}" width="{max(x(end) - x(start), 1):.1f}" height="{h}" '
                f'fill="{colour}"/>')

    parts = []
    for rep in reps:
        if rep.get("start_s") is not None and rep.get("end_s") is not None:
            parts.append(band(rep["start_s"], rep["end_s"], "#dde6f3"))
        if rep.get("hold_start_s") is not None and rep.get("hold_end_s") is not None:
            parts.append(band(rep["hold_start_s"], rep["hold_end_s"], "#b9c9e4"))
    line = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in points)
    parts.append(f'<polyline points="{line}" fill="none" stroke="#1f5fa8" stroke-width="1.5"/>')
    for v in (lo, hi):
        parts.append(f'<text x="{left - 4}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="11">'
                     f'{esc(with_unit(v, unit, ".0f"))}</text>')
    for t_end in (t0, t1):
        parts.append(f'<text x="{x(t_end):.1f}" y="{height - 10}" text-anchor="middle" font-size="11">{t_end:.0f} s'
                     '</text>')
    aria = esc(t("{label} over time", label=t(label)))
    return (f'<svg id=plot width="{width}" height="{height}" role="img" '
            f'aria-label="{aria}"><rect x="{left}" y="{top}" width="{w}" height="{h}" fill="none" '
            f'stroke="#999"/>{"".join(parts)}</svg>')


def _plot(plot_png: bytes | None, plot_svg: str | None = None) -> str:
    if not plot_png and plot_svg:
        return plot_svg
    if not plot_png:
        return f"<p id=no-plot>{esc(t('No angle plot was written for this run.'))}</p>"
    data = base64.b64encode(plot_png).decode("ascii")
    alt = esc(t("The measured signal over time, each repetition and hold marked"))
    return f'<img class=plot id=plot alt="{alt}" src="data:image/png;base64,{data}">'


def render_report_page(report: dict, *, plot_png: bytes | None = None, video_name: str | None = None,
                       video_note: str | None = None, generator: str = "formcheck",
                       plot_svg: str | None = None) -> str:
    """The review page for one run, as a string (pure: no file is read).

    ``video_name``: the annotated video's file name, relative to the page (None: no video, and
    ``video_note`` says why); ``plot_png``: the bytes of ``angles.png``, inlined; else ``plot_svg``
    (``svg_plot``) is drawn. Everything on it is in the report's ``language`` (else the active
    one): headings, labels, the exercise, the warnings and the descriptions.
    """
    with using(report.get("language") or get_language()):
        return _render_report_page(report, plot_png=plot_png, video_name=video_name, video_note=video_note,
                                   generator=generator, plot_svg=plot_svg)


def _render_report_page(report: dict, *, plot_png: bytes | None, video_name: str | None, video_note: str | None,
                        generator: str, plot_svg: str | None) -> str:
    words = warning_words(report)
    name = t(report.get("exercise_name") or report.get("exercise") or "exercise")
    source = Path(str(report.get("source") or "")).name
    title = f"{name}: {source}" if source else name
    lang = esc(get_language())
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{esc(title)} {esc(t("(formcheck review)"))}</title><style>{STYLE}</style></head>
<body>
<h1>{esc(name)}</h1>
<p class=muted>{esc(t("Source: {source}", source=report.get("source")))}</p>
{_facts(report)}
<h2>{esc(t("Video"))}</h2>
{_video(video_name, video_note)}
<h2>{esc(t("Repetitions"))}</h2>
{_rep_table(report, words)}
<h2>{esc(t("Angle over time"))}</h2>
{_plot(plot_png, plot_svg)}
<h2>{esc(t("Tracking and events"))}</h2>
{_events(report, words)}
<p class=muted>{esc(t("Written by {generator}. A single camera gives angles in the picture plane, not vertebrae; "
                      "formcheck does not replace a clinician's assessment.", generator=generator))}</p>
</body></html>
"""


def _write_text(path: Path, text: str) -> Path:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)  # a browser never sees half a page
    return path


def write_report_page(report: dict, folder: Path, *, video_note: str | None = None,
                      name: str = PAGE_NAME) -> Path:
    """Write ``folder/report.html`` from ``report`` and the files beside it; returns its path."""
    from formcheck import __version__

    folder = Path(folder)
    outputs = report.get("outputs") or {}
    video = Path(outputs["video"]) if outputs.get("video") else None
    video_name = video.name if video is not None and (folder / video.name).is_file() else None
    if video_name is None and video_note is None:
        video_note = ("No annotated video was written (--no-video)." if "video" not in outputs and "plot" in outputs
                      else "No annotated video was recorded for this run.")
    plot = Path(outputs["plot"]) if outputs.get("plot") else None
    plot_png = (folder / plot.name).read_bytes() if plot is not None and (folder / plot.name).is_file() else None
    plot_svg = _svg_from_csv(report, folder / "angles.csv") if plot_png is None else None
    page = render_report_page(report, plot_png=plot_png, video_name=video_name, video_note=video_note,
                              generator=f"formcheck {__version__}", plot_svg=plot_svg)
    return _write_text(folder / name, page)


def _svg_from_csv(report: dict, path: Path) -> str | None:
    """The signal column of ``angles.csv`` (``signal_deg``) as an inline SVG, if the file is there."""
    import csv

    if not path.is_file():
        return None
    t_s, values = [], []
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                try:
                    t = float(row["t_s"])
                    value = float(row["signal_deg"]) if row.get("signal_deg") else None
                except (KeyError, TypeError, ValueError):
                    continue  # a torn last row (a killed run): skip it, keep the rest
                t_s.append(t)
                values.append(value)
    except OSError:
        return None
    sig = report.get("measured_signal") or {}
    return svg_plot(t_s, values, report.get("rep_details") or [], sig.get("name") or "angle",
                    sig.get("unit") or "deg") or None


def render_index_page(entries: Iterable[dict], *, title: str | None = None) -> str:
    """A batch's index, in the active language: one row per video. Each entry: ``video``,
    ``folder`` (relative to the index), ``ok``, ``error``, ``report`` (the report dict, or None)."""
    title = title or t("formcheck: videos analysed")
    rows = []
    for entry in entries:
        report = entry.get("report")
        page = f"{entry['folder']}/{PAGE_NAME}" if entry.get("page") else None
        name = esc(Path(entry["video"]).name)
        link = f'<a href="{esc(page)}">{name}</a>' if page else name
        if report:
            words = warning_words(report)
            holds = [r.get("hold_s") or 0.0 for r in report.get("rep_details") or ()]
            holds_text = ", ".join(f"{h:.1f}" for h in holds) + " s" if holds and report.get("target_hold_s") else DASH
            counts: dict[str, int] = {}
            for rep in report.get("rep_details") or ():
                for code in rep.get("warnings") or ():
                    counts[code] = counts.get(code, 0) + 1
            warnings = "; ".join(f"{esc(in_words(c, words))} ({n}x)" for c, n in counts.items()) or esc(t("none"))
            cells = [link, esc(t(report.get("exercise_name") or "")), esc(reps_text(report)), esc(holds_text), warnings,
                     esc(f"{100 * (report.get('detection_rate') or 0):.0f}%")]
        else:
            cells = [link] + [DASH] * 5
        status = (esc(t("ok")) if entry.get("ok")
                  else f"<span class=warn>{esc(t('failed: {error}', error=entry.get('error')))}</span>")
        rows.append("<tr class=video>" + "".join(f"<td>{c}</td>" for c in cells + [status]) + "</tr>")
    failed = sum(1 for e in entries if not e.get("ok")) if isinstance(entries, list) else 0
    head = [t(h) for h in ("video", "exercise", "reps / target", "holds", "warnings", "person in view", "status")]
    count = count_text(len(rows), "1 video", "{n} videos")
    if failed:
        count = t("{videos}, {failed} failed", videos=count, failed=failed)
    return f"""<!doctype html>
<html lang="{esc(get_language())}"><head><meta charset="utf-8"><title>{esc(title)}</title><style>{STYLE}</style>
</head>
<body><h1>{esc(title)}</h1>
<p>{esc(t("{count}. Each name opens that video's review page.", count=count))}</p>
<table id=videos><thead><tr>{''.join(f'<th>{esc(h)}</th>' for h in head)}</tr></thead>
<tbody>{''.join(rows)}</tbody></table>
</body></html>
"""


def write_index_page(entries: list[dict], folder: Path) -> Path:
    return _write_text(Path(folder) / INDEX_NAME, render_index_page(entries))
