import datetime

import pytest
from django.db import IntegrityError

from lms.audit.models import AuditEntry
from lms.events.models import Event
from organisations import selectors, services
from organisations.models import Role, Transfer, Unit
from tests.factories import OfficerFactory, UnitFactory, UserFactory


@pytest.mark.django_db
def test_subtree_is_one_prefix_query(tree, django_assert_num_queries):
    with django_assert_num_queries(1):
        codes = list(Unit.objects.filter(path__startswith=tree.north.path).values_list("code", flat=True))

    assert codes == ["N", "N1", "N1-ST"]


@pytest.mark.django_db
def test_moving_a_unit_rewrites_its_subtree(tree, people):
    services.unit_move(unit=tree.north_district, new_parent=tree.south, actor=people.admin)

    tree.north_station.refresh_from_db()
    assert tree.north_station.path.startswith(tree.south.path)
    assert tree.north_station.depth == 3
    assert list(selectors.unit_ancestors(tree.north_station).values_list("code", flat=True)) == ["HQ", "S", "N1"]
    assert AuditEntry.objects.filter(action="unit.moved").count() == 1


@pytest.mark.django_db
def test_a_unit_cannot_move_under_itself(tree):
    with pytest.raises(ValueError, match="under itself"):
        services.unit_move(unit=tree.north, new_parent=tree.north_station)

    tree.north.refresh_from_db()
    assert tree.north.parent_id == tree.nation.pk


@pytest.mark.django_db(transaction=True)
def test_transfer_is_dated_audited_and_announced(tree, people):
    officer = tree.north_officers[0]

    transfer = services.officer_transfer(
        officer=officer, to_unit=tree.south_station, effective_on=datetime.date(2026, 11, 1), actor=people.admin
    )

    officer.refresh_from_db()
    assert officer.unit == tree.south_station
    assert (transfer.from_unit, transfer.to_unit, transfer.effective_on) == (
        tree.north_station,
        tree.south_station,
        datetime.date(2026, 11, 1),
    )
    event = Event.objects.get(name="officer.transferred")
    assert event.payload == {
        "officer_id": officer.pk,
        "from_unit_id": tree.north_station.pk,
        "to_unit_id": tree.south_station.pk,
    }
    assert AuditEntry.objects.get(action="officer.transferred").before == {"unit": tree.north_station.pk}


@pytest.mark.django_db
def test_transfer_to_the_same_unit_changes_nothing(tree):
    with pytest.raises(ValueError, match="already serves"):
        services.officer_transfer(officer=tree.north_officers[0], to_unit=tree.north_station)

    assert Transfer.objects.count() == 0
    assert Event.objects.count() == 0


@pytest.mark.django_db
def test_leaving_keeps_the_officer_and_writes_an_event(tree):
    officer = tree.north_officers[0]

    services.officer_leave(officer=officer, left_on=datetime.date(2026, 10, 31))
    services.officer_leave(officer=officer)

    officer.refresh_from_db()
    assert (officer.is_active, officer.left_on) == (False, datetime.date(2026, 10, 31))
    assert Event.objects.filter(name="officer.left").count() == 1


@pytest.mark.django_db
def test_an_officer_who_left_is_not_transferred(tree):
    officer = tree.north_officers[0]
    services.officer_leave(officer=officer)
    events = Event.objects.count()

    with pytest.raises(ValueError, match="left the service"):
        services.officer_transfer(officer=officer, to_unit=tree.south_station)

    officer.refresh_from_db()
    assert (officer.unit, Transfer.objects.count(), Event.objects.count()) == (tree.north_station, 0, events)


@pytest.mark.django_db
def test_service_numbers_are_unique_within_a_service_only(tree):
    other_service_unit = UnitFactory(code="X-HQ")
    OfficerFactory(unit=other_service_unit, service_number="NP-1")
    OfficerFactory(unit=tree.north_station, service_number="NP-1")

    with pytest.raises(IntegrityError):
        OfficerFactory(unit=tree.south_station, service_number="NP-1")


@pytest.mark.django_db
def test_only_admins_may_hold_platform_wide_roles():
    user = UserFactory()

    with pytest.raises(ValueError, match="Only the admin role"):
        services.role_grant(user=user, role=Role.TRAINER, unit=None)

    assert user.role_grants.count() == 0


@pytest.mark.django_db
def test_a_person_may_hold_several_roles(tree):
    officer = tree.north_officers[0]
    officer.user = UserFactory(username="instructor")
    officer.save()
    services.role_grant(user=officer.user, role=Role.TRAINER, unit=tree.north_district)

    roles = selectors.user_roles(officer.user)

    assert roles.names == ["trainee", "trainer"]
    assert roles.scopes["trainer"] == [tree.north_district]


@pytest.mark.django_db
def test_units_api_filters_by_parent_and_search(api_client, tree, people):
    api_client.force_authenticate(people.leader)

    children = api_client.get("/api/v1/units/", {"parent": tree.nation.pk}).json()
    found = api_client.get("/api/v1/units/", {"search": "talu"}).json()
    bad = api_client.get("/api/v1/units/", {"parent": "north"})

    assert [row["code"] for row in children["results"]] == ["N", "S"]
    assert [row["code"] for row in found["results"]] == ["S1", "S1-ST"]
    assert found["results"][0]["level_name"] == "District"
    assert bad.status_code == 400
    assert bad.json() == {"parent": ["A unit id is a whole number."]}


@pytest.mark.django_db
@pytest.mark.parametrize("parent", [str(2**63), "\u00b2"])
def test_units_api_refuses_a_parent_that_is_no_database_id(api_client, tree, people, parent):
    # Beyond 64 bits it once overflowed, and "\u00b2" (a digit to str.isdigit) failed int(): 500s.
    api_client.force_authenticate(people.leader)

    response = api_client.get("/api/v1/units/", {"parent": parent})

    assert response.status_code == 400
    assert response.json() == {"parent": ["A unit id is a whole number."]}


@pytest.mark.django_db
def test_officers_api_filters_by_unit_subtree(api_client, tree, people):
    api_client.force_authenticate(people.leader)

    south = api_client.get("/api/v1/officers/", {"unit": tree.south.pk}).json()
    outside = api_client.get("/api/v1/officers/", {"unit": 999999})

    assert {row["service_number"] for row in south["results"]} == {o.service_number for o in tree.south_officers}
    assert south["results"][0]["unit"] == {"id": tree.south_station.pk, "code": "S1-ST", "name": "Talu Central Station"}
    assert outside.status_code == 404


@pytest.mark.django_db
def test_the_admin_role_and_django_superuser_go_together():
    user = UserFactory()

    grant = services.role_grant(user=user, role=Role.ADMIN, unit=None)
    granted = (user.is_staff, user.is_superuser)
    services.role_revoke(grant=grant)

    user.refresh_from_db()
    assert granted == (True, True)
    assert (user.is_staff, user.is_superuser) == (False, False)
    assert AuditEntry.objects.filter(action__in=["role.granted", "role.revoked"]).count() == 2
