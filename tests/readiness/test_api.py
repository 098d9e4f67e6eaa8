"""The readiness API: exact shapes on a hand-computed fixture, scope per role, a fixed
number of queries, the snapshot feed's ``since`` and the admin's on-demand sync.

Fixture (default profile: HR, COP, SGBV, CD, POC for all eligible officers and CMD for
commanders, 0.8 each, weight 1; vetting gate 0.8; women 0.2; weights 0.6/0.15/0.1/0.15):

- Kora Central Station (north): the tree's two women (finally certified), a male commander
  (finally certified) and a man whose vetting is unknown: 4 eligible, 2 women, 3 finally
  certified. HR-101 (HR, COP) held by one woman and the commander.
  HR and COP 2/4 = 0.5 -> 0.625 of target; SGBV, CD, POC 0; CMD 0/1 -> 0: training
  1.25 / 6 = 0.208333. Vetting 3/4 = 0.75 -> 0.9375 (gate not met). Women 2/4 -> 1.
  No joint assessment -> 0. Index 0.6 x 0.208333 + 0.15 x 0.9375 + 0.1 = 0.3656: not ready.
- Talu Central Station (south): the tree's two women, nothing held. CMD has nobody (no
  commander) and drops out: training 0, vetting 1, women 1: index 0.25, not ready.
- Roll-ups by eligible headcount: nation (0.3656 x 4 + 0.25 x 2) / 6 = 0.3271.
"""

import datetime
import json

import pytest
from django.utils import timezone
from rest_framework import serializers

from lms.audit.models import AuditEntry
from lms.events.models import Delivery, Event
from lms.events.services import deliveries_due, delivery_run
from organisations import services as organisation_services
from organisations.models import Officer, Role, RosterImport
from readiness import apis, selectors, services
from readiness.apis import UnitReadinessSerializer
from readiness.models import Competency, HandoverDecision, Snapshot, SyncRun, UnitReadiness
from tests.factories import OfficerFactory, UnitFactory, UserFactory
from tests.readiness.conftest import certify

CATALOGUE = ["COP", "ILP", "INV", "POP", "HR", "SGBV", "CP", "POC", "CD", "CMD", "ADM", "TOT", "TOC", "BM"]
ROLES = ["anonymous", "trainee", "trainer_north", "leader", "north_leader", "admin"]


def when(value) -> str | None:
    return serializers.DateTimeField().to_representation(value) if value else None


@pytest.fixture
def world(tree, people, hr_course):
    station = tree.north_station
    woman, _other_woman = tree.north_officers
    commander = OfficerFactory(unit=station, sex=Officer.Sex.MALE, is_commander=True)
    OfficerFactory(unit=station, sex=Officer.Sex.MALE, vetting_status=Officer.VettingStatus.UNKNOWN)
    certify(woman, hr_course)
    certify(commander, hr_course)
    services.readiness_sync_full(trigger="test")
    return tree


@pytest.fixture
def north_leader(tree):
    user = UserFactory(username="leader.north")
    organisation_services.role_grant(user=user, role=Role.LEADERSHIP, unit=tree.north)
    return user


def _login(api_client, people, north_leader, role):
    if role == "north_leader":
        api_client.force_authenticate(north_leader)
    elif role != "anonymous":
        api_client.force_authenticate(getattr(people, role))


def line(code, headcount, certified=0, women=(0, 0), target=None, is_gate=False) -> dict:
    names = {
        "COP": "Community-oriented policing",
        "ILP": "Intelligence-led policing",
        "INV": "Criminal investigation",
        "POP": "Public order and public safety",
        "HR": "Human rights in policing",
        "SGBV": "Sexual and gender-based violence",
        "CP": "Child protection",
        "POC": "Protection of civilians",
        "CD": "Conduct and discipline",
        "CMD": "Command and control",
        "ADM": "Police administration",
        "TOT": "Training of trainers, mentoring and advising",
        "TOC": "Countering transnational organised crime",
        "BM": "Border management",
    }
    coverage = certified / headcount if headcount else None
    return {
        "code": code,
        "name": names[code],
        "headcount": headcount,
        "certified": certified,
        "coverage": coverage,
        "target": target,
        "met": None if target is None else (coverage or 0) >= target,
        "is_gate": is_gate,
        "headcount_women": women[0],
        "certified_women": women[1],
        "headcount_men": headcount - women[0],
        "certified_men": certified - women[1],
    }


# The unit endpoint -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_unit_answers_its_index_components_gates_freshness_and_every_competency(api_client, world, people):
    station = world.north_station
    imported_at = datetime.datetime(2025, 3, 1, 8, 30, tzinfo=datetime.UTC)
    RosterImport.objects.create(service=world.service, file_name="roster.csv", imported_at=imported_at)
    stored = UnitReadiness.objects.get(unit=station)
    api_client.force_authenticate(people.leader)

    response = api_client.get(f"/api/v1/readiness/units/{station.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert body == {
        "unit": {"id": station.pk, "code": "N1-ST", "name": "Kora Central Station", "type": "station"},
        "index": pytest.approx(0.3656, abs=1e-4),
        "status": "not_ready",
        "as_of": when(stored.computed_at),
        "components": {
            "training": pytest.approx(1.25 / 6),
            "vetting": pytest.approx(0.9375),
            "women": 1.0,
            "assessment": None,
        },
        "gates": [{"key": "vetting", "met": False}],
        "eligible": 4,
        "eligible_women": 2,
        "units_ready": 0,
        "units_assessed": 1,
        "handed_over_on": None,
        "freshness": {
            "last_roster_import": "2025-03-01T08:30:00Z",
            "vetting_unknown": 1,
            "last_full_sync": when(services.last_full_sync()),
        },
        "competencies": [
            line("COP", 4, 2, (2, 1), target=0.8),
            line("ILP", 4, women=(2, 0)),
            line("INV", 4, women=(2, 0)),
            line("POP", 4, women=(2, 0)),
            line("HR", 4, 2, (2, 1), target=0.8),
            line("SGBV", 4, women=(2, 0), target=0.8),
            line("CP", 4, women=(2, 0)),
            line("POC", 4, women=(2, 0), target=0.8),
            line("CD", 4, women=(2, 0), target=0.8),
            line("CMD", 1, target=0.8),
            line("ADM", 4, women=(2, 0)),
            line("TOT", 4, women=(2, 0)),
            line("TOC", 4, women=(2, 0)),
            line("BM", 4, women=(2, 0)),
        ],
    }


@pytest.mark.django_db
def test_every_competency_of_the_catalogue_is_listed_in_catalogue_order(api_client, world, people):
    Competency.objects.create(code="CYB", name="Cybercrime", area=Competency.Area.OPERATIONS, order=99)
    services.readiness_sync_full(trigger="new competency")
    api_client.force_authenticate(people.admin)

    competencies = api_client.get(f"/api/v1/readiness/units/{world.nation.pk}/").json()["competencies"]

    assert [item["code"] for item in competencies] == [*CATALOGUE, "CYB"]
    assert competencies[-1]["name"] == "Cybercrime"
    assert (competencies[-1]["headcount"], competencies[-1]["target"], competencies[-1]["met"]) == (6, None, None)


@pytest.mark.django_db
def test_an_area_answers_its_roll_up(api_client, world, people):
    api_client.force_authenticate(people.leader)

    body = api_client.get(f"/api/v1/readiness/units/{world.nation.pk}/").json()

    assert body["unit"]["type"] == "national"
    assert body["index"] == pytest.approx(0.3271, abs=1e-4)
    assert (body["status"], body["units_ready"], body["units_assessed"]) == ("not_ready", 0, 2)
    assert (body["eligible"], body["eligible_women"]) == (6, 4)
    assert body["components"] == {"training": None, "vetting": None, "women": None, "assessment": None}
    assert body["gates"] == []
    hr = next(item for item in body["competencies"] if item["code"] == "HR")
    assert (hr["headcount"], hr["certified"], hr["coverage"]) == (6, 2, pytest.approx(2 / 6))
    # The profile sets targets for assessed units; a roll-up's lines carry none.
    assert (hr["target"], hr["met"]) == (None, None)


@pytest.mark.django_db
def test_a_unit_never_synced_answers_zeros_from_the_stored_rows(api_client, world, people):
    new_station = UnitFactory(parent=world.south_district, code="S1-NEW", name="Talu Market Post")
    OfficerFactory(unit=new_station)
    api_client.force_authenticate(people.admin)

    body = api_client.get(f"/api/v1/readiness/units/{new_station.pk}/").json()

    assert (body["index"], body["status"], body["as_of"], body["eligible"]) == (None, "", None, 0)
    assert len(body["competencies"]) == 14
    assert {(item["headcount"], item["coverage"], item["target"]) for item in body["competencies"]} == {(0, None, None)}


@pytest.mark.django_db
def test_handed_over_on_is_the_latest_decision_when_it_hands_over(api_client, world, people):
    station = world.south_station
    api_client.force_authenticate(people.leader)
    url = f"/api/v1/readiness/units/{station.pk}/"
    HandoverDecision.objects.create(
        unit=station, decision="deferred", decided_on=datetime.date(2025, 1, 10), recorded_by=people.leader
    )
    assert api_client.get(url).json()["handed_over_on"] is None

    HandoverDecision.objects.create(
        unit=station, decision="handed_over", decided_on=datetime.date(2025, 6, 30), recorded_by=people.leader
    )
    assert api_client.get(url).json()["handed_over_on"] == "2025-06-30"

    # A later deferral reverses it.
    HandoverDecision.objects.create(
        unit=station, decision="deferred", decided_on=datetime.date(2025, 7, 15), recorded_by=people.leader
    )
    assert api_client.get(url).json()["handed_over_on"] is None


@pytest.mark.django_db
def test_the_unit_answer_is_what_its_documented_serializer_writes(api_client, world, people, settings):
    """The view builds its answer by hand for speed; the schema is the serializer's."""
    settings.TIME_ZONE = "Asia/Dili"
    station = world.north_station
    RosterImport.objects.create(service=world.service, file_name="roster.csv")
    HandoverDecision.objects.create(
        unit=station, decision="handed_over", decided_on=datetime.date(2025, 6, 1), recorded_by=people.leader
    )
    api_client.force_authenticate(people.leader)

    body = api_client.get(f"/api/v1/readiness/units/{station.pk}/").json()

    detail = selectors.readiness_unit_detail_get(user=people.leader, unit_id=station.pk)
    with timezone.override("Asia/Dili"):
        documented = UnitReadinessSerializer(apis._detail(detail)).data
    assert body == json.loads(json.dumps(documented))
    assert body["handed_over_on"] == "2025-06-01"
    assert body["freshness"]["last_roster_import"].endswith("+09:00")


@pytest.mark.django_db
def test_the_unit_endpoint_takes_a_fixed_number_of_queries(
    api_client, world, people, hr_course, django_assert_max_num_queries
):
    url = f"/api/v1/readiness/units/{world.nation.pk}/"
    api_client.force_authenticate(people.leader)
    # Roles (2), the unit with its row, handover and freshness (1), the catalogue with
    # the unit's metrics (1).
    with django_assert_max_num_queries(4):
        assert api_client.get(url).status_code == 200

    for number in range(5):
        Competency.objects.create(code=f"X{number}", name=f"Extra {number}", area="operations", order=50 + number)
    for number in range(10):
        unit = UnitFactory(parent=world.north_district, code=f"N1-{number}")
        for officer in OfficerFactory.create_batch(3, unit=unit):
            certify(officer, hr_course)
    services.readiness_sync_full(trigger="bigger")
    api_client.force_authenticate(people.leader)

    with django_assert_max_num_queries(4):
        response = api_client.get(url)
    assert len(response.json()["competencies"]) == 19
    assert response.json()["eligible"] == 36


# Scope -------------------------------------------------------------------------------------

UNIT_STATUS = {
    # role: (north station, south station, nation)
    "anonymous": (401, 401, 401),
    "trainee": (403, 403, 403),
    "trainer_north": (403, 403, 403),
    "leader": (200, 200, 200),
    "north_leader": (200, 404, 404),
    "admin": (200, 200, 200),
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_who_sees_which_unit(api_client, world, people, north_leader, role):
    _login(api_client, people, north_leader, role)

    statuses = tuple(
        api_client.get(f"/api/v1/readiness/units/{unit.pk}/").status_code
        for unit in (world.north_station, world.south_station, world.nation)
    )

    assert statuses == UNIT_STATUS[role]


@pytest.mark.django_db
def test_a_commander_sees_their_own_unit_only(api_client, world):
    commander = Officer.objects.get(unit=world.north_station, is_commander=True)
    commander.user = UserFactory(username="commander")
    commander.save()
    api_client.force_authenticate(commander.user)

    assert api_client.get(f"/api/v1/readiness/units/{world.north_station.pk}/").status_code == 200
    assert api_client.get(f"/api/v1/readiness/units/{world.north_district.pk}/").status_code == 404
    assert api_client.get("/api/v1/readiness/summary/").json()["areas"] == []


@pytest.mark.django_db
def test_a_unit_that_does_not_exist_is_a_404(api_client, world, people):
    api_client.force_authenticate(people.admin)

    assert api_client.get("/api/v1/readiness/units/999999/").status_code == 404


SUMMARY_STATUS = {"anonymous": 401, "trainee": 403, "trainer_north": 403, "leader": 200, "north_leader": 200}


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(SUMMARY_STATUS))
def test_who_may_read_the_summary(api_client, world, people, north_leader, role):
    _login(api_client, people, north_leader, role)

    assert api_client.get("/api/v1/readiness/summary/").status_code == SUMMARY_STATUS[role]


# The summary -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_national_leader_sees_the_nation_and_every_area(api_client, world, people):
    tree = world
    tree.service.area_level_names = ["Region", "District"]
    tree.service.save()
    api_client.force_authenticate(people.leader)

    body = api_client.get("/api/v1/readiness/summary/").json()

    north = (0.3656, 4, 2, 1)
    south = (0.25, 2, 2, 1)
    expected_areas = [
        (tree.north, tree.nation, "Region", *north, 1),
        (tree.north_district, tree.north, "District", *north, 1),
        (tree.south, tree.nation, "Region", *south, 0),
        (tree.south_district, tree.south, "District", *south, 0),
    ]
    assert [item["unit"]["code"] for item in body["areas"]] == ["N", "N1", "S", "S1"]
    for item, (unit, parent, level, index, eligible, women, assessed, unknown) in zip(
        body["areas"], expected_areas, strict=True
    ):
        assert item == {
            "unit": {"id": unit.pk, "code": unit.code, "name": unit.name, "type": "area"},
            "parent": parent.pk,
            "level": level,
            "index": pytest.approx(index, abs=1e-4),
            "status": "not_ready",
            "units_ready": 0,
            "units_assessed": assessed,
            "eligible": eligible,
            "eligible_women": women,
            "vetting_unknown": unknown,
            "handed_over_on": None,
            "as_of": when(UnitReadiness.objects.get(unit=unit).computed_at),
        }
    nation = body["nation"]
    assert nation["unit"] == {"id": tree.nation.pk, "code": "HQ", "name": "National Headquarters", "type": "national"}
    assert (nation["parent"], nation["index"], nation["status"]) == (None, pytest.approx(0.3271, abs=1e-4), "not_ready")
    assert (nation["units_ready"], nation["units_assessed"], nation["eligible"], nation["vetting_unknown"]) == (
        0,
        2,
        6,
        1,
    )
    latest = max(row.computed_at for row in UnitReadiness.objects.all())
    assert body["as_of"] == when(latest)
    assert body["last_full_sync"] == when(services.last_full_sync())
    assert body["last_roster_import"] is None


@pytest.mark.django_db
def test_a_regional_leader_sees_their_region_and_its_areas_only(api_client, world, north_leader):
    api_client.force_authenticate(north_leader)

    body = api_client.get("/api/v1/readiness/summary/").json()

    assert body["nation"] is None
    assert [item["unit"]["code"] for item in body["areas"]] == ["N", "N1"]


@pytest.mark.django_db
def test_the_admin_sees_the_nation_and_a_handed_over_area(api_client, world, people):
    HandoverDecision.objects.create(
        unit=world.south, decision="handed_over", decided_on=datetime.date(2025, 5, 1), recorded_by=people.admin
    )
    api_client.force_authenticate(people.admin)

    body = api_client.get("/api/v1/readiness/summary/").json()

    assert body["nation"]["unit"]["code"] == "HQ"
    assert {item["unit"]["code"]: item["handed_over_on"] for item in body["areas"]} == {
        "N": None,
        "N1": None,
        "S": "2025-05-01",
        "S1": None,
    }


# Snapshots (the outbound feed) -------------------------------------------------------------


@pytest.fixture
def snapshots(world):
    """Two days of snapshots of the seven units: day one recorded at 01:00 on 1 June,
    day two at 01:00 on 2 June."""
    for day in (datetime.date(2025, 6, 1), datetime.date(2025, 6, 2)):
        services.snapshots_take(day=day)
        Snapshot.objects.filter(taken_on=day).update(
            recorded_at=datetime.datetime.combine(day, datetime.time(1), tzinfo=datetime.UTC)
        )
    return world


@pytest.mark.django_db
def test_the_feed_gives_snapshots_recorded_after_since_oldest_first(api_client, snapshots, people):
    tree = snapshots
    api_client.force_authenticate(people.leader)

    body = api_client.get("/api/v1/readiness/snapshots/", {"since": "2025-06-01T12:00:00Z"}).json()

    assert body["count"] == 7
    assert {item["taken_on"] for item in body["results"]} == {"2025-06-02"}
    ids = list(Snapshot.objects.filter(taken_on="2025-06-02").order_by("pk").values_list("pk", flat=True))
    assert len(ids) == 7
    station = next(item for item in body["results"] if item["unit"] == tree.north_station.pk)
    assert station == {
        "unit": tree.north_station.pk,
        "unit_code": "N1-ST",
        "taken_on": "2025-06-02",
        "index": pytest.approx(0.3656, abs=1e-4),
        "status": "not_ready",
        "eligible": 4,
        "eligible_women": 2,
        "coverage": {
            "COP": [2, 4],
            "ILP": [0, 4],
            "INV": [0, 4],
            "POP": [0, 4],
            "HR": [2, 4],
            "SGBV": [0, 4],
            "CP": [0, 4],
            "POC": [0, 4],
            "CD": [0, 4],
            "CMD": [0, 1],
            "ADM": [0, 4],
            "TOT": [0, 4],
            "TOC": [0, 4],
            "BM": [0, 4],
        },
        "components": {
            "training": pytest.approx(1.25 / 6),
            "vetting": pytest.approx(0.9375),
            "women": 1.0,
            "assessment": None,
        },
        "recorded_at": "2025-06-02T01:00:00Z",
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("since", "days"),
    [
        (None, ["2025-06-01"] * 7 + ["2025-06-02"] * 7),
        ("2025-06-01T00:59:59Z", ["2025-06-01"] * 7 + ["2025-06-02"] * 7),
        ("2025-06-01T01:00:00Z", ["2025-06-02"] * 7),  # exclusive: resume from the last one seen
        ("2025-06-02T02:59:00 02:00", ["2025-06-02"] * 7),  # "+" sent unencoded: 00:59 UTC
        ("2025-06-02T01:00:00+00:00", []),
    ],
)
def test_since_is_exclusive_and_the_order_is_by_recording_time(api_client, snapshots, people, since, days):
    api_client.force_authenticate(people.admin)

    body = api_client.get("/api/v1/readiness/snapshots/", {"since": since} if since else {}).json()

    assert [item["taken_on"] for item in body["results"]] == days


@pytest.mark.django_db
def test_a_malformed_since_is_a_400_naming_the_field(api_client, snapshots, people):
    api_client.force_authenticate(people.leader)

    response = api_client.get("/api/v1/readiness/snapshots/", {"since": "yesterday"})

    assert response.status_code == 400
    assert list(response.json()) == ["since"]


@pytest.mark.django_db
def test_the_feed_is_paginated(api_client, snapshots, people):
    api_client.force_authenticate(people.admin)

    body = api_client.get("/api/v1/readiness/snapshots/", {"page_size": 5, "page": 3}).json()

    assert body["count"] == 14
    assert len(body["results"]) == 4
    assert body["next"] is None


@pytest.mark.django_db
def test_the_feed_is_scoped_and_filtered_by_unit(api_client, snapshots, people, north_leader):
    tree = snapshots
    api_client.force_authenticate(north_leader)

    body = api_client.get("/api/v1/readiness/snapshots/").json()
    assert {item["unit_code"] for item in body["results"]} == {"N", "N1", "N1-ST"}
    assert api_client.get("/api/v1/readiness/snapshots/", {"unit": tree.south.pk}).status_code == 404
    district = api_client.get("/api/v1/readiness/snapshots/", {"unit": tree.north_district.pk}).json()
    assert {item["unit_code"] for item in district["results"]} == {"N1", "N1-ST"}


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "expected"), [("anonymous", 401), ("trainee", 403), ("trainer_north", 403)])
def test_the_feed_is_closed_to_others(api_client, snapshots, people, north_leader, role, expected):
    _login(api_client, people, north_leader, role)

    assert api_client.get("/api/v1/readiness/snapshots/").status_code == expected


# On-demand sync ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_admin_queues_a_full_reconciliation_through_the_outbox(api_client, world, people):
    api_client.force_authenticate(people.admin)

    response = api_client.post("/api/v1/readiness/sync/")

    assert response.status_code == 202
    assert response.json() == {"queued": True}
    event = Event.objects.get(name="readiness.sync_requested")
    assert event.payload == {"requested_by": people.admin.pk}
    delivery = Delivery.objects.get(event=event)
    assert delivery.handler == "readiness.handlers.readiness_reconcile"
    # Not handed to a broker inside the test's transaction: the sweep will find it.
    assert delivery.pk in deliveries_due()
    audit = AuditEntry.objects.get(action="readiness.sync_requested")
    assert (audit.actor, audit.target_id) == (people.admin, str(event.pk))

    runs_before = SyncRun.objects.count()
    assert delivery_run(delivery_id=delivery.pk) is True
    assert SyncRun.objects.count() == runs_before + 1
    assert SyncRun.objects.first().trigger == "readiness.sync_requested"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 401), ("trainee", 403), ("trainer_north", 403), ("leader", 403)]
)
def test_only_an_admin_may_queue_a_sync(api_client, world, people, north_leader, role, expected):
    _login(api_client, people, north_leader, role)

    response = api_client.post("/api/v1/readiness/sync/")

    assert response.status_code == expected
    assert not Event.objects.filter(name="readiness.sync_requested").exists()
    assert not AuditEntry.objects.filter(action="readiness.sync_requested").exists()


@pytest.mark.django_db
def test_the_schema_describes_the_readiness_endpoints(client):
    schema = client.get("/api/schema/").content.decode()

    for path in [
        "/api/v1/readiness/units/{id}/",
        "/api/v1/readiness/summary/",
        "/api/v1/readiness/snapshots/",
        "/api/v1/readiness/sync/",
    ]:
        assert f"  {path}:" in schema
    assert "ReadinessStatusEnum" in schema


@pytest.mark.django_db
def test_the_summary_takes_a_fixed_number_of_queries(api_client, world, people, django_assert_max_num_queries):
    api_client.force_authenticate(people.leader)
    # Roles (2), areas with their rows (1), handovers (1), roster import (1), last full sync (1).
    with django_assert_max_num_queries(6):
        assert len(api_client.get("/api/v1/readiness/summary/").json()["areas"]) == 4

    for number in range(6):
        district = UnitFactory(parent=world.north, code=f"N{number + 2}", unit_type="area")
        OfficerFactory(unit=UnitFactory(parent=district, code=f"N{number + 2}-ST"))
    services.readiness_sync_full(trigger="bigger")
    api_client.force_authenticate(people.leader)

    with django_assert_max_num_queries(6):
        assert len(api_client.get("/api/v1/readiness/summary/").json()["areas"]) == 10
