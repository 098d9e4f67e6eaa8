"""API tokens: one per client that signs in, each revocable on its own.

``POST /api/v1/auth/token/`` issues a token for the client that signed in (named by the
client, or by its User-Agent); ``DELETE`` on the same address revokes the token presented.
People list and revoke their tokens on their account page (``/account/``) and through
``/api/v1/auth/tokens/``. A token expires ``API_TOKEN_TTL`` after it was issued, however
much it is used; a password change or reset revokes every token of the account
(``organisations.passwords``). Signing out of the web pages leaves tokens alone: they
belong to other clients.

The key is 40 URL-safe characters (240 random bits). Only its SHA-256 is stored, with its
first ``PREFIX_LENGTH`` characters to tell keys apart on the account page: a key this
random needs no salt or slow hash, and a copy of the table lets nobody in.

A client that keeps signing in without signing out would pile up tokens: a person holds
at most ``TOKENS_PER_USER`` live tokens, and a new one revokes the oldest beyond that.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from lms.audit.services import audit_record
from organisations.identity import text_clean
from organisations.models import ApiToken, User

KEY_BYTES = 30
PREFIX_LENGTH = 8
TOKENS_PER_USER = 20
# A token's ``last_used_at`` is written at most once per this interval, not once per request.
LAST_USED_PRECISION = timedelta(minutes=1)
NAME_MAX_LENGTH = ApiToken.NAME_MAX_LENGTH


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def name_clean(name: str) -> str:
    """A client's name as shown on the account page: printable characters, cut short."""
    printable = "".join(character for character in str(name) if character.isprintable())
    return text_clean(printable)[:NAME_MAX_LENGTH].strip()


# Reads ------------------------------------------------------------------------------------


def api_tokens_of(*, user: User) -> QuerySet[ApiToken]:
    """The user's tokens that still work, newest first."""
    return ApiToken.objects.filter(user=user, expires_at__gt=timezone.now()).order_by("-created_at", "-pk")


def api_token_for_key(key: str) -> ApiToken | None:
    """The token a key belongs to, with its user (expired or not: the caller says which), or None."""
    return ApiToken.objects.select_related("user").filter(key_hash=key_hash(key)).first()


def api_token_touch(*, token: ApiToken, now: datetime | None = None) -> None:
    """Record that the token was used, at most once per ``LAST_USED_PRECISION``."""
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


# Writes -----------------------------------------------------------------------------------


@transaction.atomic
def api_token_issue(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new token for one client of ``user``; returns it with its key, shown this once.

    Deletes the user's expired tokens, and the oldest live ones beyond ``TOKENS_PER_USER``
    (two sign-ins at the same moment may leave one more, until the next).
    """
    now = timezone.now()
    ApiToken.objects.filter(user=user, expires_at__lte=now).delete()
    surplus = list(api_tokens_of(user=user).values_list("pk", flat=True)[TOKENS_PER_USER - 1 :])
    if surplus:
        ApiToken.objects.filter(pk__in=surplus).delete()
    key = secrets.token_urlsafe(KEY_BYTES)
    token = ApiToken.objects.create(
        user=user,
        name=name_clean(name),
        key_hash=key_hash(key),
        prefix=key[:PREFIX_LENGTH],
        created_at=now,
        expires_at=now + settings.API_TOKEN_TTL,
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User | None) -> None:
    """Revoke one token (it answers 401 from now on), in the audit trail."""
    audit_record(
        actor=actor,
        action="api_token.revoked",
        target=token.user,
        before={"api_token": token.pk, "prefix": token.prefix, "name": token.name},
    )
    ApiToken.objects.filter(pk=token.pk).delete()


def api_tokens_revoke_all(*, user: User) -> int:
    """Revoke every token of the user; returns how many. The caller audits why."""
    deleted, _by_model = ApiToken.objects.filter(user=user).delete()
    return deleted


def api_tokens_purge(*, now: datetime | None = None) -> int:
    """Delete expired tokens (nightly). Idempotent. Returns how many were deleted."""
    deleted, _by_model = ApiToken.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
