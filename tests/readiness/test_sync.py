"""Coverage, index and status on a hand-computed fixture; event-driven updates agree with a full one."""

import datetime

import pytest
from django.utils import timezone

from certificates.models import Certificate
from organisations import services as organisation_services
from organisations.models import Officer
from readiness import services
from readiness.models import CompetencyMetric, JointAssessment, UnitReadiness
from tests.factories import OfficerFactory
from tests.readiness.conftest import certify


def metric(unit, code) -> tuple[int, int, int, int]:
    row = CompetencyMetric.objects.get(unit=unit, competency_id=code)
    return (row.headcount, row.certified, row.headcount_women, row.certified_women)


@pytest.fixture
def station(tree, hr_course):
    """Kora Central Station: 2 officers of the tree plus 3 more: 5 eligible (3 women), 1
    excluded, 1 who left; 4 finally certified. HR-101 certificates: 3 valid, 1 revoked, 1
    expired."""
    unit = tree.north_station
    first, second = tree.north_officers
    extra = [
        OfficerFactory(unit=unit, sex=Officer.Sex.MALE, is_commander=True),
        OfficerFactory(unit=unit, sex=Officer.Sex.MALE, vetting_status=Officer.VettingStatus.SCREENED),
        OfficerFactory(unit=unit, sex=Officer.Sex.FEMALE),
    ]
    OfficerFactory(unit=unit, vetting_status=Officer.VettingStatus.EXCLUDED)
    OfficerFactory(unit=unit, is_active=False)
    certify(first, hr_course)
    certify(extra[0], hr_course)
    certify(extra[2], hr_course, status=Certificate.Status.REVOKED)
    certify(second, hr_course, expires_on=timezone.localdate() - datetime.timedelta(days=1))
    certify(extra[1], hr_course)
    return unit


def test_coverage_counts_eligible_officers_with_valid_certificates_by_sex(tree, station):
    services.readiness_sync_full(trigger="test")

    assert metric(station, "HR") == (5, 3, 3, 1)
    assert metric(station, "COP") == (5, 3, 3, 1)
    assert metric(station, "SGBV") == (5, 0, 3, 0)
    # Command and control counts commanders only (the default profile's population).
    assert metric(station, "CMD") == (1, 0, 0, 0)
    # Areas sum their subtree: the south station's two officers hold nothing.
    assert metric(tree.nation, "HR") == (7, 3, 5, 1)
    assert CompetencyMetric.objects.filter(unit=tree.nation).count() == 14


def test_index_components_and_status_are_computed_as_the_profile_says(tree, station, people):
    JointAssessment.objects.create(
        unit=station,
        assessed_on=timezone.localdate(),
        logistics=2,
        command_stability=2,
        human_rights_compliance=1,
        community_acceptance=1,
        evidence="Field visit",
        recorded_by=people.leader,
    )
    services.readiness_sync_full(trigger="test")

    readiness = UnitReadiness.objects.get(unit=station)
    # Training: HR, COP 3/5 = 0.6 -> 0.75 of 0.8; SGBV, CD, POC 0; CMD 0/1 -> 0; six weights of 1.
    assert readiness.training_score == pytest.approx((0.75 + 0.75) / 6)
    # Vetting: 4 of 5 finally certified = 0.8, the target: 1. Women 3/5 against 0.2: 1.
    assert (readiness.vetting_score, readiness.women_score) == (1.0, 1.0)
    assert readiness.assessment_score == pytest.approx(0.75)
    expected = 0.6 * 0.25 + 0.15 * 1 + 0.1 * 1 + 0.15 * 0.75
    assert readiness.index == pytest.approx(round(expected, 4))
    assert readiness.status == UnitReadiness.Status.PROGRESSING
    assert readiness.gates == [{"key": "vetting", "met": True}]
    assert (readiness.eligible, readiness.eligible_women, readiness.finally_certified) == (5, 3, 4)
    nation = UnitReadiness.objects.get(unit=tree.nation)
    assert (nation.units_assessed, nation.units_ready) == (2, 0)


def test_a_full_reconciliation_after_nothing_changed_changes_no_row(station):
    services.readiness_sync_full(trigger="first")
    assert services.readiness_sync_full(trigger="second").rows_changed == 0


def test_event_driven_updates_agree_with_a_full_reconciliation(tree, station, hr_course):
    services.readiness_sync_full(trigger="start")
    officer = tree.south_officers[0]
    certify(officer, hr_course)
    organisation_services.officer_transfer(
        officer=tree.north_officers[0], to_unit=tree.south_station, effective_on=timezone.localdate()
    )

    services.readiness_sync_units(unit_ids=[tree.south_station.pk, tree.north_station.pk], trigger="test")
    after_events = sorted(CompetencyMetric.objects.values_list("unit_id", "competency_id", "headcount", "certified"))
    readiness_after_events = sorted(UnitReadiness.objects.values_list("unit_id", "index", "status", "eligible"))

    assert services.readiness_sync_full(trigger="check").rows_changed == 0
    assert (
        sorted(CompetencyMetric.objects.values_list("unit_id", "competency_id", "headcount", "certified"))
        == after_events
    )
    assert sorted(UnitReadiness.objects.values_list("unit_id", "index", "status", "eligible")) == readiness_after_events
    assert metric(tree.south_station, "HR") == (3, 2, 3, 2)
