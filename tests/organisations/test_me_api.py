import pytest


@pytest.mark.django_db
def test_me_returns_roles_scope_and_unit_for_an_officer(api_client, tree, people):
    api_client.force_authenticate(people.trainee)

    response = api_client.get("/api/v1/me/")

    assert response.status_code == 200
    body = response.json()
    assert body["roles"] == ["trainee"]
    assert body["unit"] == {"id": tree.north_station.pk, "code": "N1-ST", "name": "Kora Central Station"}
    assert body["officer"]["service_number"] == tree.north_officers[0].service_number


@pytest.mark.django_db
def test_me_for_a_trainer_shows_their_subtree(api_client, tree, people):
    api_client.force_authenticate(people.trainer_north)

    body = api_client.get("/api/v1/me/").json()

    assert body["roles"] == ["trainer"]
    assert body["scope"] == {"trainer": [{"id": tree.north.pk, "code": "N", "name": "Northern Region"}]}
    assert body["unit"] is None


def test_me_refuses_anonymous_callers(api_client, db):
    assert api_client.get("/api/v1/me/").status_code == 401
