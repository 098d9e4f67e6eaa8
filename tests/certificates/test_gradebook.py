"""The course gradebook: one row per enrolled officer in the viewer's scope, filters, CSV,
who may see it and a fixed number of queries."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, Attempt, QuestionBank
from certificates import services
from courses import services as course_services
from courses.models import Enrollment
from organisations import services as services_org
from organisations.models import Role
from tests.certificates.conftest import complete
from tests.factories import OfficerFactory


def _url(course, query: str = "") -> str:
    return reverse("course-gradebook", args=[course.pk]) + (f"?{query}" if query else "")


def _attempt(assessment, officer, number: int, score: str | None, status=Attempt.Status.GRADED) -> Attempt:
    now = timezone.now()
    return Attempt.objects.create(
        assessment=assessment,
        officer=officer,
        number=number,
        status=status,
        started_at=now - datetime.timedelta(minutes=30),
        submitted_at=None if status == Attempt.Status.IN_PROGRESS else now,
        score=None if score is None else Decimal(score),
    )


@pytest.fixture
def final(course, people) -> Assessment:
    bank = QuestionBank.objects.create(title="HR bank", course=course, created_by=people.trainer_north)
    return Assessment.objects.create(course=course, bank=bank, title="Final", created_by=people.trainer_north)


@pytest.fixture
def book(tree, people, course, final):
    """North: the trainee completed and holds a certificate after two graded attempts (55, 80)
    and one still open; the second north officer is enrolled without starting. South: one
    officer enrolled."""
    completion = complete(course, people.trainee)
    result = services.certificates_issue(completion_ids=[completion.pk])
    certificate = result.issued[completion.pk]
    trainee_officer, idle = tree.north_officers
    # Rows are sorted by unit, then name: names that sort as the officers are listed.
    for officer, name in ((trainee_officer, "Abdelaziz"), (idle, "Zongo")):
        officer.family_name = name
        officer.save(update_fields=["family_name"])
    _attempt(final, trainee_officer, 1, "55.00")
    _attempt(final, trainee_officer, 2, "80.00")
    _attempt(final, trainee_officer, 3, None, status=Attempt.Status.IN_PROGRESS)
    course_services.enrollments_create(course=course, officers=[idle, tree.south_officers[1]], actor=people.admin)
    return certificate


def test_a_trainer_sees_one_row_per_officer_in_scope(client, tree, people, course, book):
    client.force_login(people.trainer_north)

    response = client.get(_url(course))

    html = response.content.decode()
    rows = response.context["rows"]
    assert response.status_code == 200
    assert [(row.officer, row.status, row.progress, row.attempts, row.best_score) for row, _s, _c in rows] == [
        (tree.north_officers[0], "completed", 100, 2, Decimal("80.00")),
        (tree.north_officers[1], "not_started", 0, 0, None),
    ]
    first = rows[0][0]
    assert (first.certificate_code, first.certificate_status) == (book.code, "valid")
    assert tree.south_officers[1].service_number not in html
    assert tree.north_officers[0].service_number in html
    assert f'href="/certificates/{book.code}/"' in html


def test_the_course_report_links_to_the_gradebook_for_staff(client, people, course):
    client.force_login(people.leader)

    page = client.get(reverse("course-report", args=[course.pk])).content.decode()

    assert f'href="/courses/{course.pk}/gradebook/"' in page


def test_the_gradebook_filters_by_unit_and_status(client, tree, people, course, book):
    client.force_login(people.admin)

    south = client.get(_url(course, f"unit={tree.south.pk}")).context["rows"]
    completed = client.get(_url(course, "status=completed")).context["rows"]
    not_started_north = client.get(_url(course, f"unit={tree.north.pk}&status=not_started")).context["rows"]

    assert [row.officer for row, _s, _c in south] == [tree.south_officers[1]]
    assert [row.officer for row, _s, _c in completed] == [tree.north_officers[0]]
    assert [row.officer for row, _s, _c in not_started_north] == [tree.north_officers[1]]


def test_a_unit_outside_the_viewers_scope_is_a_404(client, tree, people, course, book):
    client.force_login(people.trainer_north)

    assert client.get(_url(course, f"unit={tree.south.pk}")).status_code == 404


def test_the_csv_holds_the_same_rows_and_guards_against_formulas(client, tree, people, course, book):
    tree.north_officers[1].given_name = "=HYPERLINK(1)"
    tree.north_officers[1].save(update_fields=["given_name"])
    client.force_login(people.trainer_north)

    response = client.get(_url(course, "format=csv"))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="hr-101-gradebook.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff"))))
    assert rows[0] == [
        "Service number",
        "Family name",
        "Given name",
        "Unit code",
        "Unit",
        "Status",
        "Progress (%)",
        "Last activity",
        "Attempts",
        "Best score (%)",
        "Certificate",
        "Certificate status",
        "Certificate expires on",
    ]
    trainee, idle = tree.north_officers
    assert rows[1][:7] == [
        trainee.service_number,
        trainee.family_name,
        trainee.given_name,
        "N1-ST",
        "Kora Central Station",
        "Completed",
        "100",
    ]
    assert rows[1][8:12] == ["2", "80", book.code, "Valid"]
    assert rows[2] == [
        idle.service_number,
        "Zongo",
        "'=HYPERLINK(1)",
        "N1-ST",
        "Kora Central Station",
        "Not started",
        "0",
        "",
        "0",
        "",
        "",
        "",
        "",
    ]
    assert len(rows) == 3


@pytest.mark.parametrize(
    ("who", "status"),
    [("trainee", 403), ("trainer_north", 200), ("trainer_south", 200), ("leader", 200), ("admin", 200)],
)
def test_who_may_open_the_gradebook(client, people, course, who, status):
    client.force_login(getattr(people, who))

    assert client.get(_url(course)).status_code == status


def test_anonymous_is_sent_to_sign_in(client, course):
    response = client.get(_url(course))

    assert response.status_code == 302
    assert "/login/" in response["Location"] or "login" in response["Location"]


@pytest.mark.parametrize("count", [1, 30])
def test_the_gradebook_costs_a_fixed_number_of_queries(
    client, tree, people, course, final, django_assert_num_queries, count
):
    officers = OfficerFactory.create_batch(count, unit=tree.north_station)
    course_services.enrollments_create(course=course, officers=officers, actor=people.admin)
    for officer in officers:
        _attempt(final, officer, 1, "70.00")
    assert Enrollment.objects.count() == count
    client.force_login(people.trainer_north)

    with django_assert_num_queries(9):  # with the assessments that progress counts
        response = client.get(_url(course))

    assert len(response.context["rows"]) == count


def test_a_trainer_who_is_also_an_enrolled_officer_sees_only_their_training_scope(client, tree, people, course, book):
    # trainer.south is also the second north officer, enrolled in the course: their own row
    # lies outside their scope and is not shown; the south officer is.
    own = tree.north_officers[1]
    own.user = people.trainer_south
    own.save(update_fields=["user"])
    client.force_login(people.trainer_south)

    rows = client.get(_url(course)).context["rows"]

    assert [row.officer for row, _s, _c in rows] == [tree.south_officers[1]]


def test_a_trainee_who_leads_a_unit_sees_that_units_officers(client, tree, people, course, book):
    services_org.role_grant(user=people.trainee, role=Role.LEADERSHIP, unit=tree.south)
    client.force_login(people.trainee)

    rows = client.get(_url(course)).context["rows"]

    assert [row.officer for row, _s, _c in rows] == [tree.south_officers[1]]


def test_the_best_score_keeps_two_decimals_in_the_csv(client, tree, people, course, final, book):
    _attempt(final, tree.north_officers[0], 4, "81.82")
    client.force_login(people.trainer_north)

    content = client.get(_url(course, "format=csv")).content.decode()

    assert f"{tree.north_officers[0].service_number},Abdelaziz," in content
    assert ",3,81.82," in content
