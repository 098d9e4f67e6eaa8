"""How units are scored: the requirement profiles as plain rules, the joint assessments as
scores, and the ``UnitReadiness`` values of a set of units from their counts. Reads
only; the syncs (``sync``) store what it computes, the history (``history``) does not.
"""

import datetime
from bisect import bisect_left
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from organisations.models import Unit
from readiness.compute import Counts, People, ProfileRule, RequirementRule, rollup_score, unit_score
from readiness.models import JointAssessment, Requirement, RequirementProfile, UnitReadiness

# Units that are measured as a whole (a station, a specialised unit); areas and the national
# headquarters are roll-ups of the units below them.
ROLLUP_TYPES = (Unit.Type.NATIONAL, Unit.Type.AREA)


def is_assessed(unit_type: str) -> bool:
    return unit_type not in ROLLUP_TYPES


# A unit's ``UnitReadiness`` values by field name (``sync._READINESS_FIELDS``), as computed.
ReadinessValues = dict[str, Any]

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
        # The profile's fields by name: floats, and booleans for the gates.
        numbers: dict[str, Any] = {
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


class _Unit:
    __slots__ = ("id", "parent_id", "path", "service_id", "unit_type")

    def __init__(self, id: int, path: str, unit_type: str, service_id: int, parent_id: int | None) -> None:
        self.id, self.path, self.unit_type, self.service_id, self.parent_id = id, path, unit_type, service_id, parent_id


def _units(queryset: QuerySet[Unit]) -> dict[int, _Unit]:
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
) -> dict[int, ReadinessValues]:
    """UnitReadiness values for every unit of ``scope``.

    Assessed units are scored from their counts; a roll-up unit (area, nation) from every
    assessed unit below it: those of ``scope`` as just scored, the others from
    ``assessed_outside`` as (path, index, status, eligible). ``profiles`` is
    ``profile_rules()`` when the caller has it already."""
    rules, default = profiles or profile_rules()
    assessments = assessment_scores(unit_ids=list(scope), day=day)
    values: dict[int, ReadinessValues] = {}
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
