"""The arithmetic of readiness: counts from the records in SQL, then index and status.

Pure reads and pure functions; ``readiness.services`` decides what to store and locks.

``own_counts`` is the one set-based query both a full reconciliation and an event-driven
update run (the latter for a few units), so the two cannot disagree: per unit and
competency of the catalogue, the eligible officers *of the unit itself* in the
requirement's population (the unit type's profile decides it), how many of them hold a
valid certificate with that competency, and how many of each are women. A unit's metric
is the sum of ``own_counts`` over its subtree (``subtree_sums``), which is the roll-up
weighted by headcount.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypedDict

from django.db import connection
from django.utils import timezone

from certificates.models import Certificate
from organisations.models import Officer

ELIGIBLE_SQL = "o.is_active AND o.vetting_status <> %s"
# Statuses that end a certificate's validity when they are set; before that moment it counted.
LAPSED_STATUSES = (Certificate.Status.REVOKED, Certificate.Status.SUPERSEDED, Certificate.Status.EXPIRED)


@dataclass
class Counts:
    headcount: int = 0
    headcount_women: int = 0
    certified: int = 0
    certified_women: int = 0

    def add(self, other: "Counts") -> None:
        self.headcount += other.headcount
        self.headcount_women += other.headcount_women
        self.certified += other.certified
        self.certified_women += other.certified_women

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.headcount, self.headcount_women, self.certified, self.certified_women)


@dataclass
class People:
    """Officer counts of a unit that do not depend on a competency."""

    eligible: int = 0
    eligible_women: int = 0
    finally_certified: int = 0
    vetting_unknown: int = 0

    def add(self, other: "People") -> None:
        self.eligible += other.eligible
        self.eligible_women += other.eligible_women
        self.finally_certified += other.finally_certified
        self.vetting_unknown += other.vetting_unknown


# Parameters of a raw SQL statement.
SqlParams = list[str | int | datetime.date]


def _competencies_of_certificates() -> str:
    """FROM-clause fragment: one row (c.*, j.value) per competency code of each certificate."""
    if connection.vendor == "postgresql":
        return "certificates_certificate c CROSS JOIN LATERAL jsonb_array_elements_text(c.competencies) AS j(value)"
    return "certificates_certificate c, json_each(c.competencies) j"


def _held_sql(as_of: datetime.datetime | None, *, eligible_only: bool) -> tuple[str, SqlParams]:
    """(officer_id, competency) pairs held through a valid certificate, now or at ``as_of``;
    with ``eligible_only``, of the officers of the ``eligible`` CTE only (a few units)."""
    if as_of is None:
        day = timezone.localdate()
        validity = "c.status = %s"
        params: SqlParams = [Certificate.Status.VALID]
    else:
        day = timezone.localtime(as_of).date()
        placeholders = ", ".join(["%s"] * len(LAPSED_STATUSES))
        validity = (
            f"c.issued_at <= %s AND (c.status = %s OR (c.status IN ({placeholders}) AND c.status_changed_at > %s))"
        )
        params = [as_of, Certificate.Status.VALID, *LAPSED_STATUSES, as_of]
    # For a few units, only their officers' certificates (through the officer index): an
    # event-driven update must not read every certificate of the service.
    officers = " AND c.officer_id IN (SELECT id FROM eligible)" if eligible_only else ""
    sql = (
        f"SELECT DISTINCT c.officer_id, j.value AS competency FROM {_competencies_of_certificates()} "
        f"WHERE {validity} AND (c.expires_on IS NULL OR c.expires_on >= %s){officers}"
    )
    return sql, [*params, day]


def own_counts(
    *, unit_ids: Iterable[int] | None = None, as_of: datetime.datetime | None = None
) -> dict[int, dict[str, Counts]]:
    """unit id -> competency code -> Counts of the unit's own eligible officers (one query).

    ``unit_ids`` None means every unit. Units with no eligible officer are absent.
    """
    held_sql, held_params = _held_sql(as_of, eligible_only=unit_ids is not None)
    unit_filter, unit_params = "", []
    if unit_ids is not None:
        ids = sorted(set(unit_ids))
        if not ids:
            return {}
        unit_filter = f" AND o.unit_id IN ({', '.join(['%s'] * len(ids))})"
        unit_params = ids
    sql = f"""
        WITH eligible AS (
            SELECT o.id, o.unit_id, o.sex, o.is_commander, o.position
            FROM organisations_officer o
            WHERE {ELIGIBLE_SQL}{unit_filter}
        ),
        unit_profile AS (
            SELECT u.id AS unit_id, COALESCE(p.id, d.id) AS profile_id
            FROM organisations_unit u
            LEFT JOIN readiness_requirementprofile p ON p.unit_type = u.unit_type
            LEFT JOIN readiness_requirementprofile d ON d.unit_type = ''
        ),
        held AS ({held_sql})
        SELECT e.unit_id, k.code,
               COUNT(*),
               SUM(CASE WHEN e.sex = 'F' THEN 1 ELSE 0 END),
               COUNT(h.officer_id),
               SUM(CASE WHEN h.officer_id IS NOT NULL AND e.sex = 'F' THEN 1 ELSE 0 END)
        FROM eligible e
        JOIN unit_profile up ON up.unit_id = e.unit_id
        CROSS JOIN readiness_competency k
        LEFT JOIN readiness_requirement r ON r.profile_id = up.profile_id AND r.competency_id = k.code
        LEFT JOIN held h ON h.officer_id = e.id AND h.competency = k.code
        WHERE r.id IS NULL OR r.population = 'all'
           OR (r.population = 'commanders' AND e.is_commander)
           OR (r.population = 'position' AND e.position = r.position)
        GROUP BY e.unit_id, k.code
    """
    result: dict[int, dict[str, Counts]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(sql, [Officer.VettingStatus.EXCLUDED, *unit_params, *held_params])
        for unit_id, code, headcount, women, certified, certified_women in cursor.fetchall():
            result[unit_id][code] = Counts(headcount, women or 0, certified, certified_women or 0)
    return dict(result)


def own_people(*, unit_ids: Iterable[int] | None = None) -> dict[int, People]:
    """unit id -> People of the unit's own officers (one query); eligible as in ``own_counts``."""
    unit_filter = ""
    params: SqlParams = [Officer.VettingStatus.EXCLUDED]
    if unit_ids is not None:
        ids = sorted(set(unit_ids))
        if not ids:
            return {}
        unit_filter = f" AND o.unit_id IN ({', '.join(['%s'] * len(ids))})"
        params += ids
    sql = f"""
        SELECT o.unit_id, COUNT(*),
               SUM(CASE WHEN o.sex = 'F' THEN 1 ELSE 0 END),
               SUM(CASE WHEN o.vetting_status = %s THEN 1 ELSE 0 END),
               SUM(CASE WHEN o.vetting_status = %s THEN 1 ELSE 0 END)
        FROM organisations_officer o
        WHERE {ELIGIBLE_SQL}{unit_filter}
        GROUP BY o.unit_id
    """
    statuses = [Officer.VettingStatus.FINALLY_CERTIFIED, Officer.VettingStatus.UNKNOWN]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*statuses, *params])
        return {
            unit_id: People(eligible, women or 0, final or 0, unknown or 0)
            for unit_id, eligible, women, final, unknown in cursor.fetchall()
        }


def ancestor_ids(path: str) -> list[int]:
    """Every unit on a materialised path, the unit itself last ("0000001/0000004/" -> [1, 4])."""
    return [int(segment) for segment in path.strip("/").split("/") if segment]


def subtree_sums(
    own: Mapping[int, dict[str, Counts]], paths: Mapping[int, str], *, unit_ids: Iterable[int] | None = None
) -> dict[int, dict[str, Counts]]:
    """unit id -> competency -> Counts summed over the unit's subtree.

    ``own`` must hold the own counts of every unit in the subtrees asked for; ``unit_ids``
    (default: all of ``paths``) limits which sums are returned.
    """
    wanted = set(paths) if unit_ids is None else set(unit_ids)
    sums: dict[int, dict[str, Counts]] = {unit_id: {} for unit_id in wanted}
    for unit_id, by_code in own.items():
        for ancestor in ancestor_ids(paths[unit_id]):
            if ancestor not in wanted:
                continue
            target = sums[ancestor]
            for code, counts in by_code.items():
                target.setdefault(code, Counts()).add(counts)
    return sums


def people_sums(own: Mapping[int, People], paths: Mapping[int, str]) -> dict[int, People]:
    sums: dict[int, People] = {unit_id: People() for unit_id in paths}
    for unit_id, people in own.items():
        for ancestor in ancestor_ids(paths[unit_id]):
            if ancestor in sums:
                sums[ancestor].add(people)
    return sums


# The index ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequirementRule:
    code: str
    target: float
    is_gate: bool
    weight: float


@dataclass(frozen=True)
class ProfileRule:
    """A requirement profile as plain numbers (see ``readiness.models.RequirementProfile``)."""

    requirements: tuple[RequirementRule, ...]
    threshold: float = 0.8
    progressing_from: float = 0.5
    training_weight: float = 0.6
    vetting_target: float = 0.8
    vetting_is_gate: bool = True
    vetting_weight: float = 0.15
    women_target: float = 0.2
    women_is_gate: bool = False
    women_weight: float = 0.1
    assessment_weight: float = 0.15

    def target_of(self, code: str) -> RequirementRule | None:
        return next((rule for rule in self.requirements if rule.code == code), None)


class Gate(TypedDict):
    """A gate of the profile and whether the unit meets it (stored in ``UnitReadiness.gates``)."""

    key: str  # a competency code, "vetting" or "women"
    met: bool


@dataclass
class Score:
    index: float | None
    status: str  # "ready", "progressing", "not_ready", or "" when nobody is eligible
    training: float | None
    vetting: float | None
    women: float | None
    assessment: float | None
    gates: list[Gate] = field(default_factory=list)


def _capped(share: float, target: float) -> float:
    return 1.0 if target <= 0 else min(1.0, share / target)


def unit_score(
    *, profile: ProfileRule, counts: Mapping[str, Counts], people: People, assessment: float | None
) -> Score:
    """Index, status and components of one assessable unit (DOMAIN.md's proposal).

    Training T = sum of weight x min(1, coverage / target) over the profile's requirements
    whose population is not empty, divided by their weights. Vetting and women's share are
    capped the same way. The joint assessment counts 0 until one is recorded: a unit is not
    ready before assessors have seen it. Status "ready" only when every gate is met and the
    index reaches the threshold.
    """
    if people.eligible == 0:
        return Score(None, "", None, None, None, assessment)
    gates: list[Gate] = []
    weighted, weights = 0.0, 0.0
    for rule in profile.requirements:
        row = counts.get(rule.code)
        if row is None or row.headcount == 0:
            if rule.is_gate:
                gates.append(Gate(key=rule.code, met=False))
            continue
        coverage = row.certified / row.headcount
        weighted += rule.weight * _capped(coverage, rule.target)
        weights += rule.weight
        if rule.is_gate:
            gates.append(Gate(key=rule.code, met=coverage >= rule.target))
    training = weighted / weights if weights else None
    vetting_share = people.finally_certified / people.eligible
    women_share = people.eligible_women / people.eligible
    vetting = _capped(vetting_share, profile.vetting_target)
    women = _capped(women_share, profile.women_target)
    if profile.vetting_is_gate:
        gates.append(Gate(key="vetting", met=vetting_share >= profile.vetting_target))
    if profile.women_is_gate:
        gates.append(Gate(key="women", met=women_share >= profile.women_target))
    parts = [
        (profile.training_weight, training),
        (profile.vetting_weight, vetting),
        (profile.women_weight, women),
        (profile.assessment_weight, assessment or 0.0),
    ]
    total_weight = sum(weight for weight, value in parts if value is not None)
    index = sum(weight * value for weight, value in parts if value is not None) / total_weight if total_weight else 0.0
    index = round(index, 4)
    if all(gate["met"] for gate in gates) and index >= profile.threshold:
        status = "ready"
    elif index >= profile.progressing_from:
        status = "progressing"
    else:
        status = "not_ready"
    return Score(index, status, training, vetting, women, assessment, gates)


def rollup_score(children: Iterable[tuple[float | None, str, int]]) -> tuple[float | None, int, int]:
    """(index weighted by eligible headcount, units ready, units assessed) over assessed units
    given as (index, status, eligible)."""
    total, weight, ready, assessed = 0.0, 0, 0, 0
    for index, status, eligible in children:
        if index is None or not status:
            continue
        assessed += 1
        ready += status == "ready"
        total += index * eligible
        weight += eligible
    return (round(total / weight, 4) if weight else None), ready, assessed
