"""Reads that go beyond ``.get()``: every query that fetches for a user is scoped to them."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.db.models.lookups import In
from django.utils.translation import gettext as _

# service_number_key: other apps read it here, beside the lookups that use it.
from organisations.identity import service_number_key as service_number_key
from organisations.identity import service_number_key_expression
from organisations.models import Headcount, Officer, Role, RoleGrant, Unit, User


@dataclass(frozen=True)
class Roles:
    """What a user may do, and over which subtrees (``None`` in ``scopes`` = everything).

    ``granted`` holds the granted roles alone (``RoleGrant`` and superuser), without those
    derived from the officer record: trainee, and leadership of a unit one commands.
    """

    officer: Officer | None
    scopes: dict[str, list[Unit] | None] = field(default_factory=dict)
    granted: dict[str, list[Unit] | None] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [role for role in Role.values if role in self.scopes]

    def has(self, *roles: str) -> bool:
        return any(role in self.scopes for role in roles)

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.scopes


def _officer_of(user: User) -> Officer | None:
    """The user's officer record: already loaded by the authentication backend for the
    user of a request (``is_officer_loaded``), else one query."""
    if user.is_officer_loaded:
        return getattr(user, "officer", None)
    return Officer.objects.select_related("unit", "service").filter(user=user).first()


def user_roles(user: User | AnonymousUser) -> Roles:
    """The roles a user holds: granted ones plus those derived from their officer record.

    Cached on the user object for the request (two queries the first time).
    """
    if not isinstance(user, User):  # anonymous: no roles, and no query to save
        return Roles(officer=None)
    if user._lms_roles is not None:
        return user._lms_roles
    if not user.is_active:
        roles = Roles(officer=None)
    else:
        officer = _officer_of(user)
        scopes: dict[str, list[Unit] | None] = {}
        # Sorted here rather than by the database: an ORDER BY across the join costs more
        # to build than sorting a user's few grants (this runs on every page).
        grants = sorted(
            RoleGrant.objects.filter(user_id=user.pk).select_related("unit"),
            key=lambda grant: (grant.role, "" if grant.unit is None else grant.unit.path),
        )
        for grant in grants:
            if grant.unit is None:
                scopes[grant.role] = None
            elif (role_units := scopes.setdefault(grant.role, [])) is not None:
                role_units.append(grant.unit)
        if user.is_superuser:
            scopes[Role.ADMIN] = None
        granted = {role: None if units is None else list(units) for role, units in scopes.items()}
        if officer is not None and officer.is_active:
            scopes[Role.TRAINEE] = [officer.unit]
            # Leadership granted over everything (None) already covers the commanded unit.
            leads = scopes.setdefault(Role.LEADERSHIP, []) if officer.is_commander else None
            if leads is not None and officer.unit not in leads:
                leads.append(officer.unit)
        roles = Roles(officer=officer, scopes=scopes, granted=granted)
    user._lms_roles = roles
    return roles


def scope_units(user: User, roles: tuple[str, ...] = (Role.TRAINER, Role.LEADERSHIP)) -> list[Unit] | None:
    """The roots of the subtrees the user covers through any of ``roles``; None = all."""
    held = user_roles(user)
    if held.is_admin:
        return None
    units: list[Unit] = []
    for role in roles:
        scope = held.scopes.get(role, [])
        if scope is None:
            return None
        units.extend(scope)
    return _outermost(units)


def command_scope_units(user: User) -> list[Unit] | None:
    """The roots of the subtrees in which ``user`` may change who commands a unit; None = all.

    Admins everywhere; otherwise the subtrees of a *granted* leadership role. Leadership
    derived from commanding a unit does not count: it follows from the very flag being
    changed, so a commander could otherwise appoint, move or replace commanders by himself.
    """
    held = user_roles(user)
    if held.is_admin:
        return None
    scope = held.granted.get(Role.LEADERSHIP, [])
    return None if scope is None else _outermost(scope)


def _outermost(units: list[Unit]) -> list[Unit]:
    """Drop units already covered by another unit of the list."""
    roots: list[Unit] = []
    for unit in sorted(units, key=lambda u: u.path):
        if not scope_covers(roots, unit):
            roots.append(unit)
    return roots


def subtree_q(roots: list[Unit] | None, prefix: str = "") -> Q:
    """A filter on units (or, with a prefix such as ``"unit__"``, on rows that point to one)."""
    if roots is None:
        return Q()
    if not roots:
        return Q(pk__in=[])
    return reduce(or_, (Q(**{f"{prefix}path__startswith": root.path}) for root in roots))


def service_numbers_q(numbers: Iterable[str], prefix: str = "") -> Q:
    """A filter on officers (or, with a prefix such as ``"officer__"``, on rows that point
    to one) carrying any of ``numbers``, as typed: case, surrounding spaces and direction
    marks do not count (``organisations.identity``). One indexed lookup."""
    keys = sorted({service_number_key(number) for number in numbers} - {""})
    if not keys:
        return Q(pk__in=[])
    return Q(In(service_number_key_expression(prefix), keys))


def unit_list(*, user: User, parent: int | None = None, search: str = "") -> QuerySet[Unit]:
    held = user_roles(user)
    roots = scope_units(user)
    if roots == [] and held.officer is not None:
        queryset = Unit.objects.filter(pk=held.officer.unit_id)
    else:
        queryset = Unit.objects.filter(subtree_q(roots))
    if parent is not None:
        queryset = queryset.filter(parent_id=parent)
    if search:
        queryset = queryset.filter(Q(name__icontains=search) | Q(code__icontains=search))
    return queryset.select_related("service", "parent").order_by("path")


def scope_covers(roots: list[Unit] | None, unit: Unit) -> bool:
    """Whether ``unit`` lies in one of the subtrees of ``roots`` (as ``scope_units`` gives
    them; None = everywhere): the one scope test, no query."""
    return roots is None or any(unit.path.startswith(root.path) for root in roots)


def unit_in_scope(*, user: User, unit: Unit, roles: tuple[str, ...] = (Role.TRAINER, Role.LEADERSHIP)) -> bool:
    """Whether ``user`` covers ``unit`` through any of ``roles`` (admins cover every unit)."""
    return scope_covers(scope_units(user, roles=roles), unit)


def officer_list(
    *, user: User, unit: Unit | None = None, search: str = "", include_left: bool = False
) -> QuerySet[Officer]:
    """Officers the user may see as staff (trainer, leadership, admin), within ``unit``'s subtree."""
    queryset = Officer.objects.filter(subtree_q(scope_units(user), prefix="unit__"))
    if unit is not None:
        queryset = queryset.filter(unit__path__startswith=unit.path)
    if not include_left:
        queryset = queryset.filter(is_active=True)
    if search:
        queryset = queryset.filter(
            service_numbers_q([search]) | Q(family_name__icontains=search) | Q(given_name__icontains=search)
        )
    return queryset.select_related("unit").order_by("family_name", "given_name", "service_number")


def officers_by_ids(*, officer_ids: Iterable[int]) -> list[Officer]:
    """The officers of ``officer_ids`` (request input), with their units; a
    ``ValidationError`` on ``officers`` naming the ids that match no officer. Who may act on
    them is the caller's service's rule (scope, active)."""
    wanted = set(officer_ids)
    officers = list(Officer.objects.select_related("unit").filter(pk__in=wanted))
    unknown = sorted(wanted - {officer.pk for officer in officers})
    if unknown:
        raise ValidationError(
            {"officers": _("Unknown officer(s): %(ids)s.") % {"ids": ", ".join(map(str, unknown))}},
            code="unknown",
        )
    return officers


def transfer_units(*, user: User, officer: Officer) -> QuerySet[Unit]:
    """The units ``user`` may move ``officer`` to, in tree order: the open units of the
    officer's police service within the user's training scope (admins: all), but their own."""
    return (
        Unit.objects.filter(subtree_q(scope_units(user, roles=(Role.TRAINER,))))
        .filter(service_id=officer.service_id, is_active=True)
        .exclude(pk=officer.unit_id)
        .order_by("path")
    )


def unit_ancestors(unit: Unit) -> QuerySet[Unit]:
    """The unit's ancestors from the root down, in one query."""
    ids = [int(segment) for segment in unit.path.strip("/").split("/")[:-1]]
    return Unit.objects.filter(pk__in=ids).order_by("depth")


def unit_summaries(*, user: User) -> list[Unit]:
    """The roots of the user's scope, each with ``headcount`` of active officers by sex and
    vetting (home page). One query per root; a scope has a handful of roots."""
    roots = scope_units(user)
    if roots is None:
        roots = list(Unit.objects.filter(parent__isnull=True).select_related("service"))
    for unit in roots:
        counts = Officer.objects.filter(unit__path__startswith=unit.path, is_active=True).aggregate(
            total=Count("pk"),
            women=Count("pk", filter=Q(sex=Officer.Sex.FEMALE)),
            finally_certified=Count("pk", filter=Q(vetting_status=Officer.VettingStatus.FINALLY_CERTIFIED)),
        )
        unit.headcount = Headcount(
            total=counts["total"], women=counts["women"], finally_certified=counts["finally_certified"]
        )
    return roots
