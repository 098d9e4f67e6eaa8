"""Every write to readiness: syncing the derived metrics, snapshots, profiles, joint assessments.

Lock order: the services' ``SyncState`` rows (ascending id), then the metric rows. Every
sync of a service takes its ``SyncState`` row first, so a full reconciliation and any
number of event-driven updates run one after another and their result does not depend on
their order: each recomputes from the records, never from a delta. ``SyncRequest`` rows
(one pending ``readiness.sync_dirty`` message per service) are written outside any sync's
transaction and never locked with it.
"""

import datetime
from bisect import bisect_left
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import DecimalField, Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.audit.services import audit_record
from lms.events.models import Event
from lms.events.services import event_record
from organisations.models import Role, Unit, User
from organisations.selectors import scope_units
from readiness.compute import (
    Counts,
    People,
    ProfileRule,
    RequirementRule,
    ancestor_ids,
    own_counts,
    own_people,
    people_sums,
    rollup_score,
    subtree_sums,
    unit_score,
)
from readiness.models import (
    Competency,
    CompetencyMetric,
    DirtyUnit,
    HandoverDecision,
    JointAssessment,
    Requirement,
    RequirementProfile,
    Snapshot,
    SyncRequest,
    SyncRun,
    SyncState,
    UnitReadiness,
    Webhook,
)

# Units that are measured as a whole (a station, a specialised unit); areas and the national
# headquarters are roll-ups of the units below them.
ROLLUP_TYPES = (Unit.Type.NATIONAL, Unit.Type.AREA)


def is_assessed(unit_type: str) -> bool:
    return unit_type not in ROLLUP_TYPES


_PROFILE_FIELDS = (
    "threshold",
    "progressing_from",
    "training_weight",
    "vetting_target",
    "vetting_is_gate",
    "vetting_weight",
    "women_target",
    "women_is_gate",
    "women_weight",
    "assessment_weight",
)


def profile_rules() -> tuple[dict[str, ProfileRule], ProfileRule]:
    """(unit type -> rule, the default rule) from the stored profiles, in two queries.

    Plain values, no model instances: every sync reads them."""
    requirements: dict[int, list[RequirementRule]] = {}
    for profile_id, code, target, is_gate, weight in Requirement.objects.order_by(
        "profile_id", "competency__order", "competency_id"
    ).values_list("profile_id", "competency_id", "target", "is_gate", "weight"):
        requirements.setdefault(profile_id, []).append(RequirementRule(code, float(target), is_gate, float(weight)))
    rules = {}
    for profile_id, unit_type, *values in RequirementProfile.objects.values_list("pk", "unit_type", *_PROFILE_FIELDS):
        numbers = {
            name: value if isinstance(value, bool) else float(value)
            for name, value in zip(_PROFILE_FIELDS, values, strict=True)
        }
        rules[unit_type] = ProfileRule(requirements=tuple(requirements.get(profile_id, ())), **numbers)
    default = rules.pop("", None) or ProfileRule(requirements=())
    return rules, default


def assessment_scores(*, unit_ids: Iterable[int] | None = None, day: datetime.date | None = None) -> dict[int, float]:
    """unit id -> the latest joint assessment (on or before ``day``) as a share 0-1: the mean
    of its four ratings (not met 0, partly 0.5, met 1)."""
    rounds = JointAssessment.objects.all()
    if unit_ids is not None:
        rounds = rounds.filter(unit_id__in=list(unit_ids))
    if day is not None:
        rounds = rounds.filter(assessed_on__lte=day)
    scores: dict[int, float] = {}
    for unit_id, *ratings in rounds.order_by("unit_id", "-assessed_on", "-pk").values_list(
        "unit_id", "logistics", "command_stability", "human_rights_compliance", "community_acceptance"
    ):
        if unit_id not in scores:
            scores[unit_id] = sum(ratings) / (2 * len(ratings))
    return scores


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


class _Unit:
    __slots__ = ("id", "parent_id", "path", "service_id", "unit_type")

    def __init__(self, id, path, unit_type, service_id, parent_id):
        self.id, self.path, self.unit_type, self.service_id, self.parent_id = id, path, unit_type, service_id, parent_id


def _units(queryset) -> dict[int, _Unit]:
    return {row[0]: _Unit(*row) for row in queryset.values_list("id", "path", "unit_type", "service_id", "parent_id")}


def _scores(
    *,
    scope: dict[int, _Unit],
    counts: dict[int, dict[str, Counts]],
    people: dict[int, People],
    assessed_outside: list[tuple[str, float | None, str, int]],
    codes: list[str],
    day: datetime.date | None = None,
    profiles: tuple[dict[str, ProfileRule], ProfileRule] | None = None,
) -> dict[int, dict]:
    """UnitReadiness values for every unit of ``scope``.

    Assessed units are scored from their counts; a roll-up unit (area, nation) from every
    assessed unit below it: those of ``scope`` as just scored, the others from
    ``assessed_outside`` as (path, index, status, eligible). ``profiles`` is
    ``profile_rules()`` when the caller has it already."""
    rules, default = profiles or profile_rules()
    assessments = assessment_scores(unit_ids=list(scope), day=day)
    values: dict[int, dict] = {}
    assessed: list[tuple[str, float | None, str, int]] = list(assessed_outside)
    for unit in scope.values():
        if not is_assessed(unit.unit_type):
            continue
        unit_people = people.get(unit.id, People())
        score = unit_score(
            profile=rules.get(unit.unit_type, default),
            counts={code: counts.get(unit.id, {}).get(code, Counts()) for code in codes},
            people=unit_people,
            assessment=assessments.get(unit.id),
        )
        values[unit.id] = {
            "training_score": score.training,
            "vetting_score": score.vetting,
            "women_score": score.women,
            "assessment_score": score.assessment,
            "index": score.index,
            "status": score.status,
            "gates": score.gates,
            "units_ready": int(score.status == UnitReadiness.Status.READY),
            "units_assessed": int(bool(score.status)),
        }
        assessed.append((unit.path, score.index, score.status, unit_people.eligible))
    # Summed in path order whichever sync this is, so that a full reconciliation and an
    # event-driven update add the same floats in the same order (to the last bit). Sorted
    # by path, a subtree's units are one slice: from the area's path to its last
    # descendant (paths are digits and "/", all below "~").
    assessed.sort(key=lambda item: item[0])
    paths = [item[0] for item in assessed]
    for unit in scope.values():
        if is_assessed(unit.unit_type):
            continue
        below = assessed[bisect_left(paths, unit.path) : bisect_left(paths, unit.path + "~")]
        index, ready, assessed_count = rollup_score(
            (index, status, eligible) for _path, index, status, eligible in below
        )
        values[unit.id] = {
            "training_score": None,
            "vetting_score": None,
            "women_score": None,
            "assessment_score": None,
            "index": index,
            "status": _rollup_status(index=index, ready=ready, assessed=assessed_count, rule=default),
            "gates": [],
            "units_ready": ready,
            "units_assessed": assessed_count,
        }
    for unit_id, unit_values in values.items():
        unit_people = people.get(unit_id, People())
        unit_values |= {
            "eligible": unit_people.eligible,
            "eligible_women": unit_people.eligible_women,
            "finally_certified": unit_people.finally_certified,
            "vetting_unknown": unit_people.vetting_unknown,
        }
    return values


def _rollup_status(*, index: float | None, ready: int, assessed: int, rule: ProfileRule) -> str:
    """An area is ready when every unit assessed in it is; otherwise by its weighted index."""
    if not assessed or index is None:
        return ""
    if ready == assessed:
        return UnitReadiness.Status.READY
    return UnitReadiness.Status.PROGRESSING if index >= rule.progressing_from else UnitReadiness.Status.NOT_READY


def _targets(
    scope: dict[int, _Unit], profiles: tuple[dict[str, ProfileRule], ProfileRule]
) -> dict[int, dict[str, tuple[Decimal | None, bool]]]:
    """unit id -> competency -> (target, is gate) from the unit type's profile (assessed units only)."""
    rules, default = profiles
    targets: dict[int, dict[str, tuple[Decimal | None, bool]]] = {}
    for unit in scope.values():
        if is_assessed(unit.unit_type):
            rule = rules.get(unit.unit_type, default)
            targets[unit.id] = {
                r.code: (Decimal(str(r.target)).quantize(Decimal("0.001")), r.is_gate) for r in rule.requirements
            }
    return targets


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


_MetricRows = dict[tuple[int, str], tuple[int, tuple]]  # (unit, code) -> (pk, _METRIC_FIELDS values)
_ReadinessRows = dict[int, tuple]  # unit -> _READINESS_FIELDS values


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
    readiness: dict[int, dict],
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
    to_create, to_update = [], []
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
    new_rows, changed_rows = [], []
    for unit_id, values in readiness.items():
        stored = readiness_rows.get(unit_id)
        if stored is not None and stored == tuple(values[name] for name in _READINESS_FIELDS):
            continue
        row = UnitReadiness(unit_id=unit_id, computed_at=now, **{name: values[name] for name in _READINESS_FIELDS})
        (new_rows if stored is None else changed_rows).append(row)
    _rows_replace(UnitReadiness, deleted=[row.pk for row in changed_rows], created=new_rows + changed_rows)
    return changed + len(new_rows) + len(changed_rows)


def _rows_replace(model, *, deleted: list[int], created: list) -> None:
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
    marks = DirtyUnit.objects.all() if service_id is None else DirtyUnit.objects.filter(unit__service_id=service_id)
    marks = list(marks.values_list("unit_id", "marked_at"))
    if not marks:
        return None
    run = readiness_sync_units(unit_ids=[unit_id for unit_id, _ in marks], trigger="events")
    for unit_id, marked_at in marks:
        DirtyUnit.objects.filter(unit_id=unit_id, marked_at=marked_at).delete()
    return run


def snapshots_take(*, day: datetime.date | None = None) -> int:
    """Append today's snapshot of every unit from the stored readiness (once per unit and day)."""
    day = day or timezone.localdate()
    metrics: dict[int, dict] = {}
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
    return SyncState.objects.aggregate(latest=Max("last_full_at"))["latest"]


# Webhooks (R1) -----------------------------------------------------------------------------
# Also the API's on-demand reconciliation: both go out through the outbox, so a broker
# outage delays them and loses nothing.

SYNC_REQUESTED_EVENT = "readiness.sync_requested"
WEBHOOK_EVENT = "readiness.webhook"


@transaction.atomic
def readiness_sync_request(*, actor: User) -> Event:
    """Queue a full reconciliation (``handlers.readiness_reconcile``) and audit who asked."""
    event = event_record(name=SYNC_REQUESTED_EVENT, payload={"requested_by": actor.pk})
    audit_record(actor=actor, action=SYNC_REQUESTED_EVENT, target=event, after={"event": event.pk})
    return event


@transaction.atomic
def webhooks_notify(*, day: datetime.date) -> int:
    """Record one outbox event per active webhook to send ``day``'s snapshots
    (``readiness.webhooks.webhook_deliver``). Idempotent: a webhook already notified of the
    day is skipped, so a repeated nightly task sends nothing twice. Returns how many events."""
    count = 0
    for webhook_id in Webhook.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True):
        payload = {"webhook_id": webhook_id, "day": day.isoformat()}
        sent = Event.objects.filter(name=WEBHOOK_EVENT, payload__webhook_id=webhook_id, payload__day=payload["day"])
        if sent.exists():
            continue
        event_record(name=WEBHOOK_EVENT, payload=payload)
        count += 1
    return count


# Profiles, joint assessments and handover decisions (R3) ------------------------------------
#
# Who may: a requirement profile applies to every unit of its type in every service, so only
# admins and leaders of a whole service (a leadership scope that includes a root unit)
# change profiles. Joint assessments and handover decisions: admins and leaders whose
# leadership scope covers the unit. Every change is audited with its before and after.
#
# A profile change can touch any unit: it records ``readiness.profile_changed``, whose
# handler runs a full reconciliation. A joint assessment or handover decision touches one
# unit: it marks the unit dirty in the same transaction (so the periodic
# ``readiness.sync_dirty`` finds it whatever happens to the broker) and records
# ``readiness.unit_changed``, whose handler asks for the coalesced update after commit.

PROFILE_EDITABLE_FIELDS = ("name", *_PROFILE_FIELDS)
PROFILE_WEIGHT_FIELDS = ("training_weight", "vetting_weight", "women_weight", "assessment_weight")
PROFILE_CHANGED_EVENT = "readiness.profile_changed"
UNIT_CHANGED_EVENT = "readiness.unit_changed"


def profiles_can_edit(*, user: User) -> bool:
    """Admins, and leaders whose leadership scope includes a root unit (a whole service)."""
    roots = scope_units(user, roles=(Role.LEADERSHIP,))
    return roots is None or any(root.parent_id is None for root in roots)


def readiness_can_manage(*, user: User, unit: Unit) -> bool:
    """Admins, and leaders whose leadership scope covers ``unit``."""
    roots = scope_units(user, roles=(Role.LEADERSHIP,))
    return roots is None or any(unit.path.startswith(root.path) for root in roots)


def _audit_value(value):
    """A field value as JSON for the audit trail: decimals as text, dates in ISO form."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _not_in_future(day: datetime.date | None, field: str, errors: dict[str, list]) -> None:
    if day is not None and day > timezone.localdate():
        errors.setdefault(field, []).append(ValidationError(_("The date cannot be in the future."), code="future"))


def _full_clean(instance, errors: dict[str, list], *, exclude: list[str] | None = None) -> None:
    """Model validation, its errors merged into ``errors`` (field name -> errors)."""
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        for name, messages in error.update_error_dict({}).items():
            errors.setdefault(name, []).extend(messages)


def _quantize_decimals(instance) -> None:
    """Store decimals as the database gives them back ("2" becomes "2.00"), so that an
    unchanged value compares and audits as unchanged. After a successful ``full_clean``."""
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname)
        if isinstance(field, DecimalField) and isinstance(value, Decimal):
            setattr(instance, field.attname, value.quantize(Decimal(1).scaleb(-field.decimal_places)))


def _profile_changed(*, profile: RequirementProfile, actor: User) -> None:
    profile.updated_by = actor
    profile.save(update_fields=["updated_at", "updated_by"])
    event_record(name=PROFILE_CHANGED_EVENT, payload={"profile_id": profile.pk})


@transaction.atomic
def profile_create(*, unit_type: str, name: str, actor: User) -> RequirementProfile:
    """A profile for a unit type that has none yet, starting as a copy of the default one
    (its settings and requirements). ``ValidationError`` per field; ``PermissionDenied``
    unless ``profiles_can_edit``."""
    if not profiles_can_edit(user=actor):
        raise PermissionDenied
    errors: dict[str, list] = {}
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
    event_record(name=PROFILE_CHANGED_EVENT, payload={"profile_id": profile.pk})
    return profile


@transaction.atomic
def profile_update(*, profile: RequirementProfile, actor: User, **changes) -> RequirementProfile:
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
    errors: dict[str, list] = {}
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
    event_record(name=PROFILE_CHANGED_EVENT, payload={"profile_id": profile.pk})
    return profile


_REQUIREMENT_FIELDS = ("population", "position", "target", "is_gate", "weight")


def _requirement_values(requirement: Requirement) -> dict:
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
    errors: dict[str, list] = {}
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
    requirement = Requirement.objects.filter(pk=requirement.pk).first()
    if requirement is None:
        return
    others = list(profile.requirements.exclude(pk=requirement.pk).values_list("weight", flat=True))
    if others and not sum(others) > 0:
        raise ValidationError(
            _("The requirements left would all weigh zero: give another one weight first."), code="zero"
        )
    before = {"competency": requirement.competency_id, **_requirement_values(requirement)}
    requirement.delete()
    audit_record(actor=actor, action="readiness.requirement_deleted", target=profile, before=before)
    _profile_changed(profile=profile, actor=actor)


def _unit_changed(*, unit: Unit) -> None:
    """The unit's readiness must be recomputed: a mark now, the update after commit."""
    units_mark_dirty(unit_ids=[unit.pk])
    event_record(name=UNIT_CHANGED_EVENT, payload={"unit_id": unit.pk})


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
    errors: dict[str, list] = {}
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


@transaction.atomic
def handover_decision_record(
    *, unit: Unit, decision: str, decided_on: datetime.date, notes: str, actor: User
) -> HandoverDecision:
    """Record the joint decision to hand a unit or area over, or to defer it; the date
    cannot be in the future. The newest decision is the unit's handover status; a unit
    handed over is still measured. ``ValidationError`` per field, ``PermissionDenied``
    unless ``readiness_can_manage``. Audited."""
    if not readiness_can_manage(user=actor, unit=unit):
        raise PermissionDenied
    record = HandoverDecision(
        unit=unit, decision=decision, decided_on=decided_on, notes=(notes or "").strip(), recorded_by=actor
    )
    errors: dict[str, list] = {}
    _full_clean(record, errors)
    _not_in_future(decided_on, "decided_on", errors)
    if errors:
        raise ValidationError(errors)
    record.save()
    audit_record(
        actor=actor,
        action="readiness.handover_decision_recorded",
        target=record,
        after={"unit": unit.pk, "decision": decision, "decided_on": decided_on.isoformat(), "notes": record.notes},
    )
    _unit_changed(unit=unit)
    return record


# History (R4) -------------------------------------------------------------------------------


def readiness_as_of(*, day: datetime.date) -> dict[int, dict]:
    """unit id -> every unit's readiness as the records stood at the end of ``day``: the
    ``UnitReadiness`` values a full reconciliation would have stored then, plus
    ``"coverage"`` ({code: [certified, headcount]} for every competency, as in a snapshot).

    Certificates count as they were valid at that moment (issued by then, not yet revoked,
    superseded or expired: ``compute.own_counts(as_of=...)``) and the joint assessment is the
    latest on or before ``day``. Officers are counted as the roster stands now: the roster
    keeps no dated history of vetting, and transfers and departures are not replayed, so a
    past day shows today's officers with the certificates they held then."""
    as_of = timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))
    scope = _units(Unit.objects.all())
    paths = {unit.id: unit.path for unit in scope.values()}
    codes = list(Competency.objects.values_list("code", flat=True))
    counts = subtree_sums(own_counts(as_of=as_of), paths)
    people = people_sums(own_people(), paths)
    values = _scores(scope=scope, counts=counts, people=people, assessed_outside=[], codes=codes, day=day)
    for unit_id, unit_values in values.items():
        unit_counts = counts.get(unit_id, {})
        unit_values["coverage"] = {
            code: [unit_counts.get(code, Counts()).certified, unit_counts.get(code, Counts()).headcount]
            for code in codes
        }
    return values
