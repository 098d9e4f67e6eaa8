"""Profiles, joint assessments and handover decisions (R3), as the management pages change them.

Who may: a requirement profile applies to every unit of its type in every service, so only
admins and leaders of a whole service (a leadership scope that includes a root unit)
change profiles. Joint assessments and handover decisions: admins and leaders whose
leadership scope covers the unit. Every change is audited with its before and after.

A profile change can touch any unit: it records ``readiness.profile_changed``, whose
handler runs a full reconciliation. A joint assessment or handover decision touches one
unit: it marks the unit dirty in the same transaction (so the periodic
``readiness.sync_dirty`` finds it whatever happens to the broker) and records
``readiness.unit_changed``, whose handler asks for the coalesced update after commit.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import DecimalField, Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.audit.services import audit_record
from organisations.models import Role, Unit, User
from organisations.selectors import scope_units, unit_in_scope
from readiness.events import PROFILE_CHANGED, UNIT_CHANGED
from readiness.models import (
    Competency,
    HandoverDecision,
    JointAssessment,
    Requirement,
    RequirementProfile,
    UnitReadiness,
)
from readiness.services.measurement import _PROFILE_FIELDS, is_assessed
from readiness.services.sync import units_mark_dirty

# Field name -> its errors, raised at once as one ``ValidationError``.
FieldErrors = dict[str, list[ValidationError]]

PROFILE_EDITABLE_FIELDS = ("name", *_PROFILE_FIELDS)
PROFILE_WEIGHT_FIELDS = ("training_weight", "vetting_weight", "women_weight", "assessment_weight")


def profiles_can_edit(*, user: User) -> bool:
    """Admins, and leaders whose leadership scope includes a root unit (a whole service)."""
    roots = scope_units(user, roles=(Role.LEADERSHIP,))
    return roots is None or any(root.parent_id is None for root in roots)


def readiness_can_manage(*, user: User, unit: Unit) -> bool:
    """Admins, and leaders whose leadership scope covers ``unit``."""
    return unit_in_scope(user=user, unit=unit, roles=(Role.LEADERSHIP,))


def _audit_value(value: object) -> object:
    """A field value as JSON for the audit trail: decimals as text, dates in ISO form."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _not_in_future(day: datetime.date | None, field: str, errors: FieldErrors) -> None:
    if day is not None and day > timezone.localdate():
        errors.setdefault(field, []).append(ValidationError(_("The date cannot be in the future."), code="future"))


def _full_clean(instance: Model, errors: FieldErrors, *, exclude: list[str] | None = None) -> None:
    """Model validation, its errors merged into ``errors`` (field name -> errors)."""
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        for name, messages in error.update_error_dict({}).items():
            errors.setdefault(name, []).extend(messages)


def _quantize_decimals(instance: Model) -> None:
    """Store decimals as the database gives them back ("2" becomes "2.00"), so that an
    unchanged value compares and audits as unchanged. After a successful ``full_clean``."""
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname)
        if isinstance(field, DecimalField) and isinstance(value, Decimal):
            setattr(instance, field.attname, value.quantize(Decimal(1).scaleb(-field.decimal_places)))


def _profile_changed(*, profile: RequirementProfile, actor: User) -> None:
    profile.updated_by = actor
    profile.save(update_fields=["updated_at", "updated_by"])
    PROFILE_CHANGED.record({"profile_id": profile.pk})


@transaction.atomic
def profile_create(*, unit_type: str, name: str, actor: User) -> RequirementProfile:
    """A profile for a unit type that has none yet, starting as a copy of the default one
    (its settings and requirements). ``ValidationError`` per field; ``PermissionDenied``
    unless ``profiles_can_edit``."""
    if not profiles_can_edit(user=actor):
        raise PermissionDenied
    errors: FieldErrors = {}
    if unit_type not in Unit.Type.values or not is_assessed(unit_type):
        errors["unit_type"] = [ValidationError(_("Choose a type of unit that is measured."), code="invalid")]
    elif RequirementProfile.objects.filter(unit_type=unit_type).exists():
        errors["unit_type"] = [ValidationError(_("This type of unit has a profile already."), code="unique")]
    default = RequirementProfile.objects.filter(unit_type="").prefetch_related("requirements").first()
    settings_of_default = {name: getattr(default, name) for name in PROFILE_EDITABLE_FIELDS} if default else {}
    profile = RequirementProfile(**(settings_of_default | {"name": name.strip(), "unit_type": unit_type}))
    _full_clean(profile, errors, exclude=["unit_type"])
    if errors:
        raise ValidationError(errors)
    profile.updated_by = actor
    profile.save()
    if default is not None:
        Requirement.objects.bulk_create(
            Requirement(
                profile=profile,
                competency_id=requirement.competency_id,
                population=requirement.population,
                position=requirement.position,
                target=requirement.target,
                is_gate=requirement.is_gate,
                weight=requirement.weight,
            )
            for requirement in default.requirements.all()
        )
    audit_record(
        actor=actor,
        action="readiness.profile_created",
        target=profile,
        after={"unit_type": unit_type, "name": profile.name, "copied_from": default.pk if default else None},
    )
    PROFILE_CHANGED.record({"profile_id": profile.pk})
    return profile


@transaction.atomic
def profile_update(*, profile: RequirementProfile, actor: User, **changes: object) -> RequirementProfile:
    """Change the given fields of ``PROFILE_EDITABLE_FIELDS``; returns the profile as saved.

    ``ValidationError`` per field when the result is invalid (shares outside 0-1, a unit
    progressing from above the index needed to be ready, the four weights all zero);
    nothing is written then. ``PermissionDenied`` unless ``profiles_can_edit``. A real
    change is audited and records ``readiness.profile_changed``; no change writes nothing.
    Locks the profile row."""
    unknown = set(changes) - set(PROFILE_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"profile_update() cannot change {sorted(unknown)}")
    if not profiles_can_edit(user=actor):
        raise PermissionDenied
    profile = RequirementProfile.objects.select_for_update().get(pk=profile.pk)
    before = {name: getattr(profile, name) for name in changes}
    for name, value in changes.items():
        setattr(profile, name, value.strip() if isinstance(value, str) else value)
    errors: FieldErrors = {}
    _full_clean(profile, errors)
    if not errors:
        if profile.progressing_from > profile.threshold:
            errors["progressing_from"] = [
                ValidationError(_("A unit cannot start progressing above the index it needs to be ready."))
            ]
        if not sum(getattr(profile, name) for name in PROFILE_WEIGHT_FIELDS) > 0:
            errors["training_weight"] = [ValidationError(_("The four weights cannot all be zero."), code="zero")]
    if errors:
        raise ValidationError(errors)
    _quantize_decimals(profile)
    changed = [name for name in changes if before[name] != getattr(profile, name)]
    if not changed:
        return profile
    profile.updated_by = actor
    profile.save(update_fields=[*changed, "updated_at", "updated_by"])
    audit_record(
        actor=actor,
        action="readiness.profile_updated",
        target=profile,
        before={name: _audit_value(before[name]) for name in changed},
        after={name: _audit_value(getattr(profile, name)) for name in changed},
    )
    PROFILE_CHANGED.record({"profile_id": profile.pk})
    return profile


_REQUIREMENT_FIELDS = ("population", "position", "target", "is_gate", "weight")


def _requirement_values(requirement: Requirement) -> dict[str, object]:
    return {name: _audit_value(getattr(requirement, name)) for name in _REQUIREMENT_FIELDS}


@transaction.atomic
def requirement_set(
    *,
    profile: RequirementProfile,
    competency: Competency | str,
    population: str,
    position: str,
    target: Decimal,
    is_gate: bool,
    weight: Decimal,
    actor: User,
) -> Requirement:
    """Add or change the profile's requirement for ``competency``; returns it as saved.

    ``ValidationError`` per field: a target outside 0-1, a negative weight, no position
    for a position's population, or the profile's weights all zero. The position is
    cleared for the other populations. ``PermissionDenied`` unless ``profiles_can_edit``.
    Audited on the profile; records ``readiness.profile_changed`` when something changed.
    Locks the profile row, so concurrent edits check the weights one after the other."""
    if not profiles_can_edit(user=actor):
        raise PermissionDenied
    profile = RequirementProfile.objects.select_for_update().get(pk=profile.pk)
    code = competency.pk if isinstance(competency, Competency) else competency
    requirement = Requirement.objects.filter(profile=profile, competency_id=code).first()
    before = _requirement_values(requirement) if requirement else None
    if requirement is None:
        requirement = Requirement(profile=profile, competency_id=code)
    requirement.population = population
    requirement.position = (position or "").strip() if population == Requirement.Population.POSITION else ""
    requirement.target, requirement.is_gate, requirement.weight = target, is_gate, weight
    errors: FieldErrors = {}
    if not Competency.objects.filter(pk=code).exists():
        errors["competency"] = [ValidationError(_("Choose a competency of the catalogue."), code="invalid")]
    else:
        _full_clean(requirement, errors)
    if population == Requirement.Population.POSITION and not requirement.position:
        errors.setdefault("position", []).append(
            ValidationError(_("Name the position this requirement applies to."), code="required")
        )
    if "weight" not in errors and requirement.weight is not None:
        others = profile.requirements.exclude(competency_id=code).values_list("weight", flat=True)
        if not sum(others, requirement.weight) > 0:
            errors["weight"] = [
                ValidationError(_("At least one requirement of the profile must carry weight."), code="zero")
            ]
    if errors:
        raise ValidationError(errors)
    _quantize_decimals(requirement)
    after = _requirement_values(requirement)
    if after == before:
        return requirement
    requirement.save()
    audit_record(
        actor=actor,
        action="readiness.requirement_set",
        target=profile,
        before=None if before is None else {"competency": code, **before},
        after={"competency": code, **after},
    )
    _profile_changed(profile=profile, actor=actor)
    return requirement


@transaction.atomic
def requirement_delete(*, requirement: Requirement, actor: User) -> None:
    """Remove a requirement from its profile; audited, records ``readiness.profile_changed``.

    ``ValidationError`` when the requirements left would all weigh zero;
    ``PermissionDenied`` unless ``profiles_can_edit``. Locks the profile row."""
    if not profiles_can_edit(user=actor):
        raise PermissionDenied
    profile = RequirementProfile.objects.select_for_update().get(pk=requirement.profile_id)
    current = Requirement.objects.filter(pk=requirement.pk).first()
    if current is None:
        return
    others = list(profile.requirements.exclude(pk=current.pk).values_list("weight", flat=True))
    if others and not sum(others) > 0:
        raise ValidationError(
            _("The requirements left would all weigh zero: give another one weight first."), code="zero"
        )
    before = {"competency": current.competency_id, **_requirement_values(current)}
    current.delete()
    audit_record(actor=actor, action="readiness.requirement_deleted", target=profile, before=before)
    _profile_changed(profile=profile, actor=actor)


def _unit_changed(*, unit: Unit) -> None:
    """The unit's readiness must be recomputed: a mark now, the update after commit."""
    units_mark_dirty(unit_ids=[unit.pk])
    UNIT_CHANGED.record({"unit_id": unit.pk})


@transaction.atomic
def joint_assessment_record(
    *,
    unit: Unit,
    assessed_on: datetime.date,
    logistics: int,
    command_stability: int,
    human_rights_compliance: int,
    community_acceptance: int,
    evidence: str,
    actor: User,
) -> JointAssessment:
    """Record a round of the joint assessment of a measured unit (not an area: areas are
    measured through their units). Ratings 0 not met, 1 partly met, 2 met; evidence
    notes are required; the date cannot be in the future. ``ValidationError`` per field,
    ``PermissionDenied`` unless ``readiness_can_manage``. Audited; the unit's index takes
    the newest round once the coalesced update has run."""
    if not readiness_can_manage(user=actor, unit=unit):
        raise PermissionDenied
    assessment = JointAssessment(
        unit=unit,
        assessed_on=assessed_on,
        logistics=logistics,
        command_stability=command_stability,
        human_rights_compliance=human_rights_compliance,
        community_acceptance=community_acceptance,
        evidence=(evidence or "").strip(),
        recorded_by=actor,
    )
    errors: FieldErrors = {}
    if not is_assessed(unit.unit_type):
        errors["unit"] = [ValidationError(_("An area is measured through its units: assess each unit."), code="rollup")]
    _full_clean(assessment, errors)
    _not_in_future(assessed_on, "assessed_on", errors)
    if errors:
        raise ValidationError(errors)
    assessment.save()
    audit_record(
        actor=actor,
        action="readiness.joint_assessment_recorded",
        target=assessment,
        after={
            "unit": unit.pk,
            "assessed_on": assessed_on.isoformat(),
            "logistics": logistics,
            "command_stability": command_stability,
            "human_rights_compliance": human_rights_compliance,
            "community_acceptance": community_acceptance,
            "evidence": assessment.evidence,
        },
    )
    _unit_changed(unit=unit)
    return assessment


def handover_blockers(*, unit: Unit) -> list[str]:
    """Why handing ``unit`` over goes against its figures: the keys of its failed gates
    (a competency code, "vetting", "women"), and "status" unless its stored status is
    "ready". Empty when a handover needs no override. Reads the stored row only."""
    readiness = UnitReadiness.objects.filter(unit=unit).first()
    if readiness is None:
        return ["status"]
    blockers = [str(gate["key"]) for gate in readiness.gates if not gate["met"]]
    if readiness.status != UnitReadiness.Status.READY:
        blockers.append("status")
    return blockers


def handover_can_approve(*, user: User, decision: HandoverDecision) -> bool:
    """A pending handover is approved by another person with leadership or admin over its unit."""
    return (
        decision.is_pending
        and decision.recorded_by_id != user.pk
        and readiness_can_manage(user=user, unit=decision.unit)
    )


def _decision_audit(record: HandoverDecision) -> dict[str, object]:
    return {
        "unit": record.unit_id,
        "decision": record.decision,
        "decided_on": record.decided_on.isoformat(),
        "notes": record.notes,
        "is_override": record.is_override,
        "override_reason": record.override_reason,
        "conditions": record.conditions,
        "review_on": _audit_value(record.review_on),
        "status": record.status,
    }


@transaction.atomic
def handover_decision_record(
    *,
    unit: Unit,
    decision: str,
    decided_on: datetime.date,
    notes: str,
    actor: User,
    is_override: bool = False,
    override_reason: str = "",
    conditions: str = "",
    review_on: datetime.date | None = None,
) -> HandoverDecision:
    """Record the joint decision to hand a unit or area over (plainly or with conditions),
    or to defer it; the date cannot be in the future.

    A handover against the unit's figures (``handover_blockers``: a failed gate, or a
    status other than ready) is refused unless ``is_override`` is set with a reason. A
    conditional handover needs its conditions and a review date after the decision. A
    handover is recorded as pending and takes effect when another person approves it
    (``handover_decision_approve``); a deferral takes effect at once. The newest decision
    in effect is the unit's handover status; a unit handed over is still measured.
    ``ValidationError`` per field, ``PermissionDenied`` unless ``readiness_can_manage``.
    Audited, with the blockers overridden."""
    if not readiness_can_manage(user=actor, unit=unit):
        raise PermissionDenied
    is_handover = decision in HandoverDecision.HANDOVERS
    is_conditional = decision == HandoverDecision.Decision.CONDITIONAL
    record = HandoverDecision(
        unit=unit,
        decision=decision,
        decided_on=decided_on,
        notes=(notes or "").strip(),
        is_override=bool(is_override) and is_handover,
        override_reason=(override_reason or "").strip() if is_handover else "",
        conditions=(conditions or "").strip() if is_conditional else "",
        review_on=review_on if is_conditional else None,
        status=HandoverDecision.Status.PENDING if is_handover else HandoverDecision.Status.APPROVED,
        recorded_by=actor,
    )
    errors: FieldErrors = {}
    _full_clean(record, errors, exclude=["review_on"])
    _not_in_future(decided_on, "decided_on", errors)
    blockers = handover_blockers(unit=unit) if is_handover else []
    if blockers and not record.is_override:
        errors.setdefault("is_override", []).append(
            ValidationError(
                _("The unit is not ready or fails a gate: hand it over only with an explicit override and its reason."),
                code="override_required",
            )
        )
    if blockers and not record.override_reason:
        errors.setdefault("override_reason", []).append(
            ValidationError(_("Say why the unit is handed over against its figures."), code="required")
        )
    if is_conditional:
        if not record.conditions:
            errors.setdefault("conditions", []).append(
                ValidationError(_("List the conditions of the handover."), code="required")
            )
        if review_on is None:
            errors.setdefault("review_on", []).append(
                ValidationError(_("Set the date the conditions are reviewed."), code="required")
            )
        elif review_on <= decided_on:
            errors.setdefault("review_on", []).append(
                ValidationError(_("The review comes after the decision."), code="before_decision")
            )
    if errors:
        raise ValidationError(errors)
    record.save()
    audit_record(
        actor=actor,
        action="readiness.handover_decision_recorded",
        target=record,
        after=_decision_audit(record) | {"blockers": blockers},
    )
    if not is_handover:
        _unit_changed(unit=unit)
    return record


@transaction.atomic
def handover_decision_approve(*, decision: HandoverDecision, actor: User) -> HandoverDecision:
    """Approve a pending handover as its second approver: another person than the one who
    recorded it, with leadership or admin scope over its unit. Locks the decision's row, so
    two approvals at once approve it once. ``PermissionDenied`` outside the unit's scope or
    for the recorder; ``ValidationError`` when it is no longer pending. Audited; the
    handover takes effect in the readiness figures."""
    record = HandoverDecision.objects.select_for_update().select_related("unit").get(pk=decision.pk)
    if not readiness_can_manage(user=actor, unit=record.unit):
        raise PermissionDenied
    if record.recorded_by_id == actor.pk:
        raise PermissionDenied(_("A decision needs a second person: you recorded this one."))
    if not record.is_pending:
        raise ValidationError(_("This decision is already in effect."), code="not_pending")
    record.status = HandoverDecision.Status.APPROVED
    record.approved_by = actor
    record.approved_at = timezone.now()
    record.save(update_fields=["status", "approved_by", "approved_at"])
    audit_record(
        actor=actor,
        action="readiness.handover_decision_approved",
        target=record,
        before={"status": HandoverDecision.Status.PENDING},
        after={"status": record.status, "unit": record.unit_id, "decision": record.decision},
    )
    _unit_changed(unit=record.unit)
    decision.status, decision.approved_by, decision.approved_at = record.status, actor, record.approved_at
    return record
