"""History (R4): every unit's readiness as the records stood at the end of a past day."""

import datetime

from django.utils import timezone

from organisations.models import Unit
from readiness.compute import Counts, own_counts, own_people, people_sums, subtree_sums
from readiness.models import Competency
from readiness.services.measurement import ReadinessValues, _scores, _units


def readiness_as_of(*, day: datetime.date) -> dict[int, ReadinessValues]:
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
