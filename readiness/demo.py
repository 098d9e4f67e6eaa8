"""Demo readiness: a ``DEMO_SEED_STEPS`` step (see ``organisations.demo``), after the certificates'.

Readiness is never seeded as numbers: this step writes the *records* a year of training
would have left, and the metrics, snapshots and trends follow from them as they would in
production.

1. **Two more courses** (``readiness/demo_data/courses/``, in the layout of
   ``courses/demo_data/``): protection of civilians (POC-101) and
   station command (CMD-201), because every requirement profile asks for POC and for
   commanders trained in command and control, and no course of the courses demo develops them.
2. **Vetting**: the vetting board's results reach the roster through a roster file
   (``organisations.roster.roster_import``, as in production: audited, with
   ``officer.vetting_changed`` events), bringing the units of ``PLANS`` that name a share to
   that share of eligible officers finally certified. Other units keep the roster's mix
   (about half finally certified, some still unknown).
3. **A year of training**: for each unit of ``PLANS``, a share of its eligible officers
   completed each course, in cohorts spread over the months before the seed (later
   courses start later, so indices rise through the year). Each completion is written with
   its enrolment and lesson progress, dated on its cohort's day (in bulk, without a
   ``course.completed`` event: the certificate that event would ask for is issued here),
   and certified through ``certificates.services.certificates_issue(now=<that day>)``. Officers already enrolled
   in a course (the courses and assessments demos' cohorts, still in progress) are left
   as they are, and the demo accounts' officers complete nothing.
4. **Joint assessment rounds** (``ASSESSMENT_ROUNDS``) and **handover decisions**
   (``HANDOVERS``: Lamordé District handed over, the Maritime Police deferred), through
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


# fmt: off
PLANS: dict[str, UnitPlan] = {
    # Ready: Lamordé District (handed over), the national protection unit, intelligence.
    "R2-D2-ST1": UnitPlan({"COP-101-FR": 0.86, "HR-101-FR": 0.84, "SGBV-101": 0.5, "POC-101": 0.2}, 350, 40, 0.9, True),
    "R2-D2-CP1": UnitPlan({"COP-101-FR": 0.9, "HR-101-FR": 0.84, "SGBV-101": 0.5, "POC-101": 0.2}, 330, 40, 0.9, True),
    "WCPU": UnitPlan({"SGBV-101": 0.9, "HR-101": 0.84, "COP-101": 0.82, "POC-101": 0.3}, 300, 20, 0.9, True),
    "INT": UnitPlan({"HR-101": 0.86, "COP-101": 0.84, "SGBV-101": 0.4, "POC-101": 0.2}, 280, 15, 0.88, True),
    # Close: trained, but vetting (Maritime) or the last courses still to come.
    "MAR": UnitPlan({"HR-101": 0.8, "COP-101": 0.6}, 260, 10, 0.7, True),
    "R2-D1-CP1": UnitPlan({"COP-101-FR": 0.86, "HR-101-FR": 0.6, "SGBV-101": 0.25}, 240, 10, 0.82, True),
    # Held back by their specialised gate: its course is under way (the assessments demo).
    "R2-D1-SGBV1": UnitPlan({"HR-101-FR": 0.8, "COP-101-FR": 0.5}, 200, 10, 0.85, True),
    "R3-D1-SGBV1": UnitPlan({"HR-101": 0.7, "COP-101": 0.3}, 180, 10, 0.8, True),
    "TCU": UnitPlan({"HR-101": 0.55, "COP-101": 0.25}, 200, 5, 0.82, True),
    "R1-D1-BP1": UnitPlan({"HR-101": 0.5, "COP-101": 0.25}, 220, 5, 0.8, True),
    # Progressing: the large stations, a third of the way.
    "R2-D1-ST1": UnitPlan({"COP-101-FR": 0.36, "HR-101-FR": 0.3}, 270, 5, 0.8, True),
    "R3-D1-ST1": UnitPlan({"COP-101": 0.34, "HR-101": 0.28}, 240, 5, 0.8, True),
    # Far: little training yet, or no course for their gate.
    "PTC": UnitPlan({"HR-101": 0.3, "COP-101": 0.15}, 150),
    "POU": UnitPlan({"HR-101": 0.08}, 120),
    "R1-D1-ST1": UnitPlan({"SGBV-101-AR": 0.15}, 160),  # HR-101 and COP-101 are under way there
    "R1-D2-ST1": UnitPlan({"HR-101": 0.1}, 150),
    "R2-D1-ST2": UnitPlan({"COP-101-FR": 0.12, "HR-101-FR": 0.08}, 130),
    "R3-D2-ST1": UnitPlan({"COP-101": 0.08}, 80),
    "R3-D2-BP1": UnitPlan({"BM-201": 0.2}, 140),
    # Headquarters staff are not assessed, but count in the nation's coverage.
    "HQ": UnitPlan({"HR-101-FR": 0.2}, 200),
}

# Joint assessment rounds: (days before the seed, (logistics, command stability, human-rights
# compliance, community acceptance) as 0 not met / 1 partly / 2 met, evidence notes).
ASSESSMENT_ROUNDS: dict[str, list[tuple[int, tuple[int, int, int, int], str]]] = {
    "R2-D2-ST1": [
        (210, (1, 1, 1, 2), "First field assessment with the Ministry and MINUSKE police: two of four vehicles "
                            "running, detention register incomplete, station commander newly appointed."),
        (45, (2, 2, 2, 2), "Second round: vehicles and radios in service, registers complete and signed weekly, "
                           "no complaint pending with the Inspectorate; market association confirms trust."),
    ],
    "R2-D2-CP1": [
        (210, (1, 2, 1, 2), "First round: community forums held monthly; no separate interview room for "
                            "victims; two human-rights complaints under investigation."),
        (45, (2, 2, 2, 2), "Second round: interview room fitted; both complaints closed with sanctions "
                           "recorded; forum minutes show follow-up of every issue raised."),
    ],
    "WCPU": [
        (120, (1, 2, 2, 2), "Field assessment: referral pathways agreed with the hospital and two NGOs; one "
                            "vehicle for the whole unit."),
        (25, (2, 2, 2, 2), "Follow-up: second vehicle delivered by UNDP; case files checked, survivors' "
                           "consent recorded in every file sampled."),
    ],
    "INT": [
        (60, (2, 2, 2, 1), "Assessment at headquarters: analysis products shared weekly with the districts; "
                           "oversight of informant payments by the Inspectorate in place; little public contact."),
    ],
    "MAR": [
        (40, (1, 2, 2, 1), "Assessment at the Port-Kessar base: one of three boats under repair; fishermen's "
                           "associations report rare patrols on the northern coast."),
    ],
    "R2-D1-CP1": [
        (30, (1, 1, 2, 2), "Assessment: strong community ties; acting commander for six months, duty roster "
                           "not kept; motorcycles shared with the central station."),
    ],
    "R2-D1-ST1": [
        (90, (1, 1, 1, 1), "First round at Port-Kessar Central: cells overcrowded, detention register gaps, "
                           "high turnover of shift commanders; traders' complaints about fees."),
    ],
    "R3-D1-ST1": [
        (75, (1, 1, 1, 1), "First round at Baie-Lumière: one working vehicle, cells without ventilation, "
                           "deputy commander acting for the commander on leave; fishing communities cautious."),
    ],
    "TCU": [
        (50, (2, 1, 1, 1), "Assessment with UNODC: case management system installed; two investigators "
                           "seconded elsewhere; one complaint of unlawful detention under review."),
    ],
    "R1-D1-BP1": [
        (35, (1, 1, 2, 1), "Assessment at Ras el-Oued: document scanner out of order; commander newly posted; "
                           "migrants interviewed report correct treatment."),
    ],
}
# fmt: on

# (unit code, decision, days before the seed, notes)
HANDOVERS = (
    (
        "R2-D2",
        HandoverDecision.Decision.HANDED_OVER,
        14,
        "Joint decision of the Ministry of the Interior, the Kessara National Police and MINUSKE after the "
        "second field assessment: Lamordé District assumes primary responsibility for policing; MINUSKE "
        "police move to monitoring and advice.",
    ),
    (
        "MAR",
        HandoverDecision.Decision.DEFERRED,
        20,
        "Deferred: training well advanced, but fewer than 80% of eligible officers finally certified and "
        "one boat out of service. To be reassessed in three months.",
    ),
)

# Statuses the vetting board moves to finally certified first (unknown stays unknown).
PROMOTION_ORDER = (
    Officer.VettingStatus.PROVISIONALLY_CERTIFIED,
    Officer.VettingStatus.SCREENED,
    Officer.VettingStatus.REGISTERED,
)


def readiness_seed(context) -> None:
    today = timezone.localdate()
    created: Counter[str] = Counter()
    courses = _courses_seed(context, created)
    promoted = _vetting_seed(context)
    _training_seed(context, courses, today, created)
    assessments = _assessments_seed(context, today)
    decisions = _handovers_seed(context, today)
    services.readiness_sync_full(trigger="demo seed")
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
    course ``PLANS`` names, by code."""
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


def _vetting_seed(context) -> int:
    """Raise the finally certified share of the units that plan one, through a roster file
    carrying the vetting board's results; returns how many officers it certified."""
    eligible = _eligible_by_unit(context)
    demo_officers = _demo_officer_ids(context)
    promoted: set[int] = set()
    for code, plan in PLANS.items():
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


def _planned(context, courses: dict[str, Course], today: datetime.date) -> list[tuple[Course, Officer, datetime.date]]:
    """(course, officer, day completed) for every completion ``PLANS`` describes, drawn the
    same way whatever the database holds."""
    eligible = _eligible_by_unit(context)
    demo_officers = _demo_officer_ids(context)
    planned = []
    for code, plan in PLANS.items():
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


def _training_seed(context, courses: dict[str, Course], today: datetime.date, created: Counter) -> None:
    """Write the planned completions that do not exist yet, with their enrolments and lesson
    progress, and certify each on its day."""
    planned = _planned(context, courses, today)
    courses_planned = {course for course, _, _ in planned}
    enrolled = set(Enrollment.objects.filter(course__in=courses_planned).values_list("course_id", "officer_id"))
    todo = [(course, officer, day) for course, officer, day in planned if (course.pk, officer.pk) not in enrolled]
    if not todo:
        return
    releases: dict[int, CourseRelease] = {}
    for release in CourseRelease.objects.filter(course__in={course for course, _, _ in todo}).order_by("number"):
        releases[release.course_id] = release  # the latest
    trainer = context.users[TRAINER]
    enrolments = Enrollment.objects.bulk_create(
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
    for enrolment in enrolments:
        enrolment.enrolled_at = enrolment.completed_at - ENROLLED_BEFORE  # auto_now_add set it to now
    Enrollment.objects.bulk_update(enrolments, ["enrolled_at"], batch_size=500)
    completions = CourseCompletion.objects.bulk_create(
        [
            CourseCompletion(
                enrollment=enrolment,
                course=course,
                officer=officer,
                release=enrolment.release,
                completed_at=enrolment.completed_at,
                competencies=list(course.competencies),
                valid_until=_months_after(day, course.validity_months) if course.validity_months else None,
            )
            for enrolment, (course, officer, day) in zip(enrolments, todo, strict=True)
        ],
        batch_size=500,
    )
    LessonProgress.objects.bulk_create(
        [
            LessonProgress(
                enrollment=enrolment,
                lesson_id=lesson_id,
                completed_at=enrolment.completed_at - datetime.timedelta(hours=len(lessons) - number),
            )
            for enrolment in enrolments
            for lessons in [enrolment.release.required_lesson_ids]
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
    created["enrolments"] += len(enrolments)
    created["completions"] += len(completions)


# Joint assessments and handover decisions ------------------------------------------------------


def _assessments_seed(context, today: datetime.date) -> int:
    leader = context.users[LEADER]
    recorded = 0
    for code, rounds in ASSESSMENT_ROUNDS.items():
        unit = context.units[code]
        if JointAssessment.objects.filter(unit=unit).exists():
            continue
        for days_ago, (logistics, command, human_rights, community), evidence in rounds:
            services.joint_assessment_record(
                unit=unit,
                assessed_on=today - datetime.timedelta(days=days_ago),
                logistics=logistics,
                command_stability=command,
                human_rights_compliance=human_rights,
                community_acceptance=community,
                evidence=evidence,
                actor=leader,
            )
            recorded += 1
    return recorded


def _handovers_seed(context, today: datetime.date) -> int:
    leader = context.users[LEADER]
    recorded = 0
    for code, decision, days_ago, notes in HANDOVERS:
        unit: Unit = context.units[code]
        if HandoverDecision.objects.filter(unit=unit).exists():
            continue
        decided_on = today - datetime.timedelta(days=days_ago)
        services.handover_decision_record(
            unit=unit, decision=decision, decided_on=decided_on, notes=notes, actor=leader
        )
        recorded += 1
    return recorded
