"""Activation codes: the code itself, issuing, activating (service, page, API), throttling,
scope and the nightly purge. A refused attempt always checks that nothing changed."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone

from lms.audit.models import AuditEntry
from organisations import activation, tasks
from organisations.activation import ActivationRefused
from organisations.models import ActivationCode, ApiToken, Officer, User
from organisations.services import officer_transfer
from organisations.tokens import api_token_issue
from tests.factories import OfficerFactory

PASSWORD = "Blue-Heron-Patrol-42"
MISMATCH = "The service number and the activation code do not match."
USED = "This activation code has already been used. Ask your trainer for a new one."
VOIDED = "This activation code was replaced by a newer one. Use the newest slip, or ask your trainer."
EXPIRED = "This activation code has expired. Ask your trainer for a new one."
MALFORMED = "This is not a valid activation code: check it against your slip."
LOCKED_PAGE = "Too many failed attempts. Wait a few minutes and try again."
CODE_PATTERN = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{3}$")


@pytest.fixture
def officer(tree):
    """An active officer of the Northern Region without an account."""
    return OfficerFactory(unit=tree.north_station, service_number="NP-00123", given_name="Aïcha", family_name="Kaboré")


def snapshot() -> dict:
    return {
        "users": sorted(User.objects.values_list("username", "password", "is_active")),
        "codes": sorted(ActivationCode.objects.values_list("pk", "used_at", "voided_at", "expires_at")),
        "officers": sorted(Officer.objects.values_list("pk", "user_id")),
        "tokens": sorted(ApiToken.objects.values_list("key_hash", flat=True)),
        "audit": AuditEntry.objects.count(),
    }


def refusal(error: ValidationError) -> dict[str, list[str]]:
    return error.message_dict


# The code -------------------------------------------------------------------------------


def test_new_codes_are_ten_characters_and_a_check_in_groups():
    code = activation.code_new()

    assert len(code) == 11
    assert set(code) <= set(activation.ALPHABET)
    assert CODE_PATTERN.match(activation.code_display(code))
    assert activation.code_normalise(code) == code


def test_alphabet_has_no_letters_that_look_or_sound_alike():
    assert activation.ALPHABET == "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    assert set("ILOU").isdisjoint(activation.ALPHABET)


def test_check_character_catches_every_single_wrong_character():
    code = "7KQ3XM9P2D" + activation.check_character("7KQ3XM9P2D")
    wrong = [
        code[:position] + replacement + code[position + 1 :]
        for position in range(len(code))
        for replacement in activation.ALPHABET
        if replacement != code[position]
    ]

    assert len(wrong) == 11 * 31
    assert [typed for typed in wrong if activation.code_normalise(typed) is not None] == []


@pytest.mark.parametrize(
    "typed",
    [
        "{code}",
        "{grouped}",
        "{grouped_lower}",
        "  {spaced}  ",
        "{with_aliases}",
    ],
)
def test_typed_input_is_normalised(typed):
    body = "01ABCDEF10"
    code = body + activation.check_character(body)
    grouped = activation.code_display(code)
    values = {
        "code": code,
        "grouped": grouped,
        "grouped_lower": grouped.lower(),
        "spaced": " ".join(grouped.replace("-", "")),
        "with_aliases": "oIab-cdef-Lo" + code[-1].lower(),
    }

    assert activation.code_normalise(typed.format(**values)) == code


@pytest.mark.parametrize("typed", ["", "7KQ3-XM9P", "7KQ3-XM9P-2DCX", "7KQ3-XM9P-2DU", "7KQ3-XM9P-2D!"])
def test_what_cannot_be_a_code_normalises_to_none(typed):
    assert activation.code_normalise(typed) is None


# Issuing --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_issuing_keeps_only_a_hash_and_audits(officer, people):
    code = activation.activation_code_issue(officer=officer, actor=people.trainer_north)

    stored = ActivationCode.objects.get(officer=officer)
    normalised = activation.code_normalise(code)
    assert CODE_PATTERN.match(code)
    assert stored.code_hash == activation.code_hash(normalised)
    assert normalised not in stored.code_hash
    assert code not in stored.code_hash
    assert stored.issued_by == people.trainer_north
    assert stored.expires_at - stored.issued_at == settings.ACTIVATION_CODE_TTL
    assert list(AuditEntry.objects.filter(action="activation_code.issued").values_list("target_id", "actor")) == [
        (str(officer.pk), people.trainer_north.pk)
    ]


@pytest.mark.django_db
def test_a_new_code_voids_the_older_unused_ones(officer, people):
    first = activation.activation_code_issue(officer=officer, actor=people.trainer_north)
    second = activation.activation_code_issue(officer=officer, actor=people.trainer_north)

    old, new = ActivationCode.objects.filter(officer=officer).order_by("pk")
    assert old.voided_at is not None
    assert new.voided_at is None
    assert old.code_hash == activation.code_hash(activation.code_normalise(first))
    assert new.code_hash == activation.code_hash(activation.code_normalise(second))


@pytest.mark.django_db
def test_no_code_for_an_officer_who_left(officer, people):
    Officer.objects.filter(pk=officer.pk).update(is_active=False)
    before = snapshot()

    with pytest.raises(ValidationError) as error:
        activation.activation_code_issue(officer=officer, actor=people.trainer_north)

    assert error.value.messages == ["This officer has left the service; no code can be issued."]
    assert snapshot() == before


@pytest.mark.django_db
def test_unit_issue_covers_active_officers_without_account_in_the_subtree(tree, people):
    left = OfficerFactory(unit=tree.north_station, is_active=False)

    issued = activation.activation_codes_issue_for_unit(unit=tree.north, actor=people.trainer_north)

    without_account = [o for o in tree.north_officers if o.user_id is None and o.pk != people.trainee.officer.pk]
    assert [officer.pk for officer, _code in issued] == [o.pk for o in without_account]
    assert all(CODE_PATTERN.match(code) for _officer, code in issued)
    assert not ActivationCode.objects.filter(officer=left).exists()
    assert not ActivationCode.objects.filter(officer__unit=tree.south_station).exists()
    assert AuditEntry.objects.filter(action="activation_code.issued").count() == len(issued)


@pytest.mark.django_db
def test_unit_issue_can_include_officers_with_accounts(tree, people):
    issued = activation.activation_codes_issue_for_unit(
        unit=tree.north, actor=people.trainer_north, include_activated=True
    )

    assert sorted(officer.pk for officer, _code in issued) == sorted(o.pk for o in tree.north_officers)


@pytest.mark.django_db
@pytest.mark.parametrize("extra", [3, 60])
def test_unit_issue_runs_the_same_queries_whatever_the_size(tree, people, extra, django_assert_num_queries):
    OfficerFactory.create_batch(extra, unit=tree.north_station)
    activation.activation_codes_issue_for_unit(unit=tree.north, actor=people.trainer_north)  # codes to void

    with django_assert_num_queries(6):  # savepoint, officers, void, insert codes, insert audit, release
        issued = activation.activation_codes_issue_for_unit(unit=tree.north, actor=people.trainer_north)

    assert len(issued) == extra + 1


# Activating (service) -------------------------------------------------------------------


@pytest.mark.django_db
def test_activation_creates_the_account_and_spends_the_code(officer, people):
    code = activation.activation_code_issue(officer=officer, actor=people.trainer_north)

    user = activation.account_activate(service_number="np-00123 ", code=code.lower(), password=PASSWORD)

    officer.refresh_from_db()
    assert user.username == "np-00123"
    assert (user.first_name, user.last_name) == ("Aïcha", "Kaboré")
    assert user.check_password(PASSWORD)
    assert officer.user == user
    assert ActivationCode.objects.get(officer=officer).used_at is not None
    assert AuditEntry.objects.filter(action="account.activated", target_id=str(officer.pk), actor=user).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "typed",
    ["\u200fnp-00123\u200e", "\u2066Np-00123\u2069\u00a0", " \u202bnP-00123\u202c"],
    ids=["marks around", "isolates and a no-break space", "embedding"],
)
def test_activation_matches_the_service_number_in_any_case_and_without_direction_marks(officer, people, typed):
    code = activation.activation_code_issue(officer=officer, actor=people.trainer_north)

    user = activation.account_activate(service_number=typed, code=code, password=PASSWORD)

    officer.refresh_from_db()
    assert (user.username, officer.user, officer.service_number) == ("np-00123", user, "NP-00123")
    assert ActivationCode.objects.get(officer=officer).used_at is not None


@pytest.mark.django_db
def test_activation_resets_a_forgotten_password_and_ends_api_tokens(tree, people):
    officer = people.trainee.officer
    api_token_issue(user=people.trainee)
    code = activation.activation_code_issue(officer=officer, actor=people.trainer_north)

    user = activation.account_activate(service_number=officer.service_number, code=code, password=PASSWORD)

    assert user == people.trainee
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)
    assert ApiToken.objects.filter(user=user).count() == 0
    assert User.objects.count() == 6
    assert AuditEntry.objects.filter(action="account.password_reset").count() == 1


@pytest.mark.django_db
def test_expired_code_is_refused(officer, people):
    code = activation.activation_code_issue(officer=officer, actor=people.trainer_north)
    ActivationCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    before = snapshot()

    with pytest.raises(ActivationRefused) as error:
        activation.account_activate(service_number="NP-00123", code=code, password=PASSWORD)

    assert refusal(error.value) == {"code": [EXPIRED]}
    assert snapshot() == before


@pytest.mark.django_db
def test_used_code_is_refused(officer, people):
    code = activation.activation_code_issue(officer=officer, actor=people.trainer_north)
    activation.account_activate(service_number="NP-00123", code=code, password=PASSWORD)
    before = snapshot()

    with pytest.raises(ActivationRefused) as error:
        activation.account_activate(service_number="NP-00123", code=code, password="Another-Long-Pass-7")

    assert refusal(error.value) == {"code": [USED]}
    assert snapshot() == before
    assert User.objects.get(username="np-00123").check_password(PASSWORD)


@pytest.mark.django_db
def test_voided_code_is_refused(officer, people):
    old = activation.activation_code_issue(officer=officer, actor=people.trainer_north)
    activation.activation_code_issue(officer=officer, actor=people.trainer_north)
    before = snapshot()

    with pytest.raises(ActivationRefused) as error:
        activation.account_activate(service_number="NP-00123", code=old, password=PASSWORD)

    assert refusal(error.value) == {"code": [VOIDED]}
    assert snapshot() == before


@pytest.mark.django_db
def test_code_of_another_officer_is_refused_like_an_unknown_one(officer, tree, people):
    code = activation.activation_code_issue(officer=officer, actor=people.trainer_north)
    other = tree.north_officers[1]
    before = snapshot()

    with pytest.raises(ActivationRefused) as wrong_officer:
        activation.account_activate(service_number=other.service_number, code=code, password=PASSWORD)
    with pytest.raises(ActivationRefused) as unknown_number:
        activation.account_activate(service_number="NP-99999", code=code, password=PASSWORD)
    body = "7KQ3XM9P2D"
    with pytest.raises(ActivationRefused) as unknown_code:
        activation.account_activate(
            service_number="NP-00123", code=body + activation.check_character(body), password=PASSWORD
        )

    assert refusal(wrong_officer.value) == {NON_FIELD_ERRORS: [MISMATCH]}
    assert refusal(unknown_number.value) == refusal(wrong_officer.value)
    assert refusal(unknown_code.value) == refusal(wrong_officer.value)
    assert snapshot() == before


@pytest.mark.django_db
def test_mistyped_code_is_a_plain_validation_error(officer, people):
    code = activation.activation_code_issue(officer=officer, actor=people.trainer_north)
    typo = code[:-1] + ("2" if code[-1] != "2" else "3")
    before = snapshot()

    with pytest.raises(ValidationError) as error:
        activation.account_activate(service_number="NP-00123", code=typo, password=PASSWORD)

    assert not isinstance(error.value, ActivationRefused)
    assert refusal(error.value) == {"code": [MALFORMED]}
    assert snapshot() == before


@pytest.mark.django_db
def test_weak_password_is_refused_and_the_code_still_works(officer, people):
    code = activation.activation_code_issue(officer=officer, actor=people.trainer_north)
    before = snapshot()

    with pytest.raises(ValidationError) as error:
        activation.account_activate(service_number="NP-00123", code=code, password="12345678")

    assert not isinstance(error.value, ActivationRefused)
    assert refusal(error.value) == {
        "password": [
            "This password is too short. It must contain at least 12 characters.",
            "This password is too common.",
            "This password is entirely numeric.",
        ]
    }
    assert snapshot() == before
    assert activation.account_activate(service_number="NP-00123", code=code, password=PASSWORD).username == "np-00123"


@pytest.mark.django_db
def test_password_like_the_service_number_is_refused(officer, people):
    code = activation.activation_code_issue(officer=officer, actor=people.trainer_north)

    with pytest.raises(ValidationError) as error:
        activation.account_activate(service_number="NP-00123", code=code, password="np-00123-kora")

    assert refusal(error.value) == {"password": ["The password is too similar to the username."]}


@pytest.mark.django_db
def test_officer_who_left_cannot_activate(officer, people):
    code = activation.activation_code_issue(officer=officer, actor=people.trainer_north)
    Officer.objects.filter(pk=officer.pk).update(is_active=False)
    before = snapshot()

    with pytest.raises(ActivationRefused) as error:
        activation.account_activate(service_number="NP-00123", code=code, password=PASSWORD)

    assert refusal(error.value) == {NON_FIELD_ERRORS: [MISMATCH]}
    assert snapshot() == before


@pytest.mark.django_db
def test_disabled_account_is_not_reopened_by_a_code(tree, people):
    officer = people.trainee.officer
    code = activation.activation_code_issue(officer=officer, actor=people.trainer_north)
    User.objects.filter(pk=people.trainee.pk).update(is_active=False)
    before = snapshot()

    with pytest.raises(ActivationRefused) as error:
        activation.account_activate(service_number=officer.service_number, code=code, password=PASSWORD)

    assert refusal(error.value) == {
        NON_FIELD_ERRORS: ["This account has been disabled. Ask your trainer or an administrator."]
    }
    assert snapshot() == before


# The page -------------------------------------------------------------------------------


def _form(service_number: str, code: str, password: str = PASSWORD, confirm: str | None = None) -> dict:
    return {
        "service_number": service_number,
        "code": code,
        "password": password,
        "password_confirm": confirm or password,
    }


@pytest.mark.django_db
def test_activation_page_is_open_to_anyone(client):
    response = client.get("/accounts/activate/")

    assert response.status_code == 200
    body = response.content.decode()
    for field in ("service_number", "code", "password", "password_confirm"):
        assert f'<label for="id_{field}">' in body


@pytest.mark.django_db
def test_activation_page_signs_in_and_goes_home(client, officer, people):
    code = activation.activation_code_issue(officer=officer, actor=people.trainer_north)

    response = client.post("/accounts/activate/", _form("NP-00123", code), follow=True)

    assert response.redirect_chain == [("/", 302)]
    assert response.context["user"].username == "np-00123"
    assert [str(m) for m in response.context["messages"]] == ["Your account is ready. Your user name is np-00123."]


@pytest.mark.django_db
def test_activation_page_shows_one_message_for_unknown_officer_and_wrong_code(client, officer, tree, people):
    code = activation.activation_code_issue(officer=officer, actor=people.trainer_north)
    before = snapshot()

    unknown = client.post("/accounts/activate/", _form("NP-99999", code))
    wrong = client.post("/accounts/activate/", _form(tree.north_officers[1].service_number, code))

    assert unknown.status_code == wrong.status_code == 200
    assert unknown.context["form"].non_field_errors() == [MISMATCH]
    assert wrong.context["form"].non_field_errors() == [MISMATCH]
    assert snapshot() == before


@pytest.mark.django_db
def test_activation_page_requires_matching_passwords(client, officer, people):
    code = activation.activation_code_issue(officer=officer, actor=people.trainer_north)
    before = snapshot()

    response = client.post("/accounts/activate/", _form("NP-00123", code, confirm="Something-Else-99"))

    assert response.context["form"].errors == {"password_confirm": ["The two passwords do not match."]}
    assert snapshot() == before


@pytest.mark.django_db
def test_activation_page_locks_out_after_the_failure_limit(client, officer, people):
    code = activation.activation_code_issue(officer=officer, actor=people.trainer_north)
    body = "7KQ3XM9P2D"
    guess = body + activation.check_character(body)
    for _attempt in range(settings.LOGIN_FAILURE_LIMIT):
        client.post("/accounts/activate/", _form("NP-00123", guess))
    before = snapshot()

    response = client.post("/accounts/activate/", _form("NP-00123", code))

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [LOCKED_PAGE]
    assert snapshot() == before
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_activation_page_lockout_counts_one_number_however_typed(client, officer, people):
    code = activation.activation_code_issue(officer=officer, actor=people.trainer_north)
    body = "7KQ3XM9P2D"
    guess = body + activation.check_character(body)
    typings = ["\u200eNP-00123", "np-00123\u200f", "\u2067Np-00123\u2069", " NP-00123\u202c", "\u202dnp-00123"]
    for attempt in range(settings.LOGIN_FAILURE_LIMIT):  # each from its own address
        typed = typings[attempt % len(typings)]
        client.post("/accounts/activate/", _form(typed, guess), REMOTE_ADDR=f"192.0.2.{attempt + 1}")
    before = snapshot()

    response = client.post("/accounts/activate/", _form("NP-00123", code), REMOTE_ADDR="198.51.100.1")

    assert response.context["form"].non_field_errors() == [LOCKED_PAGE]
    assert snapshot() == before
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_activation_page_lockout_is_per_address_too(client, officer, tree, people):
    body = "7KQ3XM9P2D"
    guess = body + activation.check_character(body)
    for number in range(settings.LOGIN_FAILURE_LIMIT):
        client.post("/accounts/activate/", _form(f"NP-9{number:04d}", guess))
    code = activation.activation_code_issue(officer=officer, actor=people.trainer_north)

    response = client.post("/accounts/activate/", _form("NP-00123", code))

    assert response.context["form"].non_field_errors() == [LOCKED_PAGE]
    assert ActivationCode.objects.get(officer=officer).used_at is None


# The API --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_activation_answers_a_working_token(api_client, officer, people):
    code = activation.activation_code_issue(officer=officer, actor=people.trainer_north)

    response = api_client.post(
        "/api/v1/auth/activate/", {"service_number": "NP-00123", "code": code, "password": PASSWORD}
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")

    assert response.status_code == 200
    assert list(response.json()) == ["token"]
    assert api_client.get("/api/v1/me/").json()["username"] == "np-00123"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("wrong_officer", {"non_field_errors": [MISMATCH]}),
        ("weak_password", {"password": ["This password is too short. It must contain at least 12 characters."]}),
        ("missing", {"service_number": ["This field is required."], "password": ["This field is required."]}),
    ],
)
def test_api_activation_refusals_are_field_errors(api_client, officer, tree, people, case, expected):
    code = activation.activation_code_issue(officer=officer, actor=people.trainer_north)
    payload = {
        "wrong_officer": {"service_number": tree.north_officers[1].service_number, "code": code, "password": PASSWORD},
        "weak_password": {"service_number": "NP-00123", "code": code, "password": "Ab1-x"},
        "missing": {"code": code},
    }[case]
    before = snapshot()

    response = api_client.post("/api/v1/auth/activate/", payload)

    assert response.status_code == 400
    assert response.json() == expected
    assert snapshot() == before


@pytest.mark.django_db
def test_api_activation_is_throttled_after_the_failure_limit(api_client, officer, people):
    code = activation.activation_code_issue(officer=officer, actor=people.trainer_north)
    body = "7KQ3XM9P2D"
    guess = {"service_number": "NP-00123", "code": body + activation.check_character(body), "password": PASSWORD}
    statuses = [
        api_client.post("/api/v1/auth/activate/", guess).status_code for _ in range(settings.LOGIN_FAILURE_LIMIT)
    ]
    before = snapshot()

    response = api_client.post(
        "/api/v1/auth/activate/", {"service_number": "NP-00123", "code": code, "password": PASSWORD}
    )

    assert statuses == [400] * settings.LOGIN_FAILURE_LIMIT
    assert response.status_code == 429
    assert response.json() == {"detail": "Too many failed attempts. Try again later."}
    assert snapshot() == before


ISSUE_ROLES = {
    "anonymous": 401,
    "trainee": 403,
    "leader": 403,
    "trainer_south": 404,
    "trainer_north": 201,
    "admin": 201,
}


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "expected"), ISSUE_ROLES.items())
def test_api_issue_code_by_role(api_client, officer, people, role, expected):
    if role != "anonymous":
        api_client.force_authenticate(getattr(people, role))
    before = snapshot()

    response = api_client.post(f"/api/v1/officers/{officer.pk}/activation-code/")

    assert response.status_code == expected
    if expected == 201:
        body = response.json()
        stored = ActivationCode.objects.get(officer=officer)
        assert list(body) == ["code", "expires_at"]
        assert CODE_PATTERN.match(body["code"])
        assert stored.code_hash == activation.code_hash(activation.code_normalise(body["code"]))
        assert body["expires_at"] == stored.expires_at.isoformat().replace("+00:00", "Z")
    else:
        assert snapshot() == before


@pytest.mark.django_db
def test_api_issue_code_for_an_officer_who_left_is_a_400(api_client, officer, people):
    Officer.objects.filter(pk=officer.pk).update(is_active=False)
    api_client.force_authenticate(people.trainer_north)

    response = api_client.post(f"/api/v1/officers/{officer.pk}/activation-code/")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["This officer has left the service; no code can be issued."]}
    assert ActivationCode.objects.count() == 0


# The officer page -----------------------------------------------------------------------

PAGE_ROLES = {"anonymous": 302, "trainee": 403, "trainer_south": 404, "trainer_north": 200, "leader": 200, "admin": 200}


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "expected"), PAGE_ROLES.items())
def test_officer_page_by_role(client, officer, people, role, expected):
    if role != "anonymous":
        client.force_login(getattr(people, role))

    response = client.get(f"/officers/{officer.pk}/")

    assert response.status_code == expected


@pytest.mark.django_db
def test_officer_page_shows_facts_transfers_and_the_issue_button_to_trainers(client, officer, tree, people):
    officer_transfer(officer=officer, to_unit=tree.south_station, actor=people.admin, note="Posted south")
    officer_transfer(officer=officer, to_unit=tree.north_station, actor=people.admin)
    client.force_login(people.trainer_north)

    body = client.get(f"/officers/{officer.pk}/").content.decode()

    assert "Aïcha Kaboré" in body
    assert "NP-00123" in body
    assert "Posted south" in body
    assert body.count("Talu Central Station") == 2
    assert "Issue a new activation code" in body


@pytest.mark.django_db
def test_officer_page_has_no_issue_button_for_a_leader(client, officer, people):
    client.force_login(people.leader)

    body = client.get(f"/officers/{officer.pk}/").content.decode()

    assert "Issue a new activation code" not in body


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "expected"), [("trainee", 403), ("leader", 403), ("trainer_south", 404)])
def test_issuing_from_the_page_is_refused_outside_training_scope(client, officer, people, role, expected):
    client.force_login(getattr(people, role))

    response = client.post(f"/officers/{officer.pk}/activation-code/")

    assert response.status_code == expected
    assert ActivationCode.objects.count() == 0


@pytest.mark.django_db
def test_issuing_from_the_page_shows_the_code_once_and_offers_its_slip(client, officer, people):
    client.force_login(people.trainer_north)

    issued = client.post(f"/officers/{officer.pk}/activation-code/")
    code = issued.context["new_code"]
    slip = client.post(f"/officers/{officer.pk}/activation-slip/", {"code": code})
    later = client.get(f"/officers/{officer.pk}/")

    assert issued.status_code == 200
    assert CODE_PATTERN.match(code)
    assert code in issued.content.decode()
    assert "no-store" in issued["Cache-Control"]
    assert slip.status_code == 200
    assert slip["Content-Type"] == "application/pdf"
    assert slip["Content-Disposition"] == 'attachment; filename="activation-slip-np-00123.pdf"'
    assert code not in later.content.decode()


@pytest.mark.django_db
def test_slip_for_a_code_that_is_not_current_is_refused(client, officer, people):
    client.force_login(people.trainer_north)
    old = client.post(f"/officers/{officer.pk}/activation-code/").context["new_code"]
    client.post(f"/officers/{officer.pk}/activation-code/")

    response = client.post(f"/officers/{officer.pk}/activation-slip/", {"code": old}, follow=True)

    assert response.redirect_chain == [(f"/officers/{officer.pk}/", 302)]
    assert [str(m) for m in response.context["messages"]] == ["That code is no longer valid. Issue a new one."]


# The purge ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_purge_deletes_codes_spent_or_dead_for_ninety_days(officer, people):
    now = timezone.now()
    old, recent = now - timedelta(days=91), now - timedelta(days=89)

    def code(**fields):
        return ActivationCode.objects.create(
            officer=officer, code_hash=activation.code_hash(activation.code_new()), **{"expires_at": now, **fields}
        )

    gone = [code(used_at=old), code(voided_at=old), code(expires_at=old)]
    kept = [code(used_at=recent), code(voided_at=recent), code(expires_at=recent), code(expires_at=now + timedelta(1))]

    first = tasks.purge_activation_codes()
    second = tasks.purge_activation_codes()

    assert (first, second) == (3, 0)
    assert sorted(ActivationCode.objects.values_list("pk", flat=True)) == sorted(c.pk for c in kept)
    assert not ActivationCode.objects.filter(pk__in=[c.pk for c in gone]).exists()


def test_purge_task_has_the_name_the_beat_schedule_uses():
    assert tasks.purge_activation_codes.name == settings.CELERY_BEAT_SCHEDULE["activation-codes-purge"]["task"]
