"""Who commands a unit: only admins, the system and granted leadership over the unit change
it (leadership of a unit is derived from commanding it), through every door that can: the
roster import (service, API, page, command), the Django admin's officer form and transfers.

Every refusal also checks that nothing was written and that nobody gained leadership.
"""

import io

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse

from organisations import services
from organisations.models import Officer, Role, RosterImport, Transfer, User
from organisations.roster import RosterImportError, RosterImportResult
from organisations.selectors import user_roles
from tests.factories import UserFactory
from tests.organisations.test_roster_import import HEADER, csv_bytes, footprint, officer_snapshot, row_of, run

COLUMNS = [*HEADER, "is_commander"]
MAKE = "Only an administrator, or a leader whose scope covers unit {unit}, may make an officer its commander."
REMOVE = "Only an administrator, or a leader whose scope covers unit {unit}, may remove its commander."
MOVE = (
    "This officer commands unit {unit}: moving them to {to} changes who commands both units, "
    "which only an administrator or a leader whose scope covers both may do."
)
RETURN = (
    "This officer left the service as commander of unit {unit}: bringing them back makes them its "
    "commander again, which only an administrator or a leader whose scope covers the unit may do. "
    "Write “no” in is_commander to bring them back without the command."
)


def leadership_of(user: User) -> list[str] | None:
    """The units a user leads, read afresh (``user_roles`` caches on the user object)."""
    scope = user_roles(User.objects.get(pk=user.pk)).scopes.get(Role.LEADERSHIP, [])
    return None if scope is None else [unit.code for unit in scope]


def commander(officer: Officer) -> Officer:
    Officer.objects.filter(pk=officer.pk).update(is_commander=True)
    officer.refresh_from_db()
    return officer


def promotion(tree) -> bytes:
    """Row 2: the trainee (``people.trainee``, north station) made commander."""
    return csv_bytes([row_of(tree.north_officers[0], is_commander="true")], columns=COLUMNS)


def trainer_who_leads(tree, username: str, unit) -> User:
    """A trainer over the northern region with granted leadership over ``unit``."""
    user = UserFactory(username=username)
    services.role_grant(user=user, role=Role.TRAINER, unit=tree.north)
    services.role_grant(user=user, role=Role.LEADERSHIP, unit=unit)
    return user


# A trainer's file ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_trainers_file_cannot_make_a_trainee_a_commander(tree, people):
    before, snapshot = footprint(), officer_snapshot()

    with pytest.raises(RosterImportError) as refused:
        run(tree, promotion(tree), actor=people.trainer_north)

    assert refused.value.errors == [{"row": 2, "field": "is_commander", "message": MAKE.format(unit="N1-ST")}]
    assert (footprint(), officer_snapshot()) == (before, snapshot)
    assert leadership_of(people.trainee) == []


@pytest.mark.django_db
def test_a_trainers_file_cannot_remove_a_commander(tree, people):
    officer = commander(tree.north_officers[1])
    before, snapshot = footprint(), officer_snapshot()

    with pytest.raises(RosterImportError) as refused:
        run(tree, csv_bytes([row_of(officer, is_commander="no")], columns=COLUMNS), actor=people.trainer_north)

    assert refused.value.errors == [{"row": 2, "field": "is_commander", "message": REMOVE.format(unit="N1-ST")}]
    assert (footprint(), officer_snapshot()) == (before, snapshot)


@pytest.mark.django_db
def test_a_trainers_file_cannot_create_an_officer_as_commander(tree, people):
    before, snapshot = footprint(), officer_snapshot()
    rows = [row_of(tree.north_officers[0], service_number="NP-NEW", is_commander="oui")]

    with pytest.raises(RosterImportError) as refused:
        run(tree, csv_bytes(rows, columns=COLUMNS), actor=people.trainer_north, dry_run=True)

    assert refused.value.errors == [{"row": 2, "field": "is_commander", "message": MAKE.format(unit="N1-ST")}]
    assert (footprint(), officer_snapshot()) == (before, snapshot)


@pytest.mark.django_db
def test_a_trainers_file_cannot_move_a_commander_even_within_their_scope(tree, people):
    """The flag follows the officer: the move would make them commander of N1 and leave
    N1-ST without one. An admin may (next test)."""
    officer = commander(tree.north_officers[1])
    before, snapshot = footprint(), officer_snapshot()

    with pytest.raises(RosterImportError) as refused:
        run(tree, csv_bytes([row_of(officer, unit_code="N1")]), actor=people.trainer_north)

    assert refused.value.errors == [{"row": 2, "field": "unit_code", "message": MOVE.format(unit="N1-ST", to="N1")}]
    assert (footprint(), officer_snapshot()) == (before, snapshot)


@pytest.mark.django_db
def test_a_trainers_file_cannot_bring_back_a_commander_who_left_but_may_without_the_command(tree, people):
    officer = commander(tree.north_officers[1])
    services.officer_leave(officer=officer)
    before, snapshot = footprint(), officer_snapshot()

    with pytest.raises(RosterImportError) as refused:
        run(tree, csv_bytes([row_of(officer)]), actor=people.trainer_north)
    assert refused.value.errors == [{"row": 2, "field": None, "message": RETURN.format(unit="N1-ST")}]
    assert (footprint(), officer_snapshot()) == (before, snapshot)

    result = run(tree, csv_bytes([row_of(officer, is_commander="no")], columns=COLUMNS), actor=people.trainer_north)

    assert (result.updated, result.unchanged) == (1, 0)
    assert Officer.objects.filter(pk=officer.pk).values_list("is_active", "is_commander").get() == (True, False)


@pytest.mark.django_db
def test_every_row_that_changes_a_command_is_named_and_nothing_is_written(tree, people):
    officer = commander(tree.north_officers[1])
    rows = [
        row_of(tree.north_officers[0], rank="Sergeant", is_commander="yes"),
        row_of(officer, rank="Inspector", is_commander=""),
        row_of(officer, service_number="NP-NEW", is_commander="1"),
        row_of(tree.south_officers[0], is_commander="yes"),
    ]
    before, snapshot = footprint(), officer_snapshot()

    with pytest.raises(RosterImportError) as refused:
        run(tree, csv_bytes(rows, columns=COLUMNS), actor=people.trainer_north)

    assert refused.value.errors == [
        {"row": 2, "field": "is_commander", "message": MAKE.format(unit="N1-ST")},
        {"row": 4, "field": "is_commander", "message": MAKE.format(unit="N1-ST")},
        {"row": 5, "field": "service_number", "message": "This officer serves in a unit outside your scope."},
        {"row": 5, "field": "unit_code", "message": "This unit is outside your scope."},
    ]
    assert (footprint(), officer_snapshot()) == (before, snapshot)


@pytest.mark.django_db
def test_a_trainers_file_that_leaves_the_command_as_it_is_is_imported(tree, people):
    officer = commander(tree.north_officers[1])
    rows = [
        row_of(tree.north_officers[0], rank="Sergeant", is_commander="no"),
        row_of(officer, rank="Inspector", is_commander="yes"),
        row_of(tree.north_officers[0], service_number="NP-NEW", is_commander=""),
    ]

    result = run(tree, csv_bytes(rows, columns=COLUMNS), actor=people.trainer_north)

    assert result == RosterImportResult(
        import_id=RosterImport.objects.get().pk,
        rows=3,
        created=1,
        updated=2,
        transferred=0,
        unchanged=0,
        missing=[],
    )
    assert dict(Officer.objects.filter(unit=tree.north_station).values_list("service_number", "is_commander")) == {
        tree.north_officers[0].service_number: False,
        officer.service_number: True,
        "NP-NEW": False,
    }
    assert leadership_of(people.trainee) == []


@pytest.mark.django_db
@pytest.mark.parametrize("door", ["api", "page"])
def test_the_api_and_the_page_refuse_a_trainers_promotion(api_client, client, tree, people, door):
    before, snapshot = footprint(), officer_snapshot()
    upload = io.BytesIO(promotion(tree))
    upload.name = "roster.csv"
    expected = [{"row": 2, "field": "is_commander", "message": MAKE.format(unit="N1-ST")}]

    if door == "api":
        api_client.force_authenticate(people.trainer_north)
        response = api_client.post("/api/v1/officers/import/", {"file": upload}, format="multipart")
        assert (response.status_code, response.json()) == (400, {"errors": expected})
    else:
        client.force_login(people.trainer_north)
        response = client.post("/roster/import/", {"file": upload})
        assert (response.status_code, response.context["errors"]) == (200, expected)

    assert (footprint(), officer_snapshot()) == (before, snapshot)
    assert leadership_of(people.trainee) == []


# Who may ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_admins_file_makes_a_commander_who_then_leads_the_unit(tree, people):
    result = run(tree, promotion(tree), actor=people.admin)

    assert (result.updated, result.unchanged) == (1, 0)
    assert Officer.objects.get(pk=tree.north_officers[0].pk).is_commander is True
    assert leadership_of(people.trainee) == ["N1-ST"]


@pytest.mark.django_db
def test_an_admins_file_moves_a_commander_who_then_leads_the_new_unit(tree, people):
    officer = commander(tree.north_officers[0])

    result = run(tree, csv_bytes([row_of(officer, unit_code="N1")]), actor=people.admin)

    assert (result.updated, result.transferred) == (1, 1)
    assert leadership_of(people.trainee) == ["N1"]


@pytest.mark.django_db
def test_the_command_acts_as_the_system_and_may_change_a_command(tree, people, tmp_path):
    path = tmp_path / "promotion.csv"
    path.write_bytes(promotion(tree))

    call_command("import_roster", str(path), stdout=io.StringIO())

    assert RosterImport.objects.get().updated == 1
    assert leadership_of(people.trainee) == ["N1-ST"]


@pytest.mark.django_db
def test_a_trainer_with_granted_leadership_over_the_unit_may_make_a_commander(tree, people):
    trainer = trainer_who_leads(tree, "trainer.leader", tree.north_district)

    result = run(tree, promotion(tree), actor=trainer)

    assert result.updated == 1
    assert leadership_of(people.trainee) == ["N1-ST"]


@pytest.mark.django_db
def test_a_trainer_whose_leadership_covers_another_region_may_not(tree, people):
    trainer = trainer_who_leads(tree, "trainer.leader.south", tree.south)
    before, snapshot = footprint(), officer_snapshot()

    with pytest.raises(RosterImportError) as refused:
        run(tree, promotion(tree), actor=trainer)

    assert refused.value.errors == [{"row": 2, "field": "is_commander", "message": MAKE.format(unit="N1-ST")}]
    assert (footprint(), officer_snapshot()) == (before, snapshot)


@pytest.mark.django_db
def test_a_trainer_who_commands_a_unit_elsewhere_gains_nothing_from_it(tree, people):
    """Leadership derived from commanding the southern station covers neither the north
    (where they train) nor, as a source of the right, their own unit."""
    trainer = UserFactory(username="trainer.commander")
    services.role_grant(user=trainer, role=Role.TRAINER, unit=tree.north)
    own = commander(tree.south_officers[1])
    Officer.objects.filter(pk=own.pk).update(user=trainer)
    assert leadership_of(trainer) == ["S1-ST"]
    before, snapshot = footprint(), officer_snapshot()

    with pytest.raises(RosterImportError) as promoting:
        run(tree, promotion(tree), actor=trainer)
    with pytest.raises(RosterImportError) as own_unit:
        run(tree, csv_bytes([row_of(tree.south_officers[0], is_commander="yes")], columns=COLUMNS), actor=trainer)

    assert promoting.value.errors == [{"row": 2, "field": "is_commander", "message": MAKE.format(unit="N1-ST")}]
    assert own_unit.value.errors == [
        {"row": 2, "field": "service_number", "message": "This officer serves in a unit outside your scope."},
        {"row": 2, "field": "unit_code", "message": "This unit is outside your scope."},
    ]
    assert (footprint(), officer_snapshot()) == (before, snapshot)
    assert leadership_of(people.trainee) == []


@pytest.mark.django_db
def test_a_trainer_who_commands_a_station_they_train_cannot_appoint_a_second_commander(tree, people):
    trainer = UserFactory(username="trainer.station")
    services.role_grant(user=trainer, role=Role.TRAINER, unit=tree.north)
    own = commander(tree.north_officers[1])
    Officer.objects.filter(pk=own.pk).update(user=trainer)
    before, snapshot = footprint(), officer_snapshot()

    with pytest.raises(RosterImportError) as refused:
        run(tree, promotion(tree), actor=trainer)

    assert refused.value.errors == [{"row": 2, "field": "is_commander", "message": MAKE.format(unit="N1-ST")}]
    assert (footprint(), officer_snapshot()) == (before, snapshot)
    accepted = run(tree, csv_bytes([row_of(own, rank="Inspector", is_commander="yes")], columns=COLUMNS), actor=trainer)
    assert (accepted.updated, Officer.objects.get(pk=own.pk).is_commander) == (1, True)


# The Django admin's officer form ----------------------------------------------------------------


def officer_change_form(officer: Officer, **changes) -> dict:
    """The admin's change form for ``officer`` as stored (unit and service are read-only)."""
    form = {
        "service_number": officer.service_number,
        "given_name": officer.given_name,
        "family_name": officer.family_name,
        "sex": officer.sex,
        "rank": officer.rank,
        "position": officer.position,
        "vetting_status": officer.vetting_status,
        "email": officer.email,
        "phone": officer.phone,
        "user": officer.user_id or "",
        "transfers-TOTAL_FORMS": "0",
        "transfers-INITIAL_FORMS": "0",
    }
    form |= {"is_active": "on"} if officer.is_active else {}
    form |= {"is_commander": "on"} if officer.is_commander else {}
    for name, value in changes.items():
        if value is False:
            form.pop(name, None)
        else:
            form[name] = "on" if value is True else value
    return form


@pytest.fixture
def officer_staff(db):
    """Staff allowed to change officers in the Django admin, without the admin role."""
    user = UserFactory(username="officer.staff", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_officer", "change_officer"]))
    return user


@pytest.mark.django_db
def test_the_admin_form_refuses_a_command_change_by_staff_without_leadership(client, tree, people, officer_staff):
    officer = tree.north_officers[0]
    url = reverse("admin:organisations_officer_change", args=[officer.pk])
    client.force_login(officer_staff)
    snapshot = officer_snapshot()

    response = client.post(url, officer_change_form(officer, is_commander=True))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "is_commander": [
            "Only an administrator, or a leader whose scope covers unit N1-ST, may change who commands it."
        ]
    }
    assert officer_snapshot() == snapshot
    assert leadership_of(people.trainee) == []


@pytest.mark.django_db
def test_the_admin_form_lets_staff_change_other_fields_and_leaders_change_the_command(
    client, tree, people, officer_staff
):
    officer = tree.north_officers[0]
    url = reverse("admin:organisations_officer_change", args=[officer.pk])
    client.force_login(officer_staff)

    renamed = client.post(url, officer_change_form(officer, rank="Sergeant"))
    services.role_grant(user=officer_staff, role=Role.LEADERSHIP, unit=tree.north_district)
    promoted = client.post(url, officer_change_form(officer, rank="Sergeant", is_commander=True))

    assert (renamed.status_code, promoted.status_code) == (302, 302)
    assert Officer.objects.filter(pk=officer.pk).values_list("rank", "is_commander").get() == ("Sergeant", True)
    assert leadership_of(people.trainee) == ["N1-ST"]


@pytest.mark.django_db
def test_the_admin_form_lets_an_admin_remove_a_commander(client, tree, people):
    officer = commander(tree.north_officers[0])
    client.force_login(people.admin)

    response = client.post(
        reverse("admin:organisations_officer_change", args=[officer.pk]),
        officer_change_form(officer, is_commander=False),
    )

    assert response.status_code == 302
    assert Officer.objects.get(pk=officer.pk).is_commander is False
    assert leadership_of(people.trainee) == []


# Transfers ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_transfer_of_a_commander_needs_leadership_over_both_units(tree, people):
    officer = commander(tree.north_officers[0])
    before = footprint()

    with pytest.raises(PermissionDenied):
        services.officer_transfer(officer=officer, to_unit=tree.north_district, actor=people.trainer_north)

    assert footprint() == before
    assert Officer.objects.get(pk=officer.pk).unit == tree.north_station
    services.officer_transfer(officer=officer, to_unit=tree.north_district, actor=people.admin)
    assert (Transfer.objects.count(), leadership_of(people.trainee)) == (1, ["N1"])


@pytest.mark.django_db
def test_a_trainer_may_still_transfer_an_officer_who_commands_nothing(tree, people):
    services.officer_transfer(officer=tree.north_officers[0], to_unit=tree.north_district, actor=people.trainer_north)

    assert Officer.objects.get(pk=tree.north_officers[0].pk).unit == tree.north_district


@pytest.mark.django_db
def test_recording_that_a_commander_left_needs_leadership_over_the_unit(tree, people):
    officer = commander(tree.north_officers[0])
    before = footprint()

    with pytest.raises(PermissionDenied):
        services.officer_leave(officer=officer, actor=people.trainer_north)

    assert footprint() == before
    assert leadership_of(people.trainee) == ["N1-ST"]
    services.officer_leave(officer=tree.north_officers[1], actor=people.trainer_north)
    services.officer_leave(officer=officer, actor=people.admin)
    assert list(Officer.objects.filter(unit=tree.north_station).values_list("is_active", flat=True)) == [False, False]
    assert leadership_of(people.trainee) == []
