"""Event-driven updates agree with a full reconciliation on randomised worlds (hypothesis).

Each example draws a small police service (a nation, regions, districts, stations and
specialised units), officers of both sexes with any vetting status, some who left, some
commanders, some in a specialised position; certificates of three courses in every state
(valid, revoked, superseded by a reissue, expired, lapsed by date before the nightly task
marked it, valid with a future expiry); tweaks to the requirement profiles (population,
target, gate, a requirement dropped, a profile of its own for stations). After a full
reconciliation it applies a random sequence of changes (issue, revoke, supersede, expire,
lapse, transfer, vetting change, leave, command change, joint assessment) and updates the
touched units with ``readiness_sync_units`` (after some changes, or all at once at the
end, as the coalesced event path does). Then the stored rows must be exactly those of a
full reconciliation: it changes no row, and nothing it stores differs.

Every example runs inside a savepoint that is rolled back, so examples never see each
other's rows; the fixtures (users, courses) are made once per test.
"""

import datetime
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certificates.codes import code_new
from certificates.models import Certificate
from courses import services as course_services
from courses.models import Enrollment
from organisations import services as organisation_services
from organisations.models import Officer, PoliceService, Unit
from readiness import services
from readiness.models import CompetencyMetric, JointAssessment, Requirement, RequirementProfile, UnitReadiness
from tests.factories import OfficerFactory
from tests.readiness.conftest import certify

ASSESSED_TYPES = [
    Unit.Type.STATION,
    Unit.Type.SGBV,
    Unit.Type.BORDER_POST,
    Unit.Type.COMMUNITY_POLICING,
    Unit.Type.PUBLIC_ORDER,
]
VETTING = list(Officer.VettingStatus.values)
POSITION = "Investigator"
CERTIFICATE_STATES = ["valid", "valid", "revoked", "superseded", "expired", "lapsed", "expiring"]
# Competencies the courses count for, and two no course teaches (their coverage stays 0).
CODES = ["HR", "COP", "SGBV", "CP", "CMD", "BM", "POC", "ILP"]
PROFILE_TYPES = ["", Unit.Type.SGBV, Unit.Type.BORDER_POST]
METRIC_FIELDS = (
    *("unit_id", "competency_id", "headcount", "headcount_women", "certified", "certified_women"),
    *("target", "is_gate"),
)
READINESS_FIELDS = (
    *("unit_id", "eligible", "eligible_women", "finally_certified", "vetting_unknown", "training_score"),
    *("vetting_score", "women_score", "assessment_score", "index", "status", "gates", "units_ready"),
    "units_assessed",
)


# What hypothesis draws: plain data, so that a failing example shrinks and reads well ---------


@dataclass(frozen=True)
class WorldSpec:
    national_units: list[str]
    regions: list[list[list[str]]]  # region -> district -> unit types
    officers: list[tuple]  # (unit index, sex, vetting, is_active, is_commander, position)
    certificates: list[tuple[int, int, str]]  # (officer index, course index, state)
    tweaks: list[tuple]
    changes: list[tuple]  # (kind, ..., sync right after)

    @property
    def unit_count(self) -> int:
        districts = [district for region in self.regions for district in region]
        return 1 + len(self.national_units) + len(self.regions) + len(districts) + sum(map(len, districts))


unit_types = st.sampled_from(ASSESSED_TYPES)
tweaks = st.one_of(
    st.tuples(
        st.just("population"),
        st.sampled_from(PROFILE_TYPES),
        st.sampled_from(CODES),
        st.sampled_from(["all", "commanders", "position"]),
    ),
    st.tuples(st.just("target"), st.sampled_from(PROFILE_TYPES), st.sampled_from(CODES), st.sampled_from([0, 0.5, 1])),
    st.tuples(st.just("gate"), st.sampled_from(PROFILE_TYPES), st.sampled_from(CODES), st.booleans()),
    st.tuples(st.just("drop"), st.sampled_from(PROFILE_TYPES), st.sampled_from(CODES)),
    st.tuples(st.just("women_gate"), st.sampled_from(PROFILE_TYPES), st.booleans()),
    st.tuples(st.just("vetting_gate"), st.sampled_from(PROFILE_TYPES), st.booleans()),
    st.tuples(st.just("station_profile")),
)


@st.composite
def worlds(draw) -> WorldSpec:
    national_units = draw(st.lists(unit_types, max_size=2))
    regions = draw(
        st.lists(st.lists(st.lists(unit_types, min_size=1, max_size=3), min_size=1, max_size=2), min_size=1, max_size=2)
    )
    spec = WorldSpec(national_units, regions, [], [], [], [])
    units = st.integers(0, spec.unit_count - 1)
    officers = draw(
        st.lists(
            st.tuples(
                units,
                st.sampled_from(Officer.Sex.values),
                st.sampled_from(VETTING),
                st.sampled_from([True, True, True, False]),
                st.booleans(),
                st.sampled_from(["", "", POSITION]),
            ),
            min_size=1,
            max_size=14,
        )
    )
    officer = st.integers(0, len(officers) - 1)
    courses = st.integers(0, 2)
    certificates = draw(st.lists(st.tuples(officer, courses, st.sampled_from(CERTIFICATE_STATES)), max_size=16))
    certificate = st.integers(0, 40)  # taken modulo the certificates there are when applied
    sync = st.booleans()
    changes = draw(
        st.lists(
            st.one_of(
                st.tuples(st.just("issue"), officer, courses, sync),
                st.tuples(st.sampled_from(["revoke", "supersede", "expire", "lapse"]), certificate, sync),
                st.tuples(st.just("transfer"), officer, units, sync),
                st.tuples(st.just("vetting"), officer, st.sampled_from(VETTING), sync),
                st.tuples(st.sampled_from(["leave", "command"]), officer, sync),
                st.tuples(st.just("assessment"), units, st.lists(st.integers(0, 2), min_size=4, max_size=4), sync),
            ),
            min_size=1,
            max_size=8,
        )
    )
    return WorldSpec(national_units, regions, officers, certificates, draw(st.lists(tweaks, max_size=3)), changes)


# Building the drawn world -------------------------------------------------------------------


@pytest.fixture
def courses(people, mission, hr_course) -> list:
    """HR-101 (HR, COP), SGBV-101 (SGBV, CP) and CMD-101 (CMD, BM), published."""
    made = [hr_course]
    for code, competencies in (("SGBV-101", ["SGBV", "CP"]), ("CMD-101", ["CMD", "BM"])):
        course = course_services.course_create(
            creator=people.trainer_north, code=code, title=code, competencies=competencies, owner=mission
        )
        module = course_services.module_create(course=course, title="Foundations")
        course_services.lesson_create(module=module, title="Basics", body="Text.")
        course_services.course_publish(course=course, actor=people.trainer_north)
        course.refresh_from_db()
        made.append(course)
    return made


def build_units(spec: WorldSpec) -> list[Unit]:
    service = PoliceService.objects.create(code="PRP", name="Property Police", country="Numara")

    def unit(parent: Unit | None, unit_type: str, number: int) -> Unit:
        return organisation_services.unit_create(
            service=service, parent=parent, code=f"U{number}", name=f"Unit {number}", unit_type=unit_type
        )

    nation = unit(None, Unit.Type.NATIONAL, 0)
    units = [nation]
    units += [unit(nation, unit_type, len(units) + number) for number, unit_type in enumerate(spec.national_units)]
    regions = [unit(nation, Unit.Type.AREA, len(units) + number) for number in range(len(spec.regions))]
    units += regions
    for region, districts in zip(regions, spec.regions, strict=True):
        for types in districts:
            district = unit(region, Unit.Type.AREA, len(units))
            units.append(district)
            units += [unit(district, unit_type, len(units) + number) for number, unit_type in enumerate(types)]
    return units


def apply_tweak(tweak: tuple) -> None:
    kind, *arguments = tweak
    if kind == "station_profile":
        profile, created = RequirementProfile.objects.get_or_create(unit_type=Unit.Type.STATION, name="Stations")
        if not created:
            return
        Requirement.objects.create(profile=profile, competency_id="HR", target="0.500", is_gate=True, weight=2)
        Requirement.objects.create(profile=profile, competency_id="CMD", population="commanders", target="1.000")
        return
    profile = RequirementProfile.objects.get(unit_type=arguments[0])
    if kind == "women_gate":
        RequirementProfile.objects.filter(pk=profile.pk).update(women_is_gate=arguments[1])
    elif kind == "vetting_gate":
        RequirementProfile.objects.filter(pk=profile.pk).update(vetting_is_gate=arguments[1])
    elif kind == "drop":
        Requirement.objects.filter(profile=profile, competency_id=arguments[1]).delete()
    else:
        code, value = arguments[1], arguments[2]
        defaults = {
            "population": {"population": value, "position": POSITION if value == "position" else ""},
            "target": {"target": str(value)},
            "gate": {"is_gate": value},
        }[kind]
        Requirement.objects.update_or_create(profile=profile, competency_id=code, defaults=defaults)


def write_certificate(officer: Officer, course, state: str) -> Certificate:
    today = timezone.localdate()
    if state in ("valid", "revoked", "expired", "superseded"):
        status = {"valid": Certificate.Status.VALID}.get(state, state)
        expires_on = today - datetime.timedelta(days=3) if state == "expired" else None
        certificate = certify(officer, course, status=status, expires_on=expires_on)
        if state == "superseded":
            reissue(certificate)
        return certificate
    expires_on = today + (datetime.timedelta(days=-1) if state == "lapsed" else datetime.timedelta(days=200))
    return certify(officer, course, expires_on=expires_on)


def reissue(certificate: Certificate) -> Certificate:
    """The replacement of a superseded certificate: the same completion, valid."""
    Certificate.objects.filter(pk=certificate.pk).update(
        status=Certificate.Status.SUPERSEDED, status_changed_at=timezone.now()
    )
    return Certificate.objects.create(
        code=code_new(),
        completion=certificate.completion,
        replaces=certificate,
        officer=certificate.officer,
        course=certificate.course,
        issuer=certificate.issuer,
        serial=Certificate.objects.filter(issuer=certificate.issuer).count() + 1,
        holder_name=certificate.holder_name,
        holder_service_number=certificate.holder_service_number,
        course_code=certificate.course_code,
        course_title=certificate.course_title,
        competencies=certificate.competencies,
        issuer_name=certificate.issuer_name,
        expires_on=certificate.expires_on,
        pdf="certificates/test.pdf",
        pdf_sha256="0" * 64,
    )


def apply_change(change: tuple, *, units: list[Unit], officers: list[Officer], courses: list, people) -> set[int]:
    """Apply one change to the records; returns the units an event would mark (the
    officer's unit(s), or the assessed unit)."""
    kind, *arguments, _sync = change
    now = timezone.now()
    if kind in ("revoke", "supersede", "expire", "lapse"):
        # The latest of each completion (a superseded one has been replaced already).
        certificates = list(Certificate.objects.filter(officer__in=officers, replaced_by=None).order_by("pk"))
        if not certificates:
            return set()
        certificate = certificates[arguments[0] % len(certificates)]
        if kind == "supersede":
            reissue(certificate)
        elif kind == "lapse":
            Certificate.objects.filter(pk=certificate.pk).update(
                expires_on=timezone.localdate() - datetime.timedelta(1)
            )
        else:
            status = Certificate.Status.REVOKED if kind == "revoke" else Certificate.Status.EXPIRED
            Certificate.objects.filter(pk=certificate.pk).update(status=status, status_changed_at=now)
        return {Officer.objects.get(pk=certificate.officer_id).unit_id}
    if kind == "assessment":
        unit = units[arguments[0]]
        ratings = arguments[1]
        JointAssessment.objects.create(
            unit=unit,
            assessed_on=timezone.localdate(),
            logistics=ratings[0],
            command_stability=ratings[1],
            human_rights_compliance=ratings[2],
            community_acceptance=ratings[3],
            evidence="Field visit",
            recorded_by=people.leader,
        )
        return {unit.pk}
    officer = Officer.objects.get(pk=officers[arguments[0]].pk)
    before = officer.unit_id
    if kind == "issue":
        if not Enrollment.objects.filter(officer=officer, course=courses[arguments[1]]).exists():
            certify(officer, courses[arguments[1]])
    elif kind == "transfer":
        to_unit = units[arguments[1]]
        if to_unit.pk != officer.unit_id and officer.is_active:  # one who left comes back by roster import
            organisation_services.officer_transfer(officer=officer, to_unit=to_unit)
    elif kind == "vetting":
        Officer.objects.filter(pk=officer.pk).update(vetting_status=arguments[1])
    elif kind == "leave":
        organisation_services.officer_leave(officer=officer)
    elif kind == "command":
        Officer.objects.filter(pk=officer.pk).update(is_commander=not officer.is_commander)
    return {before, Officer.objects.get(pk=officer.pk).unit_id}


def stored_rows() -> tuple[list[tuple], list[tuple]]:
    metrics = sorted(CompetencyMetric.objects.values_list(*METRIC_FIELDS))
    readiness = sorted(UnitReadiness.objects.values_list(*READINESS_FIELDS), key=lambda row: row[0])
    return metrics, readiness


# The property -------------------------------------------------------------------------------


@settings(
    max_examples=25,
    deadline=None,
    database=None,  # no .hypothesis folder in the checkout
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=worlds())
def test_event_driven_updates_leave_what_a_full_reconciliation_would_store(world, people, courses):
    with transaction.atomic():
        assert not PoliceService.objects.filter(code="PRP").exists()  # the last example rolled back
        units = build_units(world)
        officers = [
            OfficerFactory(
                unit=units[unit_index],
                sex=sex,
                vetting_status=vetting,
                is_active=is_active,
                is_commander=is_commander,
                position=position,
            )
            for unit_index, sex, vetting, is_active, is_commander, position in world.officers
        ]
        for officer_index, course_index, state in world.certificates:
            if not Enrollment.objects.filter(officer=officers[officer_index], course=courses[course_index]).exists():
                write_certificate(officers[officer_index], courses[course_index], state)
        for tweak in world.tweaks:
            apply_tweak(tweak)
        services.readiness_sync_full(trigger="nightly")

        pending: set[int] = set()
        touched: set[int] = set()
        for change in world.changes:
            pending |= apply_change(change, units=units, officers=officers, courses=courses, people=people)
            if change[-1] and pending:
                services.readiness_sync_units(unit_ids=pending, trigger="events")
                touched |= pending
                pending = set()
        if pending:
            services.readiness_sync_units(unit_ids=pending, trigger="events")
            touched |= pending
        after_events = stored_rows()

        # Repeated: nothing left to change.
        assert services.readiness_sync_units(unit_ids=touched, trigger="again").rows_changed == 0
        full = services.readiness_sync_full(trigger="check")
        assert full.rows_changed == 0
        assert stored_rows() == after_events
        transaction.set_rollback(True)
