"""Dated snapshots derived from the records: the history a new installation or the demo lacks.

The nightly ``readiness.sync_full`` task appends each day's snapshot from the stored
metrics (``services.snapshots_take``). ``snapshots_backfill`` writes the snapshots of past
days from the records themselves (``services.readiness_as_of``): the certificates valid at
the end of each day (issued by then; revoked, superseded or expired only later) and the
joint assessment of that day. Officers are counted as the roster stands now (see
``readiness_as_of``): a past day shows today's officers, vetting and units.

Append-only like every snapshot: a day and unit that has a snapshot keeps it (rows are
inserted with ``ignore_conflicts``, never updated), so running a backfill again, or over
days the nightly task already took, changes nothing.
"""

import datetime

from django.db.models import Count
from django.utils import timezone

from organisations.models import Unit
from readiness.models import Snapshot
from readiness.services import readiness_as_of


def backfill_days(*, start: datetime.date, end: datetime.date, step_days: int = 7) -> list[datetime.date]:
    """``start``, ``start`` + ``step_days``, ... up to ``end`` included."""
    if step_days < 1:
        raise ValueError("step_days must be at least 1.")
    count = (end - start).days // step_days + 1 if end >= start else 0
    return [start + datetime.timedelta(days=step_days * number) for number in range(count)]


def snapshot_rows(*, day: datetime.date, values: dict[int, dict]) -> list[Snapshot]:
    """Unsaved snapshots of ``day`` from ``readiness_as_of`` values (the shape of ``snapshots_take``)."""
    return [
        Snapshot(
            unit_id=unit_id,
            taken_on=day,
            index=unit_values["index"],
            status=unit_values["status"],
            eligible=unit_values["eligible"],
            eligible_women=unit_values["eligible_women"],
            coverage=unit_values["coverage"],
            components={
                "training": unit_values["training_score"],
                "vetting": unit_values["vetting_score"],
                "women": unit_values["women_score"],
                "assessment": unit_values["assessment_score"],
            },
        )
        for unit_id, unit_values in values.items()
    ]


def snapshots_backfill(*, start: datetime.date, end: datetime.date, step_days: int = 7) -> int:
    """Insert the missing snapshots of every unit for ``backfill_days(start, end, step_days)``,
    each computed from the records as they stood at the end of that day. Returns how many
    rows were inserted (0 when run again). Days on which every unit has a snapshot are not
    recomputed. ``ValueError`` when ``end`` is after today. Today's snapshot shows the
    records so far, as ``snapshots_take`` does after a full reconciliation.

    Takes no lock: it only inserts, and the unique (unit, day) constraint settles a race
    with the nightly snapshot or another backfill (the first row stays)."""
    if end > timezone.localdate():
        raise ValueError("A future day has no records yet: no snapshot can be taken of it.")
    days = backfill_days(start=start, end=end, step_days=step_days)
    if not days:
        return 0
    units = Unit.objects.count()
    complete = {
        row["taken_on"]
        for row in Snapshot.objects.filter(taken_on__in=days)
        .values("taken_on")
        .annotate(units=Count("unit_id"))
        .filter(units__gte=units)
    }
    created = 0
    for day in days:
        if day in complete:
            continue
        rows = snapshot_rows(day=day, values=readiness_as_of(day=day))
        before = Snapshot.objects.filter(taken_on=day).count()
        Snapshot.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
        created += Snapshot.objects.filter(taken_on=day).count() - before
    return created
