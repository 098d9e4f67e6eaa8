"""Handover decisions (issue 17, point 20): an override with its reason against failing
figures, a second approver with scope over the unit, conditions and a review date, and
readiness that counts a handover only once it is approved."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from lms.audit.models import AuditEntry
from lms.events.models import Event
from organisations import services as organisation_services
from organisations.models import Role
from readiness import selectors, services
from readiness.models import HandoverDecision, UnitReadiness
from tests.factories import UserFactory

TODAY = timezone.localdate()
REASON = "Vetting panel sits next week; the ministry accepts the risk."


@pytest.fixture
def leaders(tree, people):
    """Leaders of one region, and people holding several roles at once."""

    class Leaders:
        pass

    leaders = Leaders()
    leaders.north = UserFactory(username="leader.north")
    organisation_services.role_grant(user=leaders.north, role=Role.LEADERSHIP, unit=tree.north)
    leaders.south = UserFactory(username="leader.south")
    organisation_services.role_grant(user=leaders.south, role=Role.LEADERSHIP, unit=tree.south)
    # Trains the north, leads the south: no leadership over a northern unit.
    leaders.trainer_north_leader_south = UserFactory(username="trainer.north.leader.south")
    organisation_services.role_grant(user=leaders.trainer_north_leader_south, role=Role.TRAINER, unit=tree.north)
    organisation_services.role_grant(user=leaders.trainer_north_leader_south, role=Role.LEADERSHIP, unit=tree.south)
    # Trains the whole nation and leads the north: may approve in the north.
    leaders.trainer_nation_leader_north = UserFactory(username="trainer.nation.leader.north")
    organisation_services.role_grant(user=leaders.trainer_nation_leader_north, role=Role.TRAINER, unit=tree.nation)
    organisation_services.role_grant(user=leaders.trainer_nation_leader_north, role=Role.LEADERSHIP, unit=tree.north)
    return leaders


def not_ready(unit, *, gates=({"key": "vetting", "met": False},), status="not_ready", index=0.35):
    """A stored row as the sync leaves it: 8 eligible, 3 finally certified (35 %)."""
    UnitReadiness.objects.update_or_create(
        unit=unit,
        defaults={"status": status, "index": index, "gates": list(gates), "eligible": 8, "finally_certified": 3},
    )


def ready(unit):
    not_ready(unit, gates=({"key": "vetting", "met": True},), status="ready", index=0.86)


def record(unit, actor, **changes):
    arguments = {"decision": "handed_over", "decided_on": TODAY, "notes": "", "actor": actor} | changes
    return services.handover_decision_record(unit=unit, **arguments)


# The override -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("is_override", "override_reason", "fields"),
    [
        (False, "", {"is_override", "override_reason"}),
        (True, "", {"override_reason"}),
        (True, "   ", {"override_reason"}),
        (False, REASON, {"is_override"}),
    ],
)
@pytest.mark.parametrize("decision", ["handed_over", "conditional"])
def test_a_handover_against_a_failed_gate_needs_the_override_and_its_reason(
    tree, people, is_override, override_reason, fields, decision
):
    not_ready(tree.north_station)
    extra = {"conditions": "Monthly mentoring visits", "review_on": TODAY + datetime.timedelta(days=90)}

    with pytest.raises(ValidationError) as caught:
        record(
            tree.north_station,
            people.leader,
            decision=decision,
            is_override=is_override,
            override_reason=override_reason,
            **(extra if decision == "conditional" else {}),
        )

    assert set(caught.value.message_dict) == fields
    assert not HandoverDecision.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="readiness.").exists()


def test_a_progressing_unit_with_every_gate_met_still_needs_the_override(tree, people):
    not_ready(tree.north_station, gates=({"key": "vetting", "met": True},), status="progressing", index=0.7)

    with pytest.raises(ValidationError) as caught:
        record(tree.north_station, people.leader)

    assert set(caught.value.message_dict) == {"is_override", "override_reason"}
    assert services.handover_blockers(unit=tree.north_station) == ["status"]


def test_a_ready_unit_is_handed_over_without_override_and_a_deferral_never_needs_one(tree, people):
    ready(tree.north_station)
    not_ready(tree.south_station)

    handover = record(tree.north_station, people.leader)
    deferral = record(tree.south_station, people.leader, decision="deferred")

    assert (handover.status, handover.is_override) == ("pending", False)
    assert (deferral.status, deferral.is_override) == ("approved", False)


def test_the_override_is_recorded_and_audited_with_the_gates_it_overrides(tree, people):
    not_ready(tree.north_station, gates=({"key": "HR", "met": False}, {"key": "vetting", "met": False}))

    decision = record(tree.north_station, people.leader, is_override=True, override_reason=f"  {REASON} ")

    assert (decision.is_override, decision.override_reason, decision.status) == (True, REASON, "pending")
    entry = AuditEntry.objects.get(action="readiness.handover_decision_recorded")
    assert entry.actor == people.leader
    assert entry.after["blockers"] == ["HR", "vetting", "status"]
    assert entry.after["override_reason"] == REASON
    assert entry.after["status"] == "pending"


# Conditions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("conditions", "review_on", "errors"),
    [
        (
            "",
            None,
            {
                "conditions": ["List the conditions of the handover."],
                "review_on": ["Set the date the conditions are reviewed."],
            },
        ),
        ("Mentors stay", None, {"review_on": ["Set the date the conditions are reviewed."]}),
        ("Mentors stay", TODAY, {"review_on": ["The review comes after the decision."]}),
        ("  ", TODAY + datetime.timedelta(days=30), {"conditions": ["List the conditions of the handover."]}),
    ],
)
def test_a_conditional_handover_needs_its_conditions_and_a_later_review_date(
    tree, people, conditions, review_on, errors
):
    ready(tree.north_station)

    with pytest.raises(ValidationError) as caught:
        record(tree.north_station, people.leader, decision="conditional", conditions=conditions, review_on=review_on)

    assert caught.value.message_dict == errors
    assert not HandoverDecision.objects.exists()


def test_a_conditional_handover_keeps_its_conditions_and_review_date(tree, people):
    ready(tree.north_station)
    review = TODAY + datetime.timedelta(days=90)

    decision = record(
        tree.north_station, people.leader, decision="conditional", conditions="Mentors stay 3 months", review_on=review
    )

    decision.refresh_from_db()
    assert (decision.conditions, decision.review_on, decision.status) == ("Mentors stay 3 months", review, "pending")
    assert (
        AuditEntry.objects.get(action="readiness.handover_decision_recorded").after["review_on"] == review.isoformat()
    )


def test_conditions_are_dropped_from_a_decision_that_has_none(tree, people):
    ready(tree.north_station)

    decision = record(tree.north_station, people.leader, conditions="stray", review_on=TODAY)

    assert (decision.conditions, decision.review_on) == ("", None)


# The second approver ----------------------------------------------------------------------

APPROVERS = [
    # (who approves a handover of the north station recorded by the northern leader, allowed)
    ("leader_north", False),  # the recorder
    ("leader_south", False),  # another region
    ("trainer_north_leader_south", False),  # trains the unit, leads elsewhere
    ("trainer_north", False),  # trainer only
    ("trainee", False),
    ("trainer_nation_leader_north", True),  # several roles, one of them leadership here
    ("leader", True),  # national leadership
    ("admin", True),
]


def approver(name, people, leaders):
    return {
        "leader_north": leaders.north,
        "leader_south": leaders.south,
        "trainer_north_leader_south": leaders.trainer_north_leader_south,
        "trainer_nation_leader_north": leaders.trainer_nation_leader_north,
        "trainer_north": people.trainer_north,
        "trainee": people.trainee,
        "leader": people.leader,
        "admin": people.admin,
    }[name]


@pytest.mark.parametrize(("who", "allowed"), APPROVERS)
def test_who_may_approve_a_handover(tree, people, leaders, who, allowed):
    ready(tree.north_station)
    decision = record(tree.north_station, leaders.north)
    user = approver(who, people, leaders)

    assert services.handover_can_approve(user=user, decision=decision) is allowed
    if allowed:
        services.handover_decision_approve(decision=decision, actor=user)
    else:
        with pytest.raises(PermissionDenied):
            services.handover_decision_approve(decision=decision, actor=user)

    decision.refresh_from_db()
    assert decision.status == ("approved" if allowed else "pending")
    assert decision.approved_by == (user if allowed else None)
    assert AuditEntry.objects.filter(action="readiness.handover_decision_approved").count() == int(allowed)
    assert Event.objects.filter(name="readiness.unit_changed").count() == int(allowed)
    assert (tree.north_station.pk in selectors.handed_over_on([tree.north_station.pk])) is allowed


def test_an_admin_who_records_cannot_approve_their_own_decision(tree, people):
    ready(tree.north_station)
    decision = record(tree.north_station, people.admin)

    with pytest.raises(PermissionDenied):
        services.handover_decision_approve(decision=decision, actor=people.admin)

    assert HandoverDecision.objects.get().status == "pending"


def test_a_decision_is_approved_once(tree, people, leaders):
    ready(tree.north_station)
    decision = record(tree.north_station, leaders.north)
    services.handover_decision_approve(decision=decision, actor=people.leader)

    with pytest.raises(ValidationError):
        services.handover_decision_approve(decision=decision, actor=people.admin)

    decision.refresh_from_db()
    assert decision.approved_by == people.leader
    assert AuditEntry.objects.filter(action="readiness.handover_decision_approved").count() == 1


def test_the_database_refuses_a_self_approval(tree, people):
    ready(tree.north_station)
    decision = record(tree.north_station, people.leader)
    decision.approved_by = people.leader
    with pytest.raises(IntegrityError), transaction.atomic():
        decision.save()


# Readiness counts only an approved handover -----------------------------------------------


def test_a_pending_handover_is_not_handed_over_until_approved(client, tree, people, leaders):
    ready(tree.north_station)
    decision = record(tree.north_station, leaders.north)
    client.force_login(people.leader)
    unit_url = reverse("readiness-unit", args=[tree.north_station.pk])

    pending = client.get(unit_url).content.decode()
    detail = selectors.readiness_unit_detail_get(user=people.leader, unit_id=tree.north_station.pk)
    assert detail is not None
    assert detail.handed_over_on is None
    services.handover_decision_approve(decision=decision, actor=people.leader)
    approved = client.get(unit_url).content.decode()

    assert "Handed over on" not in pending
    assert "Awaiting a second approver" in pending
    assert "Handed over on" in approved
    assert "Awaiting a second approver" not in approved
    assert selectors.handed_over_on([tree.north_station.pk]) == {tree.north_station.pk: TODAY}


def test_a_later_pending_handover_leaves_an_earlier_deferral_in_effect(tree, people, leaders):
    ready(tree.north_station)
    record(tree.north_station, leaders.north, decision="deferred", decided_on=TODAY - datetime.timedelta(days=5))
    earlier = record(tree.north_station, leaders.north, decided_on=TODAY - datetime.timedelta(days=10))
    services.handover_decision_approve(decision=earlier, actor=people.leader)
    record(tree.north_station, leaders.north)  # pending

    assert selectors.handed_over_on([tree.north_station.pk]) == {}


def test_an_approved_conditional_handover_counts_as_handed_over(tree, people, leaders):
    ready(tree.north_station)
    decision = record(
        tree.north_station,
        leaders.north,
        decision="conditional",
        conditions="Mentors stay",
        review_on=TODAY + datetime.timedelta(days=60),
    )
    services.handover_decision_approve(decision=decision, actor=people.admin)

    assert selectors.handed_over_on([tree.north_station.pk]) == {tree.north_station.pk: TODAY}
    detail = selectors.readiness_unit_detail_get(user=people.admin, unit_id=tree.north_station.pk)
    assert detail is not None
    assert detail.handed_over_with_conditions


# Pages ------------------------------------------------------------------------------------


def test_the_form_refuses_a_handover_of_a_failing_unit_and_says_why(client, tree, people):
    not_ready(tree.north_station)
    client.force_login(people.leader)
    url = reverse("readiness-handover", args=[tree.north_station.pk])

    response = client.post(url, {"decision": "handed_over", "decided_on": TODAY.isoformat(), "notes": ""})

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"is_override", "override_reason"}
    page = response.content.decode()
    assert "Vetting: eligible officers finally certified: 38% against 80%, not met" in page
    assert "Say why the unit is handed over against its figures." in page
    assert not HandoverDecision.objects.exists()


def test_the_form_asks_for_conditions_of_a_conditional_handover(client, tree, people):
    ready(tree.north_station)
    client.force_login(people.leader)

    response = client.post(
        reverse("readiness-handover", args=[tree.north_station.pk]),
        {"decision": "conditional", "decided_on": TODAY.isoformat()},
    )

    assert set(response.context["form"].errors) == {"conditions", "review_on"}
    assert not HandoverDecision.objects.exists()


def test_a_second_leader_approves_on_the_page(client, tree, people, leaders):
    not_ready(tree.north_station)
    client.force_login(leaders.north)
    url = reverse("readiness-handover", args=[tree.north_station.pk])
    client.post(
        url,
        {
            "decision": "conditional",
            "decided_on": TODAY.isoformat(),
            "is_override": "on",
            "override_reason": REASON,
            "conditions": "Mentors stay",
            "review_on": (TODAY + datetime.timedelta(days=60)).isoformat(),
        },
    )
    decision = HandoverDecision.objects.get()
    approve_url = reverse("readiness-handover-approve", args=[tree.north_station.pk, decision.pk])

    own = client.post(approve_url)
    client.force_login(people.leader)
    page = client.get(url).content.decode()
    approved = client.post(approve_url)

    assert own.status_code == 403
    assert f'action="{approve_url}"' in page
    assert approved.status_code == 302
    decision.refresh_from_db()
    assert (decision.status, decision.approved_by) == ("approved", people.leader)
    after = client.get(url).content.decode()
    assert "Approved by" in after
    assert "Mentors stay" in after
    assert REASON in after
    assert f'action="{approve_url}"' not in after


@pytest.mark.parametrize(("who", "expected"), [("leader_south", 404), ("trainee", 403), ("trainer_north", 403)])
def test_the_approve_page_refuses_people_outside_the_unit(client, tree, people, leaders, who, expected):
    ready(tree.north_station)
    decision = record(tree.north_station, leaders.north)
    client.force_login(approver(who, people, leaders))

    response = client.post(reverse("readiness-handover-approve", args=[tree.north_station.pk, decision.pk]))

    assert response.status_code == expected
    assert HandoverDecision.objects.get().status == "pending"


def test_the_audit_trail_names_a_decision_by_its_unit_in_the_readers_language(client, tree, people, leaders):
    ready(tree.north_station)
    record(tree.north_station, leaders.north, decision="deferred", notes="Wait for the vetting board")
    client.force_login(people.admin)

    page = client.get(reverse("audit-entry-list"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert f"{tree.north_station.name}\u00a0: Reportée, " in page
