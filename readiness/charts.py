"""Server-rendered SVG for the leadership pages: coverage bars, status icons, trend lines.

Pure functions returning SVG markup as strings, so pages need no JavaScript and the charts
can be tested by parsing them. Every piece of text is escaped here (a unit's name may hold
anything); geometry uses presentation attributes only (``width=``, ``fill=``), never a
``style`` attribute, so a strict Content-Security-Policy holds. Charts are drawn left to
right (``dir="ltr"``) in every language, as the tables beside them give the same figures.
"""

import datetime
from collections.abc import Callable, Sequence
from html import escape

SVG_NS = "http://www.w3.org/2000/svg"

# Colours that keep at least 3:1 contrast on white; the status is never told by colour alone
# (each icon has its own shape and a text label stands beside it).
GREEN, AMBER, RED, GREY = "#1a7f37", "#9a6700", "#c62828", "#6e7781"
TRACK, INK, ACCENT = "#e6e8eb", "#1f2328", "#0b5cad"


def _number(value: float) -> str:
    """A coordinate with at most one decimal, without a trailing ".0"."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _clamp(value: float) -> float:
    return max(0.0, min(1.0, value))


def coverage_bar(
    coverage: float | None,
    *,
    target: float | None = None,
    label: str | None = None,
    width: int = 120,
    height: int = 12,
) -> str:
    """A horizontal bar: ``coverage`` (0-1) filled, the ``target`` as an upright tick.

    ``label`` is the text alternative (e.g. "Coverage 62%, target 80%"); without one the
    bar is decorative (hidden from assistive technology), for a bar with its figures in
    text beside it. With no coverage (nobody in the population) only the track is drawn."""
    if label is None:
        accessibility = 'aria-hidden="true" focusable="false"'
    else:
        accessibility = f'role="img" aria-label="{escape(label)}"'
    parts = [
        f'<svg xmlns="{SVG_NS}" class="coverage-bar" dir="ltr" {accessibility} '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
    ]
    if label is not None:
        parts.append(f"<title>{escape(label)}</title>")
    parts.append(f'<rect class="coverage-track" x="0" y="0" width="{width}" height="{height}" fill="{TRACK}"/>')
    if coverage is not None:
        filled = _clamp(coverage) * width
        met = target is not None and coverage >= target
        parts.append(
            f'<rect class="coverage-fill" x="0" y="0" width="{_number(filled)}" height="{height}" '
            f'fill="{GREEN if met else ACCENT}"/>'
        )
    if target is not None:
        x = _number(min(_clamp(target) * width, width - 1))
        parts.append(
            f'<line class="coverage-target" x1="{x}" y1="0" x2="{x}" y2="{height}" stroke="{INK}" stroke-width="2"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


# Status -> (colour, shape): a circle with a tick, a triangle, a square with a cross, a dash.
_STATUS_SHAPES = {
    "ready": (
        GREEN,
        '<circle cx="8" cy="8" r="7" fill="{colour}"/>'
        '<path d="M4.5 8.2 7 10.7 11.5 5.5" fill="none" stroke="#ffffff" stroke-width="2"/>',
    ),
    "progressing": (
        AMBER,
        '<path d="M8 1 15 14.5H1Z" fill="{colour}"/><rect x="7.1" y="5.5" width="1.8" height="5" fill="#ffffff"/>',
    ),
    "not_ready": (
        RED,
        '<rect x="1.5" y="1.5" width="13" height="13" fill="{colour}"/>'
        '<path d="M5 5 11 11M11 5 5 11" stroke="#ffffff" stroke-width="2"/>',
    ),
    "": (GREY, '<rect x="2" y="7" width="12" height="2.5" fill="{colour}"/>'),
}


def status_icon(status: str) -> str:
    """A 16x16 icon whose shape tells the status (ready, progressing, not ready, none).

    Decorative (``aria-hidden``): the status text must stand beside it."""
    colour, shape = _STATUS_SHAPES.get(status, _STATUS_SHAPES[""])
    return (
        f'<svg xmlns="{SVG_NS}" class="status-icon status-icon-{escape(status or "none")}" aria-hidden="true" '
        f'focusable="false" width="16" height="16" viewBox="0 0 16 16">{shape.format(colour=colour)}</svg>'
    )


def trend_line(
    points: Sequence[tuple[datetime.date, float | None]],
    *,
    title: str,
    description: str,
    threshold: float | None = None,
    threshold_label: str = "",
    chart_id: str = "trend",
    width: int = 320,
    height: int = 140,
    date_label: Callable[[datetime.date], str] = datetime.date.isoformat,
) -> str:
    """A line of values 0-1 over dates; a dashed line at ``threshold``; the first and last
    dates under the axis, written by ``date_label`` (the page's: the language's format).

    ``points`` must be in date order. A point without a value (nobody eligible that day)
    breaks the line. ``title`` and ``description`` are the chart's accessible name and
    summary; the page should also give the points as a table. ``chart_id`` keeps the ids of
    the title and summary unique when a page has several charts."""
    left, right, top, bottom = 34, 8, 8, 22
    plot_width, plot_height = width - left - right, height - top - bottom
    dated = [(day, value) for day, value in points]
    first = dated[0][0] if dated else None
    span = (dated[-1][0] - dated[0][0]).days if dated else 0

    def x_of(day: datetime.date) -> float:
        if not span or first is None:
            return left + plot_width / 2
        return left + plot_width * (day - first).days / span

    def y_of(value: float) -> float:
        return top + plot_height * (1 - _clamp(value))

    parts = [
        f'<svg xmlns="{SVG_NS}" class="chart trend-chart" direction="ltr" dir="ltr" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>',
    ]
    for share, text in ((0.0, "0%"), (0.5, "50%"), (1.0, "100%")):
        y = _number(y_of(share))
        parts.append(
            f'<line class="chart-grid" x1="{left}" y1="{y}" x2="{width - right}" y2="{y}" stroke="{TRACK}"/>'
            f'<text class="chart-label" x="{left - 4}" y="{y}" text-anchor="end" dominant-baseline="middle" '
            f'font-size="10" fill="{INK}">{text}</text>'
        )
    if threshold is not None:
        y = _number(y_of(threshold))
        parts.append(
            f'<line class="chart-threshold" x1="{left}" y1="{y}" x2="{width - right}" y2="{y}" '
            f'stroke="{INK}" stroke-dasharray="4 3"/>'
        )
        if threshold_label:
            parts.append(
                f'<text class="chart-label" x="{width - right}" y="{_number(y_of(threshold) - 3)}" '
                f'text-anchor="end" font-size="10" fill="{INK}">{escape(threshold_label)}</text>'
            )
    segments: list[list[str]] = [[]]
    for day, value in dated:
        if value is None:
            segments.append([])
        else:
            segments[-1].append(f"{_number(x_of(day))},{_number(y_of(value))}")
    for segment in segments:
        if len(segment) > 1:
            parts.append(
                f'<polyline class="trend-line" points="{" ".join(segment)}" fill="none" '
                f'stroke="{ACCENT}" stroke-width="2"/>'
            )
    last_values = [(day, value) for day, value in dated if value is not None]
    if last_values:
        day, value = last_values[-1]
        parts.append(
            f'<circle class="trend-last" cx="{_number(x_of(day))}" cy="{_number(y_of(value))}" r="3" fill="{ACCENT}"/>'
        )
    if first is not None:
        baseline = height - 6
        parts.append(
            f'<text class="chart-label" x="{left}" y="{baseline}" font-size="10" fill="{INK}">'
            f"{escape(date_label(first))}</text>"
        )
        if span:
            parts.append(
                f'<text class="chart-label" x="{width - right}" y="{baseline}" text-anchor="end" font-size="10" '
                f'fill="{INK}">{escape(date_label(dated[-1][0]))}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
