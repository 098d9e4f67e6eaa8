"""Names of the records the trail points at, read in a fixed number of queries.

An entry stores its target as ``app_label.model_name`` and a primary key (and the label
the object had when the entry was written). The page shows each target by its name as it
is now: the ids of a page are grouped by kind and each kind is read in one query, through
the app registry, so ``lms.audit`` imports no domain app.

A model names itself with ``__str__``, or, when that is written for developers (ids),
with an ``audit_label()`` method; its class may list ``audit_select_related`` for the
relations that name needs. Without that list, the model's forward foreign keys are joined
(one level), so a ``__str__`` that reads its parent costs no query per row.
"""

from collections import defaultdict
from collections.abc import Iterable

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models

from lms.audit.models import AuditEntry

TargetKey = tuple[str, str]  # (target_type, target_id)


def target_names(entries: Iterable[AuditEntry]) -> dict[TargetKey, str]:
    """The current name of every target of ``entries`` that still exists, one query per kind."""
    ids_by_type: dict[str, set[str]] = defaultdict(set)
    for entry in entries:
        ids_by_type[entry.target_type].add(entry.target_id)
    names: dict[TargetKey, str] = {}
    for target_type, ids in ids_by_type.items():
        model = _model(target_type)
        if model is None:
            continue
        keys = _valid_keys(model, ids)
        if not keys:
            continue
        for target in _with_relations(model).filter(pk__in=keys):
            names[(target_type, str(target.pk))] = object_name(target)
    return names


def object_name(target: models.Model) -> str:
    label = getattr(target, "audit_label", None)
    return str(label() if callable(label) else target)


def _model(target_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(target_type)
    except (LookupError, ValueError):
        return None  # a model that no longer exists: the stored label is all there is


def _valid_keys(model: type[models.Model], ids: set[str]) -> list[object]:
    keys = []
    for value in ids:
        try:
            keys.append(model._meta.pk.to_python(value))
        except ValidationError:
            continue
    return keys


def _with_relations(model: type[models.Model]) -> models.QuerySet:
    relations = getattr(model, "audit_select_related", None)
    if relations is None:
        relations = [
            field.name
            for field in model._meta.concrete_fields
            if field.is_relation and (field.many_to_one or field.one_to_one)
        ]
    return model._default_manager.select_related(*relations)
