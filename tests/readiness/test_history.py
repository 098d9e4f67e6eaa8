"""Snapshots of past days derived from the records: what counted then, append-only, idempotent."""

import datetime

import pytest
from django.utils import timezone

from certificates.models import Certificate
from readiness import history, services
from readiness.models import CompetencyMetric, JointAssessment, Snapshot, UnitReadiness
from tests.factories import OfficerFactory
from tests.readiness.conftest import certify

UNITS = 7  # nation, two regions, two districts, two stations (tests/conftest.py ``tree``)
SNAPSHOT_FIELDS = ("unit_id", "taken_on", "index", "status", "eligible", "eligible_women", "coverage", "components")


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def moment_ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def coverage(unit, day, code="HR") -> list[int]:
    return Snapshot.objects.get(unit=unit, taken_on=day).coverage[code]


def snapshot_values() -> list[tuple]:
    return list(Snapshot.objects.order_by("unit_id", "taken_on").values_list("pk", "recorded_at", *SNAPSHOT_FIELDS))


def test_a_certificate_counts_from_the_day_it_was_issued(tree, hr_course):
    first, second = tree.north_officers
    certify(first, hr_course, issued_at=moment_ago(60))
    certify(second, hr_course, issued_at=moment_ago(1))

    created = history.snapshots_backfill(start=days_ago(30), end=days_ago(30))

    assert created == UNITS
    assert coverage(tree.north_station, days_ago(30)) == [1, 2]
    assert coverage(tree.north_station, days_ago(30), "COP") == [1, 2]
    assert coverage(tree.nation, days_ago(30)) == [1, 4]
    assert coverage(tree.south_station, days_ago(30)) == [0, 2]
    # By today both count.
    history.snapshots_backfill(start=days_ago(0), end=days_ago(0))
    assert coverage(tree.north_station, days_ago(0)) == [2, 2]


@pytest.mark.parametrize("status", [Certificate.Status.REVOKED, Certificate.Status.SUPERSEDED])
def test_a_revoked_or_superseded_certificate_counts_until_its_status_changed(tree, hr_course, status):
    certificate = certify(tree.north_officers[0], hr_course, status=status, issued_at=moment_ago(90))
    assert certificate.status_changed_at == certificate.issued_at + datetime.timedelta(days=30)  # 60 days ago

    history.snapshots_backfill(start=days_ago(100), end=days_ago(40), step_days=30)

    assert set(Snapshot.objects.values_list("taken_on", flat=True)) == {days_ago(100), days_ago(70), days_ago(40)}
    assert coverage(tree.north_station, days_ago(100)) == [0, 2]  # not issued yet
    assert coverage(tree.north_station, days_ago(70)) == [1, 2]
    assert coverage(tree.north_station, days_ago(40)) == [0, 2]


def test_an_expired_certificate_counts_until_its_expiry_date_whether_or_not_marked_expired(tree, hr_course):
    first, second = tree.north_officers
    certify(first, hr_course, issued_at=moment_ago(90), expires_on=days_ago(20))  # the expiry job has not run
    marked = certify(second, hr_course, issued_at=moment_ago(90), expires_on=days_ago(20))
    Certificate.objects.filter(pk=marked.pk).update(status=Certificate.Status.EXPIRED, status_changed_at=moment_ago(19))

    history.snapshots_backfill(start=days_ago(30), end=days_ago(0), step_days=10)

    assert coverage(tree.north_station, days_ago(30)) == [2, 2]
    assert coverage(tree.north_station, days_ago(20)) == [2, 2]  # valid through its last day
    assert coverage(tree.north_station, days_ago(10)) == [0, 2]
    assert coverage(tree.north_station, days_ago(0)) == [0, 2]


def test_the_joint_assessment_counts_from_the_day_it_took_place(tree, hr_course, people):
    JointAssessment.objects.create(
        unit=tree.north_station,
        assessed_on=days_ago(10),
        logistics=2,
        command_stability=2,
        human_rights_compliance=1,
        community_acceptance=1,
        evidence="Field visit",
        recorded_by=people.leader,
    )

    history.snapshots_backfill(start=days_ago(20), end=days_ago(0), step_days=10)

    components = dict(
        Snapshot.objects.filter(unit=tree.north_station).values_list("taken_on", "components__assessment")
    )
    assert components == {days_ago(20): None, days_ago(10): 0.75, days_ago(0): 0.75}


def test_running_again_changes_nothing_and_never_updates_a_row(tree, hr_course):
    certify(tree.north_officers[0], hr_course, issued_at=moment_ago(60))
    assert history.snapshots_backfill(start=days_ago(63), end=days_ago(0)) == UNITS * 10
    before = snapshot_values()

    assert history.snapshots_backfill(start=days_ago(63), end=days_ago(0)) == 0
    assert snapshot_values() == before

    # A stored row is history: a backfill over its day neither corrects nor replaces it, and
    # fills in only the unit that has no snapshot that day.
    Snapshot.objects.filter(unit=tree.north_station, taken_on=days_ago(0)).update(index=0.5)
    Snapshot.objects.filter(unit=tree.south_station, taken_on=days_ago(0)).delete()
    assert history.snapshots_backfill(start=days_ago(0), end=days_ago(0)) == 1
    assert Snapshot.objects.get(unit=tree.north_station, taken_on=days_ago(0)).index == 0.5
    assert Snapshot.objects.filter(taken_on=days_ago(0)).count() == UNITS


@pytest.fixture
def records(tree, hr_course, people):
    """Some of everything: valid, revoked, expired certificates, an excluded officer, a man,
    a joint assessment."""
    station = tree.north_station
    first, second = tree.north_officers
    extra = OfficerFactory(unit=station, sex="M", is_commander=True, vetting_status="screened")
    OfficerFactory(unit=station, vetting_status="excluded")
    certify(first, hr_course, issued_at=moment_ago(200))
    certify(second, hr_course, status=Certificate.Status.REVOKED, issued_at=moment_ago(100))
    certify(extra, hr_course, issued_at=moment_ago(400), expires_on=days_ago(5))
    certify(tree.south_officers[0], hr_course, issued_at=moment_ago(3))
    JointAssessment.objects.create(
        unit=station,
        assessed_on=days_ago(30),
        logistics=2,
        command_stability=1,
        human_rights_compliance=2,
        community_acceptance=2,
        evidence="Second round",
        recorded_by=people.leader,
    )


def test_today_as_of_the_records_equals_what_a_full_reconciliation_stores(tree, records):
    services.readiness_sync_full(trigger="test")

    computed = services.readiness_as_of(day=days_ago(0))

    stored = {row.unit_id: row for row in UnitReadiness.objects.all()}
    assert set(computed) == set(stored)
    assert len(stored) == UNITS
    for unit_id, values in computed.items():
        for name, value in values.items():
            if name != "coverage":
                assert getattr(stored[unit_id], name) == value, (unit_id, name)
    metrics = {
        (row.unit_id, row.competency_id): [row.certified, row.headcount] for row in CompetencyMetric.objects.all()
    }
    assert {
        (unit_id, code): counts for unit_id, values in computed.items() for code, counts in values["coverage"].items()
    } == metrics
    station = computed[tree.north_station.pk]
    assert station["coverage"]["HR"] == [1, 3]  # one valid; one revoked; one expired; one excluded
    assert station["coverage"]["CMD"] == [0, 1]  # commanders only


def test_todays_backfilled_snapshot_equals_the_one_taken_after_a_full_reconciliation(tree, records):
    history.snapshots_backfill(start=days_ago(0), end=days_ago(0))
    backfilled = sorted(Snapshot.objects.values_list(*SNAPSHOT_FIELDS))
    Snapshot.objects.all().delete()

    services.readiness_sync_full(trigger="test")
    services.snapshots_take(day=days_ago(0))

    assert sorted(Snapshot.objects.values_list(*SNAPSHOT_FIELDS)) == backfilled
    assert len(backfilled) == UNITS


def test_a_year_back_shows_the_progress_made_since(tree, records):
    history.snapshots_backfill(start=days_ago(364), end=days_ago(0))

    station = Snapshot.objects.filter(unit=tree.north_station).order_by("taken_on")
    assert station.count() == 53
    hr = [snapshot.coverage["HR"] for snapshot in station]
    assert hr[0] == [1, 3]  # the certificate that has expired since
    assert hr[-1] == [1, 3]
    assert max(certified for certified, _ in hr) == 3  # the weeks when all three held one


def test_days_run_from_start_by_step_up_to_end_and_never_into_the_future(tree):
    assert history.backfill_days(start=days_ago(20), end=days_ago(0), step_days=7) == [
        days_ago(20),
        days_ago(13),
        days_ago(6),
    ]
    assert history.backfill_days(start=days_ago(0), end=days_ago(1)) == []
    with pytest.raises(ValueError, match="step_days"):
        history.backfill_days(start=days_ago(1), end=days_ago(0), step_days=0)
    with pytest.raises(ValueError, match="future"):
        history.snapshots_backfill(start=days_ago(0), end=days_ago(-1))
    assert not Snapshot.objects.exists()


def test_each_day_costs_a_fixed_number_of_queries_whatever_the_number_of_units(
    tree, records, django_assert_max_num_queries
):
    # Two to find the days already complete, then per day: units, competencies, the two
    # counts, the profiles (2), the assessments, and the insert with a count either side.
    with django_assert_max_num_queries(2 + 4 * 10):
        assert history.snapshots_backfill(start=days_ago(21), end=days_ago(0)) == 4 * UNITS
    with django_assert_max_num_queries(2):
        assert history.snapshots_backfill(start=days_ago(21), end=days_ago(0)) == 0
