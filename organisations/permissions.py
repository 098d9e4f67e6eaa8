"""Who may call what: named DRF permission classes over the roles in ``selectors``."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from organisations.models import Officer, Role, RoleGrant, Unit, User
from organisations.selectors import command_scope_units, scope_covers, scope_units, subtree_q, user_roles


class _HasRole(BasePermission):
    roles: tuple[str, ...] = ()

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(user and isinstance(user, User) and user_roles(user).has(*self.roles, Role.ADMIN))


class IsStaffRole(_HasRole):
    """Trainers, leaders and admins: people who see others' records within their scope."""

    roles = (Role.TRAINER, Role.LEADERSHIP)


class IsTrainer(_HasRole):
    roles = (Role.TRAINER,)


# Who commands a unit ------------------------------------------------------------------------
# Leadership of a unit is derived from commanding it (``selectors.user_roles``), so changing
# who commands a unit grants or takes away a role. Only admins, the system (no user) and
# granted leadership over the unit may do it (``selectors.command_scope_units``); every door
# that writes ``Officer.is_commander``, ``is_active`` or ``unit`` asks ``command_changes_refused``.


def commanded_unit(*, unit: Unit | None, is_active: bool, is_commander: bool) -> Unit | None:
    """The unit an officer commands, as ``user_roles`` reads it: their own unit while they
    are active and flagged as its commander; None otherwise."""
    return unit if is_active and is_commander else None


def command_roots(user: User | None) -> list[Unit] | None:
    """The subtrees in which ``user`` may change who commands a unit; None = every unit
    (an admin, or the system when ``user`` is None)."""
    return None if user is None else command_scope_units(user)


def command_changes_refused(*, roots: list[Unit] | None, before: Unit | None, after: Unit | None) -> list[Unit]:
    """The units whose command a change from commanding ``before`` to commanding ``after``
    (each None for commanding nothing; see ``commanded_unit``) alters and that
    ``roots`` (``command_roots``) do not cover. Empty: the change is allowed."""
    if roots is None or before == after:
        return []
    changed = [unit for unit in (before, after) if unit is not None]
    return [unit for unit in changed if not scope_covers(roots, unit)]


# Who may reset a password with an activation code --------------------------------------------
# A code for an officer who already has an account sets a new password on it: whoever holds
# the code takes the account over. A trainer may do that only for an account with nothing but
# the trainee role; an account with more (any granted role, command of a unit and with it
# leadership, the Django admin's staff or superuser flags) only an admin may reset this way.
# Issuing asks ``activation_code_refusal`` with the issuer; using a code asks it again with
# the code's issuer as they are now, so a code issued before the account gained a role (or
# by someone who is no longer an admin) cannot reset it.

PRIVILEGED_ACCOUNT = gettext_lazy(
    "This officer's account has rights beyond a trainee's (a granted role, or command of a unit): "
    "only an administrator may issue an activation code for it."
)


def account_is_privileged(*, officer: Officer) -> bool:
    """Whether the officer has an account with more than the trainee role. One query at most."""
    user = officer.user
    if user is None:
        return False
    return (
        officer.is_commander or user.is_staff or user.is_superuser or RoleGrant.objects.filter(user_id=user.pk).exists()
    )


def privileged_accounts_q(prefix: str = "") -> Q:
    """``account_is_privileged`` as a filter on officers (``prefix``: the path to them)."""
    return Q(**{f"{prefix}user__isnull": False}) & (
        Q(**{f"{prefix}is_commander": True})
        | Q(**{f"{prefix}user__is_staff": True})
        | Q(**{f"{prefix}user__is_superuser": True})
        | Q(**{f"{prefix}user__in": RoleGrant.objects.values("user_id")})
    )


def activation_code_refusal(*, issuer: User | None, officer: Officer) -> str | None:
    """Why a code from ``issuer`` may not set the password of ``officer``'s account, or None
    when it may: always for an officer without an account (a first activation) and for an
    admin; for anyone else (``None``: the system) only when the account is not privileged.
    Scope (whose codes a trainer issues at all) is ``activation.activation_officers``."""
    if officer.user is None or (issuer is not None and user_roles(issuer).is_admin):
        return None
    return str(PRIVILEGED_ACCOUNT) if account_is_privileged(officer=officer) else None


# Who keeps an officer's record: transfers, departures, the account ---------------------------
# The roster import's rule, one officer at a time: trainers within their training scope and
# admins; leadership reads the roster but does not keep it. Nobody changes their own record or
# account. Who commands a unit still follows ``command_changes_refused`` (the services ask it),
# and an account with rights beyond a trainee's is disabled or enabled by an admin only, as
# only an admin may reset it with an activation code.

OWN_RECORD = gettext_lazy("Nobody changes their own record or account: ask another trainer or an administrator.")
PRIVILEGED_ACCOUNT_STATUS = gettext_lazy(
    "This officer's account has rights beyond a trainee's (a granted role, or command of a unit): "
    "only an administrator may disable or enable it."
)


def is_own(*, actor: User | None, user_id: int | None) -> bool:
    """Whether ``actor`` (None: the system) is the person ``user_id`` names."""
    return actor is not None and user_id is not None and actor.pk == user_id


def access_officer_record(*, user: User, officer_id: int) -> Officer:
    """The officer whose record ``user`` may keep, with unit, service and account loaded.

    Raises ``PermissionDenied`` for someone who keeps no records (a trainee, a leader) and
    for one's own record, ``Http404`` for an officer outside the user's training scope.
    """
    if not user_roles(user).has(Role.TRAINER, Role.ADMIN):
        raise PermissionDenied
    roots = scope_units(user, roles=(Role.TRAINER,))
    officer = (
        Officer.objects.filter(subtree_q(roots, prefix="unit__"), pk=officer_id)
        .select_related("unit", "service", "user")
        .first()
    )
    if officer is None:
        raise Http404
    if is_own(actor=user, user_id=officer.user_id):
        raise PermissionDenied(OWN_RECORD)
    return officer


def account_status_refusal(*, actor: User | None, user: User) -> str | None:
    """Why ``actor`` may not disable or enable ``user``'s account, or None when they may:
    never their own; an admin or the system (None) any other; anyone else only an officer's
    account without rights beyond a trainee's (``account_is_privileged``). Scope is
    ``access_officer_record``'s. Two queries at most."""
    if is_own(actor=actor, user_id=user.pk):
        return str(OWN_RECORD)
    if actor is None or user_roles(actor).is_admin:
        return None
    officer = Officer.objects.filter(user=user).select_related("user").first()
    if officer is None or account_is_privileged(officer=officer):
        return str(PRIVILEGED_ACCOUNT_STATUS)
    return None


class AuthenticatedHttpRequest(HttpRequest):
    """A page's request behind ``login_required``: its user is an account, never anonymous.

    For the type checker only (annotate ``request`` with it); Django builds the request."""

    user: User


class AuthenticatedRequest(Request):
    """An API request behind ``IsAuthenticated`` (the default): as ``AuthenticatedHttpRequest``."""

    user: User
