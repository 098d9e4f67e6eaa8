"""Accounts without e-mail: one-time activation codes printed on slips.

A trainer issues a code for an officer (or for a whole unit at once); the officer types
their service number and the code at ``/accounts/activate/`` and chooses a password.
That creates their user account or, for an officer who forgot their password, resets it.

A code that would reset the password of an account with rights beyond a trainee's is
issued only by an admin, and used only if its issuer is still one
(``permissions.activation_code_refusal``): refused when issuing (403; a unit's slip run
leaves such officers out and the page names them) and again when the code is used. A
reset goes through ``passwords.user_password_set``: other sessions and API tokens end, the
owner is told, the audit trail records it.

The code is made to be read aloud over a radio and typed on a phone: ten characters of
Crockford's base-32 alphabet (no I, L, O or U, so nothing looks or sounds alike) and a
check character, printed as ``7KQ3-XM9P-2DC``. Typed input is forgiving: case, spaces
and dashes are ignored, O is read as 0 and I or L as 1. The check character (Luhn mod 32)
catches a wrong character and most swapped neighbours before the database is asked.

Ten random characters are 50 bits. Only a keyed hash (HMAC-SHA-256 with the project's
secret key) is stored, so a copy of the database alone does not let anyone try codes
offline; guessing online is throttled like signing in (scope ``activate``).

Lock order, for every function here that locks: the officer row, then the code rows.
"""

import hmac
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from lms.audit.services import Change, audit_record, audit_record_many
from organisations.identity import service_number_key
from organisations.models import ActivationCode, Officer, Role, Unit, User
from organisations.passwords import PasswordMethod, user_password_set
from organisations.permissions import activation_code_refusal, privileged_accounts_q
from organisations.selectors import scope_units, subtree_q, unit_in_scope, user_roles

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10
GROUPS = (4, 4, 3)
RETENTION = timedelta(days=90)
_TYPED_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_IGNORED = str.maketrans("", "", " -_.\t")
_HASH_SALT = "organisations.activation.code"

MISMATCH = _("The service number and the activation code do not match.")
CANNOT_RESET = _(
    "This code cannot reset this account: it has rights beyond a trainee's and the code was not issued by "
    "an administrator. Ask an administrator for a new code."
)


class ActivationRefused(ValidationError):
    """A refusal about the code or the officer it belongs to. Callers count it as a failed
    guess for throttling; other validation errors (a weak password) are not guesses."""


# Codes ------------------------------------------------------------------------------------


def check_character(body: str) -> str:
    """Luhn mod 32 over the alphabet: detects any single wrong character."""
    base = len(ALPHABET)
    total = 0
    for position, character in enumerate(reversed(body)):
        value = ALPHABET.index(character) * (2 if position % 2 == 0 else 1)
        total += value // base + value % base
    return ALPHABET[(base - total % base) % base]


def code_new() -> str:
    """A fresh code with its check character, ungrouped (11 characters)."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return body + check_character(body)


def code_display(code: str) -> str:
    """``7KQ3XM9P2DC`` -> ``7KQ3-XM9P-2DC``."""
    parts, start = [], 0
    for size in GROUPS:
        parts.append(code[start : start + size])
        start += size
    return "-".join(parts)


def code_normalise(typed: str) -> str | None:
    """The canonical code for what a person typed, or None when it cannot be a code."""
    cleaned = str(typed).upper().translate(_IGNORED).translate(_TYPED_ALIASES)
    if len(cleaned) != CODE_LENGTH + 1 or any(character not in ALPHABET for character in cleaned):
        return None
    body, check = cleaned[:CODE_LENGTH], cleaned[CODE_LENGTH]
    return cleaned if hmac.compare_digest(check, check_character(body)) else None


def code_hash(code: str) -> str:
    return salted_hmac(_HASH_SALT, code, algorithm="sha256").hexdigest()


# Reads ------------------------------------------------------------------------------------


def activation_officers(*, user: User) -> QuerySet[Officer]:
    """Officers the user may issue codes for: a trainer's training scope (admins: all)."""
    roots = scope_units(user, roles=(Role.TRAINER,))
    return Officer.objects.filter(subtree_q(roots, prefix="unit__")).select_related("unit", "service", "user")


def activation_units(*, user: User) -> QuerySet[Unit]:
    """Units the user may print slips for."""
    return Unit.objects.filter(subtree_q(scope_units(user, roles=(Role.TRAINER,)))).select_related("service")


def can_issue_codes(*, user: User, officer: Officer) -> bool:
    return unit_in_scope(user=user, unit=officer.unit, roles=(Role.TRAINER,))


def can_print_slips(*, user: User, unit: Unit) -> bool:
    return unit_in_scope(user=user, unit=unit, roles=(Role.TRAINER,))


def unit_activation_officers(*, unit: Unit, issuer: User | None, include_activated: bool = False) -> QuerySet[Officer]:
    """Active officers of the unit and every unit below it who would get a slip from
    ``issuer``: those without an account and, with ``include_activated``, those with one,
    except privileged accounts unless ``issuer`` is an admin (``unit_activation_skipped``)."""
    officers = Officer.objects.filter(unit__path__startswith=unit.path, is_active=True)
    if not include_activated:
        return officers.filter(user__isnull=True)
    if issuer is None or not user_roles(issuer).is_admin:
        officers = officers.exclude(privileged_accounts_q())
    return officers


def unit_activation_skipped(*, unit: Unit, issuer: User | None) -> QuerySet[Officer]:
    """Active officers of the unit's subtree whose accounts a slip run by ``issuer`` leaves
    out even with ``include_activated``: privileged ones, unless ``issuer`` is an admin."""
    if issuer is not None and user_roles(issuer).is_admin:
        return Officer.objects.none()
    return Officer.objects.filter(privileged_accounts_q(), unit__path__startswith=unit.path, is_active=True)


def code_expiries(*, officers: list[Officer]) -> dict[int, datetime]:
    """The expiry of each officer's usable code, by officer id (one query)."""
    return dict(
        ActivationCode.objects.filter(
            officer__in=officers, used_at__isnull=True, voided_at__isnull=True, expires_at__gt=timezone.now()
        ).values_list("officer_id", "expires_at")
    )


def code_is_current(*, officer: Officer, code: str) -> bool:
    """Whether ``code`` is the officer's usable code (to reprint a slip shown moments ago)."""
    normalised = code_normalise(code)
    return normalised is not None and any(
        activation.is_usable
        for activation in ActivationCode.objects.filter(officer=officer, code_hash=code_hash(normalised))
    )


# Writes -----------------------------------------------------------------------------------


@transaction.atomic
def activation_code_issue(*, officer: Officer, actor: User | None) -> str:
    """Issue a new code for one active officer, voiding their unused ones.

    Returns the code for display, once: only its hash is kept. Locks the officer row.
    Raises ``PermissionDenied`` (with the reason) when the code would reset an account
    that ``actor`` may not reset (``permissions.activation_code_refusal``).
    """
    locked = Officer.objects.select_for_update(of=("self",)).select_related("user").get(pk=officer.pk)
    if not locked.is_active:
        raise ValidationError(_("This officer has left the service; no code can be issued."), code="officer_left")
    refusal = activation_code_refusal(issuer=actor, officer=locked)
    if refusal:
        raise PermissionDenied(refusal)
    ((_officer, code),) = _codes_issue(officers=[locked], actor=actor)
    return code


@transaction.atomic
def activation_codes_issue_for_unit(
    *, unit: Unit, actor: User | None, include_activated: bool = False
) -> list[tuple[Officer, str]]:
    """Issue codes for every active officer of the unit's subtree (by default only those
    without an account; never privileged accounts unless ``actor`` is an admin: see
    ``unit_activation_officers``), voiding their unused ones. A fixed number of queries
    whatever the size of the unit. Locks the officer rows, in id order.

    Returns (officer, displayed code) pairs ordered by unit and name, as slips are handed out.
    """
    officers = list(
        unit_activation_officers(unit=unit, issuer=actor, include_activated=include_activated)
        .select_for_update(of=("self",))
        .select_related("unit")
        .order_by("pk")
    )
    issued = _codes_issue(officers=officers, actor=actor)
    return sorted(
        issued,
        key=lambda pair: (pair[0].unit.path, pair[0].family_name, pair[0].given_name, pair[0].service_number),
    )


def _codes_issue(*, officers: list[Officer], actor: User | None) -> list[tuple[Officer, str]]:
    if not officers:
        return []
    now = timezone.now()
    expires_at = now + settings.ACTIVATION_CODE_TTL
    ActivationCode.objects.filter(
        officer__in=officers, used_at__isnull=True, voided_at__isnull=True, expires_at__gt=now
    ).update(voided_at=now)
    codes = [code_new() for _officer in officers]
    ActivationCode.objects.bulk_create(
        [
            ActivationCode(
                officer=officer, code_hash=code_hash(code), issued_by=actor, issued_at=now, expires_at=expires_at
            )
            for officer, code in zip(officers, codes, strict=True)
        ],
        batch_size=500,
    )
    audit_record_many(
        actor=actor,
        action="activation_code.issued",
        changes=[Change(officer, None, {"expires_at": expires_at.isoformat()}) for officer in officers],
    )
    return [(officer, code_display(code)) for officer, code in zip(officers, codes, strict=True)]


@transaction.atomic
def account_activate(*, service_number: str, code: str, password: str) -> User:
    """Set the password of the officer a code was issued to, creating their account
    (user name: the service number in lower case) if they have none.

    ``service_number`` matches as ``organisations.identity`` says: case, surrounding
    spaces and direction marks do not count.

    Raises ``ActivationRefused`` for an unknown code, a code of another officer (one
    message for both, so nothing tells whether a service number exists), or a code that
    is used, voided or expired; ``ValidationError`` for a mistyped code, a password the
    validators reject, or an account the code's issuer may not reset
    (``permissions.activation_code_refusal``, asked again now). Nothing changes unless
    everything passes. A reset (the officer had an account) goes through
    ``passwords.user_password_set``.

    Locks the officer, then the code (the order issuing uses).
    """
    normalised = code_normalise(code)
    if normalised is None:
        message = _("This is not a valid activation code: check it against your slip.")
        raise ValidationError({"code": ValidationError(message, code="malformed")})
    found = ActivationCode.objects.filter(code_hash=code_hash(normalised)).values_list("pk", "officer_id").first()
    if found is None:
        raise _refused(NON_FIELD_ERRORS, MISMATCH, "mismatch")
    activation_id, officer_id = found
    officer = Officer.objects.select_for_update(of=("self",)).select_related("user").get(pk=officer_id)
    activation = ActivationCode.objects.select_for_update().get(pk=activation_id)
    if not officer.is_active or service_number_key(officer.service_number) != service_number_key(str(service_number)):
        raise _refused(NON_FIELD_ERRORS, MISMATCH, "mismatch")
    _check_usable(activation)
    user = officer.user
    if user is not None and not user.is_active:
        message = _("This account has been disabled. Ask your trainer or an administrator.")
        raise _refused(NON_FIELD_ERRORS, message, "disabled")
    if activation_code_refusal(issuer=activation.issued_by, officer=officer):
        raise ValidationError({NON_FIELD_ERRORS: ValidationError(CANNOT_RESET, code="privileged")})
    username = officer.service_number.strip().lower()
    if user is None and User.objects.filter(username=username).exists():
        message = _("The user name %(username)s is taken. Ask an administrator.")
        raise ValidationError(
            {NON_FIELD_ERRORS: ValidationError(message, code="username_taken", params={"username": username})}
        )
    candidate = user or User(
        username=username, first_name=officer.given_name, last_name=officer.family_name, email=officer.email
    )
    try:
        validate_password(password, user=candidate)
    except ValidationError as error:
        raise ValidationError({"password": error.error_list}) from error

    if user is None:
        user = User.objects.create_user(
            username=username,
            password=password,
            first_name=officer.given_name[:150],
            last_name=officer.family_name[:150],
            email=officer.email,
        )
        officer.user = user
        officer.save(update_fields=["user", "updated_at"])
        audit_record(
            actor=user,
            action="account.activated",
            target=officer,
            after={"user": user.pk, "activation_code": activation.pk},
        )
    else:
        user_password_set(
            user=user,
            password=password,
            method=PasswordMethod.ACTIVATION_CODE,
            actor=user,
            audit={"officer": officer.pk, "activation_code": activation.pk},
        )
    activation.used_at = timezone.now()
    activation.save(update_fields=["used_at"])
    return user


def _check_usable(activation: ActivationCode) -> None:
    if activation.used_at is not None:
        message = _("This activation code has already been used. Ask your trainer for a new one.")
        raise _refused("code", message, "used")
    if activation.voided_at is not None:
        message = _("This activation code was replaced by a newer one. Use the newest slip, or ask your trainer.")
        raise _refused("code", message, "voided")
    if activation.expires_at <= timezone.now():
        message = _("This activation code has expired. Ask your trainer for a new one.")
        raise _refused("code", message, "expired")


def _refused(field: str, message: "StrOrPromise", code: str) -> ActivationRefused:
    return ActivationRefused({field: ValidationError(message, code=code)})


def activation_codes_purge(*, now: datetime | None = None) -> int:
    """Delete codes used, voided or expired more than ``RETENTION`` ago; the audit trail
    keeps who issued and used them. Idempotent. Returns how many were deleted."""
    cutoff = (now or timezone.now()) - RETENTION
    deleted, _by_model = ActivationCode.objects.filter(
        Q(used_at__lt=cutoff) | Q(voided_at__lt=cutoff) | Q(expires_at__lt=cutoff)
    ).delete()
    return deleted
