"""The project's filters (lms/templatetags/lms_format.py) and date formats (lms/formats/),
in each language: what a trainee reads on a results page or a certificate."""

import datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.formats import date_format

from courses.forms import SessionForm, UnitEnrollmentForm
from readiness.forms import HandoverDecisionForm


def render(source: str, language: str, **context) -> str:
    with translation.override(language):
        return Template("{% load lms_format %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("value", "language", "shown"),
    [
        (Decimal("50.0000"), "en", "50"),
        (Decimal("5.0000"), "fr", "5"),
        (Decimal("2.5000"), "en", "2.5"),
        (Decimal("2.5000"), "fr", "2,5"),
        (Decimal("2.5000"), "ar", "2,5"),
        ("0.0000", "en", "0"),
        ("-0.125", "fr", "-0,125"),
        (None, "en", ""),
        ("not a number", "en", ""),
    ],
)
def test_number_drops_trailing_zeros_with_the_language_separator(value, language, shown):
    assert render("{{ value|number }}", language, value=value) == shown


def test_a_numeric_answer_and_its_tolerance_read_plainly():
    source = "{{ answer|number }} (± {{ tolerance|number }})"
    assert render(source, "en", answer=Decimal("50.0000"), tolerance=Decimal("5.0000")) == "50 (± 5)"
    assert render(source, "fr", answer=Decimal("2.5000"), tolerance=Decimal("0.2500")) == "2,5 (± 0,25)"


@pytest.mark.parametrize(
    ("value", "decimals", "language", "shown"),
    [
        (Decimal("82.35"), 0, "en", "82%"),
        (Decimal("82.35"), 0, "fr", "82\u00a0%"),
        (16, 0, "fr", "16\u00a0%"),
        (Decimal("82.35"), 0, "ar", "82%"),
        (Decimal("82.35"), 1, "fr", "82,3\u00a0%"),
        (Decimal("82.35"), 1, "en", "82.3%"),
        (Decimal("79.99"), 0, "en", "79%"),  # never a passing 80 % it is not
        (100, 0, "en", "100%"),
        (None, 0, "en", ""),
    ],
)
def test_percent_has_fixed_decimals_and_the_language_sign(value, decimals, language, shown):
    assert render("{{ value|percent:decimals }}", language, value=value, decimals=decimals) == shown


def test_outcomes_are_a_list_without_the_authors_bullets():
    text = "- Explain the rights of a detained person\n* Record an arrest\n\n  • Hand over <a> detainee\nPlain line"
    assert render("{{ text|outcomes }}", "en", text=text) == (
        '<ul class="outcomes"><li>Explain the rights of a detained person</li><li>Record an arrest</li>'
        "<li>Hand over &lt;a&gt; detainee</li><li>Plain line</li></ul>"
    )
    assert render("{{ text|outcomes }}", "en", text="") == ""


MOMENT = datetime.datetime(2026, 12, 7, 10, 16, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("language", "short_date", "date", "short_datetime"),
    [
        ("en", "7 Dec 2026", "7 December 2026", "7 Dec 2026, 10:16"),
        ("fr", "7 déc. 2026", "7 décembre 2026", "7 déc. 2026, 10:16"),
        ("ar", "7 ديسمبر 2026", "7 ديسمبر 2026", "7 ديسمبر 2026، 10:16"),
    ],
)
def test_dates_name_the_month_in_every_language(language, short_date, date, short_datetime):
    """Issue 17, 17: never "12/07/2026" (July or December?) beside "Dec. 7, 2026"."""
    with translation.override(language):
        assert date_format(MOMENT.date(), "SHORT_DATE_FORMAT") == short_date
        assert date_format(MOMENT.date(), "DATE_FORMAT") == date
        assert date_format(MOMENT, "SHORT_DATETIME_FORMAT") == short_datetime


def test_a_time_ends_without_a_full_stop_of_its_own():
    """ "Submit by 10:16 a.m.." had two: times are on the 24-hour clock."""
    with translation.override("en"):
        assert date_format(MOMENT, "DATETIME_FORMAT") == "7 December 2026, 10:16"
        assert render("{{ moment|time }}.", "en", moment=MOMENT.time()) == "10:16."


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
@pytest.mark.parametrize(
    "field",
    [
        SessionForm.base_fields["date"],
        UnitEnrollmentForm.base_fields["deadline"],
        HandoverDecisionForm.base_fields["decided_on"],
    ],
    ids=["session date", "enrolment deadline", "handover date"],
)
def test_a_date_input_shows_its_value_in_every_language(language, field):
    """<input type=date> reads ISO dates only: a French page's "07/12/2026" left it empty."""
    with translation.override(language):
        html = field.widget.render("day", datetime.date(2026, 12, 7))
    assert 'type="date"' in html
    assert 'value="2026-12-07"' in html
