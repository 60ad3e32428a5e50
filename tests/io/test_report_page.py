"""``report.html`` and a batch's ``index.html``: what the clinician's page says, as a pure function of
the report (the browser test, ``test_report_page_browser.py``, checks it renders and plays)."""
import re
from html.parser import HTMLParser

import pytest

from formcheck.io.report_page import render_index_page, render_report_page, write_report_page


def rep(index, **extra):
    base = {"index": index, "start_s": 1.0 + 6 * index, "end_s": 5.5 + 6 * index, "peak_angle_deg": 60.0 + index,
            "hold_s": 2.5, "hold_start_s": 2.5 + 6 * index, "hold_end_s": 5.0 + 6 * index, "warnings": [],
            "side": None}
    return {**base, **extra}


def make_report(reps=(), events=(), **fields):
    report = {
        "report_version": 1, "exercise": "standing_flexion", "exercise_name": "Standing flexion",
        "level": "measured", "level_reason": "", "source": "clips/monday.mp4", "reps": len(reps),
        "reps_by_side": None, "target_reps": 10, "target_hold_s": 2.0, "target_angle_deg": 60.0,
        "rep_details": list(reps), "events": list(events), "frames": 300, "detected_frames": 285,
        "detection_rate": 0.95, "duration_s": 20.0, "fps": 15.0,
        "measured_signal": {"name": "trunk inclination", "field": "trunk_inclination_deg", "unit": "deg",
                            "description": "Hip-to-shoulder line from vertical.", "expected_error_deg": 5.0,
                            "method": "2-D side view"},
        "hold_timing": {"unit": "s", "expected_error_s": 0.3, "definition": "time held still"},
        "timing": {}, "outputs": {},
    }
    report.update(fields)
    return report


class Tables(HTMLParser):
    """Rows (lists of cell texts) of each table with an id."""

    def __init__(self):
        super().__init__()
        self.tables, self._table, self._row, self._cell = {}, None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._table = self.tables.setdefault(attrs.get("id"), [])
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._table.append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables(page):
    parser = Tables()
    parser.feed(page)
    return parser.tables


@pytest.mark.parametrize("n", [1, 3, 12])
def test_one_table_row_per_repetition(n):
    page = render_report_page(make_report([rep(i) for i in range(1, n + 1)]))
    rows = tables(page)["reps"]
    assert len(rows) == n + 1  # the header, then one per rep
    assert [r[0] for r in rows[1:]] == [str(i) for i in range(1, n + 1)]
    assert rows[1][1:4] == ["7.0 s", "11.5 s", "61.0°"]


def test_no_repetitions_says_so():
    page = render_report_page(make_report())
    assert "reps" not in tables(page) and "No repetitions were counted." in page


@pytest.mark.parametrize("reps, header, cells", [
    ([rep(1), rep(2)], None, None),  # neither field: no column
    ([rep(1, peak_spine_flexion_deg=31.4), rep(2)], "peak spinal flexion", ["31.4°", "\u2014"]),
    ([rep(1, peak_hip_flexion_deg=70.0), rep(2, peak_hip_flexion_deg=None)], "peak hip flexion", ["70.0°", "\u2014"]),
], ids=["absent", "spine-on-one-rep", "hip-none"])
def test_spine_and_hip_flexion_columns_only_where_the_report_has_them(reps, header, cells):
    rows = tables(render_report_page(make_report(reps)))["reps"]
    if header is None:
        assert not any("flexion" in h for h in rows[0])
        return
    col = rows[0].index(header)
    assert [r[col] for r in rows[1:]] == cells


def test_warnings_and_events_are_in_words_and_sides_shown():
    reps = [rep(1, warnings=["knee_bent", "custom_code"], side="left"), rep(2, side="right")]
    events = [{"t_s": 3.0, "code": "knee_bent", "message": "Keep your knees soft but straight", "rep": 1},
              {"t_s": 9.0, "code": "tracking_lost", "message": "I can't see you: step into view", "rep": None},
              {"t_s": 12.0, "code": "other_person", "message": "Someone else is in view", "rep": None}]
    page = render_report_page(make_report(reps, events, reps_by_side={"left": 1, "right": 1}))
    t = tables(page)
    assert t["reps"][0][1] == "side" and [r[1] for r in t["reps"][1:]] == ["left", "right"]
    # The exercise's own words from the events, then the code in words where nothing was said.
    assert t["reps"][1][-1] == "Keep your knees soft but straight; custom code"
    assert t["reps"][2][-1] == "none"
    assert [r[1] for r in t["events"][1:]] == [e["message"] for e in events]
    assert "2 / 10 per side (left 1, right 1)" in page
    assert "95% of frames (285 of 300 frames)" in page


def test_everything_from_the_report_is_escaped():
    nasty = '<script>alert("x")</script>&'
    reps = [rep(1, warnings=["<b>bad</b>"], side="<i>l</i>")]
    events = [{"t_s": 1.0, "code": "<x>", "message": nasty, "rep": None}]
    page = render_report_page(make_report(reps, events, source=f"/videos/{nasty}.mp4", exercise_name=nasty,
                                          level_reason=nasty), video_name='a"b<c>.mp4')
    assert "<script>alert" not in page and "<b>bad" not in page and "<i>l" not in page and "<x>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;" in page
    assert 'src="a&quot;b&lt;c&gt;.mp4"' in page


def test_nothing_loads_from_the_network():
    page = render_report_page(make_report([rep(1)]), plot_png=b"\x89PNG\r\n\x1a\nfake", video_name="annotated.mp4")
    assert not re.search(r"https?://", page)
    assert not re.search(r"""(src|href)\s*=\s*["']?//""", page)  # no protocol-relative links either
    assert re.search(r'<video id=annotated [^>]*src="annotated.mp4"', page)
    assert 'src="data:image/png;base64,iVBORw0KGgpmYWtl"' in page


@pytest.mark.parametrize("outputs, files, video, note", [
    ({"video": "/x/annotated.mp4", "plot": "/x/angles.png"}, ["annotated.mp4", "angles.png"], True, None),
    ({"plot": "/x/angles.png"}, ["angles.png"], False, "--no-video"),
    ({"folder": "/x"}, [], False, "No annotated video was recorded"),
], ids=["video", "no-video", "live"])
def test_the_writer_links_the_video_beside_the_page_or_says_why_not(tmp_path, outputs, files, video, note):
    for name in files:
        (tmp_path / name).write_bytes(b"\x89PNG\r\n\x1a\n" if name.endswith(".png") else b"\0" * 64)
    page = write_report_page(make_report([rep(1)], outputs=outputs), tmp_path).read_text()
    assert ("<video" in page) == video
    assert ("data:image/png;base64," in page) == ("angles.png" in files)
    if note:
        assert note in page


def test_a_timer_exercise_says_timed():
    report = make_report(measured_signal={"name": "time in view", "field": None, "unit": "s",
                                          "expected_error_deg": None, "description": "Only timed.", "method": "timer"})
    page = render_report_page(report)
    assert "timed" in page and "Only timed." in page


def test_the_index_lists_every_video_with_a_link_and_its_failure():
    ok = make_report([rep(1, warnings=["knee_bent"]), rep(2)])
    entries = [{"video": "/v/a.mp4", "folder": "a", "ok": True, "error": None, "report": ok, "page": True},
               {"video": "/v/b<1>.mp4", "folder": "b<1>", "ok": True, "error": None, "report": ok, "page": True},
               {"video": "/v/bad.mp4", "folder": "bad", "ok": False, "error": "Cannot read /v/bad.mp4.",
                "report": None, "page": False}]
    page = render_index_page(entries)
    rows = tables(page)["videos"]
    assert [r[0] for r in rows[1:]] == ["a.mp4", "b<1>.mp4", "bad.mp4"]
    assert 'href="a/report.html"' in page and 'href="b&lt;1&gt;/report.html"' in page
    assert "bad/report.html" not in page  # no page to link to
    assert rows[1][2] == "2 / 10" and rows[1][3] == "2.5, 2.5 s" and rows[1][4].startswith("Knees bent")
    assert rows[3][-1] == "failed: Cannot read /v/bad.mp4."
    assert "3 videos, 1 failed" in page


def test_without_a_png_the_plot_is_an_inline_svg_from_angles_csv(tmp_path):
    """`live` writes angles.csv but no angles.png: the page draws the signal itself (a torn last row,
    from a killed run, is skipped)."""
    rows = ["frame,t_s,detected,signal_deg"] + [f"{i},{i / 10:.1f},1,{(i % 30) * 2.0}" for i in range(60)]
    (tmp_path / "angles.csv").write_text("\n".join(rows) + "\n60,6.")
    page = write_report_page(make_report([rep(1)], outputs={"folder": str(tmp_path)}), tmp_path).read_text()
    svg = re.search(r"<svg id=plot .*?</svg>", page, re.S).group(0)
    points = re.search(r'<polyline points="([^"]+)"', svg).group(1).split()
    assert len(points) == 60
    assert svg.count("<rect") == 1 + 2  # the frame, the repetition and its hold
    assert "No angle plot" not in page and not re.search(r"https?://", page)
