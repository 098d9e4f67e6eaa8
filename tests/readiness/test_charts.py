"""The server-rendered SVG parses as XML, escapes text and draws the figures it is given."""

import datetime
import xml.etree.ElementTree as ET

import pytest

from readiness import charts

NS = {"svg": "http://www.w3.org/2000/svg"}


def parse(markup: str) -> ET.Element:
    root = ET.fromstring(markup)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "style" not in markup  # presentation attributes only (CSP)
    return root


def test_coverage_bar_fills_the_coverage_and_marks_the_target():
    root = parse(charts.coverage_bar(0.62, target=0.8, label="Coverage 62%, target 80%"))

    assert root.get("role") == "img"
    assert root.get("aria-label") == "Coverage 62%, target 80%"
    assert root.find("svg:title", NS).text == "Coverage 62%, target 80%"
    track, fill = root.findall("svg:rect", NS)
    assert (track.get("width"), fill.get("width")) == ("120", "74.4")
    assert fill.get("fill") == charts.ACCENT  # below target
    target = root.find("svg:line", NS)
    assert (target.get("x1"), target.get("x2")) == ("96", "96")


def test_coverage_bar_met_target_is_green_and_overflow_is_clamped():
    root = parse(charts.coverage_bar(1.4, target=0.8, width=50))

    fill = root.findall("svg:rect", NS)[1]
    assert (fill.get("width"), fill.get("fill")) == ("50", charts.GREEN)


def test_coverage_bar_without_label_is_decorative_and_without_coverage_is_empty():
    root = parse(charts.coverage_bar(None))

    assert root.get("aria-hidden") == "true"
    assert root.get("role") is None
    assert root.find("svg:title", NS) is None
    assert len(root.findall("svg:rect", NS)) == 1  # the track only
    assert root.find("svg:line", NS) is None


def test_coverage_bar_escapes_its_label():
    label = 'Unit <b>"A" & B</b>'
    markup = charts.coverage_bar(0.5, label=label)

    root = parse(markup)
    assert root.get("aria-label") == label
    assert root.find("svg:title", NS).text == label
    assert "<b>" not in markup


@pytest.mark.parametrize(
    ("status", "shape", "colour"),
    [
        ("ready", "circle", charts.GREEN),
        ("progressing", "path", charts.AMBER),
        ("not_ready", "rect", charts.RED),
        ("", "rect", charts.GREY),
        ("anything else", "rect", charts.GREY),
    ],
)
def test_status_icons_differ_in_shape_not_only_colour(status, shape, colour):
    root = parse(charts.status_icon(status))

    assert root.get("aria-hidden") == "true"
    first = next(iter(root))
    assert first.tag == f"{{{NS['svg']}}}{shape}"
    assert first.get("fill") == colour


def test_status_icons_have_distinct_drawings():
    drawings = {
        status: charts.status_icon(status).split(">", 1)[1] for status in ("ready", "progressing", "not_ready", "")
    }
    assert len(set(drawings.values())) == 4


def day(offset: int) -> datetime.date:
    return datetime.date(2026, 1, 1) + datetime.timedelta(days=offset)


def test_trend_line_plots_dates_and_values_on_the_plot_area():
    root = parse(
        charts.trend_line(
            [(day(0), 0.0), (day(50), 0.5), (day(100), 1.0)],
            title="Index over time",
            description="From 0% to 100%.",
            threshold=0.8,
            threshold_label="Threshold 80%",
        )
    )

    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "trend-title trend-desc"
    assert root.find("svg:title", NS).get("id") == "trend-title"
    assert root.find("svg:title", NS).text == "Index over time"
    assert root.find("svg:desc", NS).text == "From 0% to 100%."
    # Plot area: x 34..312, y 8 (100%) .. 118 (0%).
    (line,) = root.findall("svg:polyline", NS)
    assert line.get("points") == "34,118 173,63 312,8"
    threshold = root.find("svg:line[@class='chart-threshold']", NS)
    assert threshold.get("y1") == threshold.get("y2") == "30"
    texts = [text.text for text in root.findall("svg:text", NS)]
    assert texts == ["0%", "50%", "100%", "Threshold 80%", "2026-01-01", "2026-04-11"]
    last = root.find("svg:circle", NS)
    assert (last.get("cx"), last.get("cy")) == ("312", "8")


def test_trend_line_breaks_where_a_value_is_missing():
    points = [(day(0), 0.2), (day(10), 0.3), (day(20), None), (day(30), 0.4), (day(40), 0.5)]
    root = parse(charts.trend_line(points, title="t", description="d"))

    lines = root.findall("svg:polyline", NS)
    assert [len(line.get("points").split()) for line in lines] == [2, 2]
    assert root.find("svg:line[@class='chart-threshold']", NS) is None


def test_trend_line_with_one_point_or_none_still_parses():
    root = parse(charts.trend_line([(day(0), 0.5)], title="t", description="d", chart_id="unit-7"))
    assert root.findall("svg:polyline", NS) == []
    circle = root.find("svg:circle", NS)
    assert (circle.get("cx"), circle.get("cy")) == ("173", "63")
    assert root.get("aria-labelledby") == "unit-7-title unit-7-desc"

    empty = parse(charts.trend_line([], title="t", description="No index recorded yet."))
    assert empty.find("svg:circle", NS) is None
    assert empty.find("svg:desc", NS).text == "No index recorded yet."


def test_trend_line_escapes_title_description_and_labels():
    hostile = '</title><script>alert("x")</script>&'
    markup = charts.trend_line(
        [(day(0), 0.1), (day(1), 0.2)],
        title=hostile,
        description=hostile,
        threshold=0.5,
        threshold_label=hostile,
        chart_id='x" onload="y',
    )

    root = parse(markup)
    assert "<script>" not in markup
    assert root.find("svg:title", NS).text == hostile
    assert root.find("svg:desc", NS).text == hostile
    assert hostile in [text.text for text in root.findall("svg:text", NS)]
    assert root.get("onload") is None
