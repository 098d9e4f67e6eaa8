"""Demo readiness: a ``DEMO_SEED_STEPS`` step (see ``organisations.demo``), after the certificates'.

Readiness is never seeded as numbers: this step writes the *records* a year of training
would have left, and the metrics, snapshots and trends follow from them as they would in
production. What it writes is data in ``readiness/demo_data/`` (its README describes the
files), read by ``readiness_read`` and ``courses.demo.courses_read``.

1. **Two more courses** (``readiness/demo_data/courses/``, in the layout of
   ``courses/demo_data/``): protection of civilians (POC-101) and
   station command (CMD-201), because every requirement profile asks for POC and for
   commanders trained in command and control, and no course of the courses demo develops them.
2. **Vetting**: the vetting board's results reach the roster through a roster file
   (``organisations.roster.roster_import``, as in production: audited, with
   ``officer.vetting_changed`` events), bringing the units whose plan names a share to
   that share of eligible officers finally certified. Other units keep the roster's mix
   (about half finally certified, some still unknown).
3. **A year of training**: for each unit with a plan, a share of its eligible officers
   completed each course, in cohorts spread over the months before the seed (later
   courses start later, so indices rise through the year). Each completion is written with
   its enrolment and lesson progress, dated on its cohort's day (in bulk, without a
   ``course.completed`` event: the certificate that event would ask for is issued here),
   and certified through ``certificates.services.certificates_issue(now=<that day>)``. Officers already enrolled
   in a course (the courses and assessments demos' cohorts, still in progress) are left
   as they are, and the demo accounts' officers complete nothing.
4. **Joint assessment rounds** and **handover decisions** (Lamordé District handed over,
   the Maritime Police deferred), through
   ``readiness.services``, recorded by ``demo.leader``.
5. A **full reconciliation**, then **weekly snapshots** over the past year derived from the
   records (``readiness.history.snapshots_backfill``) and today's snapshot.

What it gives (21 assessed units): 4 ready (Lamordé District's station and community unit,
the national Women and Children Protection Unit, the Criminal Intelligence Service); 8
progressing, among them the close ones (the Port-Kessar community unit at 0.77 with every
gate met, the Maritime Police held back by its vetting gate) and those held back by their
specialised gate while its course is under way (the SGBV desks, a border post, the
Transnational Crime Unit); 9 not ready (the Public Order Unit and the training centre,
whose gate no course develops yet, and the stations and posts barely started).

**Idempotent.** Courses are looked up by code, completions by enrolment (course and
officer), joint assessments and handover decisions are seeded only for a unit that has
none, vetting is only raised to a share not yet reached, and snapshots are append-only.
Who completes what is drawn from generators seeded per unit and independent of the
database (``context.random``), so a second run finds every completion there and writes
nothing; its reconciliation changes no row.

**Approximations** (the records keep no more): course releases are published on the seed
day, after the completions dated before it; history counts today's roster (vetting
statuses, units) on every past day (see ``services.readiness_as_of``).
"""

import calendar
import datetime
import math
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from certificates import services as certificate_services
from certificates.models import Certificate
from courses import services as course_services
from courses.demo import courses_read
from courses.models import Course, CourseCompletion, CourseRelease, Enrollment, Lesson, LessonProgress, Module
from organisations import roster
from organisations.models import Officer, Organisation, Unit
from readiness import history, services
from readiness.models import HandoverDecision, JointAssessment, UnitReadiness

TRAINER = "demo.trainer"
LEADER = "demo.leader"
ADMIN = "demo.admin"
COHORT_SIZE = 12
COMPLETED_AT = datetime.time(15, 0)  # cohorts finish mid-afternoon; certificates follow
CERTIFIED_AFTER = datetime.timedelta(hours=2)
ENROLLED_BEFORE = datetime.timedelta(days=21)
ROSTER_FILE = "knp-roster-vetting-board-results.csv"
HISTORY_WEEKS = 52
DATA = Path(__file__).resolve().parent / "demo_data"


@dataclass(frozen=True)
class UnitPlan:
    """What a unit's year of training left, counted over its eligible officers (demo accounts aside)."""

    courses: dict[str, float]  # course code -> share who completed it, in the order they were run
    since: int  # the first cohort this many days before the seed
    until: int = 5  # the last cohort this many days before the seed
    finally_certified: float | None = None  # vetting raised to this share of eligible officers
    commanders_trained: bool = False  # the unit's commander completed CMD-201


@dataclass(frozen=True)
class ReadinessData:
    """What ``demo_data/readiness.toml`` describes, by unit code, in the order it is seeded."""

    plans: dict[str, UnitPlan]
    joint_assessments: dict[str, list[dict]]  # the ``joint_assessment_record`` rounds of a unit
    handovers: list[dict]  # ``unit``, ``decision``, ``days_ago``, ``notes``


def readiness_read(directory: Path = DATA) -> ReadinessData:
    data = tomllib.loads((directory / "readiness.toml").read_text(encoding="utf-8"))
    return ReadinessData(
        plans={code: UnitPlan(**plan) for code, plan in data["plans"].items()},
        joint_assessments=data["joint_assessments"],
        handovers=data["handovers"],
    )


# Statuses the vetting board moves to finally certified first (unknown stays unknown).
PROMOTION_ORDER = (
    Officer.VettingStatus.PROVISIONALLY_CERTIFIED,
    Officer.VettingStatus.SCREENED,
    Officer.VettingStatus.REGISTERED,
)


def readiness_seed(context) -> None:
    today = timezone.localdate()
    data = readiness_read()
    created: Counter[str] = Counter()
    courses = _courses_seed(context, created)
    promoted = _vetting_seed(context, data.plans)
    _training_seed(context, data.plans, courses, today, created)
    assessments = _assessments_seed(context, data.joint_assessments, today)
    services.readiness_sync_full(trigger="demo seed")
    # Decisions are taken against computed figures: an override only where they fall short.
    decisions = _handovers_seed(context, data.handovers, today)
    services.readiness_sync_dirty()
    end = history_end(today)
    snapshots = history.snapshots_backfill(start=end - datetime.timedelta(weeks=HISTORY_WEEKS), end=end)
    snapshots += services.snapshots_take(day=today)

    for kind, count in created.items():
        context.created[kind] += count
    context.totals["courses"] = Course.objects.count()
    context.totals["modules"] = Module.objects.count()
    context.totals["lessons"] = Lesson.objects.count()
    context.totals["enrolments"] = Enrollment.objects.count()
    context.totals["completions"] = CourseCompletion.objects.count()
    context.totals["certificates"] = Certificate.objects.count()
    statuses = Counter(
        status
        for status, unit_type in UnitReadiness.objects.values_list("status", "unit__unit_type")
        if services.is_assessed(unit_type)
    )
    context.log(
        f"Readiness: {statuses['ready']} units ready, {statuses['progressing']} progressing, "
        f"{statuses['not_ready']} not ready; {created['certificates']} new certificates over the past year, "
        f"{promoted} officers newly finally certified, {assessments} joint assessments, {decisions} handover "
        f"decisions, {snapshots} new snapshots"
    )


def history_end(today: datetime.date) -> datetime.date:
    """The last Monday before today: weekly history falls on Mondays, whatever the seed day,
    so a seed run again another day adds no second weekly series."""
    return today - datetime.timedelta(days=today.weekday() or 7)


# Courses ------------------------------------------------------------------------------------


def _mission(context) -> Organisation | None:
    missions = Organisation.objects.filter(kind=Organisation.Kind.MISSION).order_by("pk")
    return missions.filter(police_service=context.service).first() or missions.first()


def _courses_seed(context, created: Counter) -> dict[str, Course]:
    """The courses of ``demo_data/courses/`` (created and published when missing) and every
    course the plans name, by code."""
    trainer = context.users[TRAINER]
    existing = {course.code: course for course in Course.objects.all()}
    for spec in courses_read(DATA / "courses"):
        if spec.code in existing:
            continue
        course = course_services.course_create(creator=trainer, code=spec.code, owner=_mission(context), **spec.fields)
        for module_spec in spec.modules:
            module = course_services.module_create(course=course, title=module_spec.title)
            for fields in module_spec.lessons:
                course_services.lesson_create(module=module, **fields)
            created["modules"] += 1
            created["lessons"] += len(module_spec.lessons)
        course_services.course_publish(course=course, actor=trainer)
        existing[course.code] = course
        created["courses"] += 1
    return existing


# Vetting ------------------------------------------------------------------------------------


def _eligible_by_unit(context) -> dict[int, list[Officer]]:
    """Active, not excluded officers of the demo service by unit, in service-number order."""
    by_unit: dict[int, list[Officer]] = defaultdict(list)
    for officer in (
        Officer.objects.filter(service=context.service, is_active=True)
        .exclude(vetting_status=Officer.VettingStatus.EXCLUDED)
        .order_by("service_number")
    ):
        by_unit[officer.unit_id].append(officer)
    return by_unit


def _demo_officer_ids(context) -> set[int]:
    return set(Officer.objects.filter(user__in=list(context.users.values())).values_list("pk", flat=True))


def _vetting_seed(context, plans: dict[str, UnitPlan]) -> int:
    """Raise the finally certified share of the units that plan one, through a roster file
    carrying the vetting board's results; returns how many officers it certified."""
    eligible = _eligible_by_unit(context)
    demo_officers = _demo_officer_ids(context)
    promoted: set[int] = set()
    for code, plan in plans.items():
        if plan.finally_certified is None:
            continue
        officers = eligible[context.units[code].pk]
        final = sum(officer.vetting_status == Officer.VettingStatus.FINALLY_CERTIFIED for officer in officers)
        missing = math.ceil(plan.finally_certified * len(officers)) - final
        if missing <= 0:
            continue
        candidates = [o for o in officers if o.vetting_status in PROMOTION_ORDER and o.pk not in demo_officers]
        context.random(f"readiness:vetting:{code}").shuffle(candidates)
        candidates.sort(key=lambda officer: PROMOTION_ORDER.index(officer.vetting_status))  # stable
        promoted.update(officer.pk for officer in candidates[:missing])
    if not promoted:
        return 0
    result = roster.roster_import(
        service=context.service,
        data=_roster_file(context, promoted),
        file_name=ROSTER_FILE,
        actor=context.users[ADMIN],
    )
    return result.updated


def _roster_file(context, promoted: set[int]) -> bytes:
    """The service's active officers as a roster file, ``promoted`` finally certified."""
    lines = [",".join([*roster.REQUIRED_COLUMNS, "vetting_status"])]
    for officer in (
        Officer.objects.filter(service=context.service, is_active=True)
        .select_related("unit")
        .order_by("service_number")
    ):
        status = Officer.VettingStatus.FINALLY_CERTIFIED if officer.pk in promoted else officer.vetting_status
        cells = [
            officer.service_number,
            officer.given_name,
            officer.family_name,
            officer.sex,
            officer.rank,
            officer.unit.code,
            status,
        ]
        lines.append(",".join('"' + cell.replace('"', '""') + '"' for cell in cells))
    return ("\n".join(lines) + "\n").encode()


# Training -----------------------------------------------------------------------------------


def _months_after(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _completed_at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, COMPLETED_AT))


def _planned(
    context, plans: dict[str, UnitPlan], courses: dict[str, Course], today: datetime.date
) -> list[tuple[Course, Officer, datetime.date]]:
    """(course, officer, day completed) for every completion the plans describe, drawn the
    same way whatever the database holds."""
    eligible = _eligible_by_unit(context)
    demo_officers = _demo_officer_ids(context)
    planned = []
    for code, plan in plans.items():
        pool = [officer for officer in eligible[context.units[code].pk] if officer.pk not in demo_officers]
        rng = context.random(f"readiness:training:{code}")
        span = plan.since - plan.until
        for position, (course_code, share) in enumerate(plan.courses.items()):
            chosen = rng.sample(pool, round(share * len(pool)))
            first = plan.since - span * position // len(plan.courses)  # later courses start later
            cohorts = max(1, math.ceil(len(chosen) / COHORT_SIZE))
            days = sorted((rng.randint(plan.until, first) for _ in range(cohorts)), reverse=True)
            for index, officer in enumerate(chosen):
                days_ago = days[index * cohorts // len(chosen)]
                planned.append((courses[course_code], officer, today - datetime.timedelta(days=days_ago)))
        if plan.commanders_trained:
            days_ago = rng.randint(plan.until, plan.since)
            for officer in pool:
                if officer.is_commander:
                    planned.append((courses["CMD-201"], officer, today - datetime.timedelta(days=days_ago)))
    return planned


def _training_seed(
    context, plans: dict[str, UnitPlan], courses: dict[str, Course], today: datetime.date, created: Counter
) -> None:
    """Write the planned completions that do not exist yet, with their enrolments and lesson
    progress, and certify each on its day."""
    planned = _planned(context, plans, courses, today)
    courses_planned = {course for course, _, _ in planned}
    enrolled = set(Enrollment.objects.filter(course__in=courses_planned).values_list("course_id", "officer_id"))
    todo = [(course, officer, day) for course, officer, day in planned if (course.pk, officer.pk) not in enrolled]
    if not todo:
        return
    releases: dict[int, CourseRelease] = {}
    for release in CourseRelease.objects.filter(course__in={course for course, _, _ in todo}).order_by("number"):
        releases[release.course_id] = release  # the latest
    trainer = context.users[TRAINER]
    enrollments = Enrollment.objects.bulk_create(
        [
            Enrollment(
                course=course,
                officer=officer,
                release=releases[course.pk],
                enrolled_by=trainer,
                status=Enrollment.Status.COMPLETED,
                completed_at=_completed_at(day),
            )
            for course, officer, day in todo
        ],
        batch_size=500,
    )
    for enrollment, (_, _, day) in zip(enrollments, todo, strict=True):
        enrollment.enrolled_at = _completed_at(day) - ENROLLED_BEFORE  # auto_now_add set it to now
    Enrollment.objects.bulk_update(enrollments, ["enrolled_at"], batch_size=500)
    completions = CourseCompletion.objects.bulk_create(
        [
            CourseCompletion(
                enrollment=enrollment,
                course=course,
                officer=officer,
                release=enrollment.release,
                completed_at=_completed_at(day),
                competencies=list(course.competencies),
                valid_until=_months_after(day, course.validity_months) if course.validity_months else None,
            )
            for enrollment, (course, officer, day) in zip(enrollments, todo, strict=True)
        ],
        batch_size=500,
    )
    LessonProgress.objects.bulk_create(
        [
            LessonProgress(
                enrollment=enrollment,
                lesson_id=lesson_id,
                completed_at=_completed_at(day) - datetime.timedelta(hours=len(lessons) - number),
            )
            for enrollment, (_, _, day) in zip(enrollments, todo, strict=True)
            for lessons in [enrollment.release.required_lesson_ids]
            for number, lesson_id in enumerate(lessons)
        ],
        batch_size=2000,
    )
    by_day: dict[datetime.date, list[int]] = defaultdict(list)
    for completion, (_, _, day) in zip(completions, todo, strict=True):
        by_day[day].append(completion.pk)
    for day in sorted(by_day):
        result = certificate_services.certificates_issue(
            completion_ids=by_day[day], now=_completed_at(day) + CERTIFIED_AFTER
        )
        created["certificates"] += len(result.issued)
        for completion_id, reason in result.failed.items():
            context.log(f"Readiness: completion {completion_id} not certified: {reason}")
    created["enrolments"] += len(enrollments)
    created["completions"] += len(completions)


# Joint assessments and handover decisions ------------------------------------------------------


def _assessments_seed(context, joint_assessments: dict[str, list[dict]], today: datetime.date) -> int:
    leader = context.users[LEADER]
    recorded = 0
    for code, rounds in joint_assessments.items():
        unit = context.units[code]
        if JointAssessment.objects.filter(unit=unit).exists():
            continue
        for entry in rounds:
            assessed_on = today - datetime.timedelta(days=entry["days_ago"])
            criteria = {name: value for name, value in entry.items() if name != "days_ago"}  # and the evidence
            services.joint_assessment_record(unit=unit, assessed_on=assessed_on, actor=leader, **criteria)
            recorded += 1
    return recorded


def _handovers_seed(context, handovers: list[dict], today: datetime.date) -> int:
    leader = context.users[LEADER]
    recorded = 0
    for handover in handovers:
        unit: Unit = context.units[handover["unit"]]
        if HandoverDecision.objects.filter(unit=unit).exists():
            continue
        decided_on = today - datetime.timedelta(days=handover["days_ago"])
        blockers = services.handover_blockers(unit=unit) if handover["decision"] != "deferred" else []
        record = services.handover_decision_record(
            unit=unit,
            decision=handover["decision"],
            decided_on=decided_on,
            notes=handover["notes"],
            actor=leader,
            is_override=bool(blockers),
            override_reason="Joint decision of the ministry and the mission on the field assessment."
            if blockers
            else "",
        )
        if record.is_pending:  # a handover takes effect once a second person approves it
            services.handover_decision_approve(decision=record, actor=context.users[ADMIN])
        recorded += 1
    return recorded
