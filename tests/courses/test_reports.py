"""Trainer pages: enrolling a unit or officers by service number, and the course report
(exact counts by unit and sex, scope, CSV without formula injection, fixed queries)."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses import services
from courses.models import Enrollment, Lesson
from courses.views.reports import csv_cell
from organisations.models import Officer
from tests.factories import OfficerFactory, UnitFactory

# Report -------------------------------------------------------------------------------------


@pytest.fixture
def cohort(tree, people, published_course):
    """Enrolments in ``published_course`` (two lessons) across the tree, in every state.

    North: station A (F, completed), B (M, in progress); district C (M, not started);
    region D (F, not started). South: station E (F, in progress), F (M, completed).
    """
    a, b = tree.north_officers
    Officer.objects.filter(pk=b.pk).update(sex=Officer.Sex.MALE)
    c = OfficerFactory(unit=tree.north_district, sex=Officer.Sex.MALE)
    d = OfficerFactory(unit=tree.north, sex=Officer.Sex.FEMALE)
    e, f = tree.south_officers
    Officer.objects.filter(pk=f.pk).update(sex=Officer.Sex.MALE)
    assert services.enrollments_create_for_unit(course=published_course, unit=tree.nation, actor=people.admin) == 6
    first, second = Lesson.objects.filter(module__course=published_course).order_by("order")
    enrollments = {
        enrollment.officer_id: enrollment for enrollment in Enrollment.objects.filter(course=published_course)
    }
    for officer, lessons in ((a, [first, second]), (b, [first]), (e, [second]), (f, [first, second])):
        for lesson in lessons:
            services.lesson_complete(enrollment=enrollments[officer.pk], lesson=lesson)
    # Someone enrolled in another course counts nowhere here.
    other = services.course_create(creator=people.admin, code="OTHER", title="Other")
    services.lesson_create(module=services.module_create(course=other, title="M"), title="L")
    services.course_publish(course=other, actor=people.admin)
    services.enrollments_create(course=other, officers=[c, d], actor=people.admin)
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f}


def _csv_rows(client, url: str, **params) -> list[list[str]]:
    response = client.get(url, {"format": "csv", **params})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


HEADER = [
    "Unit code",
    "Unit",
    "Enrolled",
    "Not started",
    "In progress",
    "Completed",
    "Completed (%)",
    "Women enrolled",
    "Women completed",
    "Men enrolled",
    "Men completed",
]


def test_report_counts_by_unit_and_sex_for_national_scope(client, people, tree, published_course, cohort):
    client.force_login(people.leader)

    rows = _csv_rows(client, reverse("course-report", args=[published_course.pk]))

    assert rows == [
        HEADER,
        ["N", "Northern Region", "4", "2", "1", "1", "25", "2", "1", "2", "0"],
        ["S", "Southern Region", "2", "0", "1", "1", "50", "1", "0", "1", "1"],
        ["", "Total", "6", "2", "2", "2", "33", "3", "1", "3", "1"],
    ]


def test_report_of_a_regional_trainer_counts_their_region_only(client, people, tree, published_course, cohort):
    client.force_login(people.trainer_north)

    rows = _csv_rows(client, reverse("course-report", args=[published_course.pk]))
    html = client.get(reverse("course-report", args=[published_course.pk])).content.decode()

    assert rows == [
        HEADER,
        ["N1", "Kora District", "3", "1", "1", "1", "33", "1", "1", "2", "0"],
        ["N", "Northern Region (directly)", "1", "1", "0", "0", "0", "1", "0", "0", "0"],
        ["", "Total", "4", "2", "1", "1", "25", "2", "1", "2", "0"],
    ]
    assert "Southern Region" not in html
    assert "Talu" not in html
    # By sex: women 2 enrolled (1 completed), men 2 (none completed).
    by_sex = html.split('id="by-sex-heading"', 1)[1]
    assert [
        line.strip() for line in by_sex.split("<tbody>", 1)[1].split("</tbody>", 1)[0].splitlines() if "numeric" in line
    ] == [
        f'<td class="numeric">{value}</td>'
        for value in ["2", "1", "0", "1", "50%", "2", "1", "1", "0", "0%", "4", "2", "1", "1", "25%"]
    ]


def test_report_drills_down_into_a_unit_of_the_scope(client, people, tree, published_course, cohort):
    client.force_login(people.admin)
    url = reverse("course-report", args=[published_course.pk])

    rows = _csv_rows(client, url, unit=tree.north_district.pk)

    assert rows == [
        HEADER,
        ["N1-ST", "Kora Central Station", "2", "0", "1", "1", "50", "1", "1", "1", "0"],
        ["N1", "Kora District (directly)", "1", "1", "0", "0", "0", "0", "0", "1", "0"],
        ["", "Total", "3", "1", "1", "1", "33", "1", "1", "2", "0"],
    ]


@pytest.mark.parametrize(
    ("who", "unit", "status"),
    [
        ("trainer_south", "north", 404),
        ("trainer_south", "north_station", 404),
        ("trainer_north", "south_district", 404),
        ("trainer_north", "nation", 404),
        ("trainer_north", "north_station", 200),
        ("leader", "south_station", 200),
        ("admin", "north", 200),
    ],
)
def test_report_of_a_unit_outside_the_scope_is_not_found(client, people, tree, published_course, who, unit, status):
    client.force_login(getattr(people, who))
    url = reverse("course-report", args=[published_course.pk])

    assert client.get(url, {"unit": getattr(tree, unit).pk}).status_code == status
    assert client.get(url, {"unit": getattr(tree, unit).pk, "format": "csv"}).status_code == status


def test_report_of_a_unit_that_is_not_a_number_is_not_found(client, people, published_course):
    client.force_login(people.admin)

    assert client.get(reverse("course-report", args=[published_course.pk]), {"unit": "x"}).status_code == 404


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("Kora Station", "Kora Station"),
        ("", ""),
        (12, 12),
    ],
)
def test_csv_cell_defuses_formulas(value, written):
    assert csv_cell(value) == written


def test_report_csv_never_starts_a_cell_with_a_formula(client, people, tree, published_course):
    evil = UnitFactory(parent=tree.north, code="=1+2", name='=HYPERLINK("http://evil.example","Open")')
    services.enrollments_create(
        course=published_course, officers=[OfficerFactory(unit=evil)], actor=people.trainer_north
    )
    client.force_login(people.trainer_north)

    rows = _csv_rows(client, reverse("course-report", args=[published_course.pk]))

    assert rows[1][:3] == ["N1", "Kora District", "0"]
    assert rows[2][:3] == ["'=1+2", '\'=HYPERLINK("http://evil.example","Open")', "1"]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_report_runs_the_same_queries_for_few_or_many_units_and_enrollments(
    client, people, tree, published_course, django_assert_max_num_queries
):
    client.force_login(people.admin)
    url = reverse("course-report", args=[published_course.pk])
    services.enrollments_create_for_unit(course=published_course, unit=tree.nation, actor=people.admin)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for number in range(12):
        region = UnitFactory(parent=tree.nation, code=f"R{number}", name=f"Region {number}", unit_type="area")
        station = UnitFactory(parent=region, code=f"R{number}-ST", name=f"Station {number}")
        OfficerFactory.create_batch(3, unit=station, sex=Officer.Sex.MALE)
    services.enrollments_create_for_unit(course=published_course, unit=tree.nation, actor=people.admin)

    with django_assert_max_num_queries(12) as many:
        html = client.get(url).content.decode()

    assert len(few) == len(many)
    assert "Region 11" in html
    assert '<td class="numeric">40</td>' in html  # 4 officers of the tree + 36


# (who, report page, enrol page, enrolling a northern officer, enrolments made); the
# southern trainer sees the page but not the northern officer.
STAFF_PAGES = [
    (None, 302, 302, 302, 0),
    ("trainee", 403, 403, 403, 0),
    ("other_trainee", 403, 403, 403, 0),
    ("leader", 200, 403, 403, 0),
    ("trainer_north", 200, 200, 302, 1),
    ("trainer_south", 200, 200, 200, 0),
    ("admin", 200, 200, 302, 1),
]


@pytest.mark.parametrize(("who", "report", "enrol", "posted", "enrolled"), STAFF_PAGES)
def test_who_opens_the_report_and_the_enrol_page(
    client, people, tree, published_course, who, report, enrol, posted, enrolled
):
    if who:
        client.force_login(getattr(people, who))
    url = reverse("course-enrol", args=[published_course.pk])

    assert client.get(reverse("course-report", args=[published_course.pk])).status_code == report
    assert client.get(url).status_code == enrol
    response = client.post(
        url, {"action": "officers", "officers-service_numbers": tree.north_officers[1].service_number}
    )
    assert response.status_code == posted
    assert Enrollment.objects.count() == enrolled


def test_an_unknown_course_is_not_found_on_staff_pages(client, people):
    client.force_login(people.trainee)

    assert client.get(reverse("course-report", args=[999999])).status_code == 403
    client.force_login(people.trainer_north)
    assert client.get(reverse("course-report", args=[999999])).status_code == 404
    assert client.get(reverse("course-enrol", args=[999999])).status_code == 404


# Enrol a unit, or officers by service number ------------------------------------------------


def test_the_enrol_page_offers_only_units_in_the_trainers_scope(client, people, tree, published_course):
    client.force_login(people.trainer_north)

    html = client.get(reverse("course-enrol", args=[published_course.pk])).content.decode()

    for unit in (tree.north, tree.north_district, tree.north_station):
        assert f'<option value="{unit.pk}">' in html
    for unit in (tree.nation, tree.south, tree.south_district, tree.south_station):
        assert f'<option value="{unit.pk}">' not in html
    assert '<label for="id_unit-unit">Unit</label>' in html
    assert '<label for="id_officers-service_numbers">Service numbers</label>' in html


def test_a_trainer_enrols_a_unit_with_a_deadline(client, people, tree, published_course):
    client.force_login(people.trainer_north)
    deadline = timezone.localdate() + datetime.timedelta(days=30)

    response = client.post(
        reverse("course-enrol", args=[published_course.pk]),
        {"action": "unit", "unit-unit": tree.north_district.pk, "unit-deadline": deadline.isoformat(), "confirm": "1"},
        follow=True,
    )

    assert response.redirect_chain == [(reverse("course-report", args=[published_course.pk]), 302)]
    assert "2 officers enrolled" in response.content.decode()
    assert sorted(Enrollment.objects.values_list("officer_id", "deadline", "enrolled_by")) == sorted(
        (officer.pk, deadline, people.trainer_north.pk) for officer in tree.north_officers
    )


def test_the_enrol_page_preselects_a_unit_in_scope_and_404s_outside(client, people, tree, published_course):
    client.force_login(people.trainer_north)
    url = reverse("course-enrol", args=[published_course.pk])

    html = client.get(url, {"unit": tree.north_station.pk}).content.decode()

    assert f'<option value="{tree.north_station.pk}" selected>' in html
    assert client.get(url, {"unit": tree.south_station.pk}).status_code == 404
    assert client.get(url, {"unit": "nope"}).status_code == 404


def test_enrolling_a_unit_outside_the_scope_enrols_nobody(client, people, tree, published_course):
    client.force_login(people.trainer_north)

    response = client.post(
        reverse("course-enrol", args=[published_course.pk]), {"action": "unit", "unit-unit": tree.south_station.pk}
    )

    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert not Enrollment.objects.exists()


def test_a_deadline_in_the_past_is_refused(client, people, tree, published_course):
    client.force_login(people.trainer_north)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    response = client.post(
        reverse("course-enrol", args=[published_course.pk]),
        {"action": "unit", "unit-unit": tree.north_station.pk, "unit-deadline": yesterday.isoformat()},
    )

    assert "The deadline cannot be in the past." in response.content.decode()
    assert not Enrollment.objects.exists()


def test_officers_are_enrolled_by_service_number(client, people, tree, published_course):
    first, second = tree.north_officers
    client.force_login(people.trainer_north)

    response = client.post(
        reverse("course-enrol", args=[published_course.pk]),
        {
            "action": "officers",
            "officers-service_numbers": f"{first.service_number}\r\n\r\n  {second.service_number.lower()}  \r\n"
            f"{first.service_number}\r\n",
        },
    )

    assert response.status_code == 302
    assert sorted(Enrollment.objects.values_list("officer_id", flat=True)) == sorted([first.pk, second.pk])


def test_service_numbers_match_whatever_the_case_they_were_stored_in(client, people, tree, published_course):
    first, second = tree.north_officers
    Officer.objects.filter(pk=first.pk).update(service_number="np-55555")  # as a roster wrote it
    Officer.objects.filter(pk=second.pk).update(service_number="Np-66666")
    client.force_login(people.trainer_north)

    response = client.post(
        reverse("course-enrol", args=[published_course.pk]),
        {"action": "officers", "officers-service_numbers": "NP-55555\r\nnP-66666\r\n"},
    )

    assert response.status_code == 302
    assert sorted(Enrollment.objects.values_list("officer_id", flat=True)) == sorted([first.pk, second.pk])


def test_service_numbers_pasted_with_direction_marks_are_found(client, people, tree, published_course):
    # An Arabic phone's keyboard wraps Latin text in marks: the officer is still found.
    first = tree.north_officers[0]
    client.force_login(people.trainer_north)

    response = client.post(
        reverse("course-enrol", args=[published_course.pk]),
        {"action": "officers", "officers-service_numbers": f"\u2067{first.service_number.lower()}\u2069\r\n"},
    )

    assert response.status_code == 302
    assert list(Enrollment.objects.values_list("officer_id", flat=True)) == [first.pk]


def test_unknown_service_numbers_are_listed_by_line_and_nobody_is_enrolled(client, people, tree, published_course):
    first, second = tree.north_officers
    Officer.objects.filter(pk=second.pk).update(is_active=False)
    south = tree.south_officers[0]
    client.force_login(people.trainer_north)

    response = client.post(
        reverse("course-enrol", args=[published_course.pk]),
        {
            "action": "officers",
            "officers-service_numbers": "\n".join(
                [first.service_number, "NOPE-1", "", south.service_number, second.service_number]
            ),
        },
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Line 2: no officer with service number NOPE-1 in your scope." in html
    assert f"Line 4: no officer with service number {south.service_number} in your scope." in html
    assert f"Line 5: {second.service_number} no longer serves." in html
    assert "Line 1:" not in html
    assert not Enrollment.objects.exists()


def test_a_number_carried_by_two_officers_of_an_admins_scope_is_refused(client, people, tree, published_course):
    first = tree.north_officers[0]
    OfficerFactory(unit=UnitFactory(code="OTHER-HQ"), service_number=first.service_number)
    client.force_login(people.admin)

    response = client.post(
        reverse("course-enrol", args=[published_course.pk]),
        {"action": "officers", "officers-service_numbers": first.service_number},
    )

    assert f"Line 1: {first.service_number} is the service number of several officers." in response.content.decode()
    assert not Enrollment.objects.exists()


def test_a_draft_course_cannot_be_enrolled_in(client, people, tree, draft_course):
    client.force_login(people.trainer_north)

    page = client.get(reverse("course-enrol", args=[draft_course.pk])).content.decode()
    response = client.post(
        reverse("course-enrol", args=[draft_course.pk]), {"action": "unit", "unit-unit": tree.north_station.pk}
    )

    assert "Only a published course can be enrolled in." in page
    assert response.status_code == 200
    assert not Enrollment.objects.exists()
