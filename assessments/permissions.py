"""Who may read an answer key, author an assessment, and act on an officer's attempts.

One home for each rule; the API, the pages, the CSV downloads, the statistics and the
Django admin all ask these functions, whatever roles the person combines.

**The answer key** (which choices are right and what each earns, numeric and accepted
answers, explanations) of an assessment reaches:

1. someone enrolled in its course (an officer with an enrolment, whatever else they are:
   a trainer, a commander, an admin) only through their own attempts, once their
   feedback policy allows it (``feedback_visible``): a trainee who also trains or leads
   does not read the key of the test they take through another door;
2. otherwise the course's authors and admins, always;
3. trainers, for an attempt of an officer within their scope as trainers (and, for the
   whole assessment as in its item analysis, any trainer);
4. nobody else: leadership sees results and statistics without the key.

**Authoring** an assessment (its questions, key, pools, imports and exports) is for the
course's authors and admins who are not enrolled in the course: the author of a test
does not take it, and whoever takes it does not edit it.

**No one acts on their own record**: nobody grades their own answer, grants themselves an
allowance or regrades a question their own attempt showed (``conflict_check``).
"""

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import Max, Model
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments import selectors
from assessments.models import Allowance, Assessment, Attempt, Question
from courses import selectors as course_selectors
from courses.models import Course, Enrollment
from lms.audit.services import audit_record
from organisations.models import Officer, Role, User
from organisations.selectors import unit_in_scope, user_roles


def trainer_covers(*, user: User, officer: Officer) -> bool:
    """True when ``user`` is an admin or a trainer whose scope covers the officer's unit."""
    return unit_in_scope(user=user, unit=officer.unit, roles=(Role.TRAINER,))


def is_enrolled(*, user: User, course_id: int) -> bool:
    """Whether the user's own officer record is enrolled in the course (to take it)."""
    return user.is_authenticated and Enrollment.objects.filter(course_id=course_id, officer__user=user).exists()


def is_own_attempt(*, user: User, attempt: Attempt) -> bool:
    return attempt.officer.user_id is not None and attempt.officer.user_id == user.pk


def feedback_visible(attempt: Attempt, now: datetime.datetime | None = None) -> bool:
    """Whether the owner may see the answer key and explanations of the attempt now."""
    policy = attempt.assessment.feedback_policy
    if attempt.status == Attempt.Status.IN_PROGRESS or policy == Assessment.FeedbackPolicy.NEVER:
        return False
    if policy == Assessment.FeedbackPolicy.AFTER_SUBMISSION:
        return True
    # Closed for everyone: an officer granted a later close may still be answering, so the
    # key waits for the latest closing time of any allowance too.
    closes_at = attempt.assessment.closes_at
    if closes_at is None:
        return False
    latest_allowance = Allowance.objects.filter(assessment_id=attempt.assessment_id).aggregate(latest=Max("closes_at"))[
        "latest"
    ]
    return (now or timezone.now()) >= max(closes_at, latest_allowance or closes_at)


def _own_feedback_visible(*, user: User, assessment: Assessment, now: datetime.datetime | None) -> bool:
    """Whether any of the user's own submitted attempts at the assessment shows its key."""
    if assessment.feedback_policy == Assessment.FeedbackPolicy.NEVER:
        return False
    attempts = (
        Attempt.objects.filter(assessment=assessment, officer__user=user)
        .exclude(status=Attempt.Status.IN_PROGRESS)
        .select_related("assessment")
        .defer("snapshot")
    )
    return any(feedback_visible(attempt, now) for attempt in attempts[:1])


def answer_key_visible(
    *, user: User, assessment: Assessment, attempt: Attempt | None = None, now: datetime.datetime | None = None
) -> bool:
    """Whether ``user`` may read the answer key of ``assessment``, as shown with ``attempt``
    (an attempt they may see) or, without one, of the assessment as a whole (item
    analysis, the question pages). See the module docstring for the rule."""
    if not user.is_authenticated:
        return False
    if attempt is not None and is_own_attempt(user=user, attempt=attempt):
        return feedback_visible(attempt, now)
    is_author, enrolled = selectors.course_relation(user=user, course_id=assessment.course_id)
    if enrolled:
        return _own_feedback_visible(user=user, assessment=assessment, now=now)
    roles = user_roles(user)
    if roles.is_admin or is_author:
        return True
    if attempt is None:
        return roles.has(Role.TRAINER)
    return trainer_covers(user=user, officer=attempt.officer)


class ConflictOfInterest(PermissionDenied):
    """An action on one's own answers, attempts, allowances or the key of one's own test."""


CONFLICT_MESSAGES = {
    "author": gettext_lazy(
        "You are enrolled in this course: its questions and answer keys stay closed to you, "
        "so that no one sets or reads the test they take."
    ),
    "grade": gettext_lazy("You cannot grade your own answers: another trainer in scope grades them."),
    "allowance": gettext_lazy("You cannot grant yourself an allowance: another trainer in scope grants it."),
    "regrade": gettext_lazy("Your own attempt showed this question: another author or an admin regrades it."),
}


def _refuse(*, actor: User, action: str, target: Model, audit: bool) -> None:
    """Record the refused attempt (``conflict.refused``) and raise ``ConflictOfInterest``.
    The entry outlives the refusal only when written outside the transaction that fails:
    callers check before their service's transaction starts."""
    if audit:
        audit_record(actor=actor, action="conflict.refused", target=target, after={"action": action})
    raise ConflictOfInterest(str(CONFLICT_MESSAGES[action]))


def authoring_check(*, user: User, course: Course, target: Model | None = None, audit: bool = True) -> None:
    """Refuse (``PermissionDenied``) anyone but the course's authors and admins, and them too
    while they are enrolled in the course (``ConflictOfInterest``, audited against
    ``target``, the course by default, unless ``audit`` is False)."""
    is_author, enrolled = selectors.course_relation(user=user, course_id=course.pk)
    if not (is_author or user_roles(user).is_admin):
        raise PermissionDenied(_("Only the course's authors and admins edit its assessments."))
    if enrolled:
        _refuse(actor=user, action="author", target=target or course, audit=audit)


def conflict_check(*, actor: User, officer_ids: Iterable[int], action: str, target: Model) -> None:
    """Refuse (``ConflictOfInterest``, a 403) when ``actor`` is one of the officers acted on
    (``action`` is ``grade``, ``allowance`` or ``regrade``), recording the refused attempt
    in the audit trail as ``conflict.refused``.

    Call it before the service's transaction: the audit entry must outlive the refusal.
    """
    ids = list(officer_ids)
    if ids and Officer.objects.filter(pk__in=ids, user_id=actor.pk).exists():
        _refuse(actor=actor, action=action, target=target, audit=True)


# Fetch and authorise in one call (as ``courses.permissions``): ``Http404`` when the user may
# not see the thing, so its existence does not leak; ``PermissionDenied`` when they see it
# but may not act on it. Pages and APIs call them alike.


def access_assessment(*, user: User, assessment_id: int) -> Assessment:
    """The assessment, for someone who sees it (``selectors.assessment_list``)."""
    assessment = selectors.assessment_get(user=user, assessment_id=assessment_id)
    if assessment is None:
        raise Http404
    return assessment


def access_assessment_for_edit(*, user: User, assessment_id: int) -> Assessment:
    """The assessment, for the course's authors and admins who are not enrolled in it
    (``authoring_check``, which audits a refusal on conflict of interest)."""
    assessment = access_assessment(user=user, assessment_id=assessment_id)
    authoring_check(user=user, course=assessment.course, target=assessment)
    return assessment


def access_attempt(*, user: User, attempt_id: int) -> Attempt:
    """The attempt, for its owner and the staff who see it (``selectors.attempt_get``)."""
    attempt = selectors.attempt_get(user=user, attempt_id=attempt_id)
    if attempt is None:
        raise Http404
    return attempt


def access_own_attempt(*, user: User, attempt_id: int) -> Attempt:
    """The attempt, for its owner only: ``PermissionDenied`` for the staff who see it."""
    attempt = access_attempt(user=user, attempt_id=attempt_id)
    if not is_own_attempt(user=user, attempt=attempt):
        raise PermissionDenied
    return attempt


def access_attempt_to_take(*, user: User, attempt_id: int) -> Attempt:
    """The attempt, for its owner only, as the page where they answer it: anyone else gets
    ``Http404``, staff who see the attempt included (they read it on its result page)."""
    attempt = selectors.attempt_get(user=user, attempt_id=attempt_id)
    if attempt is None or not is_own_attempt(user=user, attempt=attempt):
        raise Http404
    return attempt


def access_question_for_edit(*, user: User, question_id: int) -> Question:
    """The question (with its bank, the bank's course and its choices) if its bank's course
    is visible to the user (an organisation's bank: admins only), for those who edit the
    bank (``authoring_check``)."""
    question = (
        Question.objects.select_related("bank__course").prefetch_related("choices").filter(pk=question_id).first()
    )
    if question is None:
        raise Http404
    course = question.bank.course  # selected with the question: no query
    if course is None:
        if not user_roles(user).is_admin:
            raise Http404
    else:
        if course_selectors.course_get(user=user, course_id=course.pk) is None:
            raise Http404
        authoring_check(user=user, course=course, target=question)
    return question
