"""Issue 14, point 7: API tokens that can be taken back.

Every sign-in gets a token of its own, stored as a hash; ``DELETE /api/v1/auth/token/``
revokes the one presented; people list and revoke theirs on the account page and through
``/api/v1/auth/tokens/``; tokens expire, are capped per person, purged nightly, and the
tokens of DRF's old table are carried over by the migration.
"""

import hashlib
import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.utils import timezone

from lms.audit.models import AuditEntry
from organisations import tasks, tokens
from organisations.models import ApiToken
from organisations.services import user_deactivate
from tests.factories import UserFactory

PASSWORD = "Correct-Horse-9"
SIGN_IN = {"username": "amina", "password": PASSWORD}
INVALID = {"detail": "Invalid token."}


@pytest.fixture
def amina(db):
    return UserFactory(username="amina")


def sign_in(api_client, **extra) -> str:
    response = api_client.post("/api/v1/auth/token/", {**SIGN_IN, **extra.pop("data", {})}, **extra)
    assert response.status_code == 200
    return response.json()["token"]


def me_status(api_client, key: str) -> int:
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    status = api_client.get("/api/v1/me/").status_code
    api_client.credentials()
    return status


def state() -> dict:
    return {
        "tokens": sorted(ApiToken.objects.values_list("pk", "key_hash", "last_used_at")),
        "audit": AuditEntry.objects.count(),
    }


# Signing in --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_sign_in_gets_a_token_of_its_own_and_both_work(api_client, amina):
    phone = sign_in(api_client, data={"name": "Amina's phone"})
    laptop = sign_in(api_client, HTTP_USER_AGENT="lms-sync/2.1 (laptop)")

    assert phone != laptop
    assert (me_status(api_client, phone), me_status(api_client, laptop)) == (200, 200)
    assert sorted(ApiToken.objects.values_list("name", flat=True)) == ["Amina's phone", "lms-sync/2.1 (laptop)"]


@pytest.mark.django_db
def test_the_answer_gives_the_key_once_with_its_name_and_expiry(api_client, amina):
    response = api_client.post("/api/v1/auth/token/", {**SIGN_IN, "name": "Field tablet"})

    token = ApiToken.objects.get()
    assert response.json() == {
        "token": response.json()["token"],
        "name": "Field tablet",
        "expires_at": token.expires_at.isoformat().replace("+00:00", "Z"),
    }
    assert token.expires_at - token.created_at == settings.API_TOKEN_TTL == timedelta(hours=168)


@pytest.mark.django_db
def test_only_a_hash_of_the_key_is_stored(api_client, amina):
    key = sign_in(api_client)

    token = ApiToken.objects.get()
    assert len(key) == 40
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token.prefix == key[:8]
    stored = [str(value) for value in ApiToken.objects.values_list(*[f.attname for f in ApiToken._meta.fields])[0]]
    assert [value for value in stored if key in value] == []


@pytest.mark.django_db
def test_a_user_agent_is_cut_short_and_cleaned_for_a_name(api_client, amina):
    sign_in(api_client, HTTP_USER_AGENT="\u200fAgent\x07 " + "x" * 300)

    assert ApiToken.objects.get().name == "Agent " + "x" * 94


@pytest.mark.django_db
def test_a_person_keeps_at_most_twenty_tokens_and_the_oldest_goes(amina):
    issued = [tokens.api_token_issue(user=amina)[0] for _ in range(tokens.TOKENS_PER_USER)]

    newest, _key = tokens.api_token_issue(user=amina)

    kept = set(ApiToken.objects.values_list("pk", flat=True))
    assert tokens.TOKENS_PER_USER == 20
    assert kept == {token.pk for token in issued[1:]} | {newest.pk}


@pytest.mark.django_db
@pytest.mark.parametrize("accept", ["application/json", "text/html"])
def test_a_stale_token_sent_along_does_not_stop_signing_in(api_client, amina, accept):
    api_client.credentials(HTTP_AUTHORIZATION="Token revoked-or-expired-key")

    signed_in = api_client.post("/api/v1/auth/token/", SIGN_IN, HTTP_ACCEPT=accept)
    refused = api_client.post("/api/v1/auth/token/", {**SIGN_IN, "password": "wrong"}, HTTP_ACCEPT=accept)

    assert (signed_in.status_code, refused.status_code) == (200, 400)
    assert ApiToken.objects.count() == 1


# Using a token -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_token_records_its_last_use_at_most_once_a_minute(api_client, amina):
    token, key = tokens.api_token_issue(user=amina)
    thirty_seconds_ago = timezone.now() - timedelta(seconds=30)

    me_status(api_client, key)
    first = ApiToken.objects.get().last_used_at
    ApiToken.objects.update(last_used_at=thirty_seconds_ago)
    me_status(api_client, key)
    unchanged = ApiToken.objects.get().last_used_at
    ApiToken.objects.update(last_used_at=thirty_seconds_ago - timedelta(seconds=31))
    me_status(api_client, key)
    rewritten = ApiToken.objects.get().last_used_at

    assert token.last_used_at is None
    assert first is not None
    assert unchanged == thirty_seconds_ago
    assert rewritten > thirty_seconds_ago


@pytest.mark.django_db
def test_reading_with_a_fresh_token_writes_nothing(api_client, amina, django_assert_num_queries):
    _token, key = tokens.api_token_issue(user=amina)
    me_status(api_client, key)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    with django_assert_num_queries(3):  # the token with its user, the officer record, the role grants
        assert api_client.get("/api/v1/me/").status_code == 200


@pytest.mark.django_db
def test_a_deactivated_persons_tokens_stop_working(api_client, amina, people):
    _token, key = tokens.api_token_issue(user=amina)

    user_deactivate(user=amina, actor=people.admin)

    assert me_status(api_client, key) == 401
    assert ApiToken.objects.count() == 0


@pytest.mark.django_db
def test_signing_out_of_the_pages_leaves_api_tokens_alone(client, api_client, amina):
    key = sign_in(api_client)
    client.post("/accounts/login/", SIGN_IN)

    client.post("/accounts/logout/")

    assert me_status(api_client, key) == 200


# Revoking ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_delete_revokes_the_token_presented_and_no_other(api_client, amina):
    phone, laptop = sign_in(api_client), sign_in(api_client)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {phone}")

    revoked = api_client.delete("/api/v1/auth/token/")
    again = api_client.get("/api/v1/me/")

    assert (revoked.status_code, revoked.content) == (204, b"")
    assert (again.status_code, again.json()) == (401, INVALID)
    assert me_status(api_client, laptop) == 200
    (entry,) = AuditEntry.objects.filter(action="api_token.revoked")
    assert (entry.actor, entry.target_id, entry.before["prefix"]) == (amina, str(amina.pk), phone[:8])


@pytest.mark.django_db
def test_delete_without_a_token_is_401_and_revokes_nothing(api_client, client, amina):
    sign_in(api_client)
    client.force_login(amina)
    before = state()

    anonymous = api_client.delete("/api/v1/auth/token/")
    session = client.delete("/api/v1/auth/token/")

    assert (anonymous.status_code, session.status_code) == (401, 401)
    assert anonymous["WWW-Authenticate"] == "Token"
    assert state() == before


@pytest.mark.django_db
def test_the_api_lists_ones_own_tokens_and_which_is_in_use(api_client, amina, people):
    phone = sign_in(api_client, data={"name": "Phone"})
    sign_in(api_client, data={"name": "Laptop"})
    tokens.api_token_issue(user=people.trainee, name="Someone else's")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {phone}")

    body = api_client.get("/api/v1/auth/tokens/").json()

    assert body["count"] == 2
    assert [(row["name"], row["prefix"], row["is_current"]) for row in body["results"]] == [
        ("Laptop", ApiToken.objects.get(name="Laptop").prefix, False),
        ("Phone", phone[:8], True),
    ]
    assert set(body["results"][0]) == {"id", "name", "prefix", "created_at", "last_used_at", "expires_at", "is_current"}


@pytest.mark.django_db
def test_the_api_revokes_ones_own_token_by_id_but_not_anothers(api_client, amina, people):
    own, own_key = tokens.api_token_issue(user=amina)
    others, _key = tokens.api_token_issue(user=people.trainee)
    api_client.force_authenticate(amina)
    before = state()

    refused = api_client.delete(f"/api/v1/auth/tokens/{others.pk}/")
    unchanged = state()
    revoked = api_client.delete(f"/api/v1/auth/tokens/{own.pk}/")

    assert refused.status_code == 404
    assert unchanged == before
    assert revoked.status_code == 204
    assert list(ApiToken.objects.values_list("pk", flat=True)) == [others.pk]
    api_client.force_authenticate(None)
    assert me_status(api_client, own_key) == 401


# The account page --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_account_page_lists_ones_tokens_without_their_keys(client, amina, people):
    token, key = tokens.api_token_issue(user=amina, name="Field tablet")
    tokens.api_token_issue(user=people.trainee, name="Not Amina's")
    client.force_login(amina)

    body = client.get("/account/").content.decode()

    assert "Field tablet" in body
    assert f"{token.prefix}…" in body
    assert key not in body
    assert "Not Amina" not in body
    assert f'action="/account/tokens/{token.pk}/revoke/"' in body
    assert 'href="/account/password/"' in body


@pytest.mark.django_db
def test_every_page_links_to_the_account_page(client, amina):
    client.force_login(amina)

    assert '<a href="/account/">Your account</a>' in client.get("/").content.decode()


@pytest.mark.django_db
def test_revoking_on_the_account_page_stops_the_token(client, api_client, amina):
    token, key = tokens.api_token_issue(user=amina)
    client.force_login(amina)

    response = client.post(f"/account/tokens/{token.pk}/revoke/", follow=True)

    assert response.redirect_chain == [("/account/", 302)]
    assert [str(m) for m in response.context["messages"]] == [f"The token {token.prefix}… no longer works."]
    assert me_status(api_client, key) == 401
    assert AuditEntry.objects.filter(action="api_token.revoked", actor=amina).count() == 1


@pytest.mark.django_db
def test_nobody_revokes_anothers_token_on_the_account_page(client, amina, people):
    token, _key = tokens.api_token_issue(user=amina)
    client.force_login(people.admin)
    before = state()

    response = client.post(f"/account/tokens/{token.pk}/revoke/")

    assert response.status_code == 404
    assert state() == before


# Expiry, purge, migration, schema ---------------------------------------------------------


@pytest.mark.django_db
def test_the_nightly_purge_deletes_expired_tokens_only(amina):
    live, _key = tokens.api_token_issue(user=amina)
    dead, _key = tokens.api_token_issue(user=amina)
    ApiToken.objects.filter(pk=dead.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert (tasks.purge_api_tokens(), tasks.purge_api_tokens()) == (1, 0)
    assert list(ApiToken.objects.values_list("pk", flat=True)) == [live.pk]
    assert settings.CELERY_BEAT_SCHEDULE["api-tokens-purge"]["task"] == tasks.purge_api_tokens.name


@pytest.mark.django_db
def test_the_migration_carries_drf_tokens_over_as_hashes_and_empties_their_table(api_client, amina, people):
    fresh_key, stale_key = "f" * 40, "5" * 40
    issued = timezone.now() - timedelta(days=2)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token "
            "(key varchar(40) PRIMARY KEY, created timestamp with time zone, user_id integer)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES (%s, %s, %s), (%s, %s, %s)",
            [fresh_key, issued, amina.pk, stale_key, timezone.now() - timedelta(days=8), people.trainee.pk],
        )
    migration = importlib.import_module("organisations.migrations.0003_api_tokens")

    migration.legacy_tokens_convert(apps, connection.schema_editor())

    token = ApiToken.objects.get()
    assert (token.user, token.name, token.prefix) == (amina, "Signed in before per-client tokens", "f" * 8)
    assert (token.created_at, token.expires_at) == (issued, issued + settings.API_TOKEN_TTL)
    assert me_status(api_client, fresh_key) == 200
    assert me_status(api_client, stale_key) == 401
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM authtoken_token")
        assert cursor.fetchone() == (0,)


@pytest.mark.django_db
def test_the_schema_names_the_token_scheme_and_which_operations_take_it(client):
    schema = client.get("/api/schema/?format=json").json()

    assert schema["components"]["securitySchemes"]["tokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": 'Token-based authentication with required prefix "Token"',
    }
    token = schema["paths"]["/api/v1/auth/token/"]
    assert token["delete"]["security"] == [{"tokenAuth": []}]
    assert "security" not in token["post"]  # signing in takes no credentials but the body's
    assert {"tokenAuth": []} in schema["paths"]["/api/v1/me/"]["get"]["security"]
    assert set(schema["paths"]["/api/v1/auth/tokens/{id}/"]) == {"delete"}
