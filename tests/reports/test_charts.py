"""Report charts drawn by matplotlib (musterpoint.reports.charts): axes, units, captions."""

from __future__ import annotations

import re
from pathlib import Path

from musterpoint.reports import write_run_report
from musterpoint.reports.charts import Line, line_chart
from tests.helpers.run_fixture import make_run_result


def _ticks(svg: str, axis: str) -> list[str]:
    """The tick labels of ``xtick`` or ``ytick`` (text kept as text in the SVG)."""
    return re.findall(rf'<g id="{axis}_\d+">.*?<text[^>]*>([^<]*)</text>', svg, re.S)


def _texts(svg: str) -> list[str]:
    return [t.strip() for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def test_chart_has_axes_titles_caption_and_round_ticks() -> None:
    hours = [0.05 * k for k in range(0, 237)]  # 0 to 11.8 h
    fig = line_chart([Line(hours, [min(100.0, 10 * h) for h in hours], "Arrived"),
                      Line(hours, [3.0 + 0.2 * h for h in hours], "Flood level (m)",
                           right=True, step=True)],
                     title="Arrivals", x_label="Hours after the order (h)",
                     y_label="% of evacuees", y2_label="Flood level (m)",
                     caption="Share at a shelter.", y_range=(0.0, 100.0))
    assert fig is not None
    svg = str(fig)
    assert svg.startswith('<figure class="chart"><svg')
    assert "<figcaption>Share at a shelter.</figcaption>" in svg
    texts = _texts(svg)
    for title in ("Hours after the order (h)", "% of evacuees", "Flood level (m)", "Arrived"):
        assert title in texts, title
    xt = [float(t) for t in _ticks(svg, "xtick")]
    assert len(xt) >= 4 and all(t == round(t) for t in xt)  # whole hours, not 3.47
    left = svg.split('<g id="axes_2">')[0]  # the flood level's axis is the second one
    yt = [float(t) for t in _ticks(left, "ytick")]
    assert yt[0] == 0 and yt[-1] == 100 and all(t % 10 == 0 for t in yt)
    assert 'width="' not in svg.split(">", 2)[1]  # scales with the page


def test_same_data_same_bytes_and_no_date() -> None:
    def draw() -> str:
        return str(line_chart([Line([0, 1, 2], [0, 50, 100], "a")], title="t", x_label="x (h)",
                              y_label="y (%)", caption="c"))
    first = draw()
    assert first == draw()
    assert "<dc:date>" not in first and "<metadata>" not in first


def test_chinese_text_stays_text() -> None:
    svg = str(line_chart([Line([0, 1], [0, 1], "已到达")], title="图", x_label="小时",
                         y_label="疏散人员比例（%）", caption="说明"))
    assert {"已到达", "小时", "疏散人员比例（%）"} <= set(_texts(svg))
    assert "Noto Sans CJK SC" in svg


def test_nothing_to_draw() -> None:
    assert line_chart([Line([], [], "a")], title="t", x_label="x", y_label="y",
                      caption="c") is None


def test_run_report_chart_lines_and_caption(tmp_path: Path) -> None:
    page = write_run_report(make_run_result(), tmp_path / "r.html").read_text(encoding="utf-8")
    fig = re.search(r'<figure class="chart">.*?</figure>', page, re.S)
    assert fig
    texts = _texts(fig.group(0))
    for label in ("Arrived", "Departed", "Flood level (m)",
                  "Hours after the first evacuation order (h)", "% of evacuees"):
        assert label in texts, label
    assert "Blue dots, right axis: the flood level in metres." in fig.group(0)
