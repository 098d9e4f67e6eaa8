"""Issue 14, point 8: passwords.

At least 12 characters, not common, not like the person's name, wherever a password is set
(activation, the account page, a reset e-mail's link, the Django admin). A person changes
their own password with the current one; one with an e-mail address resets it by e-mail
(Django's flow, throttled, revealing nothing about which addresses exist). Every change
ends the other sessions and API tokens, is audited and tells the owner.
"""

import re

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import translation

from lms.audit.models import AuditEntry
from lms.events.models import Event
from lms.events.services import deliveries_run_pending
from lms.notifications.models import Notification
from organisations import activation
from organisations.demo import DEMO_PASSWORD
from organisations.models import ApiToken, User
from organisations.tokens import api_token_issue
from tests.factories import UserFactory

PASSWORD = "Correct-Horse-9"
NEW = "Kora-Bay-712"  # twelve characters: the shortest allowed
SHORT = "Kora-Bay-71"
TOO_SHORT = "This password is too short. It must contain at least 12 characters."
LOCKED = "Too many failed attempts. Wait a few minutes and try again."
RESET_LOCKED = "Too many requests for a reset link. Wait a few minutes and try again."
CHANGED = (
    "Your password was changed. Every other sign-in and every API token of your account has been ended. "
    "If this was not you, tell an administrator at once."
)
RESET_BY_EMAIL = (
    "Your password was reset with the link sent to your e-mail address. Every other sign-in and every API "
    "token of your account has been ended. If this was not you, tell an administrator at once."
)
SET_BY_ADMIN = (
    "An administrator set a new password for your account. Every other sign-in and every API token of "
    "your account has been ended. If you did not ask for this, tell an administrator."
)
LINK = re.compile(r"http://127\.0\.0\.1:8000(/accounts/reset/[^/\s]+/[^/\s]+/)")


@pytest.fixture(autouse=True)
def _in_english():
    """Messages are compared in English, whatever language an earlier test's page left active."""
    with translation.override("en"):
        yield


@pytest.fixture
def amina(db):
    return UserFactory(username="amina", email="amina@example.org", first_name="Amina", last_name="Diallo")


def state() -> dict:
    return {
        "passwords": sorted(User.objects.values_list("username", "password")),
        "tokens": ApiToken.objects.count(),
        "audit": AuditEntry.objects.count(),
        "notifications": Notification.objects.count(),
        "mail": len(mail.outbox),
    }


def signed_in_elsewhere(client_class, user) -> object:
    other = client_class()
    other.force_login(user)
    assert other.get("/my/courses/").status_code == 200
    return other


def assert_signed_out(other) -> None:
    assert other.get("/my/courses/")["Location"] == "/accounts/login/?next=/my/courses/"


# The rules ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "expected"),
    [
        (SHORT, [TOO_SHORT]),
        ("password1234", ["This password is too common."]),
        ("123456789012", ["This password is entirely numeric."]),
        ("amina.diallo!", ["The password is too similar to the username."]),
        (NEW, []),
    ],
)
def test_the_rules(password, expected):
    user = User(username="amina.diallo", first_name="Amina", last_name="Diallo")

    try:
        validate_password(password, user)
        messages = []
    except ValidationError as error:
        messages = error.messages

    assert messages == expected


def test_demo_accounts_keep_a_password_that_passes():
    validate_password(DEMO_PASSWORD, User(username="demo.trainee", first_name="Aïcha", last_name="Kaboré"))

    assert (DEMO_PASSWORD, len(DEMO_PASSWORD)) == ("Demo-Pass-2026", 14)


# Changing one's own password ----------------------------------------------------------------


def change(client, current=PASSWORD, new=NEW, confirm=None):
    data = {"old_password": current, "new_password1": new, "new_password2": confirm or new}
    return client.post("/account/password/", data)


@pytest.mark.django_db
def test_the_change_page_asks_for_the_current_password_and_labels_every_field(client, amina):
    client.force_login(amina)

    body = client.get("/account/password/").content.decode()

    for field, label in [("old_password", "Current password"), ("new_password1", "New password")]:
        assert f'<label for="id_{field}">{label}</label>' in body
    assert '<label for="id_new_password2">New password again</label>' in body
    assert "Your password must contain at least 12 characters." in body


@pytest.mark.django_db
def test_changing_ends_other_sessions_and_tokens_keeps_this_one_audits_and_notifies(client, amina):
    client.force_login(amina)
    other = signed_in_elsewhere(type(client), amina)
    api_token_issue(user=amina, name="Phone")

    response = change(client)

    assert response["Location"] == "/account/"
    assert User.objects.get(pk=amina.pk).check_password(NEW)
    assert client.get("/account/").status_code == 200
    assert_signed_out(other)
    assert ApiToken.objects.filter(user=amina).count() == 0
    (entry,) = AuditEntry.objects.filter(action="account.password_changed")
    assert (entry.actor, entry.target_id) == (amina, str(amina.pk))
    assert entry.after == {"method": "change", "usable": True, "api_tokens_revoked": 1}
    assert list(Notification.objects.values_list("user", "kind", "message", "link")) == [
        (amina.pk, "account.password", CHANGED, "/account/")
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("current", "new", "error"),
    [
        ("Wrong-Horse-9", NEW, ("old_password", "Your current password is not right. Type it again.")),
        (PASSWORD, SHORT, ("new_password2", TOO_SHORT)),
    ],
)
def test_a_refused_change_changes_nothing(client, amina, current, new, error):
    client.force_login(amina)
    api_token_issue(user=amina)
    before = state()

    response = change(client, current=current, new=new)

    field, message = error
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert state() == before


@pytest.mark.django_db
@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_guessing_the_current_password_locks_out_like_signing_in(client, amina):
    client.force_login(amina)
    for _attempt in range(3):
        change(client, current="Wrong-Horse-9")
    before = state()

    response = change(client)

    assert response.context["form"].errors["old_password"] == [LOCKED]
    assert state() == before


@pytest.mark.django_db
def test_the_change_page_needs_a_sign_in(client):
    assert client.get("/account/password/")["Location"] == "/accounts/login/?next=/account/password/"


# Resetting by e-mail -----------------------------------------------------------------------


def ask_reset(client, email="amina@example.org", **extra):
    """Ask for a link, then let the outbox's worker send what the request recorded."""
    response = client.post("/accounts/password-reset/", {"email": email}, **extra)
    deliveries_run_pending()
    return response


@pytest.mark.django_db
def test_a_reset_link_goes_to_the_address_through_djangos_mail(client, amina):
    response = ask_reset(client, email="AMINA@example.org")

    assert response["Location"] == "/accounts/password-reset/sent/"
    (message,) = mail.outbox
    assert message.to == ["amina@example.org"]
    assert message.subject == "Choose a new password · Police development LMS"
    assert "for the account amina on the Police development LMS" in message.body
    assert "Open this link within 60 minutes to choose a new password (it works once):" in message.body
    assert LINK.search(message.body)


@pytest.mark.django_db
def test_the_request_only_records_the_same_event_for_a_known_or_unknown_address(client, amina):
    # Mailing in the request would answer later for a known address (an SMTP round trip):
    # the request writes the same rows either way, and the worker sends after it.
    for email in ("amina@example.org", "nobody@example.org"):
        response = client.post("/accounts/password-reset/", {"email": email})
        assert response["Location"] == "/accounts/password-reset/sent/"
    assert mail.outbox == []
    assert list(Event.objects.values_list("name", "payload")) == [
        ("account.password_reset_requested", {"email": "amina@example.org"}),
        ("account.password_reset_requested", {"email": "nobody@example.org"}),
    ]

    deliveries_run_pending()

    assert [message.to for message in mail.outbox] == [["amina@example.org"]]


@pytest.mark.django_db
def test_the_mail_is_in_the_owners_language(client, amina):
    User.objects.filter(pk=amina.pk).update(preferred_language="fr")

    ask_reset(client)

    (message,) = mail.outbox
    assert message.subject == "Choisir un nouveau mot de passe · Plateforme de formation de la police"


@pytest.mark.django_db
def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, amina):
    known = ask_reset(client)
    unknown = ask_reset(client, email="nobody@example.org")

    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert [message.to for message in mail.outbox] == [["amina@example.org"]]


@pytest.mark.django_db
def test_the_link_sets_a_new_password_once_and_ends_everything_else(client, amina):
    other = signed_in_elsewhere(type(client), amina)
    api_token_issue(user=amina)
    ask_reset(client)
    link = LINK.search(mail.outbox[0].body)[1]

    form = client.get(link, follow=True)
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    again = client.get(link)

    assert form.context["validlink"] is True
    assert done["Location"] == "/accounts/reset/done/"
    assert User.objects.get(pk=amina.pk).check_password(NEW)
    assert_signed_out(other)
    assert ApiToken.objects.filter(user=amina).count() == 0
    assert again.context["validlink"] is False
    assert list(Notification.objects.values_list("kind", "message")) == [("account.password", RESET_BY_EMAIL)]
    (entry,) = AuditEntry.objects.filter(action="account.password_reset")
    assert (entry.actor, entry.after) == (amina, {"method": "email", "usable": True, "api_tokens_revoked": 1})


@pytest.mark.django_db
def test_the_link_refuses_a_short_password_and_changes_nothing(client, amina):
    ask_reset(client)
    form = client.get(LINK.search(mail.outbox[0].body)[1], follow=True)
    before = state()

    response = client.post(form.redirect_chain[-1][0], {"new_password1": SHORT, "new_password2": SHORT})

    assert response.context["form"].errors == {"new_password2": [TOO_SHORT]}
    assert state() == before


@pytest.mark.django_db
@override_settings(LOGIN_FAILURE_LIMIT=3)
@pytest.mark.parametrize("email", ["amina@example.org", "nobody@example.org"])
def test_reset_requests_are_limited_per_address_typed_known_or_not(client, amina, email):
    for number in range(3):
        ask_reset(client, email=email, REMOTE_ADDR=f"192.0.2.{number + 1}")
    before = state()

    refused = ask_reset(client, email=email.upper(), REMOTE_ADDR="198.51.100.7")

    assert refused.status_code == 200
    assert refused.context["form"].errors == {"email": [RESET_LOCKED]}
    assert state() == before


@pytest.mark.django_db
@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_reset_requests_are_limited_per_client_address(client, amina):
    for number in range(3):
        ask_reset(client, email=f"someone{number}@example.org")
    before = state()

    refused = ask_reset(client)

    assert refused.context["form"].errors == {"email": [RESET_LOCKED]}
    assert state() == before


@pytest.mark.django_db
def test_the_sign_in_page_offers_both_ways_back_in(client):
    body = client.get("/accounts/login/").content.decode()

    assert '<a href="/accounts/password-reset/">Get a link by e-mail</a>' in body
    assert "Without an e-mail address on your account, ask your trainer for a new activation slip." in body


# The Django admin --------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_admin_setting_a_password_goes_through_the_same_rules_and_consequences(client, amina, people):
    other = signed_in_elsewhere(type(client), amina)
    api_token_issue(user=amina)
    client.force_login(people.admin)
    url = f"/admin/organisations/user/{amina.pk}/password/"
    before = state()

    short = client.post(url, {"usable_password": "true", "password1": SHORT, "password2": SHORT})
    unchanged = state()
    done = client.post(url, {"usable_password": "true", "password1": NEW, "password2": NEW})

    assert short.context["form"].errors == {"password2": [TOO_SHORT]}
    assert unchanged == before
    assert done.status_code == 302
    assert User.objects.get(pk=amina.pk).check_password(NEW)
    assert_signed_out(other)
    assert ApiToken.objects.filter(user=amina).count() == 0
    (entry,) = AuditEntry.objects.filter(action="account.password_changed")
    assert (entry.actor, entry.target_id, entry.after["method"]) == (people.admin, str(amina.pk), "admin")
    assert list(Notification.objects.values_list("user", "message")) == [(amina.pk, SET_BY_ADMIN)]


@pytest.mark.django_db
def test_an_admin_turning_password_sign_in_off_revokes_tokens_too(client, amina, people):
    api_token_issue(user=amina)
    client.force_login(people.admin)

    response = client.post(
        f"/admin/organisations/user/{amina.pk}/password/", {"usable_password": "false", "unset-password": "1"}
    )

    assert response.status_code == 302
    assert not User.objects.get(pk=amina.pk).has_usable_password()
    assert ApiToken.objects.filter(user=amina).count() == 0
    assert AuditEntry.objects.get(action="account.password_changed").after == {
        "method": "admin",
        "usable": False,
        "api_tokens_revoked": 1,
    }


@pytest.mark.django_db
def test_the_admins_own_password_change_is_the_sites_page(client, people):
    client.force_login(people.admin)

    response = client.get("/admin/password_change/")

    assert (response.status_code, response["Location"]) == (302, "/account/password/")


@pytest.mark.django_db
def test_the_admin_creates_no_account_with_a_short_password(client, people):
    client.force_login(people.admin)

    response = client.post(
        "/admin/organisations/user/add/",
        {"username": "bola", "usable_password": "true", "password1": SHORT, "password2": SHORT},
    )

    assert response.context["adminform"].form.errors == {"password2": [TOO_SHORT]}
    assert not User.objects.filter(username="bola").exists()


@pytest.mark.django_db
def test_activation_refuses_a_short_password(tree, people):
    officer = tree.north_officers[1]
    code = activation.activation_code_issue(officer=officer, actor=people.trainer_north)

    with pytest.raises(ValidationError) as refused:
        activation.account_activate(service_number=officer.service_number, code=code, password=SHORT)

    assert refused.value.message_dict == {"password": [TOO_SHORT]}
    assert settings.AUTH_PASSWORD_VALIDATORS[1]["OPTIONS"] == {"min_length": 12}
