"""Setting a password, whichever door it comes through, and what follows from it.

A password is set by activation (a slip's code, ``organisations.activation``), by its
owner on the account page (with the current password), by the link of a reset e-mail and
by an administrator in the Django admin. Each door validates the password against
``AUTH_PASSWORD_VALIDATORS`` (12 characters or more, not a common password, not like the
user's name) and then calls ``user_password_set``, which:

- ends every other sign-in: the password hash changes, and Django ends a session whose
  stored hash no longer matches at its next request (the door that set the password keeps
  its own session with ``update_session_auth_hash``, or signs in anew);
- revokes every API token of the account (``organisations.tokens``);
- records it in the audit trail;
- tells the owner when the account had a usable password before (a change or a reset,
  not a first activation): a notification, which ``lms.notifications`` also e-mails to
  people with an address.
"""

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.db import models, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from lms.audit.services import audit_record
from lms.events.models import Event
from lms.notifications.services import notifications_send
from organisations import tokens
from organisations.events import PASSWORD_RESET_REQUESTED
from organisations.models import User

NOTIFICATION_KIND = "account.password"


class PasswordMethod(models.TextChoices):
    """How a password was set: the audit action and the owner's notification follow from it."""

    ACTIVATION_CODE = "activation_code", _("activation code")
    EMAIL = "email", _("reset e-mail")
    CHANGE = "change", _("change by its owner")
    ADMIN = "admin", _("set by an administrator")


AUDIT_ACTIONS = {
    PasswordMethod.ACTIVATION_CODE: "account.password_reset",
    PasswordMethod.EMAIL: "account.password_reset",
    PasswordMethod.CHANGE: "account.password_changed",
    PasswordMethod.ADMIN: "account.password_changed",
}
MESSAGES = {
    PasswordMethod.ACTIVATION_CODE: _(
        "Your password was reset with an activation code. Every other sign-in and every API token of your "
        "account has been ended. If this was not you, tell your trainer or an administrator at once."
    ),
    PasswordMethod.EMAIL: _(
        "Your password was reset with the link sent to your e-mail address. Every other sign-in and every API "
        "token of your account has been ended. If this was not you, tell an administrator at once."
    ),
    PasswordMethod.CHANGE: _(
        "Your password was changed. Every other sign-in and every API token of your account has been ended. "
        "If this was not you, tell an administrator at once."
    ),
    PasswordMethod.ADMIN: _(
        "An administrator set a new password for your account. Every other sign-in and every API token of "
        "your account has been ended. If you did not ask for this, tell an administrator."
    ),
}


@transaction.atomic
def user_password_set(
    *, user: User, password: str | None, method: PasswordMethod, actor: User | None, audit: dict | None = None
) -> None:
    """Set ``password`` (None: no usable password, as the Django admin can) on ``user``, who
    exists. The caller has validated it for this user (``validate_password``).

    Ends the account's other sessions and API tokens, audits (with ``audit`` added to the
    entry) and, when the account had a usable password, notifies its owner, all in one
    transaction.
    """
    had_password = user.has_usable_password()
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save(update_fields=["password"])
    revoked = tokens.api_tokens_revoke_all(user=user)
    audit_record(
        actor=actor,
        action=AUDIT_ACTIONS[method],
        target=user,
        after={"method": str(method), "usable": password is not None, "api_tokens_revoked": revoked, **(audit or {})},
    )
    if had_password:
        notifications_send(users=[user], kind=NOTIFICATION_KIND, message=MESSAGES[method], link=reverse("account"))


# Reset links by e-mail -------------------------------------------------------------------
# The page that asks for a link answers the same whatever was typed: it records one event
# for any address, known or not, and the outbox's worker finds the accounts and sends the
# mail after the request. Sending in the request would answer measurably later for a known
# address (an SMTP round trip), which would tell who has an account.

RESET_SUBJECT_TEMPLATE = "organisations/email/password_reset_subject.txt"
RESET_BODY_TEMPLATE = "organisations/email/password_reset_email.txt"


@transaction.atomic
def password_reset_request(*, email: str) -> None:
    """Ask for reset links for the accounts of ``email``, whoever they are (none: nothing is
    sent). The e-mail goes out after commit (``password_reset_mail_send``)."""
    PASSWORD_RESET_REQUESTED.record({"email": email})


class _ResetMail(PasswordResetForm):
    """Django's reset e-mail for one account (its ``save`` would mail every account of
    the address at once, in one language)."""

    def __init__(self, account: User):
        super().__init__(data={"email": account.email})
        self.account = account

    def get_users(self, email):
        return iter([self.account])


def password_reset_mail_send(event: Event) -> None:
    """Outbox handler of ``account.password_reset_requested``: e-mail a reset link to each
    active account with that address and a usable password (Django's rule), in its
    owner's language, pointing at ``PUBLIC_BASE_URL``. The link's token is made now, so it
    is valid for ``PASSWORD_RESET_TIMEOUT`` from the sending."""
    lookup = PasswordResetForm(data={"email": PASSWORD_RESET_REQUESTED.payload_of(event)["email"]})
    if not lookup.is_valid():
        return
    context = {"base_url": settings.PUBLIC_BASE_URL, "valid_minutes": settings.PASSWORD_RESET_TIMEOUT // 60}
    for account in lookup.get_users(lookup.cleaned_data["email"]):
        mail = _ResetMail(account)
        if not mail.is_valid():
            continue
        with translation.override(account.preferred_language or settings.LANGUAGE_CODE):
            mail.save(
                domain_override=settings.PUBLIC_BASE_URL,
                subject_template_name=RESET_SUBJECT_TEMPLATE,
                email_template_name=RESET_BODY_TEMPLATE,
                # Django's stub says dict[str, str]; the template's plural count needs the int.
                extra_email_context=context,  # type: ignore[arg-type]
            )
