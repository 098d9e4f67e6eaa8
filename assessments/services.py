"""Every write to assessments: ``<entity>_<action>`` functions, keyword-only, one transaction each.

Who may do what:
- authors of the course and admins create and edit banks, questions and assessments
  (``courses.selectors.course_is_editable``);
- an active officer enrolled in the course takes its published assessments;
- a trainer (or admin) whose scope covers the officer grades essays and grants allowances.

Attempts keep a snapshot of the questions as shown, answer key included (server-side only:
``assessments.selectors.question_for_display`` strips it before a trainee sees it), so a
later edit of the bank never changes a past result; only ``attempts_regrade`` does.

Time is read once per call from ``now`` (default ``timezone.now()``), so tests can move it.
"""

import datetime
import random
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.grading import Grade, attempt_score, grade, response_problems
from assessments.models import (
    Allowance,
    Answer,
    Assessment,
    Attempt,
    Choice,
    Pool,
    Question,
    QuestionBank,
    Scenario,
)
from assessments.permissions import authoring_check, conflict_check, trainer_covers
from assessments.selectors import (
    allowance_terms,
    course_publish_plan,
    is_required_for_completion,
    publish_problems_by_assessment,
)
from assessments.validation import choice_is_correct, number_text, question_errors, question_problems
from courses import services as course_services
from courses.models import Course, CourseRelease, Enrollment, Module
from courses.selectors import PublishStep
from lms.audit.services import Change, audit_record, audit_record_many
from lms.notifications.services import notifications_send
from organisations.models import Officer, Organisation, User
from organisations.selectors import user_roles

# Answers saved (and submissions made) up to this long after the deadline still count:
# the request may have left the trainee's phone in time and spent a while on the network.
# A constant rather than a setting: it is part of the fairness rule, the same everywhere.
DEADLINE_GRACE = datetime.timedelta(seconds=30)

CHOICE_KINDS = (Question.Kind.SINGLE, Question.Kind.MULTIPLE, Question.Kind.TRUE_FALSE)


# Permission checks ----------------------------------------------------------------------


def _course_edit_check(*, actor: User, course: Course) -> None:
    # Not audited here: the refusal rolls back this service's transaction; the pages and the
    # API check first and record it (``permissions.authoring_check``).
    authoring_check(user=actor, course=course, audit=False)


def _trainer_check(*, actor: User, officer: Officer) -> None:
    if not trainer_covers(user=actor, officer=officer):
        raise PermissionDenied(_("Only a trainer whose scope covers the officer may do this."))


# Banks and questions ----------------------------------------------------------------------


@transaction.atomic
def bank_create(
    *, title: str, actor: User, course: Course | None = None, owner: Organisation | None = None
) -> QuestionBank:
    """A bank of a course (its authors and admins) or of an organisation (admins)."""
    if course is not None:
        _course_edit_check(actor=actor, course=course)
    elif not user_roles(actor).is_admin:
        raise PermissionDenied(_("Only admins create organisation question banks."))
    bank = QuestionBank(title=title, course=course, owner=owner, created_by=actor)
    bank.full_clean()
    bank.save()
    audit_record(actor=actor, action="bank.create", target=bank, after={"title": title})
    return bank


def _bank_edit_check(*, actor: User, bank: QuestionBank) -> None:
    if bank.course_id is not None:
        _course_edit_check(actor=actor, course=bank.course)
    elif not user_roles(actor).is_admin:
        raise PermissionDenied(_("Only admins edit organisation question banks."))


@transaction.atomic
def scenario_create(*, bank: QuestionBank, title: str, text: str, actor: User) -> Scenario:
    _bank_edit_check(actor=actor, bank=bank)
    scenario = Scenario(bank=bank, title=title, text=text)
    scenario.full_clean()
    scenario.save()
    return scenario


def _decimal_or_none(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        return Decimal("NaN")
    return number


def _true_false_choices(choices: Iterable[dict]) -> list[dict]:
    """True/false as two choices, stored in English (translated when shown).

    Accepts ``[{"text": "True", "correct": bool}, ...]`` or a single ``{"correct": bool}``
    meaning "the statement is true"."""
    choices = list(choices)
    if len(choices) == 2:
        return choices
    is_true = bool(choices[0].get("correct")) if choices else True
    return [{"text": "True", "correct": is_true}, {"text": "False", "correct": not is_true}]


def choices_normalise(kind: str, choices: Iterable[Mapping]) -> list[dict]:
    """Choices as ``question_errors`` checks them: true/false filled in, credits as
    ``Decimal`` (anything unreadable as NaN, which the rules refuse) and, where credits are
    given, ``correct`` set from them (``validation.choice_is_correct``) unless the author
    marked a choice correct themselves (which the rules then check)."""
    choices = [dict(choice) for choice in choices]
    if kind == Question.Kind.TRUE_FALSE:
        choices = _true_false_choices(choices)
    for choice in choices:
        if choice.get("weight") is not None:
            choice["weight"] = _decimal_or_none(choice["weight"])
    if choices and all(isinstance(choice.get("weight"), Decimal) for choice in choices):
        for choice in choices:
            if not choice.get("correct") and choice["weight"].is_finite():
                choice["correct"] = choice_is_correct(kind, choice["weight"])
    return choices


def partial_answers_normalise(answers: Iterable[Mapping]) -> list:
    """Numeric answers for part of the points with their numbers as ``Decimal`` (a missing
    tolerance is 0); entries that are not mappings are kept for the rules to refuse."""
    normalised = []
    for entry in answers:
        if isinstance(entry, Mapping):
            entry = {
                "answer": _decimal_or_none(entry.get("answer")),
                "tolerance": _decimal_or_none(entry.get("tolerance")) or Decimal("0"),
                "weight": _decimal_or_none(entry.get("weight")),
            }
        normalised.append(entry)
    return normalised


def partial_answers_stored(answers: list[Mapping]) -> list[dict]:
    """Validated partial answers as the JSON column keeps them: decimal strings."""
    return [{name: str(entry[name]) for name in ("answer", "tolerance", "weight")} for entry in answers]


def _choice_rows(question: Question, choices: list[Mapping]) -> list[Choice]:
    return [
        Choice(
            question=question,
            text=str(choice["text"]).strip(),
            is_correct=bool(choice.get("correct")),
            weight=choice.get("weight"),
            order=order,
        )
        for order, choice in enumerate(choices, start=1)
    ]


@transaction.atomic
def question_create(
    *,
    bank: QuestionBank,
    kind: str,
    text: str,
    actor: User,
    points=1,
    choices: Iterable[Mapping] = (),
    explanation: str = "",
    competency: str = "",
    topic: str = "",
    numeric_answer=None,
    numeric_tolerance=0,
    accepted_answers: Iterable[str] = (),
    numeric_partial_answers: Iterable[Mapping] = (),
    scenario: Scenario | None = None,
) -> Question:
    """A question with its choices; ``ValidationError`` by field when it breaks a rule of
    ``assessments.validation.question_errors`` (or names another bank's scenario).

    A choice may carry a ``weight`` (its credit in percent, Moodle's per-answer grade):
    then every choice does, and its ``correct`` mark follows from it."""
    _bank_edit_check(actor=actor, bank=bank)
    choices = choices_normalise(kind, choices)
    accepted_answers = [str(answer).strip() for answer in accepted_answers if str(answer).strip()]
    points = _decimal_or_none(points)
    numeric_answer = _decimal_or_none(numeric_answer) if kind == Question.Kind.NUMERIC else None
    numeric_tolerance = _decimal_or_none(numeric_tolerance) or Decimal("0")
    numeric_partial_answers = partial_answers_normalise(numeric_partial_answers)
    errors = question_errors(
        {
            "kind": kind,
            "text": text,
            "points": points,
            "competency": competency,
            "topic": topic,
            "choices": choices,
            "numeric_answer": numeric_answer,
            "numeric_tolerance": numeric_tolerance,
            "numeric_partial_answers": numeric_partial_answers,
            "accepted_answers": accepted_answers,
        }
    )
    if scenario is not None and scenario.bank_id != bank.pk:
        errors["scenario"] = [_("The scenario belongs to another bank.")]
    if errors:
        raise ValidationError(errors)
    question = Question(
        bank=bank,
        scenario=scenario,
        kind=kind,
        text=text,
        explanation=explanation,
        points=points,
        competency=competency,
        topic=topic,
        numeric_answer=numeric_answer,
        numeric_tolerance=numeric_tolerance,
        numeric_partial_answers=partial_answers_stored(numeric_partial_answers),
        accepted_answers=accepted_answers,
    )
    question.full_clean()
    question.save()
    Choice.objects.bulk_create(_choice_rows(question, choices))
    audit_record(actor=actor, action="question.create", target=question, after={"bank": bank.pk, "kind": kind})
    return question


QUESTION_KEY_FIELDS = (
    "points",
    "numeric_answer",
    "numeric_tolerance",
    "numeric_partial_answers",
    "accepted_answers",
    "explanation",
)


def _question_key(question: Question) -> dict:
    choices = list(question.choices.all())
    return {
        "points": str(question.points),
        "numeric_answer": None if question.numeric_answer is None else str(question.numeric_answer),
        "numeric_tolerance": str(question.numeric_tolerance),
        "numeric_partial_answers": list(question.numeric_partial_answers),
        "accepted_answers": list(question.accepted_answers),
        "explanation": question.explanation,
        "correct_choices": sorted(choice.pk for choice in choices if choice.is_correct),
        "choice_weights": {str(choice.pk): _weight_text(choice.weight) for choice in choices},
    }


def _weight_text(weight: Decimal | None) -> str | None:
    return None if weight is None else number_text(weight)


@transaction.atomic
def question_correct(*, question: Question, actor: User, **changes) -> Question:
    """Correct a question's answer key: any of ``points``, ``numeric_answer``,
    ``numeric_tolerance``, ``numeric_partial_answers``, ``accepted_answers``,
    ``explanation``, ``correct_choices`` (the ids of the choices that are correct) and
    ``choice_weights`` (choice id -> credit in percent, or None for none; where every
    choice has a credit, the correct marks follow from the credits). The question as
    corrected must meet the rules of ``assessments.validation.question_errors``, as a new
    one does.

    Past attempts keep their snapshot until ``attempts_regrade`` is called for the question.
    Audited (``question.corrected``) with the key before and after. Locks the question.
    """
    unknown = set(changes) - {*QUESTION_KEY_FIELDS, "correct_choices", "choice_weights"}
    if unknown:
        raise TypeError(f"question_correct() cannot change {sorted(unknown)}")
    question = Question.objects.select_for_update(of=("self",)).select_related("bank__course").get(pk=question.pk)
    _bank_edit_check(actor=actor, bank=question.bank)
    choices = list(question.choices.all())
    before = _question_key(question)
    own_ids = {choice.pk for choice in choices}
    correct_ids = set(changes.get("correct_choices", before["correct_choices"]))
    weights = {choice.pk: choice.weight for choice in choices}
    weights.update({int(choice_id): weight for choice_id, weight in changes.get("choice_weights", {}).items()})
    if not correct_ids <= own_ids or not set(weights) <= own_ids:
        raise ValidationError({"correct_choices": [_("These choices are not the question's.")]})
    if "correct_choices" not in changes and "choice_weights" in changes:
        correct_ids = set()  # the credits decide again
    corrected = choices_normalise(
        question.kind,
        [
            {"text": choice.text, "correct": choice.pk in correct_ids, "weight": weights[choice.pk]}
            if weights[choice.pk] is not None
            else {"text": choice.text, "correct": choice.pk in correct_ids}
            for choice in choices
        ],
    )
    accepted = [str(a).strip() for a in changes.get("accepted_answers", question.accepted_answers) if str(a).strip()]
    points = _decimal_or_none(changes.get("points", question.points))
    numeric_answer = _decimal_or_none(changes.get("numeric_answer", question.numeric_answer))
    if question.kind != Question.Kind.NUMERIC:
        numeric_answer = None
    numeric_tolerance = _decimal_or_none(changes.get("numeric_tolerance", question.numeric_tolerance)) or Decimal("0")
    partial = partial_answers_normalise(changes.get("numeric_partial_answers", question.numeric_partial_answers))
    errors = question_errors(
        {
            "kind": question.kind,
            "text": question.text,
            "points": points,
            "competency": question.competency,
            "topic": question.topic,
            "choices": corrected,
            "numeric_answer": numeric_answer,
            "numeric_tolerance": numeric_tolerance,
            "numeric_partial_answers": partial,
            "accepted_answers": accepted,
        }
    )
    if errors:
        raise ValidationError(errors)
    question.points = points
    question.numeric_answer = numeric_answer
    question.numeric_tolerance = numeric_tolerance
    question.numeric_partial_answers = partial_answers_stored(partial)
    question.accepted_answers = accepted
    question.explanation = changes.get("explanation", question.explanation)
    question.full_clean()
    question.save(update_fields=[*QUESTION_KEY_FIELDS, "updated_at"])
    for choice, key in zip(choices, corrected, strict=True):
        choice.is_correct = bool(key.get("correct"))
        choice.weight = key.get("weight")
    Choice.objects.bulk_update(choices, ["is_correct", "weight"])
    question = Question.objects.prefetch_related("choices").get(pk=question.pk)
    after = _question_key(question)
    changed = [name for name in after if before[name] != after[name]]
    if changed:
        audit_record(
            actor=actor,
            action="question.corrected",
            target=question,
            before={name: before[name] for name in changed},
            after={name: after[name] for name in changed},
        )
    return question


# Assessments ------------------------------------------------------------------------------


@transaction.atomic
def assessment_create(
    *,
    course: Course,
    title: str,
    actor: User,
    module: Module | None = None,
    bank: QuestionBank | None = None,
    instructions: str = "",
    pass_mark: int = 70,
    time_limit_minutes: int | None = None,
    max_attempts: int | None = None,
    cooldown_minutes: int = 0,
    closes_at: datetime.datetime | None = None,
    feedback_policy: str = Assessment.FeedbackPolicy.AFTER_SUBMISSION,
    shuffle_choices: bool = True,
    is_required: bool | None = None,
    is_pretest: bool = False,
    pretest_of: Assessment | None = None,
) -> Assessment:
    """A draft assessment of the course (of ``module`` for a quiz).

    With no ``bank``, a bank of the course is created for it. ``is_required`` defaults to
    True for a course's final assessment (no module, not a pre-test), else False.
    """
    _course_edit_check(actor=actor, course=course)
    errors: dict[str, list[str]] = {}
    if module is not None and module.course_id != course.pk:
        errors["module"] = [_("The module belongs to another course.")]
    if bank is not None and bank.course_id not in (None, course.pk):
        errors["bank"] = [_("The question bank belongs to another course.")]
    if not 0 <= pass_mark <= 100:
        errors["pass_mark"] = [_("The pass mark is a percentage, 0 to 100.")]
    if errors:
        raise ValidationError(errors)
    if is_required is None:
        is_required = module is None and not is_pretest
    if bank is None:
        bank = bank_create(title=title, actor=actor, course=course)
    assessment = Assessment(
        course=course,
        module=module,
        bank=bank,
        title=title,
        instructions=instructions,
        pass_mark=pass_mark,
        time_limit_minutes=time_limit_minutes,
        max_attempts=max_attempts,
        cooldown_minutes=cooldown_minutes,
        closes_at=closes_at,
        feedback_policy=feedback_policy,
        shuffle_choices=shuffle_choices,
        is_required=is_required and not is_pretest,
        is_pretest=is_pretest,
        pretest_of=pretest_of,
        created_by=actor,
    )
    assessment.full_clean()
    assessment.save()
    audit_record(
        actor=actor, action="assessment.create", target=assessment, after={"course": course.pk, "title": title}
    )
    return assessment


@transaction.atomic
def assessment_publish(*, assessment: Assessment, actor: User, now: datetime.datetime | None = None) -> Assessment:
    """Open the assessment to enrolled trainees. Publishing again changes nothing.

    A required assessment binds the enrolments of course releases published after it
    (``selectors.assessments_requirement``); publishing the course publishes its ready
    drafts too (``assessments_publish_with_course``). Refused (``ValidationError``, one
    message per problem) unless ready by ``selectors.assessment_publish_problems``.
    """
    assessment = Assessment.objects.select_for_update().select_related("course").get(pk=assessment.pk)
    _course_edit_check(actor=actor, course=assessment.course)
    if assessment.published_at is not None:
        return assessment
    problems = publish_problems_by_assessment(assessments=[assessment])[assessment.pk]
    if problems:
        raise ValidationError(problems)
    assessment.published_at = now or timezone.now()
    assessment.save(update_fields=["published_at"])
    audit_record(
        actor=actor,
        action="assessment.publish",
        target=assessment,
        after={"published_at": str(assessment.published_at)},
    )
    return assessment


@transaction.atomic
def assessments_publish_with_course(*, course: Course, release: CourseRelease, actor: User) -> list[Assessment]:
    """The course publish step (``settings.COURSE_PUBLISH_STEPS``): publish the course's
    ready draft assessments into ``release``; returns them.

    Runs inside ``courses.services.course_publish``'s transaction, the course row locked,
    and locks the drafts. Each ready draft (``selectors.assessment_publish_problems``) gets
    the release's ``published_at``, so it binds this release's enrolments on
    (``selectors.assessments_requirement``) and none before. A required draft that is not
    ready refuses the whole publish (``ValidationError`` naming each problem); an optional
    draft that is not ready (a quiz, a pre-test) stays a draft. Audited like
    ``assessment_publish``: one ``assessment.publish`` entry per assessment published.
    """
    drafts = list(
        Assessment.objects.select_for_update().filter(course=course, published_at__isnull=True).order_by("pk")
    )
    problems = publish_problems_by_assessment(assessments=drafts)
    refusals = [
        problem
        for assessment in drafts
        if is_required_for_completion(assessment)
        for problem in problems[assessment.pk]
    ]
    if refusals:
        raise ValidationError(refusals)
    ready = [assessment for assessment in drafts if not problems[assessment.pk]]
    for assessment in ready:
        assessment.published_at = release.published_at
    Assessment.objects.bulk_update(ready, ["published_at"])
    audit_record_many(
        actor=actor,
        action="assessment.publish",
        changes=[
            Change(assessment, None, {"published_at": str(release.published_at), "release": release.number})
            for assessment in ready
        ],
    )
    return ready


# The course publish step of assessments: its plan (what the page shows before publishing)
# and its run decide by the same rule.
COURSE_PUBLISH_STEP = PublishStep(plan=course_publish_plan, run=assessments_publish_with_course)


# Attempts ---------------------------------------------------------------------------------


def _draw(assessment: Assessment) -> list[Question]:
    """The questions of a new attempt, in bank order with each scenario's questions together.

    No pools: every live question. Pools: ``count`` random live questions per tag (its
    competency or topic), each question drawn once; a drawn scenario question brings the
    rest of its scenario.
    """
    live = list(
        Question.objects.filter(bank_id=assessment.bank_id, is_archived=False)
        .select_related("scenario")
        .prefetch_related("choices")
        .order_by("pk")
    )
    pools = list(assessment.pools.order_by("pk"))
    if pools:
        rng = random.SystemRandom()
        chosen: set[int] = set()
        for pool in pools:
            candidates = [
                question.pk
                for question in live
                if question.pk not in chosen and pool.tag in (question.competency, question.topic)
            ]
            chosen.update(rng.sample(candidates, min(pool.count, len(candidates))))
        scenarios = {question.scenario_id for question in live if question.pk in chosen and question.scenario_id}
        live = [question for question in live if question.pk in chosen or question.scenario_id in scenarios]
    first_of_scenario: dict[int, int] = {}
    for question in live:
        if question.scenario_id:
            first_of_scenario.setdefault(question.scenario_id, question.pk)
    return sorted(live, key=lambda q: (first_of_scenario.get(q.scenario_id, q.pk), q.pk))


# Choice ids as an attempt shows them: random in [1, 2^31), drawn anew for every attempt,
# so nothing about an id (order, parity, size) says which choice is right.
SHOWN_CHOICE_ID_LIMIT = 2**31


def question_snapshot(question: Question, *, shuffle: bool) -> dict:
    """A question as the attempt shows it, answer key included (see the models' docstring).

    Each choice is shown under an id of its own for this attempt (``id``); ``source`` keeps
    the bank's choice id, for regrades and item analysis, and never leaves the server
    without the key."""
    rng = random.SystemRandom()
    bank_choices = list(question.choices.all())
    shown_ids = rng.sample(range(1, SHOWN_CHOICE_ID_LIMIT), len(bank_choices))
    choices = [
        {
            "id": shown_id,
            "source": choice.pk,
            "text": choice.text,
            "correct": choice.is_correct,
            "weight": _weight_text(choice.weight),
        }
        for shown_id, choice in zip(shown_ids, bank_choices, strict=True)
    ]
    if shuffle and question.kind != Question.Kind.TRUE_FALSE:
        rng.shuffle(choices)
    scenario = question.scenario
    return {
        "id": question.pk,
        "kind": question.kind,
        "text": question.text,
        "points": str(question.points),
        "scenario": None if scenario is None else {"id": scenario.pk, "title": scenario.title, "text": scenario.text},
        "choices": choices,
        "numeric_answer": None if question.numeric_answer is None else str(question.numeric_answer),
        "numeric_tolerance": str(question.numeric_tolerance),
        "numeric_partial_answers": list(question.numeric_partial_answers),
        "accepted_answers": list(question.accepted_answers),
        "explanation": question.explanation,
        "competency": question.competency,
        "topic": question.topic,
    }


def _refusal(code: str) -> ValidationError:
    messages = {
        "not_published": _("This assessment is not open yet."),
        "closed": _("This assessment is closed."),
        "attempt_limit": _("You have used all your attempts at this assessment."),
        "cooldown": _("Wait a while before your next attempt."),
        "not_enrolled": _("Enrol in the course before taking its assessments."),
        "too_many_questions": _(
            "This assessment would show more questions than one attempt may: its authors must draw fewer."
        ),
    }
    return ValidationError(messages[code], code=code)


@transaction.atomic
def attempt_start(*, assessment: Assessment, user: User, now: datetime.datetime | None = None) -> Attempt:
    """Start an attempt, or return the one already open (``attempt.is_new`` tells which).

    Preconditions: the user is an active officer (``PermissionDenied``) enrolled in the
    course, the assessment is published and open, the attempt limit (with allowances) not
    reached and the cooldown over (``ValidationError`` with code ``not_enrolled``,
    ``not_published``, ``closed``, ``attempt_limit``, ``cooldown`` or, when the draw would
    show more than ``settings.ASSESSMENT_MAX_QUESTIONS`` questions, ``too_many_questions``).
    An open attempt whose time is up is submitted first (graded as of its deadline).

    Locks the officer's enrolment row before counting attempts, so racing starts run one
    after another; the unique constraints on attempts are the last line of defence.
    """
    officer = user_roles(user).officer
    if officer is None or not officer.is_active:
        raise PermissionDenied(_("Only an active officer takes assessments."))
    enrollment = Enrollment.objects.select_for_update().filter(course_id=assessment.course_id, officer=officer).first()
    if enrollment is None:
        raise _refusal("not_enrolled")
    # Read the clock once the lock is held: a start that waited for a racing submit must
    # not look earlier than that submit.
    now = now or timezone.now()
    assessment = Assessment.objects.select_related("course").get(pk=assessment.pk)
    if assessment.published_at is None:
        raise _refusal("not_published")
    attempts = list(Attempt.objects.filter(assessment=assessment, officer=officer).order_by("number"))
    open_attempt = next((a for a in attempts if a.status == Attempt.Status.IN_PROGRESS), None)
    if open_attempt is not None:
        if open_attempt.deadline is None or now <= open_attempt.deadline + DEADLINE_GRACE:
            open_attempt.is_new = False
            return open_attempt
        _attempt_close(attempt=open_attempt, user=user, answers=None, now=now)
    terms = allowance_terms(assessment=assessment, officer=officer)
    extra_attempts, extra_minutes, closes_at = terms["extra_attempts"], terms["extra_minutes"], terms["closes_at"]
    if closes_at is not None and now >= closes_at:
        raise _refusal("closed")
    if assessment.max_attempts is not None and len(attempts) >= assessment.max_attempts + extra_attempts:
        raise _refusal("attempt_limit")
    last_submitted = max((a.submitted_at for a in attempts if a.submitted_at), default=None)
    cooldown = datetime.timedelta(minutes=assessment.cooldown_minutes)
    if cooldown and last_submitted and now < last_submitted + cooldown:
        raise _refusal("cooldown")
    deadline = None
    if assessment.time_limit_minutes:
        deadline = now + datetime.timedelta(minutes=assessment.time_limit_minutes + extra_minutes)
    if closes_at is not None and (deadline is None or deadline > closes_at):
        deadline = closes_at
    drawn = _draw(assessment)
    if len(drawn) > settings.ASSESSMENT_MAX_QUESTIONS:
        # Publishing refuses such an assessment; questions added since can still bring a
        # draw past the bound: refuse rather than send a phone hundreds of questions.
        raise _refusal("too_many_questions")
    snapshot = [question_snapshot(q, shuffle=assessment.shuffle_choices) for q in drawn]
    number = (attempts[-1].number if attempts else 0) + 1
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                assessment=assessment,
                officer=officer,
                number=number,
                started_at=now,
                deadline=deadline,
                snapshot=snapshot,
            )
    except IntegrityError:
        # Only reachable by a writer that did not lock the enrolment.
        open_attempt = Attempt.objects.filter(
            assessment=assessment, officer=officer, status=Attempt.Status.IN_PROGRESS
        ).first()
        if open_attempt is None:
            raise _refusal("attempt_limit") from None
        open_attempt.is_new = False
        return open_attempt
    attempt.is_new = True
    return attempt


def _owner_check(*, attempt: Attempt, user: User) -> None:
    if attempt.officer.user_id is None or attempt.officer.user_id != user.pk:
        raise PermissionDenied(_("This is not your attempt."))


def _lock_attempt(attempt: Attempt) -> Attempt:
    return (
        Attempt.objects.select_for_update(of=("self",))
        .select_related("assessment", "officer__unit", "officer__user")
        .get(pk=attempt.pk)
    )


def _is_late(attempt: Attempt, now: datetime.datetime) -> bool:
    return attempt.deadline is not None and now > attempt.deadline + DEADLINE_GRACE


def _snapshot_question(attempt: Attempt, question_id) -> dict | None:
    return next((question for question in attempt.snapshot if question["id"] == question_id), None)


@transaction.atomic
def answer_save(
    *, attempt: Attempt, user: User, question_id: int, response, now: datetime.datetime | None = None
) -> Answer:
    """Save (or replace) the owner's response to one question of their open attempt.

    Refused after the deadline (plus ``DEADLINE_GRACE``) or once submitted (``ValidationError``
    code ``closed``), and for a malformed response (``ValidationError`` keyed by the
    question's id). Locks the attempt, so a save never interleaves with the submit.
    """
    now = now or timezone.now()
    attempt = _lock_attempt(attempt)
    _owner_check(attempt=attempt, user=user)
    if attempt.status != Attempt.Status.IN_PROGRESS or _is_late(attempt, now):
        raise ValidationError(_("This attempt is closed: answers can no longer be changed."), code="closed")
    question = _snapshot_question(attempt, question_id)
    if question is None:
        raise ValidationError({str(question_id): [_("This question is not part of the attempt.")]})
    problems = response_problems(question, response)
    if problems:
        raise ValidationError({str(question_id): problems})
    answer, _created = Answer.objects.update_or_create(
        attempt=attempt, question_id=question_id, defaults={"response": response}
    )
    return answer


def _stored_grade(answer: Answer) -> Grade:
    return Grade(points=answer.points, is_correct=answer.is_correct, needs_review=answer.needs_review)


def _attempt_result(*, attempt: Attempt, grades: Mapping[int, Grade], now: datetime.datetime) -> None:
    """Set status, score, is_passed and graded_at from the grades (not saved)."""
    full = {
        question["id"]: grades.get(question["id"], Grade(Decimal(0), False, False)) for question in attempt.snapshot
    }
    if any(g.needs_review for g in full.values()):
        attempt.status, attempt.score, attempt.is_passed, attempt.graded_at = (
            Attempt.Status.PENDING_REVIEW,
            None,
            None,
            None,
        )
        return
    attempt.status = Attempt.Status.GRADED
    attempt.score = attempt_score(attempt.snapshot, full)
    attempt.is_passed = attempt.score is not None and attempt.score >= attempt.assessment.pass_mark
    attempt.graded_at = now


def _completion_check(*, attempt: Attempt, actor: User | None) -> None:
    """A pass may complete the course (its completion rule reads the passed attempts)."""
    if not attempt.is_passed:
        return
    enrollment_id = (
        Enrollment.objects.filter(course_id=attempt.assessment.course_id, officer_id=attempt.officer_id)
        .values_list("pk", flat=True)
        .first()
    )
    if enrollment_id is not None:
        course_services.enrollment_completion_check(enrollment_id=enrollment_id, actor=actor)


def _result_notify(attempt: Attempt) -> None:
    user = attempt.officer.user
    if user is None or attempt.status != Attempt.Status.GRADED:
        return
    notifications_send(
        users=[user],
        kind="assessment.graded",
        message=gettext_lazy("Your attempt at %(title)s is graded: %(score)s%%."),
        params={"title": attempt.assessment.title, "score": attempt.score},
    )


def _answers_upsert(answers: list[Answer], *, fields: list[str]) -> None:
    """Insert the answers, or update ``fields`` of those already saved: one statement
    (``bulk_update`` builds a CASE per row and field, which costs more than the grading)."""
    Answer.objects.bulk_create(
        answers, update_conflicts=True, unique_fields=["attempt", "question_id"], update_fields=fields
    )


def _attempt_close(*, attempt: Attempt, user: User, answers, now: datetime.datetime) -> Attempt:
    """Grade and close a locked, open attempt (see ``attempt_submit``)."""
    late = _is_late(attempt, now)
    saved = {answer.question_id: answer for answer in Answer.objects.filter(attempt=attempt)}
    if answers and not late:
        errors: dict[str, list[str]] = {}
        given: dict[int, object] = {}
        for question_id, response in answers:
            question = _snapshot_question(attempt, question_id)
            if question is None:
                errors[str(question_id)] = [_("This question is not part of the attempt.")]
                continue
            problems = response_problems(question, response)
            if problems:
                errors[str(question_id)] = problems
            given[question_id] = response
        if errors:
            raise ValidationError(errors)
        for question_id, response in given.items():
            answer = saved.get(question_id) or Answer(attempt=attempt, question_id=question_id)
            answer.response, answer.saved_at = response, now
            saved[question_id] = answer
        _answers_upsert([saved[question_id] for question_id in given], fields=["response", "saved_at"])
    if attempt.deadline is not None:
        too_late = [q for q, answer in saved.items() if answer.saved_at > attempt.deadline + DEADLINE_GRACE]
        if too_late:
            Answer.objects.filter(attempt=attempt, question_id__in=too_late).delete()
            for question_id in too_late:
                del saved[question_id]
    grades: dict[int, Grade] = {}
    for question in attempt.snapshot:
        answer = saved.get(question["id"])
        result = grade(question, answer.response if answer else None)
        grades[question["id"]] = result
        if answer is not None:
            answer.points, answer.is_correct, answer.needs_review = (
                result.points,
                result.is_correct,
                result.needs_review,
            )
    _answers_upsert(list(saved.values()), fields=["points", "is_correct", "needs_review"])
    attempt.submitted_at = attempt.deadline if late else now
    _attempt_result(attempt=attempt, grades=grades, now=now)
    attempt.save(update_fields=["status", "submitted_at", "score", "is_passed", "graded_at"])
    audit_record(
        actor=user,
        action="assessment.submitted",
        target=attempt,
        after={"status": attempt.status, "score": None if attempt.score is None else str(attempt.score), "late": late},
    )
    _completion_check(attempt=attempt, actor=user)
    _result_notify(attempt)
    return attempt


@transaction.atomic
def attempt_submit(
    *,
    attempt: Attempt,
    user: User,
    answers: Iterable[tuple[int, object]] | None = None,
    now: datetime.datetime | None = None,
) -> Attempt:
    """Submit the owner's attempt and grade it; returns it with status, score and is_passed.

    ``answers`` (``(question_id, response)`` pairs) are saved first, unless the submission
    is late: past the deadline plus ``DEADLINE_GRACE`` the attempt is graded as of the
    deadline (answers saved after it are discarded, those in the call ignored) and its
    ``submitted_at`` is the deadline. A second submit returns the first result unchanged.
    ``pending_review`` while an essay awaits a trainer (score and is_passed None); a pass
    runs the course completion check in this transaction. Locks the attempt row.
    """
    now = now or timezone.now()
    attempt = _lock_attempt(attempt)
    _owner_check(attempt=attempt, user=user)
    if attempt.status != Attempt.Status.IN_PROGRESS:
        return attempt
    return _attempt_close(attempt=attempt, user=user, answers=list(answers or []), now=now)


def answer_grade(
    *, answer: Answer, actor: User, points, comment: str = "", now: datetime.datetime | None = None
) -> Attempt:
    """A trainer grades an essay answer (0 to the question's points) with a comment.

    Preconditions: the actor is not the officer who answered (``ConflictOfInterest``,
    audited), and is a trainer whose scope covers the officer, or an admin
    (``PermissionDenied``); the attempt is submitted and the question an essay
    (``ValidationError``). When no answer awaits review any more the attempt is graded
    (score, pass, completion check). Audited as ``assessment.graded`` with the points
    before and after. Locks the attempt, then the answer.
    """
    conflict_check(actor=actor, officer_ids=[answer.attempt.officer_id], action="grade", target=answer)
    return _answer_grade(answer=answer, actor=actor, points=points, comment=comment, now=now)


@transaction.atomic
def _answer_grade(*, answer: Answer, actor: User, points, comment: str, now: datetime.datetime | None) -> Attempt:
    now = now or timezone.now()
    attempt = _lock_attempt(answer.attempt)
    _trainer_check(actor=actor, officer=attempt.officer)
    answer = Answer.objects.select_for_update().get(pk=answer.pk)
    question = _snapshot_question(attempt, answer.question_id)
    if attempt.status == Attempt.Status.IN_PROGRESS or question is None or question["kind"] != Question.Kind.ESSAY:
        raise ValidationError(_("Only essays of submitted attempts are graded by hand."), code="not_gradable")
    maximum = Decimal(question["points"])
    value = _decimal_or_none(points)
    if value is None or not value.is_finite() or not 0 <= value <= maximum:
        raise ValidationError({"points": [_("Points are between 0 and %(maximum)s.") % {"maximum": maximum}]})
    before = {"points": None if answer.points is None else str(answer.points)}
    answer.points = value.quantize(Decimal("0.01"))
    answer.is_correct = answer.points == maximum
    answer.needs_review = False
    answer.comment = comment
    answer.graded_by = actor
    answer.save(update_fields=["points", "is_correct", "needs_review", "comment", "graded_by", "saved_at"])
    audit_record(
        actor=actor, action="assessment.graded", target=answer, before=before, after={"points": str(answer.points)}
    )
    was_passed = attempt.is_passed
    grades = {a.question_id: _stored_grade(a) for a in Answer.objects.filter(attempt=attempt)}
    _attempt_result(attempt=attempt, grades=grades, now=now)
    attempt.save(update_fields=["status", "score", "is_passed", "graded_at"])
    if attempt.is_passed and not was_passed:
        _completion_check(attempt=attempt, actor=actor)
    _result_notify(attempt)
    return attempt


def attempts_regrade(*, question: Question, actor: User, now: datetime.datetime | None = None) -> int:
    """Apply the question's current answer key to every attempt that showed it; returns how
    many attempts' results changed. Refused (``ConflictOfInterest``, audited) when one of
    them is the actor's own. See ``_attempts_regrade``."""
    own = Attempt.objects.filter(assessment__bank_id=question.bank_id, officer__user_id=actor.pk).only(
        "officer_id", "snapshot"
    )
    conflict_check(
        actor=actor,
        officer_ids={attempt.officer_id for attempt in own if _snapshot_question(attempt, question.pk)},
        action="regrade",
        target=question,
    )
    return _attempts_regrade(question=question, actor=actor, now=now)


@transaction.atomic
def _attempts_regrade(*, question: Question, actor: User, now: datetime.datetime | None = None) -> int:
    """Apply the question's current answer key to every attempt that showed it; returns how
    many attempts' results changed.

    In each snapshot the key (correct flags and credits by the bank's choice id, numeric
    answers and tolerances, accepted answers, points, explanation) is replaced; the text
    as shown stays. Submitted attempts are graded again (an essay keeps its trainer's points), each changed result
    audited (``assessment.regraded``, score and pass before and after), and a new pass runs
    the completion check. A pass that becomes a fail keeps any completion record: revoking
    it is the certificates' concern. Locks the attempts in pk order.
    """
    now = now or timezone.now()
    question = Question.objects.select_related("bank__course").prefetch_related("choices").get(pk=question.pk)
    _bank_edit_check(actor=actor, bank=question.bank)
    bank_choices = {choice.pk: choice for choice in question.choices.all()}
    key = question_snapshot(question, shuffle=False)
    attempts = list(
        Attempt.objects.select_for_update(of=("self",))
        .select_related("assessment", "officer__user")
        .filter(assessment__bank_id=question.bank_id)
        .order_by("pk")
    )
    changes: list[Change] = []
    for attempt in attempts:
        shown = _snapshot_question(attempt, question.pk)
        if shown is None:
            continue
        for name in QUESTION_KEY_FIELDS:
            shown[name] = key[name]
        for choice in shown["choices"]:
            bank_choice = bank_choices.get(choice["source"])
            choice["correct"] = bank_choice is not None and bank_choice.is_correct
            choice["weight"] = None if bank_choice is None else _weight_text(bank_choice.weight)
        fields = ["snapshot"]
        before = {"score": None if attempt.score is None else str(attempt.score), "is_passed": attempt.is_passed}
        if attempt.status != Attempt.Status.IN_PROGRESS:
            answers = {a.question_id: a for a in Answer.objects.filter(attempt=attempt)}
            answer = answers.get(question.pk)
            if answer is not None and shown["kind"] != Question.Kind.ESSAY:
                result = grade(shown, answer.response)
                answer.points, answer.is_correct = result.points, result.is_correct
                answer.needs_review = result.needs_review
                answer.save(update_fields=["points", "is_correct", "needs_review"])
            grades = {question_id: _stored_grade(a) for question_id, a in answers.items()}
            was_passed = attempt.is_passed
            _attempt_result(attempt=attempt, grades=grades, now=attempt.graded_at or now)
            fields += ["status", "score", "is_passed", "graded_at"]
            after = {"score": None if attempt.score is None else str(attempt.score), "is_passed": attempt.is_passed}
            if after != before:
                changes.append(Change(attempt, before, after))
            attempt.save(update_fields=fields)
            if attempt.is_passed and not was_passed:
                _completion_check(attempt=attempt, actor=actor)
        else:
            attempt.save(update_fields=fields)
    audit_record_many(actor=actor, action="assessment.regraded", changes=changes, reason=f"question {question.pk}")
    return len(changes)


# Exceptions -------------------------------------------------------------------------------


def allowance_grant(
    *,
    assessment: Assessment,
    officer: Officer,
    actor: User,
    reason: str,
    extra_attempts: int = 0,
    extra_minutes: int = 0,
    closes_at: datetime.datetime | None = None,
) -> Allowance:
    """Grant one officer extra attempts, extra minutes per attempt or a later closing time.

    Preconditions: the officer is not the actor (``ConflictOfInterest``, audited); a
    trainer whose scope covers the officer, or an admin (``PermissionDenied``); a reason and
    at least one exception (``ValidationError``). Audited.
    """
    conflict_check(actor=actor, officer_ids=[officer.pk], action="allowance", target=assessment)
    return _allowance_grant(
        assessment=assessment,
        officer=officer,
        actor=actor,
        reason=reason,
        extra_attempts=extra_attempts,
        extra_minutes=extra_minutes,
        closes_at=closes_at,
    )


@transaction.atomic
def _allowance_grant(
    *,
    assessment: Assessment,
    officer: Officer,
    actor: User,
    reason: str,
    extra_attempts: int,
    extra_minutes: int,
    closes_at: datetime.datetime | None,
) -> Allowance:
    _trainer_check(actor=actor, officer=officer)
    errors: dict[str, list[str]] = {}
    if not str(reason).strip():
        errors["reason"] = [_("Give the reason for the exception.")]
    if not (extra_attempts or extra_minutes or closes_at):
        errors["extra_attempts"] = [_("Grant extra attempts, extra minutes or a later closing time.")]
    if errors:
        raise ValidationError(errors)
    allowance = Allowance.objects.create(
        assessment=assessment,
        officer=officer,
        extra_attempts=extra_attempts,
        extra_minutes=extra_minutes,
        closes_at=closes_at,
        reason=str(reason).strip(),
        granted_by=actor,
    )
    audit_record(
        actor=actor,
        action="assessment.allowance",
        target=allowance,
        after={
            "officer": officer.pk,
            "extra_attempts": extra_attempts,
            "extra_minutes": extra_minutes,
            "closes_at": closes_at.isoformat() if closes_at else None,
        },
        reason=str(reason).strip(),
    )
    return allowance


# Import -----------------------------------------------------------------------------------
# The bulk path behind ``manage.py import_questions`` (CSV and GIFT, see assessments/gift.py
# and assessments/bank_csv.py): a fixed number of queries however many questions.


@transaction.atomic
def questions_import(*, bank: QuestionBank, questions: list[dict], actor: User | None) -> list[Question]:
    """Create every question (``question_create`` keyword dicts) or none, in bulk.

    ``"scenario": {"title", "text"}`` reuses the bank's scenario of that title (its text is
    kept) or creates it once for all the questions naming it. A ``ValidationError`` keyed
    by the question's index (0-based) lists every question refused; nothing is written
    then. ``actor`` None is the system (the management command): no permission check.
    More than ``settings.QUESTION_IMPORT_MAX_QUESTIONS`` questions are refused whole
    (``ValidationError`` keyed ``count``). One audit entry, ``questions.imported``, with
    the count.
    """
    if actor is not None:
        _bank_edit_check(actor=actor, bank=bank)
    limit = settings.QUESTION_IMPORT_MAX_QUESTIONS
    if len(questions) > limit:
        raise ValidationError(
            {
                "count": [
                    _("One import adds at most %(limit)d questions, not %(count)d: split the file.")
                    % {"limit": limit, "count": len(questions)}
                ]
            }
        )
    questions = [
        {
            **data,
            "choices": choices_normalise(data.get("kind"), data.get("choices") or ()),
            "numeric_partial_answers": partial_answers_normalise(data.get("numeric_partial_answers") or ()),
        }
        for data in questions
    ]
    errors = {str(index): problems for index, data in enumerate(questions) if (problems := question_problems(data))}
    if errors:
        raise ValidationError(errors)
    # The first question naming a scenario gives its text.
    named = [data["scenario"] for data in questions if data.get("scenario")]
    titles = {scenario["title"]: scenario["text"] for scenario in reversed(named)}
    scenarios: dict[str, Scenario] = {}
    if titles:
        scenarios = {scenario.title: scenario for scenario in Scenario.objects.filter(bank=bank, title__in=titles)}
        new = [Scenario(bank=bank, title=title, text=text) for title, text in titles.items() if title not in scenarios]
        scenarios.update({scenario.title: scenario for scenario in Scenario.objects.bulk_create(new)})
    created = Question.objects.bulk_create(
        [
            Question(
                bank=bank,
                scenario=scenarios[data["scenario"]["title"]] if data.get("scenario") else None,
                kind=data["kind"],
                text=data["text"],
                explanation=data.get("explanation", ""),
                points=data.get("points", Decimal("1")),
                competency=data.get("competency", ""),
                topic=data.get("topic", ""),
                numeric_answer=data.get("numeric_answer") if data["kind"] == Question.Kind.NUMERIC else None,
                numeric_tolerance=data.get("numeric_tolerance") or Decimal("0"),
                numeric_partial_answers=partial_answers_stored(data.get("numeric_partial_answers") or []),
                accepted_answers=[str(answer).strip() for answer in data.get("accepted_answers", ())],
            )
            for data in questions
        ]
    )
    Choice.objects.bulk_create(
        [
            choice
            for question, data in zip(created, questions, strict=True)
            for choice in _choice_rows(question, data["choices"])
        ]
    )
    audit_record(actor=actor, action="questions.imported", target=bank, after={"count": len(created)})
    return created


def questions_import_messages(error: ValidationError) -> list[str]:
    """A refusal of ``questions_import`` as sentences: each question's problems numbered
    from 1 in the file's order, then the problems of the import as a whole."""
    numbered = sorted((int(key), messages) for key, messages in error.message_dict.items() if key.isdigit())
    whole = [message for key, messages in error.message_dict.items() if not key.isdigit() for message in messages]
    return whole + [
        _("question %(number)d: %(message)s") % {"number": index + 1, "message": message}
        for index, messages in numbered
        for message in messages
    ]


# Pools and archiving ----------------------------------------------------------------------


def _tagged_live_count(*, bank_id: int, tag: str) -> int:
    return Question.objects.filter(bank_id=bank_id, is_archived=False).filter(Q(competency=tag) | Q(topic=tag)).count()


@transaction.atomic
def pool_set(*, assessment: Assessment, tag: str, count: int, actor: User) -> Pool:
    """Draw ``count`` questions tagged ``tag`` (competency or topic) in each new attempt;
    replaces the assessment's pool of that tag. Audited (``pool.set``)."""
    _course_edit_check(actor=actor, course=assessment.course)
    tag = tag.strip()
    if not tag:
        raise ValidationError({"tag": [_("Give a competency code or a topic.")]})
    if count < 1:
        raise ValidationError({"count": [_("Draw at least one question.")]})
    matching = _tagged_live_count(bank_id=assessment.bank_id, tag=tag)
    if matching < count:
        raise ValidationError(
            {
                "count": [
                    _("Only %(matching)d live question(s) of the bank have the tag %(tag)r.")
                    % {"matching": matching, "tag": tag}
                ]
            }
        )
    pool = Pool.objects.filter(assessment=assessment, tag=tag).first()
    before = None if pool is None else {"count": pool.count}
    if pool is None:
        pool = Pool(assessment=assessment, tag=tag, count=count)
    pool.count = count
    pool.full_clean()
    pool.save()
    audit_record(actor=actor, action="pool.set", target=assessment, before=before, after={"tag": tag, "count": count})
    return pool


@transaction.atomic
def pool_delete(*, pool: Pool, actor: User) -> None:
    """Remove a pool (new attempts only; past snapshots stay). Audited (``pool.delete``)."""
    _course_edit_check(actor=actor, course=pool.assessment.course)
    before = {"tag": pool.tag, "count": pool.count}
    assessment = pool.assessment
    pool.delete()
    audit_record(actor=actor, action="pool.delete", target=assessment, before=before)


@transaction.atomic
def question_archive(*, question: Question, actor: User) -> Question:
    """Never draw the question again; attempts that showed it keep it. Audited
    (``question.archived``); archiving an archived question changes nothing."""
    question = Question.objects.select_for_update(of=("self",)).select_related("bank__course").get(pk=question.pk)
    _bank_edit_check(actor=actor, bank=question.bank)
    if not question.is_archived:
        question.is_archived = True
        question.save(update_fields=["is_archived", "updated_at"])
        audit_record(actor=actor, action="question.archived", target=question, after={"is_archived": True})
    return question
