"""Keeping an officer's record from their page: a transfer, a departure, the account.

Trainers within their training scope and admins may; a trainee, a leader, a trainer of
another region and anyone on their own record may not, and a refusal changes nothing and
shows nothing of the officer. Every refusal checks the footprint.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from lms.audit.models import AuditEntry
from lms.events.models import Delivery, Event
from organisations import services
from organisations.models import ApiToken, Officer, Role, Transfer, Unit, User
from organisations.tokens import api_token_issue
from tests.factories import OfficerFactory, UnitFactory, UserFactory

OWN_RECORD = "Nobody changes their own record or account: ask another trainer or an administrator."
PRIVILEGED = (
    "This officer's account has rights beyond a trainee's (a granted role, or command of a unit): "
    "only an administrator may disable or enable it."
)


def footprint() -> dict:
    return {
        "officers": sorted(Officer.objects.values_list("pk", "unit_id", "is_active", "left_on")),
        "users": sorted(User.objects.values_list("pk", "is_active")),
        "transfers": Transfer.objects.count(),
        "tokens": ApiToken.objects.count(),
        "events": Event.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def today() -> str:
    return timezone.localdate().isoformat()


def transfer_form(tree) -> dict:
    return {"unit": tree.north_district.pk, "effective_on": today(), "note": "Posted to the district office"}


def leave_form() -> dict:
    return {"left_on": today(), "reason": "Retired"}


def disable_form() -> dict:
    return {"action": "disable", "reason": "Shared phone lost"}


PAGES = {
    "transfer": ("/officers/{pk}/transfer/", transfer_form),
    "leave": ("/officers/{pk}/leave/", lambda tree: leave_form()),
    "account": ("/officers/{pk}/account-status/", lambda tree: disable_form()),
}


# Who may -------------------------------------------------------------------------------------

ROLES = {
    "anonymous": (302, 302),
    "trainee": (403, 403),
    "leader": (403, 403),
    "trainer_south": (404, 404),
    "trainer_north": (200, 302),
    "admin": (200, 302),
}


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(("role", "expected"), ROLES.items())
def test_who_may_keep_the_record(client, tree, people, page, role, expected):
    officer = tree.north_officers[0]  # the trainee's record, with a trainee-only account
    other = tree.north_officers[1]  # someone else's, for the trainee
    other.user = UserFactory(username="other.north")
    other.save()
    url, form = PAGES[page]
    if role != "anonymous":
        client.force_login(getattr(people, role))
    target = other if role == "trainee" else officer
    before = footprint()

    shown = client.get(url.format(pk=target.pk))
    sent = client.post(url.format(pk=target.pk), form(tree))

    assert (shown.status_code, sent.status_code) == expected
    if expected[1] == 302 and role != "anonymous":
        assert sent["Location"] == f"/officers/{target.pk}/"
        assert footprint() != before
    else:
        assert footprint() == before
        assert target.family_name not in shown.content.decode() + sent.content.decode()


@pytest.fixture
def trainer_officer(tree, people):
    """``people.trainer_north`` is also an officer of the northern station."""
    return OfficerFactory(unit=tree.north_station, user=people.trainer_north, family_name="Selfsame")


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_nobody_keeps_their_own_record(client, tree, people, trainer_officer, page):
    url, form = PAGES[page]
    client.force_login(people.trainer_north)
    before = footprint()

    shown = client.get(url.format(pk=trainer_officer.pk))
    sent = client.post(url.format(pk=trainer_officer.pk), form(tree))

    assert (shown.status_code, sent.status_code) == (403, 403)
    assert OWN_RECORD in sent.content.decode()
    assert footprint() == before


@pytest.mark.django_db
def test_the_services_refuse_ones_own_record_too(tree, people, trainer_officer):
    before = footprint()

    for change in (
        lambda: services.officer_transfer(
            officer=trainer_officer, to_unit=tree.north_district, actor=people.trainer_north
        ),
        lambda: services.officer_leave(officer=trainer_officer, actor=people.trainer_north),
        lambda: services.user_deactivate(user=people.admin, actor=people.admin),
    ):
        with pytest.raises(PermissionDenied, match="Nobody changes their own record"):
            change()

    assert footprint() == before


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_a_form_without_its_csrf_token_is_refused(tree, people, page):
    url, form = PAGES[page]
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.admin)
    before = footprint()

    response = client.post(url.format(pk=tree.north_officers[0].pk), form(tree))

    assert response.status_code == 403
    assert footprint() == before


# The officer's page ---------------------------------------------------------------------------

BUTTONS = ["Record a transfer", "Record that the officer left", "Disable the account"]


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "expected"), [("trainer_north", BUTTONS), ("admin", BUTTONS), ("leader", [])])
def test_the_officer_page_offers_the_changes_to_those_who_may(client, tree, people, role, expected):
    client.force_login(getattr(people, role))

    body = client.get(f"/officers/{tree.north_officers[0].pk}/").content.decode()

    assert [label for label in BUTTONS if label in body] == expected


@pytest.mark.django_db
def test_the_officer_page_offers_nothing_on_ones_own_record(client, people, trainer_officer):
    client.force_login(people.trainer_north)

    body = client.get(f"/officers/{trainer_officer.pk}/").content.decode()

    assert "Changes to this record" not in body


# A transfer ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_transfer_is_dated_audited_and_announced(client, tree, people):
    officer = tree.north_officers[1]
    client.force_login(people.trainer_north)
    effective_on = timezone.localdate() - datetime.timedelta(days=3)

    response = client.post(
        f"/officers/{officer.pk}/transfer/",
        {"unit": tree.north_district.pk, "effective_on": effective_on.isoformat(), "note": "Order 12/2026"},
        follow=True,
    )

    transfer = Transfer.objects.get()
    event = Event.objects.get()
    assert [str(m) for m in response.context["messages"]] == [f"{officer.full_name} now serves in Kora District."]
    assert Officer.objects.get(pk=officer.pk).unit == tree.north_district
    assert (transfer.from_unit, transfer.to_unit, transfer.effective_on, transfer.recorded_by, transfer.note) == (
        tree.north_station,
        tree.north_district,
        effective_on,
        people.trainer_north,
        "Order 12/2026",
    )
    assert (event.name, event.payload) == (
        "officer.transferred",
        {
            "officer_id": officer.pk,
            "from_unit_id": tree.north_station.pk,
            "to_unit_id": tree.north_district.pk,
        },
    )
    assert list(Delivery.objects.values_list("handler", flat=True)) == ["readiness.handlers.readiness_update"]
    assert list(AuditEntry.objects.filter(action="officer.transferred").values_list("actor", "reason")) == [
        (people.trainer_north.pk, "Order 12/2026")
    ]
    assert "Order 12/2026" in response.content.decode()


@pytest.mark.django_db
def test_a_trainer_chooses_only_open_units_of_the_service_within_their_scope(client, tree, people):
    closed = UnitFactory(parent=tree.north_district, code="N1-OLD", name="Closed Post")
    Unit.objects.filter(pk=closed.pk).update(is_active=False)
    UnitFactory(code="X-HQ", name="Other Service Headquarters")
    client.force_login(people.trainer_north)

    form = client.get(f"/officers/{tree.north_officers[1].pk}/transfer/").context["form"]

    assert [unit.code for unit in form.fields["unit"].queryset] == ["N", "N1"]
    assert form["effective_on"].value() == timezone.localdate()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"unit": "south"}, "Select a valid choice. That choice is not one of the available choices."),
        ({"effective_on": "tomorrow"}, "The date cannot be in the future."),
    ],
)
def test_a_transfer_outside_the_scope_or_in_the_future_is_refused(client, tree, people, changes, error):
    client.force_login(people.trainer_north)
    data = transfer_form(tree)
    if changes.get("unit") == "south":
        data["unit"] = tree.south_station.pk
    if changes.get("effective_on") == "tomorrow":
        data["effective_on"] = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    before = footprint()

    response = client.post(f"/officers/{tree.north_officers[1].pk}/transfer/", data)

    assert response.status_code == 200
    assert [e for errors in response.context["form"].errors.values() for e in errors] == [error]
    assert footprint() == before


# A departure ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_departure_is_recorded_audited_and_announced_to_readiness(client, tree, people):
    officer = tree.north_officers[1]
    client.force_login(people.trainer_north)
    left_on = timezone.localdate() - datetime.timedelta(days=10)

    response = client.post(
        f"/officers/{officer.pk}/leave/", {"left_on": left_on.isoformat(), "reason": "Retired"}, follow=True
    )

    event = Event.objects.get()
    assert [str(m) for m in response.context["messages"]] == [
        f"{officer.full_name} is recorded as having left the service."
    ]
    assert Officer.objects.filter(pk=officer.pk).values_list("is_active", "left_on").get() == (False, left_on)
    assert (event.name, event.payload) == ("officer.left", {"officer_id": officer.pk, "unit_id": tree.north_station.pk})
    assert list(Delivery.objects.values_list("handler", flat=True)) == ["readiness.handlers.readiness_update"]
    assert list(AuditEntry.objects.filter(action="officer.left").values_list("actor", "reason")) == [
        (people.trainer_north.pk, "Retired")
    ]
    assert "Record that the officer left" not in response.content.decode()


@pytest.mark.django_db
def test_recording_a_departure_twice_changes_nothing_the_second_time(client, tree, people):
    officer = tree.north_officers[1]
    client.force_login(people.admin)
    client.post(f"/officers/{officer.pk}/leave/", leave_form(), follow=True)
    before = footprint()

    again = client.post(f"/officers/{officer.pk}/leave/", leave_form(), follow=True)
    transfer = client.post(f"/officers/{officer.pk}/transfer/", transfer_form(tree), follow=True)

    assert [str(m) for m in again.context["messages"]] == ["This officer has already left the service."]
    assert [str(m) for m in transfer.context["messages"]] == [
        "This officer has left the service: a roster import brings them back."
    ]
    assert footprint() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("page", "notice", "error"),
    [
        (
            "transfer",
            "the command goes with them",
            "Only an administrator, or a leader whose scope covers both units, may move the commander of a unit.",
        ),
        (
            "leave",
            "may record that they left",
            "Only an administrator, or a leader whose scope covers the unit, may record that its commander left.",
        ),
    ],
)
def test_a_trainer_may_not_move_a_commander_or_record_that_they_left(client, tree, people, page, notice, error):
    officer = tree.north_officers[1]
    Officer.objects.filter(pk=officer.pk).update(is_commander=True)
    url, form = PAGES[page]
    client.force_login(people.trainer_north)
    before = footprint()

    shown = client.get(url.format(pk=officer.pk))
    sent = client.post(url.format(pk=officer.pk), form(tree))

    assert notice in shown.content.decode()
    assert sent.status_code == 200
    assert sent.context["form"].non_field_errors() == [error]
    assert footprint() == before


# The account ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_trainer_disables_and_enables_a_trainees_account(client, tree, people):
    officer = tree.north_officers[0]
    api_token_issue(user=people.trainee, name="phone")
    client.force_login(people.trainer_north)

    disabled = client.post(f"/officers/{officer.pk}/account-status/", disable_form(), follow=True)
    twice = client.post(f"/officers/{officer.pk}/account-status/", disable_form(), follow=True)
    sign_in_while_disabled = Client().login(username="trainee", password="Correct-Horse-9")
    enabled = client.post(
        f"/officers/{officer.pk}/account-status/", {"action": "enable", "reason": "Phone found"}, follow=True
    )

    assert [str(m) for m in disabled.context["messages"]] == [
        "The account trainee is disabled: its owner can no longer sign in."
    ]
    assert [str(m) for m in twice.context["messages"]] == [
        "The account trainee is disabled: its owner can no longer sign in."
    ]
    assert AuditEntry.objects.filter(action="user.deactivated").count() == 1
    assert sign_in_while_disabled is False
    assert [str(m) for m in enabled.context["messages"]] == [
        "The account trainee is enabled: its owner can sign in again."
    ]
    assert Client().login(username="trainee", password="Correct-Horse-9") is True
    assert ApiToken.objects.count() == 0
    assert list(
        AuditEntry.objects.filter(target_id=str(people.trainee.pk)).order_by("pk").values_list("action", "reason")
    ) == [("user.deactivated", "Shared phone lost"), ("user.reactivated", "Phone found")]


@pytest.mark.django_db
def test_only_an_admin_disables_an_account_with_rights(client, tree, people):
    officer = tree.north_officers[0]
    services.role_grant(user=people.trainee, role=Role.TRAINER, unit=tree.north_station, actor=people.admin)
    client.force_login(people.trainer_north)
    before = footprint()

    page = client.get(f"/officers/{officer.pk}/").content.decode()
    refused = client.post(f"/officers/{officer.pk}/account-status/", disable_form())

    assert "Disable the account" not in page
    assert PRIVILEGED.replace("'", "&#x27;") in page
    assert refused.status_code == 403
    assert PRIVILEGED.replace("'", "&#x27;") in refused.content.decode()
    assert footprint() == before
    client.force_login(people.admin)
    assert client.post(f"/officers/{officer.pk}/account-status/", disable_form()).status_code == 302
    assert User.objects.get(pk=people.trainee.pk).is_active is False


@pytest.mark.django_db
def test_an_officer_without_an_account_has_no_account_to_disable(client, tree, people):
    client.force_login(people.admin)

    response = client.get(f"/officers/{tree.north_officers[1].pk}/account-status/")

    assert response.status_code == 404


# The pages in every language -------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "heading"),
    [("en", "Record that"), ("fr", "Enregistrer le départ de"), ("ar", "تسجيل")],
)
def test_the_departure_page_speaks_the_visitors_language(client, tree, people, language, heading):
    client.force_login(people.admin)
    client.cookies["django_language"] = language

    body = client.get(f"/officers/{tree.north_officers[1].pk}/leave/").content.decode()

    assert heading in body
    assert f'type="date" name="left_on" value="{today()}"' in body  # the picker takes ISO dates only
