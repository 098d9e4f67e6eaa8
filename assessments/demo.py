"""Demo assessments: a final assessment for each English demo course, a pre-test paired with
HR-101's, and graded attempts by officers so that the statistics pages have data.

A ``DEMO_SEED_STEPS`` step (see ``organisations.demo``): idempotent (an assessment is looked
up by course and title, its bank filled only while empty, attempts written only for an
assessment that has none) and deterministic (``context.random("assessments")``).

**Who is bound.** The finals are required (``is_required``) but published after the courses'
current releases, so, by the publishing rule (``selectors.assessments_requirement``), they
bind enrolments of the next release an author publishes, not the enrolments the courses
step made: demo.trainee, enrolled in HR-101 and COP-101, can take both finals, and her
completion rule does not change under her. Publishing a new release here would make the
finals required for newcomers but would also rewrite the courses step's releases.

**The attempts** are made through the services, as their officers: ``attempt_start``,
``attempt_submit`` with the answers, and ``answer_grade`` by demo.trainer for essays.
Those services take the officer from the user (``user_roles(user).officer``), so each
officer who sits an assessment gets an account ``demo.officer.<service number>`` with an
unusable password: nobody signs in with it, and the demo accounts (``DEMO_USERS``) stay the
only ones with the public password. Each officer has an ability drawn once per course; a
failed attempt is retaken, up to the limit, with a little more ability; the pre-test is
taken first with much less.
"""

import random
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from assessments import services
from assessments.importers.bank_csv import bank_csv_parse
from assessments.importers.gift import ImportProblems
from assessments.models import Answer, Assessment, Attempt, Question
from courses import services as course_services
from courses.models import Course, Enrollment
from organisations.models import Officer, Unit, User

TRAINER = "demo.trainer"
DATA = Path(__file__).resolve().parent / "demo_data"
OFFICERS_PER_ASSESSMENT = 20
ESSAYS_LEFT_FOR_REVIEW = 3  # the last essays written stay in demo.trainer's grading queue
WRONG_TEXT = ("I do not know", "the commander", "the duty officer", "")
ESSAY_ANSWERS = (
    "I take her to a private room and ask a woman colleague to join if she wishes. I tell her she "
    "is safe and that I believe her, ask if she is hurt and offer to take her to the one-stop "
    "centre now, within 72 hours. I explain her options and that what she says stays "
    "confidential, and let her decide. I do not blame her or make her repeat her story.",
    "I ask her what happened and write it in the occurrence book, then send her to the hospital.",
    "I make sure she is safe, call the SGBV focal point and explain the referral services, asking "
    "her consent before filling in the form.",
)


# The assessments as data ------------------------------------------------------------------


@dataclass(frozen=True)
class AssessmentSpec:
    title: str  # ``{title}`` stands for the course's title
    settings: dict  # the other ``assessment_create`` keyword arguments (pass mark, attempts...)
    questions: list[dict]  # as the platform's CSV importer reads the bank file


@dataclass(frozen=True)
class CourseAssessments:
    code: str
    units: list[str]  # the units whose officers sit the assessments (enrolled here if need be)
    final: AssessmentSpec
    pretest: AssessmentSpec | None


def assessments_read(directory: Path = DATA) -> list[CourseAssessments]:
    """The demo assessments by course, in the order of ``assessments.toml``."""
    data = tomllib.loads((directory / "assessments.toml").read_text(encoding="utf-8"))

    def spec(kind: str, bank_file: str) -> AssessmentSpec:
        settings = dict(data[kind])
        path = directory / bank_file
        try:
            questions = bank_csv_parse(path.read_bytes())
        except ImportProblems as error:
            raise ValueError(f"{path}: {error}") from error
        return AssessmentSpec(title=settings.pop("title"), settings=settings, questions=questions)

    return [
        CourseAssessments(
            code=code,
            units=course["units"],
            final=spec("final", course["final"]),
            pretest=spec("pretest", course["pretest"]) if "pretest" in course else None,
        )
        for code, course in data["courses"].items()
    ]


# The seed step -----------------------------------------------------------------------------


def assessments_seed(context) -> None:
    rng = context.random("assessments")
    trainer = context.users[TRAINER]
    created = {"assessments": 0, "questions": 0, "attempts": 0, "officer accounts": 0}
    attempts_before, enrollments_before = Attempt.objects.count(), Enrollment.objects.count()
    for spec in assessments_read():
        code = spec.code
        course = Course.objects.get(code=code)
        units = [context.units[unit_code] for unit_code in spec.units]
        for unit in units:
            course_services.enrollments_create_for_unit(course=course, unit=unit, actor=trainer)
        final = _assessment(course, spec.final, trainer, created)
        pretest = None
        if spec.pretest is not None:
            pretest = _assessment(course, spec.pretest, trainer, created, pretest_of=final)
        # One ability per officer and course, drawn whether or not attempts are written, so a
        # run that fills in one course draws what a fresh run would.
        officers = _takers(context, course, units)
        abilities = {officer.pk: min(0.98, max(0.25, rng.gauss(0.74, 0.14))) for officer in officers}
        answer_rng = random.Random(f"{context.random('assessments').random()}-{code}")
        if pretest is not None and not Attempt.objects.filter(assessment=pretest).exists():
            for officer in officers:
                user = _account(officer, created)
                _sit(pretest, user, abilities[officer.pk] - 0.3, answer_rng, trainer)
        if not Attempt.objects.filter(assessment=final).exists():
            for officer in officers:
                user = _account(officer, created)
                ability = abilities[officer.pk]
                # Up to the attempt limit (the demo's finals set one; with none, a single sitting).
                for _number in range(final.max_attempts or 1):
                    attempt = _sit(final, user, ability, answer_rng, trainer)
                    if attempt.is_passed is not False or answer_rng.random() < 0.3:
                        break
                    ability = min(0.98, ability + 0.12)
            _essays_grade(final, trainer, answer_rng)
    created["attempts"] = Attempt.objects.count() - attempts_before
    created["enrolments"] = Enrollment.objects.count() - enrollments_before
    for kind, count in created.items():
        context.created[kind] += count
    context.totals["assessments"] = Assessment.objects.count()
    context.totals["attempts"] = Attempt.objects.count()
    context.totals["enrolments"] = Enrollment.objects.count()
    context.totals["officer accounts"] = User.objects.filter(username__startswith="demo.officer.").count()
    context.log(f"Assessments: {created['assessments']} new, {created['attempts']} new attempts")


def _assessment(course, spec: AssessmentSpec, trainer, created, pretest_of=None) -> Assessment:
    """The course's assessment of that title, created, filled and published when missing."""
    title = spec.title.format(title=course.title)
    assessment = Assessment.objects.filter(course=course, module=None, title=title).select_related("bank").first()
    if assessment is None:
        assessment = services.assessment_create(
            course=course,
            title=title,
            actor=trainer,
            is_pretest=pretest_of is not None,
            pretest_of=pretest_of,
            **spec.settings,
        )
        created["assessments"] += 1
    if not Question.objects.filter(bank_id=assessment.bank_id).exists():
        imported = services.questions_import(bank=assessment.bank, questions=spec.questions, actor=trainer)
        created["questions"] += len(imported)
    return services.assessment_publish(assessment=assessment, actor=trainer)


def _takers(context, course: Course, units: list[Unit]) -> list[Officer]:
    """The first enrolled, active officers of the course's units, demo accounts aside."""
    enrolled = Enrollment.objects.filter(course=course).values("officer_id")
    return list(
        Officer.objects.filter(unit__in=units, is_active=True, pk__in=enrolled)
        .exclude(user__in=list(context.users.values()))
        .select_related("unit", "user")
        .order_by("service_number")[:OFFICERS_PER_ASSESSMENT]
    )


def _account(officer: Officer, created: dict) -> User:
    """The officer's account; one with an unusable password is made for them when missing."""
    if officer.user is not None:
        return officer.user
    user = User.objects.create_user(
        username=f"demo.officer.{officer.service_number.lower()}",
        first_name=officer.given_name[:150],
        last_name=officer.family_name[:150],
    )
    officer.user = user
    officer.save(update_fields=["user", "updated_at"])
    created["officer accounts"] += 1
    return user


def _sit(assessment: Assessment, user: User, ability: float, rng: random.Random, trainer: User) -> Attempt:
    attempt = services.attempt_start(assessment=assessment, user=user)
    answers = [(question["id"], _response(question, ability, rng)) for question in attempt.snapshot]
    return services.attempt_submit(attempt=attempt, user=user, answers=answers)


def _response(question: dict, ability: float, rng: random.Random) -> dict:
    """What an officer of that ability answers: right with that chance, else a likely mistake."""
    kind = question["kind"]
    right = rng.random() < ability
    if kind == Question.Kind.ESSAY:
        return {"text": ESSAY_ANSWERS[0 if right else rng.randrange(1, len(ESSAY_ANSWERS))]}
    if kind == Question.Kind.NUMERIC:
        answer = Decimal(question["numeric_answer"])
        return {"text": str(answer.normalize() if right else answer * rng.choice((Decimal("0.5"), Decimal(2))))}
    if kind == Question.Kind.SHORT_TEXT:
        return {"text": question["accepted_answers"][0].lower() if right else rng.choice(WRONG_TEXT)}
    choices = sorted(question["choices"], key=lambda choice: choice["source"])
    correct = [choice["id"] for choice in choices if choice["correct"]]
    wrong = [choice["id"] for choice in choices if not choice["correct"]]
    if right:
        return {"choices": correct}
    if kind == Question.Kind.MULTIPLE:
        # The usual mistake: some of the right answers and one wrong one.
        return {"choices": sorted([*rng.sample(correct, max(1, len(correct) - 1)), rng.choice(wrong)])}
    return {"choices": [rng.choice(wrong)]}


def _essays_grade(assessment: Assessment, trainer: User, rng: random.Random) -> None:
    """demo.trainer grades the essays, all but the last few, which wait in the queue."""
    essays = list(
        Answer.objects.filter(attempt__assessment=assessment, needs_review=True)
        .select_related("attempt")
        .order_by("attempt__officer__service_number", "attempt__number")
    )
    for answer in essays[: max(0, len(essays) - ESSAYS_LEFT_FOR_REVIEW)]:
        good = answer.response.get("text") == ESSAY_ANSWERS[0]
        points = Decimal(rng.choice((3, 4))) if good else Decimal(rng.choice((1, 2)))
        comment = "Clear and survivor-centred." if good else "Put her safety and choices first; mention the 72 hours."
        services.answer_grade(answer=answer, actor=trainer, points=points, comment=comment)
