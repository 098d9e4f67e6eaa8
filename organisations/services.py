"""Every write to organisations, people and roles."""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.audit.services import audit_record
from organisations.events import OFFICER_LEFT, OFFICER_TRANSFERRED, OfficerTransferred
from organisations.models import ApiToken, Officer, PoliceService, Role, RoleGrant, Transfer, Unit, User
from organisations.permissions import (
    OWN_RECORD,
    account_status_refusal,
    command_changes_refused,
    command_roots,
    commanded_unit,
    is_own,
)

PATH_SEGMENT = "{:07d}/"


@transaction.atomic
def unit_create(*, service: PoliceService, code: str, name: str, unit_type: str, parent: Unit | None = None) -> Unit:
    unit = Unit.objects.create(service=service, parent=parent, code=code, name=name, unit_type=unit_type)
    unit.depth = parent.depth + 1 if parent else 0
    unit.path = (parent.path if parent else "") + PATH_SEGMENT.format(unit.pk)
    unit.save(update_fields=["depth", "path"])
    return unit


@transaction.atomic
def unit_move(*, unit: Unit, new_parent: Unit, actor: User | None = None) -> Unit:
    """Re-parent a unit and rewrite the paths of its whole subtree in one pass."""
    if new_parent.path.startswith(unit.path):
        raise ValueError("A unit cannot move under itself or its own descendants.")
    old_path, old_parent_id = unit.path, unit.parent_id
    new_path = new_parent.path + PATH_SEGMENT.format(unit.pk)
    depth_change = new_parent.depth + 1 - unit.depth
    for node in Unit.objects.select_for_update().filter(path__startswith=old_path).order_by("path"):
        node.path = new_path + node.path[len(old_path) :]
        node.depth += depth_change
        if node.pk == unit.pk:
            node.parent = new_parent
        node.save(update_fields=["path", "depth", "parent"])
    unit.refresh_from_db()
    audit_record(
        actor=actor,
        action="unit.moved",
        target=unit,
        before={"parent": old_parent_id},
        after={"parent": new_parent.pk},
    )
    return unit


@transaction.atomic
def officer_transfer(
    *,
    officer: Officer,
    to_unit: Unit,
    effective_on: datetime.date | None = None,
    actor: User | None = None,
    note: str = "",
) -> Transfer:
    """Move an active officer to another unit of their service, effective ``effective_on`` (today).

    ``actor`` None is the system. Raises ``PermissionDenied`` for the actor's own record and
    when the officer commands their unit and ``actor`` may not change who commands both
    units (``organisations.permissions``), and ``ValueError`` for an impossible move. Who
    may move whom otherwise (scope) is the caller's to check
    (``permissions.access_officer_record``).
    """
    if is_own(actor=actor, user_id=officer.user_id):
        raise PermissionDenied(OWN_RECORD)
    if not officer.is_active:
        raise ValueError("An officer who left the service is brought back by a roster import, not transferred.")
    if to_unit.pk == officer.unit_id:
        raise ValueError("The officer already serves in that unit.")
    if to_unit.service_id != officer.service_id:
        raise ValueError("An officer can only move within their own police service.")
    # The commander flag follows the officer: moving a commander changes who commands both units.
    command = {"is_active": officer.is_active, "is_commander": officer.is_commander}
    if command_changes_refused(
        roots=command_roots(actor),
        before=commanded_unit(unit=officer.unit, **command),
        after=commanded_unit(unit=to_unit, **command),
    ):
        raise PermissionDenied(
            _("Only an administrator, or a leader whose scope covers both units, may move the commander of a unit.")
        )
    from_unit_id = officer.unit_id
    officer.unit = to_unit
    officer.save(update_fields=["unit", "updated_at"])
    transfer = Transfer.objects.create(
        officer=officer,
        from_unit_id=from_unit_id,
        to_unit=to_unit,
        effective_on=effective_on or timezone.localdate(),
        recorded_by=actor,
        note=note,
    )
    audit_record(
        actor=actor,
        action="officer.transferred",
        target=officer,
        before={"unit": from_unit_id},
        after={"unit": to_unit.pk},
        reason=note,
    )
    OFFICER_TRANSFERRED.record(transfer_payload(transfer))
    return transfer


def transfer_payload(transfer: Transfer) -> OfficerTransferred:
    return {
        "officer_id": transfer.officer_id,
        "from_unit_id": transfer.from_unit_id,
        "to_unit_id": transfer.to_unit_id,
    }


@transaction.atomic
def officer_leave(
    *, officer: Officer, left_on: datetime.date | None = None, actor: User | None = None, reason: str = ""
) -> Officer:
    """Mark an officer as having left the service; their records and account stay.

    ``actor`` None is the system. Raises ``PermissionDenied`` for the actor's own record and
    when the officer commands their unit and ``actor`` may not change who commands it
    (``organisations.permissions``). An officer who already left is returned unchanged.
    """
    if is_own(actor=actor, user_id=officer.user_id):
        raise PermissionDenied(OWN_RECORD)
    if not officer.is_active:
        return officer
    if command_changes_refused(
        roots=command_roots(actor),
        before=commanded_unit(unit=officer.unit, is_active=True, is_commander=officer.is_commander),
        after=None,
    ):
        raise PermissionDenied(
            _("Only an administrator, or a leader whose scope covers the unit, may record that its commander left.")
        )
    officer.is_active = False
    officer.left_on = left_on or timezone.localdate()
    officer.save(update_fields=["is_active", "left_on", "updated_at"])
    audit_record(
        actor=actor,
        action="officer.left",
        target=officer,
        before={"is_active": True},
        after={"is_active": False, "left_on": officer.left_on.isoformat()},
        reason=reason,
    )
    OFFICER_LEFT.record({"officer_id": officer.pk, "unit_id": officer.unit_id})
    return officer


@transaction.atomic
def role_grant(*, user: User, role: str, unit: Unit | None, actor: User | None = None) -> RoleGrant:
    if unit is None and role != Role.ADMIN:
        raise ValueError("Only the admin role may cover the whole platform; name a unit.")
    grant, created = RoleGrant.objects.get_or_create(user=user, role=role, unit=unit, defaults={"granted_by": actor})
    if created:
        audit_record(
            actor=actor, action="role.granted", target=user, after={"role": role, "unit": unit.pk if unit else None}
        )
    if role == Role.ADMIN:
        _admin_rights_set(user=user, granted=True)
    return grant


def _admin_rights_set(*, user: User, granted: bool) -> None:
    """The admin role is the Django admin's superuser: the two never disagree."""
    if (user.is_staff, user.is_superuser) != (granted, granted):
        user.is_staff = user.is_superuser = granted
        user.save(update_fields=["is_staff", "is_superuser"])


@transaction.atomic
def role_revoke(*, grant: RoleGrant, actor: User | None = None) -> None:
    audit_record(
        actor=actor, action="role.revoked", target=grant.user, before={"role": grant.role, "unit": grant.unit_id}
    )
    grant.delete()
    if grant.role == Role.ADMIN:
        _admin_rights_set(user=grant.user, granted=False)


@transaction.atomic
def user_deactivate(*, user: User, actor: User | None = None, reason: str = "") -> User:
    """Stop a person signing in; everything they made stays, attributed to them. Their web
    sessions end at their next request (the authentication backend refuses an inactive
    user) and their API tokens are deleted.

    ``actor`` None is the system. Raises ``PermissionDenied`` with the reason when
    ``actor`` may not (``permissions.account_status_refusal``). A disabled account is
    returned unchanged.
    """
    if _user_active_set(user=user, is_active=False, actor=actor, reason=reason):
        ApiToken.objects.filter(user=user).delete()  # its API tokens stop working with it
    return user


@transaction.atomic
def user_reactivate(*, user: User, actor: User | None = None, reason: str = "") -> User:
    """Let a disabled person sign in again with their password (their API tokens stay
    deleted). Same rule and answers as ``user_deactivate``."""
    _user_active_set(user=user, is_active=True, actor=actor, reason=reason)
    return user


def _user_active_set(*, user: User, is_active: bool, actor: User | None, reason: str) -> bool:
    """Set ``is_active`` and audit it; False when it already had that value. Locks the user row."""
    refusal = account_status_refusal(actor=actor, user=user)
    if refusal:
        raise PermissionDenied(refusal)
    user.is_active = User.objects.select_for_update().values_list("is_active", flat=True).get(pk=user.pk)
    if user.is_active == is_active:
        return False
    user.is_active = is_active
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="user.reactivated" if is_active else "user.deactivated",
        target=user,
        before={"is_active": not is_active},
        after={"is_active": is_active},
        reason=reason,
    )
    return True


def user_language_set(*, user: User, language: str) -> None:
    if user.preferred_language != language:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
