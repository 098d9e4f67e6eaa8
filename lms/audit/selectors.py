"""Reads of the audit trail for the admins' page: filtered entries and their changes."""

import datetime
import json
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from lms.audit.models import AuditEntry


@dataclass(frozen=True)
class FieldChange:
    """One field of an entry: its value before and after, as text (None when absent)."""

    field: str
    before: str | None
    after: str | None

    @property
    def is_unchanged(self) -> bool:
        """Recorded on both sides with one value: services that record every field of an
        object (a readiness requirement) mark which ones the change left as they were."""
        return self.before is not None and self.before == self.after


def audit_entry_list(
    *,
    action: str = "",
    actor: str = "",
    target_type: str = "",
    target: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet:
    """Entries newest first, each with its actor; ``actor`` is a user name, ``target``
    an object's id or part of its label; ``date_from`` and ``date_to`` are days in the
    site's time zone, both included."""
    entries = AuditEntry.objects.select_related("actor").order_by("-created_at", "-id")
    if action:
        entries = entries.filter(action=action)
    if actor:
        entries = entries.filter(actor__username__iexact=actor)
    if target_type:
        entries = entries.filter(target_type=target_type)
    if target:
        entries = entries.filter(Q(target_id=target) | Q(target_label__icontains=target))
    if date_from:
        entries = entries.filter(created_at__gte=_start_of(date_from))
    if date_to:
        entries = entries.filter(created_at__lt=_start_of(date_to + datetime.timedelta(days=1)))
    return entries


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def audit_actions() -> list[str]:
    return list(AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct())


def audit_target_types() -> list[tuple[str, str]]:
    """``(label, name)`` of every kind of object in the trail, by name."""
    labels = AuditEntry.objects.order_by("target_type").values_list("target_type", flat=True).distinct()
    return sorted(((label, target_type_name(label)) for label in labels), key=lambda pair: pair[1].lower())


def target_type_name(label: str) -> str:
    """The model's verbose name for an ``app_label.model_name`` (the label itself for a
    model that no longer exists): read from the app registry, so lms imports no domain app."""
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label


def _as_fields(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    return {gettext("value"): value}


def _as_text(value: Any) -> str:
    if value is None:
        return gettext("(none)")
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(not isinstance(item, (dict, list)) for item in value):
        return ", ".join(_as_text(item) for item in value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def entry_changes(entry: AuditEntry) -> list[FieldChange]:
    """The fields an entry recorded, in name order, with the value on each side; a side
    that did not record the field (a creation, a deletion) is None."""
    before, after = _as_fields(entry.before), _as_fields(entry.after)
    return [
        FieldChange(
            field=field,
            before=_as_text(before[field]) if field in before else None,
            after=_as_text(after[field]) if field in after else None,
        )
        for field in sorted(before.keys() | after.keys())
    ]
