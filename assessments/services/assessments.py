"""Assessments: creating and publishing them, one at a time or as the course publish step."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Assessment, Attempt, QuestionBank
from assessments.selectors import course_publish_plan, is_required_for_completion, publish_problems_by_assessment
from assessments.services._common import _course_edit_check
from assessments.services.banks import bank_create
from courses.models import Course, CourseRelease, Module
from courses.selectors import PublishStep
from lms.audit.services import Change, audit_record, audit_record_many
from organisations.models import User

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


# What an author may change, and when. A published assessment binds the enrolments of the
# releases published after it (``selectors.assessments_requirement``): what it is (the
# course's final or a module's quiz, its bank, required or not, a pre-test or not) stays as
# published, so enrolments under way keep the rule they started with. Attempts are graded
# against the pass mark, so it stays once an attempt exists. Everything else (the title,
# instructions, time, attempts, closing time, feedback, shuffling) may change at any time
# and applies to attempts started afterwards.
ASSESSMENT_EDITABLE_FIELDS = (
    "title",
    "instructions",
    "module",
    "bank",
    "pass_mark",
    "time_limit_minutes",
    "max_attempts",
    "cooldown_minutes",
    "closes_at",
    "feedback_policy",
    "shuffle_choices",
    "is_required",
    "is_pretest",
    "pretest_of",
)
FIXED_ONCE_PUBLISHED = ("module", "bank", "is_required", "is_pretest", "pretest_of")
FIXED_ONCE_ATTEMPTED = ("pass_mark",)


def assessment_fixed_fields(assessment: Assessment) -> dict[str, str]:
    """The fields of ``ASSESSMENT_EDITABLE_FIELDS`` that cannot change now, each with the
    reason to show the author (one query: whether it has attempts)."""
    fixed: dict[str, str] = {}
    if assessment.published_at is not None:
        reason = _(
            "Fixed once the assessment is published: enrolments under way keep the completion rule they started with."
        )
        fixed.update(dict.fromkeys(FIXED_ONCE_PUBLISHED, reason))
    if Attempt.objects.filter(assessment_id=assessment.pk).exists():
        reason = _("Fixed once an attempt exists: past attempts were graded against it.")
        fixed.update(dict.fromkeys(FIXED_ONCE_ATTEMPTED, reason))
    return fixed


def _audit_value(value: object) -> object:
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


@transaction.atomic
def assessment_update(*, assessment: Assessment, actor: User, **changes: object) -> Assessment:
    """Change the given fields of ``ASSESSMENT_EDITABLE_FIELDS``; returns the assessment as saved.

    ``ValidationError`` (per field, nothing written) when the result is invalid or changes a
    field ``assessment_fixed_fields`` holds fixed (giving the same value is allowed). A
    pre-test is never required. One ``assessment.update`` audit entry with the before/after
    of the fields that really changed (none changed: no write, no entry). Locks the
    assessment row.
    """
    unknown = set(changes) - set(ASSESSMENT_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"assessment_update() cannot change {sorted(unknown)}")
    assessment = Assessment.objects.select_for_update().select_related("course").get(pk=assessment.pk)
    _course_edit_check(actor=actor, course=assessment.course)
    before = {name: getattr(assessment, name) for name in ASSESSMENT_EDITABLE_FIELDS}
    for name, value in changes.items():
        setattr(assessment, name, value)
    if assessment.is_pretest:
        assessment.is_required = False
    changed = [name for name in ASSESSMENT_EDITABLE_FIELDS if before[name] != getattr(assessment, name)]
    errors: dict[str, list[str]] = {}
    fixed = assessment_fixed_fields(assessment)
    for name in changed:
        if name in fixed:
            errors.setdefault(name, []).append(fixed[name])
    module, bank, pretest_of = assessment.module, assessment.bank, assessment.pretest_of
    if module is not None and module.course_id != assessment.course_id:
        errors.setdefault("module", []).append(_("The module belongs to another course."))
    if bank.course_id not in (None, assessment.course_id):
        errors.setdefault("bank", []).append(_("The question bank belongs to another course."))
    if pretest_of is not None and (
        pretest_of.pk == assessment.pk or pretest_of.course_id != assessment.course_id or pretest_of.is_pretest
    ):
        errors.setdefault("pretest_of", []).append(_("Pair a pre-test with another assessment of the course."))
    if not 0 <= assessment.pass_mark <= 100:
        errors.setdefault("pass_mark", []).append(_("The pass mark is a percentage, 0 to 100."))
    if errors:
        raise ValidationError(errors)
    assessment.full_clean()
    if changed:
        assessment.save(update_fields=changed)
        audit_record(
            actor=actor,
            action="assessment.update",
            target=assessment,
            before={name: _audit_value(before[name]) for name in changed},
            after={name: _audit_value(getattr(assessment, name)) for name in changed},
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
