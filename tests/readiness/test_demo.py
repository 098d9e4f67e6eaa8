"""The demo's readiness picture, seeded once for the module: units across the whole range from
real records, a year of weekly history, metrics equal to a full recomputation, idempotent."""

import datetime
import itertools
from collections import Counter
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from certificates.models import Certificate
from courses.models import CourseCompletion, Enrollment, LessonProgress
from lms.events.models import Delivery
from organisations.models import Officer, RosterImport, Unit
from readiness import demo, services
from readiness.models import HandoverDecision, JointAssessment, Snapshot, SyncRun, UnitReadiness


def readiness(code: str) -> UnitReadiness:
    return UnitReadiness.objects.get(unit__code=code)


def unmet_gates(code: str) -> list[str]:
    return [gate["key"] for gate in readiness(code).gates if not gate["met"]]


def test_units_span_ready_progressing_and_not_ready(seeded):
    statuses = {
        code: status
        for code, unit_type, status in UnitReadiness.objects.values_list("unit__code", "unit__unit_type", "status")
        if services.is_assessed(unit_type)
    }

    assert len(statuses) == 21
    assert sorted(code for code, status in statuses.items() if status == "ready") == [
        "INT",
        "R2-D2-CP1",
        "R2-D2-ST1",
        "WCPU",
    ]
    assert Counter(statuses.values()) == {"ready": 4, "progressing": 8, "not_ready": 9}
    # Close: every gate met but the index short of 0.8; or held back by a gate alone.
    close = readiness("R2-D1-CP1")
    assert (close.status, unmet_gates("R2-D1-CP1")) == ("progressing", [])
    assert 0.7 <= close.index < 0.8
    assert (readiness("MAR").status, unmet_gates("MAR")) == ("progressing", ["vetting"])
    assert unmet_gates("R2-D1-SGBV1") == ["SGBV"]  # its SGBV course is under way
    # Far: no course develops the public order gate yet.
    assert (readiness("POU").status, unmet_gates("POU")) == ("not_ready", ["POP", "vetting"])
    assert readiness("POU").index < 0.3
    # Roll-ups: Lamordé District ready (2 of 2), the nation 4 of 21.
    district, nation = readiness("R2-D2"), readiness("HQ")
    assert (district.status, district.units_ready, district.units_assessed) == ("ready", 2, 2)
    assert (nation.units_ready, nation.units_assessed) == (4, 21)
    assert nation.eligible == Officer.objects.filter(is_active=True).exclude(vetting_status="excluded").count()


def test_a_year_of_weekly_snapshots_shows_the_handed_over_station_rising_to_ready(seeded):
    today = timezone.localdate()
    rows = list(Snapshot.objects.filter(unit__code="R2-D2-ST1").order_by("taken_on").values_list("taken_on", "index"))
    days = [day for day, _ in rows]
    indices = [index for _, index in rows]

    assert len(rows) == 54  # 53 Mondays and today
    assert days[0] <= today - datetime.timedelta(days=364)
    assert days[-1] == today
    assert {later - earlier for earlier, later in itertools.pairwise(days[:-1])} == {datetime.timedelta(days=7)}
    assert all(day.weekday() == 0 for day in days[:-1])
    assert indices == sorted(indices)
    assert indices[0] < 0.3
    assert indices[-1] >= 0.8
    statuses = Snapshot.objects.filter(unit__code="R2-D2-ST1").order_by("taken_on").values_list("status", flat=True)
    assert (statuses.first(), statuses.last()) == ("not_ready", "ready")
    # Every unit has the same history.
    assert Snapshot.objects.count() == 54 * Unit.objects.count()


def test_metrics_equal_a_full_recomputation_and_todays_snapshot_the_records(seeded):
    assert Delivery.objects.filter(status=Delivery.Status.PENDING).count() == 0
    assert services.readiness_sync_full(trigger="test").rows_changed == 0
    # The event marks left by the seed's deliveries change nothing either.
    services.readiness_sync_dirty()
    assert services.readiness_sync_full(trigger="test").rows_changed == 0
    today = services.readiness_as_of(day=timezone.localdate())
    for snapshot in Snapshot.objects.filter(taken_on=timezone.localdate()):
        assert (snapshot.index, snapshot.status, snapshot.coverage) == (
            today[snapshot.unit_id]["index"],
            today[snapshot.unit_id]["status"],
            today[snapshot.unit_id]["coverage"],
        )


def test_the_picture_comes_from_dated_completions_certified_on_their_day(seeded):
    certificates = Certificate.objects.select_related("completion__enrollment")
    backdated = [c for c in certificates if c.issued_at < timezone.now() - datetime.timedelta(days=1)]

    assert len(backdated) >= 350
    assert len({(c.issued_at.year, c.issued_at.month) for c in backdated}) >= 11
    for certificate in backdated:
        completion = certificate.completion
        assert completion.completed_at < certificate.issued_at
        assert completion.enrollment.status == Enrollment.Status.COMPLETED
        assert completion.enrollment.enrolled_at < completion.completed_at
        assert certificate.status == Certificate.Status.VALID
        assert certificate.expires_on > timezone.localdate()
    sample = backdated[0].completion
    assert LessonProgress.objects.filter(enrollment=sample.enrollment).count() == len(
        sample.release.required_lesson_ids
    )
    # The demo accounts' officers keep their own first certificate to earn.
    assert not CourseCompletion.objects.filter(officer__user__username__in=["demo.trainee", "demo.commander"]).exists()
    # Commanders trained in command and control in the units that planned it.
    assert Certificate.objects.filter(course__code="CMD-201", officer__is_commander=True).count() >= 10


def test_vetting_came_through_a_roster_file_and_assessments_through_the_services(seeded):
    roster_file = RosterImport.objects.get(file_name=demo.ROSTER_FILE)
    assert roster_file.updated > 50
    assert (roster_file.created, roster_file.missing) == (0, 0)
    station = Officer.objects.filter(unit__code="R2-D2-ST1", is_active=True).exclude(vetting_status="excluded")
    assert station.filter(vetting_status="finally_certified").count() / station.count() >= 0.9
    assert Officer.objects.filter(vetting_status="unknown").exists()

    rounds = JointAssessment.objects.filter(unit__code="R2-D2-ST1").order_by("assessed_on")
    assert [r.recorded_by.username for r in rounds] == ["demo.leader", "demo.leader"]
    assert readiness("R2-D2-ST1").assessment_score == 1.0
    decisions = dict(HandoverDecision.objects.values_list("unit__code", "decision"))
    assert decisions == {"R2-D2": "handed_over", "MAR": "deferred"}


def test_history_falls_on_mondays_whatever_the_day_of_the_seed():
    monday = datetime.date(2026, 11, 23)
    assert demo.history_end(monday) == datetime.date(2026, 11, 16)
    assert demo.history_end(monday + datetime.timedelta(days=1)) == monday
    assert demo.history_end(monday + datetime.timedelta(days=6)) == monday


def test_a_second_seed_creates_nothing(seeded):
    def counts():
        return (
            Enrollment.objects.count(),
            CourseCompletion.objects.count(),
            LessonProgress.objects.count(),
            Certificate.objects.count(),
            JointAssessment.objects.count(),
            HandoverDecision.objects.count(),
            Snapshot.objects.count(),
            RosterImport.objects.count(),
            sorted(Officer.objects.values_list("pk", "vetting_status")),
        )

    before = counts()
    out = StringIO()
    call_command("seed_demo", verbosity=2, stdout=out)

    assert counts() == before
    assert "Readiness: 4 units ready, 8 progressing, 9 not ready;" in out.getvalue()
    assert "0 new certificates over the past year" in out.getvalue()
    assert "0 new snapshots" in out.getvalue()
    assert SyncRun.objects.filter(kind=SyncRun.Kind.FULL).order_by("-pk").first().rows_changed == 0
