"""The handover briefing PDF: who may download it and what a reader finds in it."""

import datetime
import io

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation
from pypdf import PdfReader

from lms.pdf.testing import document_text, glyph_problems, shows_text
from organisations import services as organisation_services
from organisations.models import Officer, Role
from readiness import services
from readiness.briefing import briefing_data, briefing_pdf
from readiness.models import HandoverDecision, JointAssessment, Snapshot
from readiness.selectors import readiness_unit_detail_get
from tests.factories import OfficerFactory, UserFactory
from tests.readiness.conftest import certify

TODAY = timezone.localdate()


@pytest.fixture
def station(tree, people, hr_course):
    """Kora Central Station: the tree's two women plus two men (one a commander, one only
    screened): 4 eligible, 2 women, 3 finally certified. HR-101 (HR, COP) held by one woman
    and the commander.

    Training: HR and COP 2/4 = 0.5 -> 0.625 of 0.8; SGBV, CD, POC and CMD (0 of 1
    commander) 0: 1.25 / 6. Vetting 3/4 -> 0.9375 (gate of 0.8 not met). Women 2/4 -> 1.
    Joint assessment: all met -> 1. Index 0.6 x 0.2083 + 0.15 x 0.9375 + 0.1 + 0.15 = 0.5156.
    """
    unit = tree.north_station
    commander = OfficerFactory(unit=unit, sex=Officer.Sex.MALE, is_commander=True)
    OfficerFactory(unit=unit, sex=Officer.Sex.MALE, vetting_status=Officer.VettingStatus.SCREENED)
    certify(tree.north_officers[0], hr_course)
    certify(commander, hr_course)
    JointAssessment.objects.create(
        unit=unit,
        assessed_on=TODAY - datetime.timedelta(days=5),
        logistics=2,
        command_stability=2,
        human_rights_compliance=2,
        community_acceptance=2,
        evidence="Visited the station with the ministry; the cells and registers meet the standard.",
        recorded_by=people.leader,
    )
    HandoverDecision.objects.create(
        unit=unit,
        decision=HandoverDecision.Decision.DEFERRED,
        decided_on=TODAY - datetime.timedelta(days=2),
        notes="Vetting first.",
        recorded_by=people.leader,
    )
    services.readiness_sync_full(trigger="test")
    for days, index in ((60, 0.3), (30, 0.45)):
        Snapshot.objects.create(unit=unit, taken_on=TODAY - datetime.timedelta(days=days), index=index)
    services.snapshots_take(day=TODAY)
    return unit


def download(client, user, unit, **headers):
    client.force_login(user)
    return client.get(reverse("readiness-briefing", args=[unit.pk]), **headers)


def long_date(day: datetime.date) -> str:
    with translation.override("en"):
        return formats.date_format(day, "DATE_FORMAT")


@pytest.fixture
def leaders(tree):
    north = UserFactory(username="leader.north")
    organisation_services.role_grant(user=north, role=Role.LEADERSHIP, unit=tree.north)
    south = UserFactory(username="leader.south")
    organisation_services.role_grant(user=south, role=Role.LEADERSHIP, unit=tree.south)
    return {"leader_north": north, "leader_south": south}


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 302),
        ("trainee", 403),
        ("trainer", 403),
        ("leader_south", 404),
        ("leader_north", 200),
        ("leader", 200),
        ("admin", 200),
    ],
)
def test_who_may_download_a_briefing(client, tree, people, leaders, who, expected):
    users = {"trainee": people.trainee, "trainer": people.trainer_north, "leader": people.leader, "admin": people.admin}
    user = users.get(who) or leaders.get(who)
    if user is not None:
        client.force_login(user)

    response = client.get(reverse("readiness-briefing", args=[tree.north_station.pk]))

    assert response.status_code == expected
    if expected == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="handover-briefing-n1-st.pdf"'
        assert response["Cache-Control"] == "private, no-store"
        assert response.content.startswith(b"%PDF-")


def test_the_briefing_shows_status_index_components_and_gates(client, station, people):
    response = download(client, people.leader, station)
    text = document_text(response.content)

    for expected in [
        "Handover briefing",
        "Kora Central Station",
        "National Headquarters / Northern Region / Kora District / Kora Central Station",
        f"Drawn up on {long_date(TODAY)}.",
        "Status: Progressing",
        "Index 52% (ready from 80%, with every gate met)",
        "Training 21% · Vetting 94% · Women's share 100% · Joint assessment 100%",
        "Eligible officers: 4 (women 2, men 2); finally certified 3; vetting status unknown 0",
        "Vetting: eligible officers finally certified: 75% against 80%, not met",
    ]:
        assert shows_text(text, expected), expected
    assert glyph_problems(response.content) == []


def test_the_briefing_lists_every_competency_with_its_breakdown_by_sex(client, station, people):
    text = document_text(download(client, people.leader, station).content)

    # Competency, headcount, certified, coverage, target, met, women and men (certified/headcount).
    assert shows_text(text, "HR Human rights in policing 4 2 50% 80% not met 1/2 1/2")
    assert shows_text(text, "COP Community-oriented policing 4 2 50% 80% not met 1/2 1/2")
    assert shows_text(text, "CMD Command and control 1 0 0% 80% not met — 0/1")
    assert shows_text(text, "CP Child protection 4 0 0% — — 0/2 0/2")
    assert shows_text(text, "BM Border management 4 0 0% — — 0/2 0/2")


def test_the_briefing_shows_the_trend_the_assessment_and_the_decision(client, station, people):
    text = document_text(download(client, people.leader, station).content)

    first, today = long_date(TODAY - datetime.timedelta(days=60)), long_date(TODAY)
    assert shows_text(text, f"From 30% on {first} to 52% on {today}.")
    assert shows_text(text, "Ready from 80%")
    assert shows_text(text, f"Latest round: {long_date(TODAY - datetime.timedelta(days=5))}")
    assert shows_text(text, "Initial logistics in place: Met")
    assert shows_text(text, "Human-rights compliance: Met")
    assert shows_text(text, "the cells and registers meet the standard.")
    assert shows_text(text, f"Deferred on {long_date(TODAY - datetime.timedelta(days=2))}.")
    assert shows_text(text, "Vetting first.")
    assert shows_text(text, "Recorded by")


def test_the_trend_is_drawn_as_lines_not_an_image(client, station, people):
    pdf = download(client, people.leader, station).content
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    resources = page["/Resources"]

    assert "/XObject" not in resources
    contents = page.get_contents().get_data()
    assert b" l\n" in contents or b" l " in contents  # line-to operators


def test_the_briefing_carries_metadata(client, station, people):
    metadata = PdfReader(io.BytesIO(download(client, people.leader, station).content)).metadata

    assert metadata.title == "Handover briefing - Kora Central Station"
    assert metadata.author == "Police development LMS"
    assert metadata.subject == "National Headquarters / Northern Region / Kora District / Kora Central Station"


def test_an_area_briefing_counts_units_ready(client, tree, station, people):
    text = document_text(download(client, people.admin, tree.north).content)

    assert shows_text(text, "Northern Region")
    assert shows_text(text, "Status: Progressing")
    assert shows_text(text, "Index 52% (the units' indexes weighted by headcount)")
    assert shows_text(text, "Units ready: 0 of 1 assessed; the area is ready when all of them are")
    assert shows_text(text, "Gates are checked unit by unit: see the table of units below.")
    assert shows_text(text, "HR Human rights in policing 4 2 50% — — 1/2 1/2")
    assert shows_text(text, "An area is assessed through its units: see each unit's briefing.")


def test_a_unit_never_computed_says_so(client, tree, people):
    text = document_text(download(client, people.leader, tree.south_station).content)

    assert shows_text(text, "Status: Not computed yet")
    assert shows_text(text, "Not enough history for a trend yet: a snapshot is taken every night.")
    assert shows_text(text, "No handover decision recorded yet.")
    assert shows_text(text, "No joint assessment recorded yet: it counts as 0 in the index until one is.")
    assert shows_text(text, "HR Human rights in policing 0 0 — — — — —")


def test_an_arabic_unit_name_renders_in_an_arabic_briefing(client, tree, station, people):
    station.name = "مركز شرطة كورا المركزي"
    station.save(update_fields=["name"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"

    pdf = download(client, people.leader, station).content
    text = document_text(pdf)

    assert shows_text(text, "مركز شرطة كورا المركزي")
    assert shows_text(text, "HR")
    assert glyph_problems(pdf) == []
    assert PdfReader(io.BytesIO(pdf)).metadata.title.endswith("مركز شرطة كورا المركزي")


def test_a_french_briefing_uses_french_dates(station, people):
    detail = readiness_unit_detail_get(user=people.leader, unit_id=station.pk)
    pdf = briefing_pdf(data=briefing_data(detail=detail), language="fr")

    with translation.override("fr"):
        today = formats.date_format(TODAY, "DATE_FORMAT")
    assert shows_text(document_text(pdf), today)
    assert glyph_problems(pdf) == []


def test_a_long_evidence_note_is_cut_and_the_briefing_stays_readable(client, station, people):
    JointAssessment.objects.create(
        unit=station,
        assessed_on=TODAY,
        logistics=0,
        command_stability=1,
        human_rights_compliance=2,
        community_acceptance=1,
        evidence=" ".join(["Observation"] * 400),
        recorded_by=people.leader,
    )

    pdf = download(client, people.leader, station).content
    text = document_text(pdf)

    assert shows_text(text, "Initial logistics in place: Not met")
    assert shows_text(text, "Command and control stable: Partly met")
    assert text.count("Observation") < 150
    assert len(PdfReader(io.BytesIO(pdf)).pages) <= 3


def test_the_briefing_costs_a_fixed_number_of_queries(client, station, people, django_assert_max_num_queries):
    client.force_login(people.leader)

    with django_assert_max_num_queries(16):
        response = client.get(reverse("readiness-briefing", args=[station.pk]))

    assert response.status_code == 200


# The table of units and the decisions taken (issue 17, point 21) ---------------------------


def test_an_area_briefing_lists_its_areas_and_units_with_gates_against_targets(client, tree, station, people):
    station_text = document_text(download(client, people.leader, station).content)
    text = document_text(download(client, people.leader, tree.nation).content)

    assert shows_text(text, "Units and areas")
    assert shows_text(text, "Unit or area Index Status Gates: value against target Handover decision")
    # Every area and unit below the nation, each once, in the tree's order.
    names = ["Northern Region", "Kora District", "Kora Central Station", "Southern Region"]
    positions = [text.index(name, text.index("Units and areas")) for name in names]
    assert positions == sorted(positions)
    assert shows_text(text, "Kora Central Station 52% Progressing Vetting 75% of 80%: not met")
    assert shows_text(text, "Units ready: 0 of 1")
    assert shows_text(text, f"Deferred, {formats.date_format(TODAY - datetime.timedelta(days=2), 'SHORT_DATE_FORMAT')}")
    # The unit's own briefing shows the same gate with its value and target.
    assert shows_text(station_text, "Vetting: eligible officers finally certified: 75% against 80%, not met")


def test_a_briefing_lists_the_decisions_taken_with_override_conditions_and_approval(client, tree, station, people):
    leader = UserFactory(username="counterpart", first_name="Awa", last_name="Diallo")
    organisation_services.role_grant(user=leader, role=Role.LEADERSHIP, unit=tree.north)
    decision = services.handover_decision_record(
        unit=station,
        decision="conditional",
        decided_on=TODAY,
        notes="",
        actor=people.leader,
        is_override=True,
        override_reason="The ministry accepts the vetting risk.",
        conditions="Mentors stay three months.",
        review_on=TODAY + datetime.timedelta(days=90),
    )
    pending = document_text(download(client, people.leader, station).content)
    area_pending = document_text(download(client, people.leader, tree.nation).content)
    services.handover_decision_approve(decision=decision, actor=leader)
    approved = document_text(download(client, people.leader, station).content)

    assert shows_text(pending, f"Handed over with conditions on {long_date(TODAY)}.")
    assert shows_text(pending, "Override against the figures. Reason: The ministry accepts the vetting risk.")
    review = long_date(TODAY + datetime.timedelta(days=90))
    assert shows_text(pending, f"Conditions: Mentors stay three months. (reviewed on {review})")
    assert shows_text(pending, "awaiting a second approver: not in effect yet.")
    assert shows_text(area_pending, "(awaiting approval);")
    assert shows_text(approved, "approved by Awa Diallo.")
    # The earlier deferral is listed too: the decisions taken, newest first.
    assert approved.index("Handed over with conditions") < approved.index("Deferred on")


def test_an_arabic_national_briefing_has_the_table_of_units(client, tree, station, people):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"

    pdf = download(client, people.leader, tree.nation).content
    text = document_text(pdf)

    with translation.override("ar"):
        heading = translation.gettext("Units and areas")
        gate = translation.gettext("%(gate)s %(value)s of %(target)s: %(met)s") % {
            "gate": translation.gettext("Vetting"),
            "value": "75%",
            "target": "80%",
            "met": translation.gettext("not met"),
        }
    assert heading != "Units and areas"
    assert shows_text(text, heading)
    assert shows_text(text, "Kora Central Station")
    assert shows_text(text, gate)
    assert glyph_problems(pdf) == []


def test_an_area_briefing_costs_a_fixed_number_of_queries(client, tree, station, people, django_assert_max_num_queries):
    client.force_login(people.leader)

    with django_assert_max_num_queries(20):
        response = client.get(reverse("readiness-briefing", args=[tree.nation.pk]))

    assert response.status_code == 200
