"""Syncing the derived metrics: the full reconciliation, the update of given units and
their ancestors, the coalesced update of the units marked dirty, and the daily snapshots.

Lock order: the services' ``SyncState`` rows (ascending id), then the metric rows. Every
sync of a service takes its ``SyncState`` row first, so a full reconciliation and any
number of event-driven updates run one after another and their result does not depend on
their order: each recomputes from the records, never from a delta. ``SyncRequest`` rows
(one pending ``readiness.sync_dirty`` message per service) are written outside any sync's
transaction and never locked with it.
"""

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import TypeVar

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from organisations.models import Unit
from readiness.compute import (
    Counts,
    People,
    ProfileRule,
    ancestor_ids,
    own_counts,
    own_people,
    people_sums,
    subtree_sums,
)
from readiness.models import (
    Competency,
    CompetencyMetric,
    DirtyUnit,
    Snapshot,
    SyncRequest,
    SyncRun,
    SyncState,
    UnitReadiness,
)
from readiness.services.measurement import ReadinessValues, _scores, _targets, _Unit, _units, is_assessed, profile_rules


def _lock_services(service_ids: Iterable[int]) -> None:
    """Take the services' ``SyncState`` row locks (ascending id), creating missing rows.

    ``service_ids`` may be a generator: it is read once."""
    ids = sorted(set(service_ids))
    locked = SyncState.objects.select_for_update().filter(service_id__in=ids).order_by("service_id")
    if len(list(locked)) == len(ids):
        return
    for service_id in ids:  # a service's first sync (concurrent ones: the insert waits, then get)
        SyncState.objects.get_or_create(service_id=service_id)
    list(locked.all())


_METRIC_FIELDS = ["headcount", "headcount_women", "certified", "certified_women", "target", "is_gate"]
_READINESS_FIELDS = [
    "eligible",
    "eligible_women",
    "finally_certified",
    "vetting_unknown",
    "training_score",
    "vetting_score",
    "women_score",
    "assessment_score",
    "index",
    "status",
    "gates",
    "units_ready",
    "units_assessed",
]


# _METRIC_FIELDS values: headcount, headcount_women, certified, certified_women, target, is_gate.
_MetricValues = tuple[int, int, int, int, Decimal | float | None, bool]
_MetricRows = dict[tuple[int, str], tuple[int, _MetricValues]]  # (unit, code) -> (pk, values)
_ReadinessRows = dict[int, tuple[object, ...]]  # unit -> _READINESS_FIELDS values


def _stored_metrics(unit_ids: Iterable[int]) -> _MetricRows:
    return {
        (unit_id, code): (pk, tuple(values))
        for pk, unit_id, code, *values in CompetencyMetric.objects.filter(unit_id__in=list(unit_ids)).values_list(
            "pk", "unit_id", "competency_id", *_METRIC_FIELDS
        )
    }


def _store(
    *,
    scope: dict[int, _Unit],
    counts: dict[int, dict[str, Counts]],
    readiness: dict[int, ReadinessValues],
    codes: list[str],
    profiles: tuple[dict[str, ProfileRule], ProfileRule],
    metrics: _MetricRows | None = None,
    readiness_rows: _ReadinessRows | None = None,
) -> int:
    """Make the stored rows of ``scope`` equal the computed ones; returns how many rows changed.

    ``metrics`` and ``readiness_rows``: the stored rows of (at least) ``scope`` when the
    caller read them already. Compares plain values and builds model instances only for
    the rows to write: a reconciliation that finds no drift writes nothing."""
    targets = _targets(scope, profiles)
    unit_ids = list(scope)
    existing = _stored_metrics(unit_ids) if metrics is None else metrics
    to_create: list[CompetencyMetric] = []
    to_update: list[CompetencyMetric] = []
    for unit_id in unit_ids:
        unit_counts, unit_targets = counts.get(unit_id, {}), targets.get(unit_id, {})
        for code in codes:
            target, is_gate = unit_targets.get(code, (None, False))
            new = (*unit_counts.get(code, Counts()).as_tuple(), target, is_gate)
            pk, stored = existing.pop((unit_id, code), (None, None))
            if stored == new:
                continue
            row = CompetencyMetric(
                pk=pk, unit_id=unit_id, competency_id=code, **dict(zip(_METRIC_FIELDS, new, strict=True))
            )
            (to_create if pk is None else to_update).append(row)
    # Rows of a competency no longer in the catalogue go; changed rows are replaced.
    stale = [pk for (unit_id, _code), (pk, _values) in existing.items() if unit_id in scope]
    _rows_replace(CompetencyMetric, deleted=stale + [row.pk for row in to_update], created=to_create + to_update)
    changed = len(to_create) + len(to_update) + len(stale)

    now = timezone.now()
    if readiness_rows is None:
        readiness_rows = {
            unit_id: tuple(values)
            for unit_id, *values in UnitReadiness.objects.filter(unit_id__in=unit_ids).values_list(
                "unit_id", *_READINESS_FIELDS
            )
        }
    new_rows: list[UnitReadiness] = []
    changed_rows: list[UnitReadiness] = []
    for unit_id, values in readiness.items():
        stored_row = readiness_rows.get(unit_id)
        if stored_row is not None and stored_row == tuple(values[name] for name in _READINESS_FIELDS):
            continue
        readiness_row = UnitReadiness(
            unit_id=unit_id, computed_at=now, **{name: values[name] for name in _READINESS_FIELDS}
        )
        (new_rows if stored_row is None else changed_rows).append(readiness_row)
    _rows_replace(UnitReadiness, deleted=[row.pk for row in changed_rows], created=new_rows + changed_rows)
    return changed + len(new_rows) + len(changed_rows)


_Row = TypeVar("_Row", CompetencyMetric, UnitReadiness)


def _rows_replace(model: type[_Row], *, deleted: list[int], created: list[_Row]) -> None:
    """Delete rows by primary key and insert ``created`` (changed rows keep their keys): two
    statements whatever the number of rows, where ``bulk_update`` would build a CASE per
    field and row. Derived rows only (nothing refers to them), under the sync's lock."""
    if deleted:
        model.objects.filter(pk__in=deleted).delete()
    model.objects.bulk_create(created, batch_size=2000)


def _run_record(*, kind: str, trigger: str, started_at: datetime.datetime, units: int, rows_changed: int) -> SyncRun:
    """The run's record, written with its results (in the sync's transaction: a sync that
    fails leaves none)."""
    return SyncRun.objects.create(
        kind=kind,
        trigger=trigger[:100],
        started_at=started_at,
        finished_at=timezone.now(),
        units=units,
        rows_changed=rows_changed,
    )


@transaction.atomic
def readiness_sync_full(*, trigger: str = "") -> SyncRun:
    """Recompute every unit's metrics and readiness from the records and correct any drift.

    The counts come from one set-based query over all officers and certificates
    (``compute.own_counts``); sums over subtrees and the index are computed here. Returns
    the recorded run (rows changed: 0 when nothing had drifted)."""
    started_at = timezone.now()
    scope = _units(Unit.objects.all())
    _lock_services(unit.service_id for unit in scope.values())
    if connection.vendor == "postgresql":
        # PostgreSQL takes each certificate's JSON list of competencies for 100 rows (it
        # cannot see into jsonb_array_elements_text), costs the counting query in millions
        # and JIT-compiles it: seconds of compiling, as long again as the query runs. Off
        # for this transaction only.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
    paths = {unit.id: unit.path for unit in scope.values()}
    codes = list(Competency.objects.values_list("code", flat=True))
    counts = subtree_sums(own_counts(), paths)
    people = people_sums(own_people(), paths)
    profiles = profile_rules()
    readiness = _scores(scope=scope, counts=counts, people=people, assessed_outside=[], codes=codes, profiles=profiles)
    changed = _store(
        scope=scope, counts=counts, readiness=readiness, codes=codes, profiles=profiles, metrics=_stored_metrics(scope)
    )
    run = _run_record(
        kind=SyncRun.Kind.FULL, trigger=trigger, started_at=started_at, units=len(scope), rows_changed=changed
    )
    SyncState.objects.filter(service_id__in={unit.service_id for unit in scope.values()}).update(
        last_full_at=run.finished_at
    )
    return run


@transaction.atomic
def readiness_sync_units(*, unit_ids: Iterable[int], trigger: str = "") -> SyncRun:
    """Recompute the given units and their ancestors only (an event touched them).

    Each unit's subtree sum is its own officers' counts plus its children's sums: the
    children in the chain are recomputed, the others read as stored (they did not change,
    and the service lock keeps any other sync out meanwhile). Gives the same rows as a
    full reconciliation would. A fixed number of queries, whatever the number of units."""
    started_at = timezone.now()
    given = _units(Unit.objects.filter(pk__in=list(unit_ids)))
    chain_ids = {ancestor for unit in given.values() for ancestor in ancestor_ids(unit.path)}
    nearby = _units(Unit.objects.filter(Q(pk__in=chain_ids) | Q(parent_id__in=chain_ids)))
    scope = {unit_id: nearby[unit_id] for unit_id in chain_ids if unit_id in nearby}
    _lock_services(unit.service_id for unit in scope.values())
    codes = list(Competency.objects.values_list("code", flat=True))

    # The stored rows beside the chain, each read once: the metrics of the chain and its
    # children (the chain's own for comparing), and the readiness of every unit under the
    # chain's roots (the roll-ups need every assessed unit below them).
    metrics = _stored_metrics(nearby)
    stored_counts: dict[int, dict[str, Counts]] = {}
    for (unit_id, code), (_pk, values) in metrics.items():
        if unit_id not in scope:
            stored_counts.setdefault(unit_id, {})[code] = Counts(*values[:4])
    roots = [unit for unit in scope.values() if unit.parent_id is None or unit.parent_id not in scope]
    stored_people: dict[int, People] = {}
    assessed_outside = []
    for root in roots:
        for unit_id, path, unit_type, index, status, *people_values in (
            UnitReadiness.objects.filter(unit__path__startswith=root.path)
            .exclude(unit_id__in=list(scope))
            .values_list(
                *("unit_id", "unit__path", "unit__unit_type", "index", "status"),
                *("eligible", "eligible_women", "finally_certified", "vetting_unknown"),
            )
        ):
            stored_people[unit_id] = People(*people_values)
            if is_assessed(unit_type):
                assessed_outside.append((path, index, status, people_values[0]))

    own = own_counts(unit_ids=scope)
    own_officers = own_people(unit_ids=scope)
    counts: dict[int, dict[str, Counts]] = {}
    people: dict[int, People] = {}
    children: dict[int, list[int]] = {}
    for unit in nearby.values():
        if unit.parent_id in scope:
            children.setdefault(unit.parent_id, []).append(unit.id)
    for unit in sorted(scope.values(), key=lambda unit: -unit.path.count("/")):
        total = {code: Counts() for code in codes}
        total_people = People()
        for code, value in own.get(unit.id, {}).items():
            total[code].add(value)
        total_people.add(own_officers.get(unit.id, People()))
        for child in children.get(unit.id, []):
            child_counts = counts[child] if child in scope else stored_counts.get(child, {})
            for code, value in child_counts.items():
                total.setdefault(code, Counts()).add(value)
            total_people.add(people[child] if child in scope else stored_people.get(child, People()))
        counts[unit.id] = total
        people[unit.id] = total_people
    profiles = profile_rules()
    readiness = _scores(
        scope=scope, counts=counts, people=people, assessed_outside=assessed_outside, codes=codes, profiles=profiles
    )
    changed = _store(
        scope=scope,
        counts=counts,
        readiness=readiness,
        codes=codes,
        profiles=profiles,
        metrics=metrics,
    )
    return _run_record(
        kind=SyncRun.Kind.EVENT, trigger=trigger, started_at=started_at, units=len(scope), rows_changed=changed
    )


def units_mark_dirty(*, unit_ids: Iterable[int]) -> int:
    """Mark units for the next coalesced update; returns how many were given.

    A unit already marked gets a new time, so an update running meanwhile (which clears
    only the marks it saw, by their time) leaves this one for the next update."""
    ids = sorted(set(unit_ids))
    now = timezone.now()
    DirtyUnit.objects.bulk_create(
        [DirtyUnit(unit_id=unit_id, marked_at=now) for unit_id in ids],
        update_conflicts=True,
        unique_fields=["unit"],
        update_fields=["marked_at"],
    )
    return len(ids)


def _request_lost_before(now: datetime.datetime) -> datetime.datetime:
    """A request older than this has lost its message (the outbox's rule for a delivery)."""
    return now - datetime.timedelta(seconds=settings.OUTBOX_REDISPATCH_AFTER_SECONDS)


def dirty_sync_request(*, unit_ids: Iterable[int]) -> list[tuple[int, datetime.datetime]]:
    """Ask for the coalesced update of these units' services; returns (service id, request
    time) for each service whose ``readiness.sync_dirty`` message the caller must send now.

    A service gets one when no request of it is pending, or when the pending one is old
    enough to count as lost; otherwise the pending message's update will see the marks.
    Precondition: called after the marks committed (on commit), outside a transaction:
    a request that the update withdraws before the marks are visible would miss them."""
    now = timezone.now()
    service_ids = sorted(set(Unit.objects.filter(pk__in=list(unit_ids)).values_list("service_id", flat=True)))
    to_send = []
    for service_id in service_ids:
        request = SyncRequest.objects.filter(service_id=service_id).first()
        if request is None:
            try:
                with transaction.atomic():
                    SyncRequest.objects.create(service_id=service_id, requested_at=now)
            except IntegrityError:  # another event asked since we looked, after our marks committed
                continue
            to_send.append((service_id, now))
        elif _lost_request_renew(request, now=now):
            to_send.append((service_id, now))
    return to_send


def _lost_request_renew(request: SyncRequest, *, now: datetime.datetime) -> bool:
    """Renew a request whose message counts as lost. Compare and set: of two events that
    find the same lost request, one renews it (and sends)."""
    if request.requested_at >= _request_lost_before(now):
        return False
    renewed = SyncRequest.objects.filter(service_id=request.service_id, requested_at=request.requested_at)
    return renewed.update(requested_at=now) == 1


def dirty_sync_request_withdraw(*, service_id: int, requested_at: datetime.datetime) -> None:
    """The message of this request could not be sent: the next event asks again (the beat's
    update meanwhile takes the marks)."""
    SyncRequest.objects.filter(service_id=service_id, requested_at=requested_at).delete()


def readiness_sync_dirty(*, service_id: int | None = None) -> SyncRun | None:
    """Recompute the units marked dirty (of one service, or of every service for the beat's
    safety net) and their ancestors in one update, then clear exactly the marks it saw: a
    mark written meanwhile waits for the next update.

    First, in a transaction of its own, it withdraws the service's pending request (the
    beat: every request old enough to count as lost), before reading the marks. An event
    whose marks committed before that is seen by this update; one that asks after it finds
    no request and sends the next message. Precondition: outside a transaction (a task)."""
    requests = SyncRequest.objects.all()
    if service_id is None:
        requests = requests.filter(requested_at__lt=_request_lost_before(timezone.now()))
    else:
        requests = requests.filter(service_id=service_id)
    requests.delete()
    return _dirty_units_sync(service_id=service_id)


@transaction.atomic
def _dirty_units_sync(*, service_id: int | None) -> SyncRun | None:
    dirty = DirtyUnit.objects.all() if service_id is None else DirtyUnit.objects.filter(unit__service_id=service_id)
    marks = list(dirty.values_list("unit_id", "marked_at"))
    if not marks:
        return None
    run = readiness_sync_units(unit_ids=[unit_id for unit_id, _ in marks], trigger="events")
    for unit_id, marked_at in marks:
        DirtyUnit.objects.filter(unit_id=unit_id, marked_at=marked_at).delete()
    return run


def snapshots_take(*, day: datetime.date | None = None) -> int:
    """Append today's snapshot of every unit from the stored readiness (once per unit and day)."""
    day = day or timezone.localdate()
    metrics: dict[int, dict[str, list[int]]] = {}
    for unit_id, code, certified, headcount in CompetencyMetric.objects.values_list(
        "unit_id", "competency_id", "certified", "headcount"
    ):
        metrics.setdefault(unit_id, {})[code] = [certified, headcount]
    rows = [
        Snapshot(
            unit_id=row.unit_id,
            taken_on=day,
            index=row.index,
            status=row.status,
            eligible=row.eligible,
            eligible_women=row.eligible_women,
            coverage=metrics.get(row.unit_id, {}),
            components={
                "training": row.training_score,
                "vetting": row.vetting_score,
                "women": row.women_score,
                "assessment": row.assessment_score,
            },
        )
        for row in UnitReadiness.objects.all()
    ]
    before = Snapshot.objects.filter(taken_on=day).count()
    Snapshot.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return Snapshot.objects.filter(taken_on=day).count() - before


def last_full_sync() -> datetime.datetime | None:
    latest: datetime.datetime | None = SyncState.objects.aggregate(latest=Max("last_full_at"))["latest"]
    return latest
