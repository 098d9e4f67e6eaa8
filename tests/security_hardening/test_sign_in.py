"""Every door that takes a password is throttled, and what it hands out expires."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import override_settings
from django.utils import timezone

from organisations import activation
from organisations.models import ApiToken
from organisations.tokens import api_token_issue
from tests.factories import OfficerFactory, UserFactory

PASSWORD = "Correct-Horse-9"
NEW_PASSWORD = "Blue-Heron-Patrol-42"


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
    token, key = api_token_issue(user=user)
    issued = timezone.now() - age
    ApiToken.objects.filter(pk=token.pk).update(created_at=issued, expires_at=issued + settings.API_TOKEN_TTL)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    response = api_client.get("/api/v1/me/")

    assert response.status_code == status
    if status == 401:
        assert response.json() == {"detail": "Token has expired; request a new one."}


# Counting: before the check, and only what was a guess ------------------------------------


@pytest.mark.django_db
@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_a_sign_in_with_an_empty_password_does_not_wipe_the_failures(client):
    # It once counted as a success (no password was checked, so none failed) and cleared
    # the account's failures: one empty submission between guesses, and guessing went on.
    # Each request from another address, so that only the account's count can lock.
    UserFactory(username="amina")
    for number, password in enumerate(["guess", "guess", "", "guess"]):
        client.post("/accounts/login/", {"username": "amina", "password": password}, REMOTE_ADDR=f"192.0.2.{number}")

    response = client.post("/accounts/login/", {"username": "amina", "password": PASSWORD}, REMOTE_ADDR="192.0.2.9")

    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_people_signing_in_from_one_address_do_not_lock_it(client):
    """Each attempt is counted against the address before its password is checked, and
    taken back when it was right: a station's shared address is not locked by its users."""
    names = [f"officer.{number}" for number in range(6)]
    for name in names:
        UserFactory(username=name)

    answers = []
    for name in names:
        answers.append(client.post("/accounts/login/", {"username": name, "password": PASSWORD}).status_code)
        client.logout()
    for _attempt in range(2):
        client.post("/accounts/login/", {"username": "officer.0", "password": "guess"})

    assert answers == [302] * 6
    assert client.post("/accounts/login/", {"username": "officer.1", "password": PASSWORD}).status_code == 302


@pytest.mark.django_db
@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_activation_attempts_that_guess_nothing_are_not_counted(client, tree, people):
    officer = OfficerFactory(unit=tree.north_station, service_number="NP-00123")
    code = activation.activation_code_issue(officer=officer, actor=people.trainer_north)
    malformed = {
        "service_number": "NP-00123",
        "code": "QQQ",
        "password": NEW_PASSWORD,
        "password_confirm": NEW_PASSWORD,
    }
    mismatched = {"service_number": "NP-00123", "code": code, "password": NEW_PASSWORD, "password_confirm": "other"}
    for form in [malformed] * 4 + [mismatched] * 4:  # each is more than the limit
        assert client.post("/accounts/activate/", form).status_code == 200

    response = client.post("/accounts/activate/", malformed | {"code": code})

    assert (response.status_code, response["Location"]) == (302, "/")


# Behind the TLS proxy: each client counts by its own address --------------------------------

PROXY = {"REMOTE_ADDR": "10.0.0.2"}


def _sign_in(client, username: str, password: str, **headers):
    return client.post("/accounts/login/", {"username": username, "password": password}, **headers)


@pytest.mark.django_db
@override_settings(LOGIN_FAILURE_LIMIT=3, TRUSTED_PROXIES=["10.0.0.0/24"])
def test_behind_the_proxy_a_client_guessing_made_up_names_locks_out_only_itself(client):
    # Every client once shared the proxy's address: three guesses locked everyone out.
    UserFactory(username="amina")
    for name in ("bola", "chidi", "dede"):
        _sign_in(client, name, "guess", HTTP_X_FORWARDED_FOR="198.51.100.7", **PROXY)

    guesser = _sign_in(client, "amina", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7", **PROXY)
    someone_else = _sign_in(client, "amina", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9", **PROXY)

    assert "Too many failed sign-in attempts" in guesser.content.decode()
    assert (someone_else.status_code, someone_else["Location"]) == (302, "/")


@pytest.mark.django_db
@pytest.mark.parametrize("trusted", [[], ["10.0.0.0/24"]])
def test_a_forged_forwarded_for_does_not_escape_the_address_lock(client, settings, trusted):
    """Straight from the client (not through a trusted proxy), X-Forwarded-For is its own
    invention: a fresh address in each request changes nothing."""
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.TRUSTED_PROXIES = trusted
    UserFactory(username="amina")
    for number, name in enumerate(("bola", "chidi", "dede")):
        _sign_in(client, name, "guess", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=f"203.0.113.{number}")

    response = _sign_in(client, "amina", PASSWORD, REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.50")

    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
