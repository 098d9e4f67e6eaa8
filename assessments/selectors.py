"""Reads of assessments, scoped to the user who asks."""

import datetime

from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from assessments.models import Allowance, Answer, Assessment, Attempt
from courses import selectors as course_selectors
from courses.models import CourseAuthor, Enrollment
from courses.selectors import Requirement
from organisations.models import Role, User
from organisations.selectors import scope_units, subtree_q, unit_in_scope, user_roles


def assessments_requirement(enrollment: Enrollment) -> list[Requirement]:
    """The course completion rule's part for assessments (``COURSE_COMPLETION_REQUIREMENTS``).

    Required are the course's required assessments (not pre-tests) published before the
    enrolment's release was: a required assessment added later binds only enrolments that
    start on a later release. Each is met by a passed attempt. Two queries.
    """
    required = list(
        Assessment.objects.filter(
            course_id=enrollment.course_id,
            is_required=True,
            is_pretest=False,
            published_at__isnull=False,
            published_at__lte=enrollment.release.published_at,
        ).order_by("pk")
    )
    if not required:
        return []
    passed = set(
        Attempt.objects.filter(
            assessment__in=[assessment.pk for assessment in required], officer_id=enrollment.officer_id, is_passed=True
        ).values_list("assessment_id", flat=True)
    )
    return [
        Requirement(
            key=f"assessment:{assessment.pk}",
            label=_("Pass the assessment: %(title)s") % {"title": assessment.title},
            is_met=assessment.pk in passed,
            link=reverse("assessment-detail", args=[assessment.pk]),
        )
        for assessment in required
    ]


# Assessments and attempts, scoped to the user ----------------------------------------------

STAFF_ROLES = (Role.TRAINER, Role.LEADERSHIP, Role.ADMIN)

# The parts of a snapshot question that reveal the answer key.
KEY_FIELDS = ("numeric_answer", "numeric_tolerance", "accepted_answers", "explanation")


def assessment_list(*, user: User, course_id: int | None = None) -> QuerySet[Assessment]:
    """Staff see the assessments of every course they can see, authors those of their
    courses, trainees the published assessments of courses they are enrolled in."""
    queryset = Assessment.objects.all()
    if not user_roles(user).has(*STAFF_ROLES):
        authored = Exists(CourseAuthor.objects.filter(course=OuterRef("course_id"), user=user))
        enrolled = Exists(Enrollment.objects.filter(course=OuterRef("course_id"), officer__user=user))
        queryset = queryset.filter(authored | (Q(published_at__isnull=False) & enrolled))
    else:
        queryset = queryset.filter(course__in=course_selectors.course_list(user=user).values("pk"))
    if course_id is not None:
        queryset = queryset.filter(course_id=course_id)
    return queryset.select_related("course", "module").order_by("course_id", "pk")


def assessment_get(*, user: User, assessment_id: int) -> Assessment | None:
    return assessment_list(user=user).filter(pk=assessment_id).first()


def attempt_get(*, user: User, attempt_id: int) -> Attempt | None:
    """The attempt if the user is its owner, an admin, or a trainer or leader whose scope
    covers the officer; None otherwise (a 404: its existence does not leak)."""
    attempt = (
        Attempt.objects.select_related("assessment__course", "officer__unit", "officer__user")
        .filter(pk=attempt_id)
        .first()
    )
    if attempt is None:
        return None
    if attempt.officer.user_id is not None and attempt.officer.user_id == user.pk:
        return attempt
    if not user_roles(user).has(*STAFF_ROLES):
        return None
    return attempt if unit_in_scope(user=user, unit=attempt.officer.unit) else None


def attempt_is_own(*, user: User, attempt: Attempt) -> bool:
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


def question_for_display(question: dict, *, with_key: bool) -> dict:
    """A snapshot question as a reader may see it: without the answer key (which choices
    are correct, the numeric answer, accepted answers, explanation) unless ``with_key``."""
    shown = {
        "id": question["id"],
        "kind": question["kind"],
        "text": question["text"],
        "points": question["points"],
        "scenario": question["scenario"],
        "choices": [
            {
                "id": choice["id"],
                "text": gettext(choice["text"]) if question["kind"] == "true_false" else choice["text"],
            }
            for choice in question["choices"]
        ],
    }
    if with_key:
        for choice, original in zip(shown["choices"], question["choices"], strict=True):
            choice["correct"] = original["correct"]
        for name in KEY_FIELDS:
            shown[name] = question[name]
    return shown


def attempt_answers(attempt: Attempt) -> dict[int, Answer]:
    return {answer.question_id: answer for answer in Answer.objects.filter(attempt=attempt)}


def open_attempt_get(*, assessment: Assessment, officer) -> Attempt | None:
    return Attempt.objects.filter(assessment=assessment, officer=officer, status=Attempt.Status.IN_PROGRESS).first()


def grading_queue(*, user: User) -> QuerySet[Answer]:
    """Essay answers awaiting a grader, of officers within the user's scope as a trainer."""
    roots = scope_units(user, roles=(Role.TRAINER,))
    return (
        Answer.objects.filter(needs_review=True, attempt__status=Attempt.Status.PENDING_REVIEW)
        .filter(subtree_q(roots, prefix="attempt__officer__unit__"))
        .select_related("attempt__assessment", "attempt__officer")
        .order_by("attempt__submitted_at", "pk")
    )


def answer_for_grading_get(*, user: User, answer_id: int) -> Answer | None:
    return (
        Answer.objects.filter(pk=answer_id)
        .filter(subtree_q(scope_units(user, roles=(Role.TRAINER,)), prefix="attempt__officer__unit__"))
        .select_related("attempt__officer__unit")
        .first()
    )


# Pages ---------------------------------------------------------------------------------------


def own_attempts(*, assessment: Assessment, officer) -> list[Attempt]:
    """The officer's attempts at the assessment, newest first (snapshots left out)."""
    return list(Attempt.objects.filter(assessment=assessment, officer=officer).defer("snapshot").order_by("-number"))


def allowance_terms(*, assessment: Assessment, officer) -> dict:
    """The officer's allowances summed: extra attempts and minutes, and the latest closing
    time (the assessment's own when no allowance moves it): what ``attempt_start`` applies
    and the assessment page shows."""
    extra_attempts = extra_minutes = 0
    closes_at = assessment.closes_at
    for allowance in Allowance.objects.filter(assessment=assessment, officer=officer):
        extra_attempts += allowance.extra_attempts
        extra_minutes += allowance.extra_minutes
        if allowance.closes_at is not None and (closes_at is None or allowance.closes_at > closes_at):
            closes_at = allowance.closes_at
    return {"extra_attempts": extra_attempts, "extra_minutes": extra_minutes, "closes_at": closes_at}


# Statistics (measuring learning) ---------------------------------------------------------


def statistics_attempts(*, user: User, assessment: Assessment) -> tuple[list[Attempt], list[Attempt]]:
    """The graded attempts of the assessment and of its pre-tests (``pretest_of``) by
    officers within the user's scope as trainer or leader (admins: everyone), for
    ``assessments.statistics``. Post-test attempts come with their answers and every
    attempt with its officer's unit. Three queries whatever the number of attempts (plus
    the user's roles, cached per request)."""
    in_scope = subtree_q(scope_units(user), prefix="officer__unit__")
    graded = Attempt.objects.filter(in_scope, status=Attempt.Status.GRADED).select_related("officer__unit")
    post = list(graded.filter(assessment=assessment).prefetch_related("answers").order_by("officer_id", "number"))
    pre = list(graded.filter(assessment__pretest_of=assessment).order_by("officer_id", "submitted_at", "number"))
    return post, pre


def course_staff_links(*, user: User, course) -> list[course_selectors.StaffLink]:
    """For the course's authors and admins: each assessment's questions (where it is
    published from) and a new assessment. One query for the assessments."""
    if not course_selectors.course_is_editable(user=user, course=course):
        return []
    links = [
        course_selectors.StaffLink(
            gettext("Assessment: %(title)s") % {"title": assessment.title},
            reverse("assessment-questions", args=[assessment.pk]),
        )
        for assessment in Assessment.objects.filter(course=course).order_by("pk").only("pk", "title")
    ]
    links.append(course_selectors.StaffLink(gettext("New assessment"), reverse("assessment-create", args=[course.pk])))
    return links
