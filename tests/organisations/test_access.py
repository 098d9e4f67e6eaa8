"""Who may call what: one table of roles x endpoints, over the `tree` and `people` fixtures.

`trainer_in` trains the Northern Region, where the objects under test live; `trainer_out`
trains the Southern Region. A refusal to see another subtree's object is a 404, so that
its existence does not leak.
"""

import pytest

from lms.audit.models import AuditEntry
from organisations.models import ActivationCode, Officer
from organisations.services import user_deactivate

ROLES = ["anonymous", "trainee", "other_trainee", "trainer_in", "trainer_out", "leader", "admin"]

USERS = {
    "trainee": "trainee",
    "other_trainee": "other_trainee",
    "trainer_in": "trainer_north",
    "trainer_out": "trainer_south",
    "leader": "leader",
    "admin": "admin",
}

LOGIN = 302  # pages send anonymous visitors to the sign-in page

# url template (filled from the tree) -> expected status per role, in ROLES order
TABLE = {
    "/api/v1/me/": [401, 200, 200, 200, 200, 200, 200],
    "/api/v1/units/": [401, 200, 200, 200, 200, 200, 200],
    "/api/v1/units/{north_station}/": [401, 200, 404, 200, 404, 200, 200],
    "/api/v1/officers/": [401, 403, 403, 200, 200, 200, 200],
    "/api/v1/officers/{north_officer}/": [401, 403, 403, 200, 404, 200, 200],
    "/": [LOGIN, 200, 200, 200, 200, 200, 200],
    "/units/": [LOGIN, 403, 403, 200, 200, 200, 200],
    "/units/{north_station}/": [LOGIN, 403, 403, 200, 404, 200, 200],
    "/units/{north_station}/activation-slips/": [LOGIN, 403, 403, 200, 404, 403, 200],
    "/officers/{north_officer}/": [LOGIN, 403, 403, 200, 404, 200, 200],
    "/roster/import/": [LOGIN, 403, 403, 200, 200, 403, 200],
}

# API writes, posted with an empty body: allowed callers get past permissions to a
# validation error (400) or act (201); the others are stopped before anything happens.
POST_TABLE = {
    "/api/v1/officers/import/": [401, 403, 403, 400, 400, 403, 400],
    "/api/v1/officers/{north_officer}/activation-code/": [401, 403, 403, 201, 404, 403, 201],
}

CASES = [(url, role, status) for url, statuses in TABLE.items() for role, status in zip(ROLES, statuses, strict=True)]
POST_CASES = [
    (url, role, status) for url, statuses in POST_TABLE.items() for role, status in zip(ROLES, statuses, strict=True)
]


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "role", "expected"), CASES)
def test_access_table(client, tree, people, url, role, expected):
    if role != "anonymous":
        client.force_login(getattr(people, USERS[role]))
    path = url.format(north_station=tree.north_station.pk, north_officer=tree.north_officers[1].pk)

    response = client.get(path)

    assert response.status_code == expected
    if expected in (403, 404):
        body = response.content.decode()
        assert tree.north_officers[1].family_name not in body
        assert "Kora Central Station" not in body


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "role", "expected"), POST_CASES)
def test_api_write_access_table(api_client, tree, people, url, role, expected):
    if role != "anonymous":
        api_client.force_authenticate(getattr(people, USERS[role]))
    codes_before = ActivationCode.objects.count()

    response = api_client.post(url.format(north_officer=tree.north_officers[1].pk), {}, format="multipart")

    assert response.status_code == expected
    assert ActivationCode.objects.count() == codes_before + (1 if expected == 201 else 0)
    assert Officer.objects.count() == 4


@pytest.mark.django_db
def test_trainer_lists_only_officers_of_their_subtree(api_client, tree, people):
    api_client.force_authenticate(people.trainer_north)

    body = api_client.get("/api/v1/officers/").json()

    assert body["count"] == 2
    assert {row["service_number"] for row in body["results"]} == {o.service_number for o in tree.north_officers}


@pytest.mark.django_db
def test_trainee_sees_only_their_own_unit(api_client, tree, people):
    api_client.force_authenticate(people.trainee)

    body = api_client.get("/api/v1/units/").json()

    assert [row["code"] for row in body["results"]] == ["N1-ST"]


@pytest.mark.django_db
def test_commander_leads_their_own_unit_only(api_client, tree, people):
    commander = tree.south_officers[1]
    commander.is_commander = True
    commander.user = people.other_trainee
    tree.south_officers[0].user = None
    tree.south_officers[0].save()
    commander.save()
    api_client.force_authenticate(people.other_trainee)

    me = api_client.get("/api/v1/me/").json()
    officers = api_client.get("/api/v1/officers/").json()

    assert me["roles"] == ["trainee", "leadership"]
    assert officers["count"] == 2
    assert api_client.get(f"/api/v1/officers/{tree.north_officers[0].pk}/").status_code == 404


@pytest.mark.django_db
def test_deactivated_user_keeps_records_but_cannot_sign_in(client, tree, people):
    user_deactivate(user=people.trainer_north, actor=people.admin, reason="left the mission")

    assert not client.login(username="trainer.north", password="Correct-Horse-9")
    assert people.trainer_north.role_grants.count() == 1
    assert AuditEntry.objects.filter(action="user.deactivated", target_id=str(people.trainer_north.pk)).count() == 1
