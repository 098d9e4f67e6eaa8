"""Requirement profiles, joint assessments and handover decisions: who may, what is
validated, what is audited, and that readiness follows."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from lms.audit.models import AuditEntry
from lms.events.models import Delivery, Event
from lms.events.services import deliveries_run_pending
from organisations import services as organisation_services
from organisations.models import Role
from readiness import services
from readiness.models import (
    CompetencyMetric,
    DirtyUnit,
    HandoverDecision,
    JointAssessment,
    Requirement,
    RequirementProfile,
    UnitReadiness,
)
from tests.factories import UserFactory

TODAY = timezone.localdate()


@pytest.fixture
def leaders(tree, people):
    """A leader of the northern region (not of the whole service) and a leader of the south."""

    class Leaders:
        pass

    leaders = Leaders()
    leaders.north = UserFactory(username="leader.north")
    organisation_services.role_grant(user=leaders.north, role=Role.LEADERSHIP, unit=tree.north)
    leaders.south = UserFactory(username="leader.south")
    organisation_services.role_grant(user=leaders.south, role=Role.LEADERSHIP, unit=tree.south)
    return leaders


def user_of(name, people, leaders):
    return {
        "anonymous": None,
        "trainee": people.trainee,
        "trainer": people.trainer_north,
        "leader_south": leaders.south,
        "leader_north": leaders.north,
        "leader": people.leader,
        "admin": people.admin,
    }[name]


def signed_in(client, user):
    if user is not None:
        client.force_login(user)
    return client


def default_profile() -> RequirementProfile:
    return RequirementProfile.objects.get(unit_type="")


def profile_snapshot(profile: RequirementProfile) -> tuple:
    profile.refresh_from_db()
    rows = sorted(profile.requirements.values_list("competency_id", "population", "position", "target", "weight"))
    return (profile.name, profile.threshold, profile.progressing_from, profile.training_weight, tuple(rows))


def profile_post(profile: RequirementProfile, **changes) -> dict:
    data = {name: getattr(profile, name) for name in services.PROFILE_EDITABLE_FIELDS}
    data |= changes
    return {name: ("on" if value is True else value) for name, value in data.items() if value is not False}


def handover_post(**changes) -> dict:
    """A handover against the figures (the units of ``tree`` are not ready), with its override."""
    data = {
        "decision": "handed_over",
        "decided_on": TODAY.isoformat(),
        "notes": "",
        "is_override": "on",
        "override_reason": "Ministry and mission agree: vetting completes next month.",
    }
    return {name: value for name, value in (data | changes).items() if value is not None}


def assessment_post(**changes) -> dict:
    data = {
        "assessed_on": TODAY.isoformat(),
        "logistics": "2",
        "command_stability": "2",
        "human_rights_compliance": "1",
        "community_acceptance": "1",
        "evidence": "Field visit with the ministry and the national police.",
    }
    return data | changes


# Who may ----------------------------------------------------------------------------------

PAGE_ACCESS = [
    # (user, profile list, north station's assessments page)
    ("anonymous", 302, 302),
    ("trainee", 403, 403),
    ("trainer", 403, 403),
    ("leader_south", 200, 404),
    ("leader_north", 200, 200),
    ("leader", 200, 200),
    ("admin", 200, 200),
]


@pytest.mark.parametrize(("who", "profiles_status", "unit_status"), PAGE_ACCESS)
def test_who_sees_the_management_pages(client, tree, people, leaders, who, profiles_status, unit_status):
    signed_in(client, user_of(who, people, leaders))

    assert client.get(reverse("readiness-profiles")).status_code == profiles_status
    assert client.get(reverse("readiness-profile", args=[default_profile().pk])).status_code == profiles_status
    station = tree.north_station.pk
    assert client.get(reverse("readiness-assessments", args=[station])).status_code == unit_status
    assert client.get(reverse("readiness-handover", args=[station])).status_code == unit_status


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 302),
        ("trainee", 403),
        ("trainer", 403),
        ("leader_south", 403),
        ("leader_north", 403),  # a region's leader reads profiles but does not change them
        ("leader", 302),
        ("admin", 302),
    ],
)
def test_only_admins_and_national_leaders_change_profiles(client, tree, people, leaders, who, expected):
    profile = default_profile()
    before = profile_snapshot(profile)
    signed_in(client, user_of(who, people, leaders))

    response = client.post(reverse("readiness-profile", args=[profile.pk]), profile_post(profile, threshold="0.750"))
    added = client.post(
        reverse("readiness-requirement-add", args=[profile.pk]),
        {"competency": "TOT", "population": "all", "target": "0.5", "weight": "1"},
    )
    removed = client.post(reverse("readiness-requirement-delete", args=[profile.pk, "HR"]))

    assert (response.status_code, added.status_code, removed.status_code) == (expected, expected, expected)
    if expected == 302 and who != "anonymous":
        assert profile_snapshot(profile)[1] == Decimal("0.750")
        assert set(profile.requirements.values_list("competency_id", flat=True)) == {
            "COP",
            "SGBV",
            "CD",
            "POC",
            "CMD",
            "TOT",
        }
        assert Event.objects.filter(name="readiness.profile_changed").count() == 3
    else:
        assert profile_snapshot(profile) == before
        assert not AuditEntry.objects.filter(action__startswith="readiness.").exists()
        assert not Event.objects.filter(name="readiness.profile_changed").exists()


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 302),
        ("trainee", 403),
        ("trainer", 403),
        ("leader_south", 404),
        ("leader_north", 302),
        ("leader", 302),
        ("admin", 302),
    ],
)
def test_who_records_joint_assessments_and_handover_decisions(client, tree, people, leaders, who, expected):
    signed_in(client, user_of(who, people, leaders))
    station = tree.north_station

    assessed = client.post(reverse("readiness-assessments", args=[station.pk]), assessment_post())
    decided = client.post(
        reverse("readiness-handover", args=[station.pk]),
        handover_post(notes="Joint decision"),
    )

    assert (assessed.status_code, decided.status_code) == (expected, expected)
    recorded = expected == 302 and who != "anonymous"
    assert JointAssessment.objects.filter(unit=station).count() == int(recorded)
    assert list(HandoverDecision.objects.filter(unit=station).values_list("status", flat=True)) == (
        ["pending"] if recorded else []
    )
    assert DirtyUnit.objects.filter(unit=station).exists() == recorded
    # The handover waits for its second approver: only the assessment changes the figures yet.
    assert Event.objects.filter(name="readiness.unit_changed").count() == int(recorded)


def test_the_services_refuse_people_outside_their_scope(tree, people, leaders):
    with pytest.raises(PermissionDenied):
        services.profile_update(profile=default_profile(), actor=leaders.north, threshold=Decimal("0.7"))
    with pytest.raises(PermissionDenied):
        services.requirement_set(
            profile=default_profile(),
            competency="TOT",
            population="all",
            position="",
            target=Decimal("0.5"),
            is_gate=False,
            weight=Decimal("1"),
            actor=people.trainer_north,
        )
    with pytest.raises(PermissionDenied):
        services.joint_assessment_record(
            unit=tree.north_station,
            assessed_on=TODAY,
            logistics=2,
            command_stability=2,
            human_rights_compliance=2,
            community_acceptance=2,
            evidence="Visit",
            actor=leaders.south,
        )
    with pytest.raises(PermissionDenied):
        services.handover_decision_record(
            unit=tree.north, decision="handed_over", decided_on=TODAY, notes="", actor=people.trainee
        )
    assert not JointAssessment.objects.exists()
    assert not HandoverDecision.objects.exists()
    assert default_profile().threshold == Decimal("0.800")
    assert not AuditEntry.objects.filter(action__startswith="readiness.").exists()


# Profiles ---------------------------------------------------------------------------------


def test_a_profile_change_is_audited_and_recomputes_every_unit(client, tree, people):
    profile = default_profile()
    services.readiness_sync_full(trigger="start")
    client.force_login(people.leader)

    response = client.post(
        reverse("readiness-profile", args=[profile.pk]),
        profile_post(profile, threshold="0.750", women_is_gate=True),
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("readiness-profile", args=[profile.pk])
    profile.refresh_from_db()
    assert (profile.threshold, profile.women_is_gate, profile.updated_by) == (Decimal("0.750"), True, people.leader)
    entry = AuditEntry.objects.get(action="readiness.profile_updated")
    assert (entry.actor, entry.target_id) == (people.leader, str(profile.pk))
    assert entry.before == {"threshold": "0.800", "women_is_gate": False}
    assert entry.after == {"threshold": "0.750", "women_is_gate": True}
    event = Event.objects.get(name="readiness.profile_changed")
    assert event.payload == {"profile_id": profile.pk}
    assert list(Delivery.objects.filter(event=event).values_list("handler", flat=True)) == [
        "readiness.handlers.readiness_reconcile"
    ]
    # The women's share is now a gate of every station (the reconciliation runs on delivery).
    deliveries_run_pending()
    gates = UnitReadiness.objects.get(unit=tree.north_station).gates
    assert {"key": "women", "met": True} in gates


def test_saving_a_profile_unchanged_writes_nothing(client, people):
    profile = default_profile()
    client.force_login(people.admin)

    response = client.post(reverse("readiness-profile", args=[profile.pk]), profile_post(profile))

    assert response.status_code == 302
    assert not AuditEntry.objects.filter(action__startswith="readiness.").exists()
    assert not Event.objects.filter(name="readiness.profile_changed").exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"threshold": "1.200"}, "threshold", "Ensure this value is less than or equal to 1"),
        ({"women_target": "-0.1"}, "women_target", "Ensure this value is greater than or equal to 0"),
        (
            {"progressing_from": "0.900", "threshold": "0.800"},
            "progressing_from",
            "A unit cannot start progressing above the index it needs to be ready.",
        ),
        (
            {"training_weight": "0", "vetting_weight": "0", "women_weight": "0", "assessment_weight": "0"},
            "training_weight",
            "The four weights cannot all be zero.",
        ),
    ],
)
def test_an_invalid_profile_shows_field_errors_and_changes_nothing(client, people, changes, field, message):
    profile = default_profile()
    before = profile_snapshot(profile)
    client.force_login(people.admin)

    response = client.post(reverse("readiness-profile", args=[profile.pk]), profile_post(profile, **changes))

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert message in errors[field][0]
    assert profile_snapshot(profile) == before
    assert not AuditEntry.objects.filter(action__startswith="readiness.").exists()
    assert not Event.objects.filter(name="readiness.profile_changed").exists()


def test_the_service_rejects_invalid_shares_with_field_messages(people):
    with pytest.raises(ValidationError) as raised:
        services.profile_update(
            profile=default_profile(), actor=people.admin, vetting_target=Decimal("1.5"), progressing_from=Decimal("2")
        )
    assert set(raised.value.message_dict) == {"vetting_target", "progressing_from"}
    assert default_profile().vetting_target == Decimal("0.800")


def test_adding_and_changing_a_requirement_is_audited(client, people):
    profile = default_profile()
    client.force_login(people.leader)

    added = client.post(
        reverse("readiness-requirement-add", args=[profile.pk]),
        {"competency": "TOT", "population": "position", "position": "  Trainer  ", "target": "0.5", "weight": "2"},
    )
    changed = client.post(
        reverse("readiness-requirement-edit", args=[profile.pk, "TOT"]),
        {"population": "commanders", "position": "Trainer", "target": "0.600", "is_gate": "on", "weight": "2"},
    )

    assert (added.status_code, changed.status_code) == (302, 302)
    requirement = Requirement.objects.get(profile=profile, competency="TOT")
    assert (requirement.population, requirement.position, requirement.target, requirement.is_gate) == (
        "commanders",
        "",  # a position only goes with the position's population
        Decimal("0.600"),
        True,
    )
    entries = list(AuditEntry.objects.filter(action="readiness.requirement_set").order_by("pk"))
    assert [entry.before for entry in entries] == [
        None,
        {
            "competency": "TOT",
            "population": "position",
            "position": "Trainer",
            "target": "0.500",
            "is_gate": False,
            "weight": "2.00",
        },
    ]
    assert entries[1].after == {
        "competency": "TOT",
        "population": "commanders",
        "position": "",
        "target": "0.600",
        "is_gate": True,
        "weight": "2.00",
    }
    assert Event.objects.filter(name="readiness.profile_changed").count() == 2


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"competency": "TOT", "population": "position", "position": " ", "target": "0.5", "weight": "1"},
            "position",
            "Name the position this requirement applies to.",
        ),
        (
            {"competency": "TOT", "population": "all", "target": "1.01", "weight": "1"},
            "target",
            "Ensure this value is less than or equal to 1",
        ),
        (
            {"competency": "TOT", "population": "all", "target": "0.5", "weight": "-1"},
            "weight",
            "Ensure this value is greater than or equal to 0",
        ),
    ],
)
def test_an_invalid_requirement_shows_field_errors_and_changes_nothing(client, people, data, field, message):
    profile = default_profile()
    before = profile_snapshot(profile)
    client.force_login(people.admin)

    response = client.post(reverse("readiness-requirement-add", args=[profile.pk]), data)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert message in errors[field][0]
    assert profile_snapshot(profile) == before
    assert not AuditEntry.objects.filter(action__startswith="readiness.").exists()
    assert not Event.objects.exists()


def test_the_requirements_of_a_profile_cannot_all_weigh_zero(client, people):
    profile = RequirementProfile.objects.create(name="Maritime", unit_type="maritime")
    Requirement.objects.create(profile=profile, competency_id="BM", target=Decimal("0.8"), weight=Decimal("1"))
    Requirement.objects.create(profile=profile, competency_id="HR", target=Decimal("0.8"), weight=Decimal("0"))
    client.force_login(people.admin)

    response = client.post(
        reverse("readiness-requirement-edit", args=[profile.pk, "BM"]),
        {"population": "all", "target": "0.8", "weight": "0"},
    )
    removed = client.post(reverse("readiness-requirement-delete", args=[profile.pk, "BM"]), follow=True)

    assert response.context["form"].errors == {"weight": ["At least one requirement of the profile must carry weight."]}
    assert "The requirements left would all weigh zero: give another one weight first." in removed.content.decode()
    assert sorted(profile.requirements.values_list("competency_id", "weight")) == [
        ("BM", Decimal("1.00")),
        ("HR", Decimal("0.00")),
    ]
    assert not AuditEntry.objects.filter(action__startswith="readiness.").exists()


def test_removing_a_requirement_is_audited_and_recomputes(client, tree, people):
    profile = default_profile()
    services.readiness_sync_full(trigger="start")
    assert CompetencyMetric.objects.get(unit=tree.north_station, competency="HR").target == Decimal("0.800")
    client.force_login(people.admin)

    response = client.post(reverse("readiness-requirement-delete", args=[profile.pk, "HR"]))

    assert response.status_code == 302
    assert not profile.requirements.filter(competency="HR").exists()
    entry = AuditEntry.objects.get(action="readiness.requirement_deleted")
    assert entry.before == {
        "competency": "HR",
        "population": "all",
        "position": "",
        "target": "0.800",
        "is_gate": False,
        "weight": "1.00",
    }
    assert entry.after is None
    deliveries_run_pending()
    assert CompetencyMetric.objects.get(unit=tree.north_station, competency="HR").target is None


def test_a_profile_for_a_new_unit_type_starts_as_a_copy_of_the_default(client, people):
    client.force_login(people.leader)

    response = client.post(reverse("readiness-profile-create"), {"unit_type": "maritime", "name": "Maritime police"})

    profile = RequirementProfile.objects.get(unit_type="maritime")
    assert response["Location"] == reverse("readiness-profile", args=[profile.pk])
    assert profile.name == "Maritime police"
    default = default_profile()
    assert profile_snapshot(profile)[1:] == profile_snapshot(default)[1:]
    assert AuditEntry.objects.get(action="readiness.profile_created").after == {
        "unit_type": "maritime",
        "name": "Maritime police",
        "copied_from": default.pk,
    }
    again = client.post(reverse("readiness-profile-create"), {"unit_type": "maritime", "name": "Again"})
    assert again.status_code == 200
    assert "unit_type" in again.context["form"].errors
    assert RequirementProfile.objects.filter(unit_type="maritime").count() == 1


def test_the_profile_pages_list_requirements_in_a_fixed_number_of_queries(
    client, people, django_assert_max_num_queries
):
    client.force_login(people.leader)
    profile = default_profile()

    with django_assert_max_num_queries(6):
        listing = client.get(reverse("readiness-profiles"))
    with django_assert_max_num_queries(6):
        detail = client.get(reverse("readiness-profile", args=[profile.pk]))

    assert escape(profile.name) in listing.content.decode()
    page = detail.content.decode()
    assert "SGBV · Sexual and gender-based violence" in page
    assert 'name="threshold"' in page


def test_a_regional_leader_reads_a_profile_without_a_form(client, people, leaders):
    client.force_login(leaders.north)

    page = client.get(reverse("readiness-profile", args=[default_profile().pk]))

    assert page.context["form"] is None
    assert "CMD · Command and control" in page.content.decode()
    assert 'name="threshold"' not in page.content.decode()


# Joint assessments and handover decisions -------------------------------------------------


def test_a_joint_assessment_changes_the_index_once_the_dirty_units_are_updated(client, tree, people, leaders):
    services.readiness_sync_full(trigger="start")
    station = tree.north_station
    assert UnitReadiness.objects.get(unit=station).assessment_score is None
    client.force_login(leaders.north)

    response = client.post(reverse("readiness-assessments", args=[station.pk]), assessment_post())

    assert response.status_code == 302
    assert response["Location"] == reverse("readiness-assessments", args=[station.pk])
    assessment = JointAssessment.objects.get(unit=station)
    assert (assessment.recorded_by, assessment.logistics, assessment.community_acceptance) == (leaders.north, 2, 1)
    entry = AuditEntry.objects.get(action="readiness.joint_assessment_recorded")
    assert (entry.actor, entry.target_id) == (leaders.north, str(assessment.pk))
    assert entry.after == {
        "unit": station.pk,
        "assessed_on": TODAY.isoformat(),
        "logistics": 2,
        "command_stability": 2,
        "human_rights_compliance": 1,
        "community_acceptance": 1,
        "evidence": "Field visit with the ministry and the national police.",
    }
    event = Event.objects.get(name="readiness.unit_changed")
    assert event.payload == {"unit_id": station.pk}
    assert list(event.deliveries.values_list("handler", flat=True)) == ["readiness.handlers.readiness_update"]
    assert UnitReadiness.objects.get(unit=station).assessment_score is None  # not before the update

    services.readiness_sync_dirty()

    assert UnitReadiness.objects.get(unit=station).assessment_score == pytest.approx(0.75)
    assert not DirtyUnit.objects.exists()


def test_the_event_alone_brings_the_assessment_into_the_index(tree, people):
    """Through the outbox: the delivery marks the unit, the coalesced update recomputes it."""
    services.readiness_sync_full(trigger="start")
    station = tree.north_station
    services.joint_assessment_record(
        unit=station,
        assessed_on=TODAY,
        logistics=2,
        command_stability=2,
        human_rights_compliance=2,
        community_acceptance=0,
        evidence="Visit",
        actor=people.admin,
    )
    DirtyUnit.objects.all().delete()  # as if the mark had been used by an update that ran earlier

    assert deliveries_run_pending() == 1
    assert DirtyUnit.objects.filter(unit=station).exists()
    services.readiness_sync_dirty()

    assert UnitReadiness.objects.get(unit=station).assessment_score == pytest.approx(0.75)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"evidence": "   "}, "evidence", "This field is required."),
        ({"logistics": "3"}, "logistics", "Select a valid choice. 3 is not one of the available choices."),
        ({"community_acceptance": ""}, "community_acceptance", "This field is required."),
        (
            {"assessed_on": (TODAY + datetime.timedelta(days=1)).isoformat()},
            "assessed_on",
            "The date cannot be in the future.",
        ),
    ],
)
def test_an_invalid_assessment_shows_field_errors_and_records_nothing(client, tree, people, changes, field, message):
    client.force_login(people.leader)

    response = client.post(reverse("readiness-assessments", args=[tree.north_station.pk]), assessment_post(**changes))

    assert response.status_code == 200
    assert response.context["form"].errors == {field: [message]}
    assert not JointAssessment.objects.exists()
    assert not DirtyUnit.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="readiness.").exists()
    assert not Event.objects.exists()


def test_an_area_is_not_assessed_itself(client, tree, people):
    client.force_login(people.leader)

    page = client.get(reverse("readiness-assessments", args=[tree.north.pk]))
    with pytest.raises(ValidationError) as raised:
        services.joint_assessment_record(
            unit=tree.north,
            assessed_on=TODAY,
            logistics=2,
            command_stability=2,
            human_rights_compliance=2,
            community_acceptance=2,
            evidence="Visit",
            actor=people.leader,
        )

    assert 'name="logistics"' not in page.content.decode()
    assert raised.value.message_dict == {"unit": ["An area is measured through its units: assess each unit."]}
    assert not JointAssessment.objects.exists()


def test_the_assessment_page_lists_past_rounds_newest_first(client, tree, people, django_assert_max_num_queries):
    station = tree.north_station
    for days, rating in ((30, 0), (10, 1), (20, 2)):
        JointAssessment.objects.create(
            unit=station,
            assessed_on=TODAY - datetime.timedelta(days=days),
            logistics=rating,
            command_stability=rating,
            human_rights_compliance=rating,
            community_acceptance=rating,
            evidence=f"Round {days}",
            recorded_by=people.leader,
        )
    client.force_login(people.leader)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("readiness-assessments", args=[station.pk]))

    assert [entry.evidence for entry, _ratings in response.context["lines"]] == ["Round 10", "Round 20", "Round 30"]
    assert [ratings for _entry, ratings in response.context["lines"]] == [
        ["Partly met"] * 4,
        ["Met"] * 4,
        ["Not met"] * 4,
    ]
    page = response.content.decode()
    assert page.index("Round 10") < page.index("Round 20") < page.index("Round 30")
    assert 'type="radio" name="logistics" value="0"' in page
    assert "<legend>Initial logistics in place</legend>" in page


def test_a_handover_decision_is_recorded_audited_and_listed(client, tree, people, leaders):
    client.force_login(leaders.north)
    url = reverse("readiness-handover", args=[tree.north_district.pk])

    response = client.post(
        url, {"decision": "deferred", "decided_on": (TODAY - datetime.timedelta(days=3)).isoformat(), "notes": "Later"}
    )
    client.post(url, handover_post())

    assert response.status_code == 302
    decisions = list(
        HandoverDecision.objects.filter(unit=tree.north_district).values_list("decision", "decided_on", "status")
    )
    assert decisions == [
        ("handed_over", TODAY, "pending"),
        ("deferred", TODAY - datetime.timedelta(days=3), "approved"),
    ]
    entries = AuditEntry.objects.filter(action="readiness.handover_decision_recorded").order_by("pk")
    assert [entry.after["decision"] for entry in entries] == ["deferred", "handed_over"]
    assert entries[0].after["notes"] == "Later"
    assert entries[1].after["is_override"] is True
    assert entries[1].after["override_reason"] == "Ministry and mission agree: vetting completes next month."
    assert entries[1].after["blockers"] == ["status"]
    assert Event.objects.filter(name="readiness.unit_changed", payload__unit_id=tree.north_district.pk).count() == 1
    page = client.get(url).content.decode()
    assert page.index("Handed over") < page.index("Deferred")
    assert "Awaiting a second approver" in page
    assert "Approve</button>" not in page  # the recorder cannot approve their own decision


def test_an_invalid_handover_decision_changes_nothing(client, tree, people):
    client.force_login(people.admin)

    response = client.post(
        reverse("readiness-handover", args=[tree.north_station.pk]),
        {"decision": "maybe", "decided_on": (TODAY + datetime.timedelta(days=2)).isoformat()},
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"decision"}
    future = client.post(
        reverse("readiness-handover", args=[tree.north_station.pk]),
        handover_post(decided_on=(TODAY + datetime.timedelta(days=2)).isoformat()),
    )
    assert future.context["form"].errors == {"decided_on": ["The date cannot be in the future."]}
    assert not HandoverDecision.objects.exists()
    assert not Event.objects.exists()


def test_a_regional_leader_sees_only_the_units_of_their_region_in_the_breadcrumbs(client, tree, leaders):
    client.force_login(leaders.north)

    page = client.get(reverse("readiness-handover", args=[tree.north_station.pk])).content.decode()

    assert "National Headquarters" not in page
    assert f'href="{reverse("readiness-unit", args=[tree.north.pk])}"' in page
    assert f'href="{reverse("readiness-unit", args=[tree.north_district.pk])}"' in page
