"""Exceptions for one officer at one assessment (allowances): extra attempts, extra minutes
per attempt or a later closing time."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assessments.models import Allowance, Assessment
from assessments.permissions import conflict_check
from assessments.services._common import _trainer_check
from lms.audit.services import audit_record
from organisations.models import Officer, User

# Exceptions -------------------------------------------------------------------------------


def allowance_grant(
    *,
    assessment: Assessment,
    officer: Officer,
    actor: User,
    reason: str,
    extra_attempts: int = 0,
    extra_minutes: int = 0,
    closes_at: datetime.datetime | None = None,
) -> Allowance:
    """Grant one officer extra attempts, extra minutes per attempt or a later closing time.

    Preconditions: the officer is not the actor (``ConflictOfInterest``, audited); a
    trainer whose scope covers the officer, or an admin (``PermissionDenied``); a reason and
    at least one exception (``ValidationError``). Audited.
    """
    conflict_check(actor=actor, officer_ids=[officer.pk], action="allowance", target=assessment)
    return _allowance_grant(
        assessment=assessment,
        officer=officer,
        actor=actor,
        reason=reason,
        extra_attempts=extra_attempts,
        extra_minutes=extra_minutes,
        closes_at=closes_at,
    )


@transaction.atomic
def _allowance_grant(
    *,
    assessment: Assessment,
    officer: Officer,
    actor: User,
    reason: str,
    extra_attempts: int,
    extra_minutes: int,
    closes_at: datetime.datetime | None,
) -> Allowance:
    _trainer_check(actor=actor, officer=officer)
    errors: dict[str, list[str]] = {}
    if not str(reason).strip():
        errors["reason"] = [_("Give the reason for the exception.")]
    if not (extra_attempts or extra_minutes or closes_at):
        errors["extra_attempts"] = [_("Grant extra attempts, extra minutes or a later closing time.")]
    if errors:
        raise ValidationError(errors)
    allowance = Allowance.objects.create(
        assessment=assessment,
        officer=officer,
        extra_attempts=extra_attempts,
        extra_minutes=extra_minutes,
        closes_at=closes_at,
        reason=str(reason).strip(),
        granted_by=actor,
    )
    audit_record(
        actor=actor,
        action="assessment.allowance",
        target=allowance,
        after={
            "officer": officer.pk,
            "extra_attempts": extra_attempts,
            "extra_minutes": extra_minutes,
            "closes_at": closes_at.isoformat() if closes_at else None,
        },
        reason=str(reason).strip(),
    )
    return allowance
