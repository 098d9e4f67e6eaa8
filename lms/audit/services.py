from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models

from lms.audit.models import AuditEntry


@dataclass(frozen=True)
class Change:
    """One audited change to one object; ``before``/``after`` hold only the fields that changed."""

    target: models.Model
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def audit_record_many(*, actor, action: str, changes: Iterable[Change], reason: str = "") -> int:
    entries = [
        AuditEntry(
            actor=actor if actor is not None and actor.is_authenticated else None,
            action=action,
            target_type=change.target._meta.label_lower,
            target_id=str(change.target.pk),
            target_label=str(change.target)[:255],
            before=change.before,
            after=change.after,
            reason=reason,
        )
        for change in changes
    ]
    AuditEntry.objects.bulk_create(entries, batch_size=1000)
    return len(entries)


def audit_record(*, actor, action: str, target: models.Model, before=None, after=None, reason: str = "") -> None:
    audit_record_many(actor=actor, action=action, changes=[Change(target, before, after)], reason=reason)
