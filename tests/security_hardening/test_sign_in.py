"""Every door that takes a password is throttled, and what it hands out expires."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import override_settings
from django.utils import timezone
from rest_framework.authtoken.models import Token

from tests.factories import UserFactory

PASSWORD = "Correct-Horse-9"


@pytest.mark.django_db
@override_settings(LOGIN_FAILURE_LIMIT=3)
@pytest.mark.parametrize("login_url", ["/accounts/login/", "/admin/login/"])
def test_a_guessed_account_is_locked_out_at_each_sign_in_page(client, login_url):
    UserFactory(username="amina", is_staff=True)
    for _attempt in range(3):
        client.post(login_url, {"username": "amina", "password": "guess"})

    response = client.post(login_url, {"username": "amina", "password": PASSWORD})

    assert response.status_code == 200
    assert "Too many failed sign-in attempts. Wait a few minutes and try again." in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_guesses_at_the_admin_and_the_site_share_one_budget(client):
    UserFactory(username="amina", is_staff=True)
    client.post("/admin/login/", {"username": "amina", "password": "guess"})
    client.post("/accounts/login/", {"username": "amina", "password": "guess"})
    client.post("/admin/login/", {"username": "amina", "password": "guess"})

    response = client.post("/accounts/login/", {"username": "amina", "password": PASSWORD})

    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_one_address_spraying_many_accounts_is_locked_out(client):
    UserFactory(username="amina")
    for name in ("bola", "chidi", "dede"):
        client.post("/accounts/login/", {"username": name, "password": "guess"})

    response = client.post("/accounts/login/", {"username": "amina", "password": PASSWORD})

    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_admin_still_signs_in_staff_and_refuses_others(client):
    UserFactory(username="amina", is_staff=True)
    UserFactory(username="bola", is_staff=False)

    refused = client.post("/admin/login/?next=/admin/", {"username": "bola", "password": PASSWORD})
    signed_in = client.post("/admin/login/?next=/admin/", {"username": "amina", "password": PASSWORD})

    assert refused.status_code == 200
    assert "Please enter the correct username and password for a staff account." in refused.content.decode()
    assert (signed_in.status_code, signed_in["Location"]) == (302, "/admin/")


@pytest.mark.django_db
def test_a_session_cookie_lasts_twelve_hours_and_is_kept_from_scripts(client):
    UserFactory(username="amina")

    response = client.post("/accounts/login/", {"username": "amina", "password": PASSWORD})

    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert (cookie["max-age"], cookie["httponly"], cookie["samesite"]) == (12 * 60 * 60, True, "Lax")


@pytest.mark.django_db
def test_an_expired_session_is_sent_to_sign_in_again(client):
    UserFactory(username="amina")
    client.post("/accounts/login/", {"username": "amina", "password": PASSWORD})
    assert client.get("/my/courses/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))

    response = client.get("/my/courses/")

    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/my/courses/")


@pytest.mark.django_db
@pytest.mark.parametrize(("age", "status"), [(timedelta(hours=167, minutes=59), 200), (timedelta(hours=168), 401)])
def test_an_api_token_works_for_a_week_and_then_answers_401(api_client, age, status):
    user = UserFactory(username="amina")
    token = Token.objects.create(user=user)
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - age)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = api_client.get("/api/v1/me/")

    assert response.status_code == status
    if status == 401:
        assert response.json() == {"detail": "Token has expired; request a new one."}
