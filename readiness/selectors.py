"""Reads of readiness, scoped to whoever asks.

Who sees readiness: admins (every unit) and leaders, through ``Role.LEADERSHIP`` (granted
over a subtree, or held by a commander over their own unit), within their subtrees.
Trainers and trainees do not: readiness is the leadership's decision picture, and a
trainer's scope is for teaching, not for deciding a handover. A trainer who also leads
sees their leadership scope.

Everything here answers from the stored (derived) rows; nothing is computed on read, so a
page or an API call costs a fixed number of queries whatever the size of the tree.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    Exists,
    F,
    FilteredRelation,
    FloatField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, Substr

from courses.models import COMPETENCY_NAMES
from organisations.models import Role, RosterImport, Unit, User
from organisations.selectors import scope_covers, scope_units, subtree_q, user_roles
from readiness.models import (
    Competency,
    CompetencyMetric,
    DirtyUnit,
    HandoverDecision,
    Requirement,
    RequirementProfile,
    Snapshot,
    SyncState,
    UnitReadiness,
)

READINESS_ROLES = (Role.LEADERSHIP,)


# Scope -------------------------------------------------------------------------------------


def readiness_can_see(user: User | AnonymousUser) -> bool:
    """Leaders (granted or as a unit's commander) and admins."""
    return bool(user and user.is_authenticated and user_roles(user).has(*READINESS_ROLES, Role.ADMIN))


def readiness_scope(user: User) -> list[Unit] | None:
    """Roots of the subtrees whose readiness the user sees: None = every unit; [] = none."""
    if not readiness_can_see(user):
        return []
    return scope_units(user, roles=READINESS_ROLES)


def readiness_units(*, user: User) -> QuerySet[Unit]:
    """Every unit whose readiness the user may see."""
    return Unit.objects.filter(subtree_q(readiness_scope(user)))


def readiness_unit_get(*, user: User, unit_id: int) -> Unit | None:
    """The unit (with its service and stored readiness row) if the user may see it, else None."""
    return readiness_units(user=user).select_related("service", "readiness").filter(pk=unit_id).first()


# One unit ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompetencyLine:
    """One competency of the catalogue for one unit (its whole subtree)."""

    code: str
    name: str
    headcount: int
    certified: int
    headcount_women: int
    certified_women: int
    target: float | None
    is_gate: bool

    @property
    def coverage(self) -> float | None:
        return self.certified / self.headcount if self.headcount else None

    @property
    def is_met(self) -> bool | None:
        if self.target is None:
            return None
        return (self.coverage or 0) >= self.target

    @property
    def headcount_men(self) -> int:
        return self.headcount - self.headcount_women

    @property
    def certified_men(self) -> int:
        return self.certified - self.certified_women


@dataclass(frozen=True)
class UnitReadinessDetail:
    """A unit's readiness as stored, with every competency and how fresh the records are.

    ``readiness`` is an unsaved row of zeros (status "", ``computed_at`` None) while no
    sync has covered the unit yet."""

    unit: Unit
    readiness: UnitReadiness
    competencies: list[CompetencyLine]
    handed_over_on: datetime.date | None
    last_roster_import: datetime.datetime | None
    last_full_sync: datetime.datetime | None
    handed_over_with_conditions: bool = False
    handover_awaiting_approval: bool = False  # a handover recorded, not yet approved by a second person


def stored_readiness(unit: Unit) -> UnitReadiness:
    """The unit's stored row (select_related("readiness") avoids the query), or zeros."""
    try:
        return unit.readiness
    except UnitReadiness.DoesNotExist:
        return UnitReadiness(unit=unit, computed_at=None)  # type: ignore[misc]  # never computed: no time


def competency_lines(unit: Unit) -> list[CompetencyLine]:
    """Every competency of the catalogue in catalogue order, with the unit's stored metric
    (zeros when none is stored yet). One query (the catalogue left-joined to the metrics)."""
    rows = (
        Competency.objects.annotate(metric=FilteredRelation("metrics", condition=Q(metrics__unit_id=unit.pk)))
        .order_by("order", "code")
        .values_list(
            "code",
            "name",
            "metric__headcount",
            "metric__certified",
            "metric__headcount_women",
            "metric__certified_women",
            "metric__target",
            "metric__is_gate",
        )
    )
    return [
        CompetencyLine(
            code=code,
            name=str(COMPETENCY_NAMES.get(code, name)),
            headcount=headcount or 0,
            certified=certified or 0,
            headcount_women=headcount_women or 0,
            certified_women=certified_women or 0,
            target=None if target is None else float(target),
            is_gate=bool(is_gate),
        )
        for code, name, headcount, certified, headcount_women, certified_women, target, is_gate in rows
    ]


@dataclass(frozen=True)
class RollupTarget:
    """One competency's targets across the assessed units of an area (or the nation).

    An area has no target of its own: each assessed unit in it is measured against its own
    type's profile, and the area is ready when every assessed unit is. So the area's target
    is its units' (``low`` to ``high`` when their profiles differ), and it is met when every
    unit that requires the competency meets its target."""

    low: float
    high: float
    units_required: int
    units_met: int

    @property
    def is_met(self) -> bool:
        return self.units_met == self.units_required


def rollup_competency_targets(unit: Unit) -> dict[str, RollupTarget]:
    """competency code -> its targets across the assessed units under ``unit`` (only the
    competencies some unit requires). One query, one row per unit and required competency;
    "met" is decided as for a unit (``CompetencyLine.is_met``)."""
    found: dict[str, list[tuple[float, bool]]] = {}
    for code, headcount, certified, target in (
        CompetencyMetric.objects.filter(subtree_q([unit], "unit__"), target__isnull=False)
        .exclude(unit__unit_type__in=ROLLUP_UNIT_TYPES)
        .values_list("competency_id", "headcount", "certified", "target")
    ):
        share = float(target or 0)  # never None: filtered above
        found.setdefault(code, []).append((share, (certified / headcount if headcount else 0) >= share))
    return {
        code: RollupTarget(
            low=min(share for share, _ in units),
            high=max(share for share, _ in units),
            units_required=len(units),
            units_met=sum(1 for _, met in units if met),
        )
        for code, units in found.items()
    }


def handed_over_on(unit_ids: list[int]) -> dict[int, datetime.date]:
    """unit id -> date of handover, for units whose latest decision (by date, then the
    latest recorded) is "handed over"; a later deferral (a decision reversed) means the
    unit is not handed over. Only the unit's own decisions in effect count (a handover
    awaiting its second approver does not). One query."""
    latest: dict[int, tuple[str, datetime.date]] = {}
    for unit_id, decision, decided_on in (
        HandoverDecision.objects.filter(unit_id__in=unit_ids, status=HandoverDecision.Status.APPROVED)
        .order_by("unit_id", "-decided_on", "-pk")
        .values_list("unit_id", "decision", "decided_on")
    ):
        latest.setdefault(unit_id, (decision, decided_on))
    return {
        unit_id: decided_on
        for unit_id, (decision, decided_on) in latest.items()
        if decision in HandoverDecision.HANDOVERS
    }


def last_full_sync_of(service_id: int) -> datetime.datetime | None:
    return SyncState.objects.filter(service_id=service_id).values_list("last_full_at", flat=True).first()


@dataclass(frozen=True)
class Freshness:
    """How current the figures a page shows are.

    ``computed_at``: when they were last computed from the records (None: never). A sync
    stores a row only when it changed, so a row's own time can be older than the last full
    reconciliation that found it right: the later of the two counts.
    ``waiting_since``: the earliest mark of newer records not counted yet (``DirtyUnit``
    rows in the subtrees shown, marked after ``computed_at``), or None."""

    computed_at: datetime.datetime | None
    waiting_since: datetime.datetime | None


def readiness_freshness(*, units: list[Unit], last_full_sync: datetime.datetime | None) -> Freshness:
    """The freshness of the figures of ``units`` (loaded with ``select_related("readiness")``)
    and everything below them: computed at the oldest of their times, waiting since the
    earliest later mark in their subtrees. One query (the marks), none without units."""
    if not units:
        return Freshness(computed_at=None, waiting_since=None)
    times = []
    for unit in units:
        computed = stored_readiness(unit).computed_at
        times.append(None if computed is None else max(computed, last_full_sync or computed))
    computed_at = None if None in times else min(times)
    marks = DirtyUnit.objects.filter(subtree_q(units, prefix="unit__"))
    if computed_at is not None:
        marks = marks.filter(marked_at__gt=computed_at)
    return Freshness(computed_at=computed_at, waiting_since=marks.aggregate(since=Min("marked_at"))["since"])


def readiness_unit_detail_get(*, user: User, unit_id: int) -> UnitReadinessDetail | None:
    """Everything the unit endpoint and page show if the user may see the unit, else None.

    Two queries after the user's roles, whatever the number of competencies or units: the
    unit with its stored row, its latest handover decision and the freshness of the
    records (subqueries of one statement), then the catalogue with the unit's metrics."""
    decisions = HandoverDecision.objects.filter(unit=OuterRef("pk"), status=HandoverDecision.Status.APPROVED).order_by(
        "-decided_on", "-pk"
    )
    unit = (
        readiness_units(user=user)
        .select_related("service", "readiness")
        .annotate(
            handover_decision=Subquery(decisions.values("decision")[:1]),
            handover_decided_on=Subquery(decisions.values("decided_on")[:1]),
            handover_pending=Exists(
                HandoverDecision.objects.filter(unit=OuterRef("pk"), status=HandoverDecision.Status.PENDING)
            ),
            roster_imported_at=Subquery(
                RosterImport.objects.filter(service=OuterRef("service_id"))
                .order_by("-imported_at")
                .values("imported_at")[:1]
            ),
            full_synced_at=Subquery(SyncState.objects.filter(service=OuterRef("service_id")).values("last_full_at")),
        )
        .filter(pk=unit_id)
        .first()
    )
    if unit is None:
        return None
    handed_over = unit.handover_decision in HandoverDecision.HANDOVERS
    return UnitReadinessDetail(
        unit=unit,
        readiness=stored_readiness(unit),
        competencies=competency_lines(unit),
        handed_over_on=unit.handover_decided_on if handed_over else None,
        last_roster_import=unit.roster_imported_at,
        last_full_sync=unit.full_synced_at,
        handed_over_with_conditions=handed_over and unit.handover_decision == HandoverDecision.Decision.CONDITIONAL,
        handover_awaiting_approval=unit.handover_pending,
    )


# Summary -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RollupLine:
    unit: Unit
    readiness: UnitReadiness
    handed_over_on: datetime.date | None


@dataclass(frozen=True)
class ReadinessSummary:
    """The nation's roll-up (when the user's scope holds the national headquarters, else
    None) and every area in scope, depth first."""

    nation: RollupLine | None
    areas: list[RollupLine]
    last_roster_import: datetime.datetime | None
    last_full_sync: datetime.datetime | None

    @property
    def as_of(self) -> datetime.datetime | None:
        """When the newest figure shown was computed."""
        times = [line.readiness.computed_at for line in self.lines if line.readiness.computed_at]
        return max(times, default=None)

    @property
    def lines(self) -> list[RollupLine]:
        return ([self.nation] if self.nation else []) + self.areas


def readiness_summary(*, user: User) -> ReadinessSummary:
    """The roll-ups within the user's scope: a leader of the nation (or an admin) sees the
    nation and every area; a leader of a region sees their region and the areas below it.
    One host service per mission (DOMAIN.md): with several, the first national unit by path
    is the nation. Five queries after the user's roles."""
    units = list(
        readiness_units(user=user)
        .filter(unit_type__in=[Unit.Type.NATIONAL, Unit.Type.AREA])
        .select_related("service", "readiness")
        .order_by("path")
    )
    handovers = handed_over_on([unit.pk for unit in units])
    lines = [RollupLine(unit, stored_readiness(unit), handovers.get(unit.pk)) for unit in units]
    nations = [line for line in lines if line.unit.unit_type == Unit.Type.NATIONAL]
    services = sorted({unit.service_id for unit in units})
    return ReadinessSummary(
        nation=nations[0] if nations else None,
        areas=[line for line in lines if line.unit.unit_type == Unit.Type.AREA],
        last_roster_import=RosterImport.objects.filter(service_id__in=services).aggregate(latest=Max("imported_at"))[
            "latest"
        ],
        last_full_sync=SyncState.objects.filter(service_id__in=services).aggregate(latest=Max("last_full_at"))[
            "latest"
        ],
    )


# Snapshots (the outbound feed) -------------------------------------------------------------


def snapshot_list(
    *, user: User, since: datetime.datetime | None = None, unit: Unit | None = None
) -> QuerySet[Snapshot]:
    """Snapshots of units in the user's scope (and in ``unit``'s subtree) recorded after
    ``since``, oldest first: a feed client resumes from the last ``recorded_at`` it saw."""
    queryset = Snapshot.objects.filter(subtree_q(readiness_scope(user), prefix="unit__"))
    if unit is not None:
        queryset = queryset.filter(unit__path__startswith=unit.path)
    if since is not None:
        queryset = queryset.filter(recorded_at__gt=since)
    return queryset.select_related("unit").order_by("recorded_at", "pk")


def snapshots_of_day(day: datetime.date) -> QuerySet[Snapshot]:
    """Every unit's snapshot of ``day`` (what a webhook sends), in tree order."""
    return Snapshot.objects.filter(taken_on=day).select_related("unit").order_by("unit__path", "pk")


# Leadership pages (R2) ---------------------------------------------------------------------
# The nation -> area -> unit pages (readiness/views.py): rows of the units tables, a unit's
# profile and history. Fixed query counts whatever the number of units listed.

ROLLUP_UNIT_TYPES = (Unit.Type.NATIONAL, Unit.Type.AREA)
COMPONENTS = ("training", "vetting", "women", "assessment")


@dataclass(frozen=True)
class UnitRow:
    """One line of a units table: the stored readiness of a unit or area, with its components
    and coverage beside the index.

    For an assessed unit the components are its own. For an area or the nation (a roll-up)
    they are the means over the assessed units below it weighted by eligible headcount, as
    the roll-up's index is; a unit without a joint assessment counts 0 there, as it does in
    its index. ``coverage`` pools the competencies a target is set for: certified officers /
    officers in those populations, over the unit's own profile for an assessed unit and over
    the default profile's competencies for a roll-up."""

    unit: Unit
    readiness: UnitReadiness
    is_assessed: bool
    training: float | None
    vetting: float | None
    women: float | None
    assessment: float | None
    coverage: float | None
    handed_over_on: datetime.date | None

    @property
    def index(self) -> float | None:
        return self.readiness.index

    @property
    def status(self) -> str:
        return self.readiness.status

    @property
    def eligible(self) -> int:
        return self.readiness.eligible

    @property
    def women_share(self) -> float | None:
        return self.readiness.eligible_women / self.readiness.eligible if self.readiness.eligible else None


def readiness_top_units(*, user: User) -> list[Unit]:
    """The roots of the user's readiness scope (the top units of every service for an admin
    or a leader of everything), with service and stored readiness. One query."""
    roots = readiness_scope(user)
    units = (
        Unit.objects.filter(parent__isnull=True)
        if roots is None
        else Unit.objects.filter(pk__in=[root.pk for root in roots])
    )
    return list(units.select_related("service", "readiness").order_by("path"))


def readiness_children(unit: Unit) -> list[Unit]:
    """The units right below ``unit`` (in scope whenever ``unit`` is), by name. One query."""
    return list(Unit.objects.filter(parent=unit).select_related("service", "readiness").order_by("name", "pk"))


def readiness_ancestors(*, user: User, unit: Unit) -> list[Unit]:
    """The unit's ancestors from the top that the user may see (for breadcrumbs). One query."""
    roots = readiness_scope(user)
    ids = [int(segment) for segment in unit.path.strip("/").split("/")[:-1]]
    ancestors = Unit.objects.filter(pk__in=ids).order_by("depth")
    return [ancestor for ancestor in ancestors if scope_covers(roots, ancestor)]


def unit_rows(units: list[Unit]) -> list[UnitRow]:
    """A row per unit (loaded with ``select_related("readiness")``), in the order given.

    Three queries, plus one per distinct depth among the roll-ups listed (children of one
    unit share a depth), whatever the number of units and of units below them."""
    if not units:
        return []
    ids = [unit.pk for unit in units]
    coverage = _pooled_coverage(ids)
    rollups = _rollup_components([unit for unit in units if unit.unit_type in ROLLUP_UNIT_TYPES])
    handovers = handed_over_on(ids)
    rows = []
    for unit in units:
        readiness = stored_readiness(unit)
        is_assessed = unit.unit_type not in ROLLUP_UNIT_TYPES
        if is_assessed:
            components = {
                "training": readiness.training_score,
                "vetting": readiness.vetting_score,
                "women": readiness.women_score,
                "assessment": readiness.assessment_score,
            }
        else:
            components = rollups.get(unit.pk, dict.fromkeys(COMPONENTS))
        certified, headcount = coverage.get(unit.pk, {}).get("assessed" if is_assessed else "rollup", (0, 0))
        rows.append(
            UnitRow(
                unit=unit,
                readiness=readiness,
                is_assessed=is_assessed,
                coverage=certified / headcount if headcount else None,
                handed_over_on=handovers.get(unit.pk),
                **components,
            )
        )
    return rows


def _pooled_coverage(unit_ids: list[int]) -> dict[int, dict[str, tuple[int, int]]]:
    """unit id -> {"assessed": (certified, headcount) over the competencies with a target,
    "rollup": the same over the default profile's competencies}. One query."""
    core = Requirement.objects.filter(profile__unit_type="").values("competency_id")
    targeted, in_core = Q(target__isnull=False), Q(competency_id__in=core)
    rows = (
        CompetencyMetric.objects.filter(unit_id__in=unit_ids)
        .values("unit_id")
        .annotate(
            certified_targeted=Sum("certified", filter=targeted),
            headcount_targeted=Sum("headcount", filter=targeted),
            certified_core=Sum("certified", filter=in_core),
            headcount_core=Sum("headcount", filter=in_core),
        )
        .order_by()
    )
    return {
        row["unit_id"]: {
            "assessed": (row["certified_targeted"] or 0, row["headcount_targeted"] or 0),
            "rollup": (row["certified_core"] or 0, row["headcount_core"] or 0),
        }
        for row in rows
    }


def _rollup_components(units: list[Unit]) -> dict[int, dict[str, float | None]]:
    """roll-up unit id -> component -> mean over the assessed units below it with an index,
    weighted by eligible headcount. Grouped in SQL by the branch of the path each assessed
    unit lies in: one query per distinct path length among ``units``."""
    result: dict[int, dict[str, float | None]] = {}
    by_length: dict[int, list[Unit]] = {}
    for unit in units:
        by_length.setdefault(len(unit.path), []).append(unit)
    for length, group in by_length.items():
        unit_of_path = {unit.path: unit.pk for unit in group}
        sums: dict[str, Sum] = {}
        for name in COMPONENTS:
            score = f"{name}_score"
            value: Combinable
            if name == "assessment":
                # No joint assessment yet counts 0 in a unit's index: the same here.
                known, value = Q(), Coalesce(F(score), Value(0.0))
            else:
                known, value = Q(**{f"{score}__isnull": False}), F(score)
            sums[f"{name}_sum"] = Sum(value * F("eligible"), filter=known, output_field=FloatField())
            sums[f"{name}_weight"] = Sum("eligible", filter=known)
        rows = (
            UnitReadiness.objects.filter(subtree_q(group, prefix="unit__"), index__isnull=False)
            .exclude(unit__unit_type__in=ROLLUP_UNIT_TYPES)
            .annotate(branch=Substr("unit__path", 1, length))
            .values("branch")
            .annotate(**sums)
            .order_by()
        )
        for row in rows:
            result[unit_of_path[row["branch"]]] = {
                name: row[f"{name}_sum"] / row[f"{name}_weight"] if row[f"{name}_weight"] else None
                for name in COMPONENTS
            }
    return result


def readiness_profile(unit: Unit) -> RequirementProfile | None:
    """The profile that measures ``unit``: its type's, else the default; a roll-up (area,
    nation) is judged by the default profile. One query."""
    unit_type = "" if unit.unit_type in ROLLUP_UNIT_TYPES else unit.unit_type
    profiles = {
        profile.unit_type: profile for profile in RequirementProfile.objects.filter(unit_type__in={unit_type, ""})
    }
    return profiles.get(unit_type) or profiles.get("")


def readiness_history(unit: Unit, *, since: datetime.date) -> list[Snapshot]:
    """The unit's snapshots from ``since``, oldest first. One query."""
    return list(
        Snapshot.objects.filter(unit=unit, taken_on__gte=since)
        .only("unit_id", "taken_on", "index", "status", "coverage", "components")
        .order_by("taken_on")
    )
