"""Issue 14, point 1: an activation code must not let a trainer take over an account with
more than the trainee role.

A code for an officer who already has an account resets its password. A trainer may
issue one only for an account with nothing but the trainee role; an admin for any. The
rule bites when issuing (service, officer page, API, a unit's slip run, which leaves such
officers out and names them) and again when the code is used (its issuer as they are
now). A reset ends the owner's other sessions and API tokens, tells them and is audited.
Each refusal checks that nothing changed.
"""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.utils import timezone, translation

from lms.audit.models import AuditEntry
from lms.events.models import Event
from lms.notifications.models import Notification
from lms.notifications.services import notifications_email
from lms.pdf.testing import document_text
from organisations import activation, permissions, services
from organisations.models import ActivationCode, ApiToken, Officer, Role, User
from organisations.tokens import api_token_issue
from tests.factories import OfficerFactory, UserFactory

PASSWORD = "Blue-Heron-Patrol-42"
CODE = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{3}")
PRIVILEGED = (
    "This officer's account has rights beyond a trainee's (a granted role, or command of a unit): "
    "only an administrator may issue an activation code for it."
)
CANNOT_RESET = (
    "This code cannot reset this account: it has rights beyond a trainee's and the code was not issued by "
    "an administrator. Ask an administrator for a new code."
)
RESET_NOTICE = (
    "Your password was reset with an activation code. Every other sign-in and every API token of your "
    "account has been ended. If this was not you, tell your trainer or an administrator at once."
)


@pytest.fixture(autouse=True)
def _in_english():
    """Messages are compared in English, whatever language an earlier test's page left active."""
    with translation.override("en"):
        yield


def snapshot() -> dict:
    return {
        "users": sorted(User.objects.values_list("username", "password", "is_active")),
        "codes": sorted(ActivationCode.objects.values_list("pk", "officer_id", "used_at", "voided_at")),
        "officers": sorted(Officer.objects.values_list("pk", "user_id")),
        "tokens": sorted(ApiToken.objects.values_list("key_hash", flat=True)),
        "audit": AuditEntry.objects.count(),
        "notifications": Notification.objects.count(),
        "events": Event.objects.count(),
    }


def _account(officer: Officer, username: str, **user_fields) -> Officer:
    officer.user = UserFactory(username=username, **user_fields)
    officer.save()
    return officer


@pytest.fixture
def accounts(tree, people):
    """Officers of the North station with accounts of every kind, by name."""
    station = tree.north_station
    return {
        "never_activated": OfficerFactory(unit=station),
        "trainee": people.trainee.officer,
        "commander": _account(OfficerFactory(unit=station, is_commander=True), "commander"),
        # A trainer who is also an officer: their own officer record holds their granted role.
        "trainer": _account_of(OfficerFactory(unit=station), people.trainer_north),
        "leader": _account_of(OfficerFactory(unit=station), people.leader),
        "admin": _account_of(OfficerFactory(unit=station), people.admin),
        "staff": _account(OfficerFactory(unit=station), "staff.only", is_staff=True),
    }


def _account_of(officer: Officer, user: User) -> Officer:
    officer.user = user
    officer.save()
    return officer


PRIVILEGED_KINDS = ["commander", "trainer", "leader", "admin", "staff"]
# Who may issue a code for whom: (issuer, account kind) -> allowed.
ALLOWED = {
    **{("trainer_north", kind): True for kind in ["never_activated", "trainee"]},
    **{("trainer_north", kind): False for kind in PRIVILEGED_KINDS},
    **{("admin", kind): True for kind in ["never_activated", "trainee", *PRIVILEGED_KINDS]},
}


# The rule ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("issuer", "kind"), ALLOWED, ids=[f"{issuer}-{kind}" for issuer, kind in ALLOWED])
def test_who_may_issue_a_code_for_whom(people, accounts, issuer, kind):
    officer = accounts[kind]
    expected = None if ALLOWED[(issuer, kind)] else PRIVILEGED

    assert permissions.activation_code_refusal(issuer=getattr(people, issuer), officer=officer) == expected


@pytest.mark.django_db
def test_the_system_may_not_reset_a_privileged_account_but_may_a_trainees(accounts):
    assert permissions.activation_code_refusal(issuer=None, officer=accounts["commander"]) == PRIVILEGED
    assert permissions.activation_code_refusal(issuer=None, officer=accounts["trainee"]) is None


@pytest.mark.django_db
def test_the_filter_matches_the_rule_officer_by_officer(accounts):
    privileged = set(Officer.objects.filter(permissions.privileged_accounts_q()).values_list("pk", flat=True))

    assert privileged == {accounts[kind].pk for kind in PRIVILEGED_KINDS}
    assert {o.pk for o in Officer.objects.all() if permissions.account_is_privileged(officer=o)} == privileged


# Issuing: the service, the API and the page --------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("kind", PRIVILEGED_KINDS)
def test_a_trainer_is_refused_a_code_for_a_privileged_account_and_nothing_changes(people, accounts, kind):
    before = snapshot()

    with pytest.raises(PermissionDenied) as refused:
        activation.activation_code_issue(officer=accounts[kind], actor=people.trainer_north)

    assert str(refused.value) == PRIVILEGED
    assert snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize("kind", PRIVILEGED_KINDS)
def test_an_admin_issues_a_code_for_a_privileged_account(people, accounts, kind):
    code = activation.activation_code_issue(officer=accounts[kind], actor=people.admin)

    stored = ActivationCode.objects.get(officer=accounts[kind])
    assert stored.code_hash == activation.code_hash(activation.code_normalise(code))
    assert stored.issued_by == people.admin


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "status"), [("trainer_north", 403), ("admin", 201)])
def test_the_api_refuses_a_trainer_with_the_reason(api_client, people, accounts, role, status):
    api_client.force_authenticate(getattr(people, role))
    before = snapshot()

    response = api_client.post(f"/api/v1/officers/{accounts['commander'].pk}/activation-code/")

    assert response.status_code == status
    if status == 403:
        assert response.json() == {"detail": PRIVILEGED}
        assert snapshot() == before
    else:
        assert ActivationCode.objects.filter(officer=accounts["commander"]).count() == 1


@pytest.mark.django_db
def test_the_page_refuses_a_trainer_with_the_reason(client, people, accounts):
    client.force_login(people.trainer_north)
    before = snapshot()

    response = client.post(f"/officers/{accounts['trainer'].pk}/activation-code/")

    assert response.status_code == 403
    assert PRIVILEGED.replace("'", "&#x27;") in response.content.decode()
    assert snapshot() == before


@pytest.mark.django_db
def test_the_officer_page_says_why_instead_of_offering_the_button(client, people, accounts):
    client.force_login(people.trainer_north)

    privileged = client.get(f"/officers/{accounts['commander'].pk}/").content.decode()
    trainee = client.get(f"/officers/{accounts['trainee'].pk}/").content.decode()

    assert PRIVILEGED.replace("'", "&#x27;") in privileged
    assert "Issue a new activation code" not in privileged
    assert "Issue a new activation code" in trainee
    client.force_login(people.admin)
    assert "Issue a new activation code" in client.get(f"/officers/{accounts['commander'].pk}/").content.decode()


# A unit's slip run -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_trainers_slip_run_leaves_privileged_accounts_out(tree, people, accounts):
    issued = activation.activation_codes_issue_for_unit(
        unit=tree.north, actor=people.trainer_north, include_activated=True
    )

    covered = {officer.pk for officer, _code in issued}
    assert covered == {
        accounts["never_activated"].pk,
        accounts["trainee"].pk,
        tree.north_officers[1].pk,
    }
    assert not ActivationCode.objects.filter(officer__in=[accounts[kind] for kind in PRIVILEGED_KINDS]).exists()
    skipped = activation.unit_activation_skipped(unit=tree.north, issuer=people.trainer_north)
    assert {officer.pk for officer in skipped} == {accounts[kind].pk for kind in PRIVILEGED_KINDS}


@pytest.mark.django_db
def test_an_admins_slip_run_covers_every_account(tree, people, accounts):
    issued = activation.activation_codes_issue_for_unit(unit=tree.north, actor=people.admin, include_activated=True)

    assert len(issued) == 3 + len(PRIVILEGED_KINDS)
    assert list(activation.unit_activation_skipped(unit=tree.north, issuer=people.admin)) == []


@pytest.mark.django_db
def test_the_slips_page_names_whom_it_leaves_out_and_the_pdf_has_no_code_for_them(client, tree, people, accounts):
    client.force_login(people.trainer_north)

    page = client.get(f"/units/{tree.north.pk}/activation-slips/").content.decode()
    pdf = client.post(f"/units/{tree.north.pk}/activation-slips/", {"include_activated": "on"})

    assert "5 officers are left out" in page
    for kind in PRIVILEGED_KINDS:
        assert f'href="/officers/{accounts[kind].pk}/"' in page
    assert "With the option below, it covers all 3 active officers instead." in page
    assert pdf["Content-Type"] == "application/pdf"
    assert len(CODE.findall(document_text(pdf.content))) == 3
    assert not ActivationCode.objects.filter(officer__in=[accounts[kind] for kind in PRIVILEGED_KINDS]).exists()


@pytest.mark.django_db
def test_the_slips_page_leaves_nobody_out_for_an_admin(client, tree, people, accounts):
    client.force_login(people.admin)

    page = client.get(f"/units/{tree.north.pk}/activation-slips/").content.decode()

    assert "left out" not in page
    assert "With the option below, it covers all 8 active officers instead." in page


# Using a code: the rule again ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("change", ["granted a role", "made commander"])
def test_a_code_issued_before_the_account_gained_rights_no_longer_resets_it(people, accounts, change):
    officer = accounts["trainee"]
    code = activation.activation_code_issue(officer=officer, actor=people.trainer_north)
    if change == "granted a role":
        services.role_grant(user=people.trainee, role=Role.TRAINER, unit=officer.unit, actor=people.admin)
    else:
        Officer.objects.filter(pk=officer.pk).update(is_commander=True)
    before = snapshot()

    with pytest.raises(ValidationError) as refused:
        activation.account_activate(service_number=officer.service_number, code=code, password=PASSWORD)

    assert not isinstance(refused.value, activation.ActivationRefused)  # not a guess
    assert refused.value.message_dict == {NON_FIELD_ERRORS: [CANNOT_RESET]}
    assert snapshot() == before
    assert not User.objects.get(pk=people.trainee.pk).check_password(PASSWORD)


@pytest.mark.django_db
def test_a_code_a_trainer_issued_before_the_rule_cannot_reset_a_commander(api_client, people, accounts):
    """The code reported in the issue: a regional trainer's, for a station commander's account."""
    officer = accounts["commander"]
    code = activation.code_new()
    ActivationCode.objects.create(
        officer=officer,
        code_hash=activation.code_hash(code),
        issued_by=people.trainer_north,
        expires_at=timezone.now() + settings.ACTIVATION_CODE_TTL,
    )
    before = snapshot()

    response = api_client.post(
        "/api/v1/auth/activate/", {"service_number": officer.service_number, "code": code, "password": PASSWORD}
    )

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [CANNOT_RESET]}
    assert snapshot() == before


@pytest.mark.django_db
def test_a_code_from_an_admin_who_is_no_longer_one_cannot_reset_a_privileged_account(people, accounts):
    officer = accounts["commander"]
    code = activation.activation_code_issue(officer=officer, actor=people.admin)
    services.role_revoke(grant=people.admin.role_grants.get(role=Role.ADMIN), actor=None)
    people.admin.refresh_from_db()
    before = snapshot()

    with pytest.raises(ValidationError) as refused:
        activation.account_activate(service_number=officer.service_number, code=code, password=PASSWORD)

    assert refused.value.message_dict == {NON_FIELD_ERRORS: [CANNOT_RESET]}
    assert snapshot() == before


# A reset: sessions, tokens, the owner told, the audit trail ---------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "issuer"), [("commander", "admin"), ("trainee", "trainer_north")])
def test_a_reset_ends_other_sessions_and_tokens_tells_the_owner_and_is_audited(
    client, people, accounts, settings, kind, issuer
):
    settings.NOTIFICATIONS_EMAIL = True
    officer = accounts[kind]
    owner = officer.user
    owner.email = "owner@example.org"
    owner.save(update_fields=["email"])
    client.force_login(owner)  # the owner's own session elsewhere
    assert client.get("/my/courses/").status_code == 200
    api_token_issue(user=owner, name="Phone")
    code = activation.activation_code_issue(officer=officer, actor=getattr(people, issuer))

    user = activation.account_activate(service_number=officer.service_number, code=code, password=PASSWORD)

    assert user == owner
    assert User.objects.get(pk=owner.pk).check_password(PASSWORD)
    assert client.get("/my/courses/")["Location"] == "/accounts/login/?next=/my/courses/"
    assert ApiToken.objects.filter(user=owner).count() == 0
    notice = Notification.objects.get(user=owner)
    assert (notice.kind, notice.message, notice.link) == ("account.password", RESET_NOTICE, "/account/")
    (entry,) = AuditEntry.objects.filter(action="account.password_reset")
    assert (entry.actor, entry.target_id) == (owner, str(owner.pk))
    assert entry.after == {
        "method": "activation_code",
        "usable": True,
        "api_tokens_revoked": 1,
        "officer": officer.pk,
        "activation_code": ActivationCode.objects.get(officer=officer).pk,
    }
    (event,) = Event.objects.filter(name="notification.created")
    assert event.payload == {"notification_ids": [notice.pk]}
    assert notifications_email(notification_ids=[notice.pk]) == 1
    assert [(message.to, message.subject) for message in mail.outbox] == [(["owner@example.org"], RESET_NOTICE[:120])]
    assert mail.outbox[0].body.startswith(RESET_NOTICE)


@pytest.mark.django_db
def test_a_first_activation_works_as_before_and_tells_nobody(people, accounts):
    officer = accounts["never_activated"]
    code = activation.activation_code_issue(officer=officer, actor=people.trainer_north)

    user = activation.account_activate(service_number=officer.service_number, code=code, password=PASSWORD)

    assert user.username == officer.service_number.lower()
    assert Notification.objects.count() == 0
    assert AuditEntry.objects.filter(action="account.activated", target_id=str(officer.pk)).count() == 1
    assert AuditEntry.objects.filter(action="account.password_reset").count() == 0
