"""Reads of assessments, scoped to the user who asks."""

import datetime
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext, gettext_noop, ngettext
from django.utils.translation import gettext as _

from assessments.models import Allowance, Answer, Assessment, Attempt, Pool, Question
from courses import selectors as course_selectors
from courses.models import Course, CourseAuthor, Enrollment
from courses.selectors import Requirement, lazy_text
from organisations.models import Officer, Role, User
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
            label=lazy_text(gettext_noop("Pass the assessment: %(title)s"), {"title": assessment.title}),
            is_met=assessment.pk in passed,
            link=reverse_lazy("assessment-detail", args=[assessment.pk]),
        )
        for assessment in required
    ]


# Assessments and attempts, scoped to the user ----------------------------------------------

STAFF_ROLES = (Role.TRAINER, Role.LEADERSHIP, Role.ADMIN)

# The parts of a snapshot question that reveal the answer key.
KEY_FIELDS = ("numeric_answer", "numeric_tolerance", "numeric_partial_answers", "accepted_answers", "explanation")


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


def question_for_display(question: dict[str, Any], *, with_key: bool) -> dict[str, Any]:
    """A snapshot question as a reader may see it: without the answer key (which choices
    are correct and their credits, the numeric answers, accepted answers, explanation)
    unless ``with_key`` (``permissions.answer_key_visible`` decides it). Choices go out
    under the ids the attempt shows; the bank's ids never leave the server."""
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
            if original.get("weight") is not None:
                choice["weight"] = original["weight"]
        for name in KEY_FIELDS:
            shown[name] = question.get(name, [] if name == "numeric_partial_answers" else None)
    return shown


def attempt_answers(attempt: Attempt) -> dict[int, Answer]:
    return {answer.question_id: answer for answer in Answer.objects.filter(attempt=attempt)}


def grading_queue(*, user: User, course_id: int | None = None) -> QuerySet[Answer]:
    """Essay answers awaiting a grader, of officers within the user's scope as a trainer,
    oldest submission first; of one course's assessments when ``course_id`` is given."""
    roots = scope_units(user, roles=(Role.TRAINER,))
    queue = (
        Answer.objects.filter(needs_review=True, attempt__status=Attempt.Status.PENDING_REVIEW)
        .filter(subtree_q(roots, prefix="attempt__officer__unit__"))
        .select_related("attempt__assessment", "attempt__officer")
        .order_by("attempt__submitted_at", "pk")
    )
    if course_id is not None:
        queue = queue.filter(attempt__assessment__course_id=course_id)
    return queue


def grading_queue_courses(*, user: User) -> list[Course]:
    """The courses with essays waiting in the user's grading queue, by title (one query):
    the choices of the queue's course filter."""
    waiting = grading_queue(user=user).values("attempt__assessment__course_id")
    return list(Course.objects.filter(pk__in=waiting).only("pk", "title", "code").order_by("title", "pk"))


def grading_queue_next(*, user: User, after: Answer, course_id: int | None = None) -> Answer | None:
    """The essay to grade after ``after`` (just graded, so no longer in the queue): the
    oldest still waiting, in the same course when the grader filtered by one."""
    return grading_queue(user=user, course_id=course_id).exclude(pk=after.pk).first()


def answer_for_grading_get(*, user: User, answer_id: int) -> Answer | None:
    return (
        Answer.objects.filter(pk=answer_id)
        .filter(subtree_q(scope_units(user, roles=(Role.TRAINER,)), prefix="attempt__officer__unit__"))
        .select_related("attempt__officer__unit", "attempt__assessment")
        .first()
    )


# Pages ---------------------------------------------------------------------------------------


def own_attempts(*, assessment: Assessment, officer: Officer) -> list[Attempt]:
    """The officer's attempts at the assessment, newest first (snapshots left out)."""
    return list(Attempt.objects.filter(assessment=assessment, officer=officer).defer("snapshot").order_by("-number"))


class AllowanceTerms(TypedDict):
    extra_attempts: int
    extra_minutes: int
    closes_at: datetime.datetime | None


def allowance_terms(*, assessment: Assessment, officer: Officer) -> AllowanceTerms:
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


def attempts_showing(*, question: Question) -> QuerySet[Attempt]:
    """The attempts whose snapshot shows the question: those a correction of its key
    regrades (``services.attempts_regrade``) and the question's page counts."""
    attempts = Attempt.objects.filter(assessment__bank_id=question.bank_id)
    if connection.features.supports_json_field_contains:
        return attempts.filter(snapshot__contains=[{"id": question.pk}])
    # SQLite has no JSON containment: read the snapshots (one query), then filter by pk.
    shown = [
        pk
        for pk, snapshot in attempts.values_list("pk", "snapshot").iterator()
        if any(item.get("id") == question.pk for item in snapshot)
    ]
    return attempts.filter(pk__in=shown)


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


def course_relation(*, user: User, course_id: int) -> tuple[bool, bool]:
    """``(is_author, is_enrolled)`` of the user and the course, in one query."""
    if not user.is_authenticated:
        return False, False
    row = (
        Course.objects.filter(pk=course_id)
        .annotate(
            authored=Exists(CourseAuthor.objects.filter(course=OuterRef("pk"), user=user)),
            enrolled=Exists(Enrollment.objects.filter(course=OuterRef("pk"), officer__user=user)),
        )
        .values_list("authored", "enrolled")
        .first()
    )
    return row or (False, False)


def can_author_assessments(*, user: User, course: Course) -> bool:
    """The course's authors and admins, unless enrolled in the course themselves."""
    is_author, enrolled = course_relation(user=user, course_id=course.pk)
    return (is_author or user_roles(user).is_admin) and not enrolled


def course_staff_links(*, user: User, course: Course) -> list[course_selectors.StaffLink]:
    """For the course's authors and admins: each assessment's questions (where it is
    published from) and a new assessment. One query for the assessments."""
    if not can_author_assessments(user=user, course=course):
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


# Publishing: when an assessment is ready -----------------------------------------------------
# One rule, ``assessment_publish_problems``, decides it for ``services.assessment_publish``,
# for the course publish step (``services.assessments_publish_with_course``) and for the
# plan an author reads before publishing a course (``course_publish_plan``).


@dataclass(frozen=True)
class LiveQuestion:
    """What the rule reads of a live question: how pools and scenarios draw it."""

    pk: int
    competency: str
    topic: str
    scenario_id: int | None


def is_required_for_completion(assessment: Assessment) -> bool:
    """Whether the course completion rule counts the assessment (``assessments_requirement``)."""
    return assessment.is_required and not assessment.is_pretest


def assessment_publish_problems(
    assessment: Assessment, *, pools: Sequence[Pool], live: Sequence[LiveQuestion]
) -> list[ValidationError]:
    """Why the assessment cannot be published (empty: it can), each problem naming it.

    ``pools`` are the assessment's, ``live`` the live questions of its bank. Ready means:
    at least one live question; each pool still has ``count`` questions of its tag to draw
    in the order attempts draw them (``services.attempts._draw``: by pool id, each question
    once), even if the pools before it took every question of its tag they could; and an attempt
    shows at most ``settings.ASSESSMENT_MAX_QUESTIONS`` questions (every live question
    without pools; with pools, what they draw plus, at worst, the other questions of the
    largest scenarios a drawn question can bring along).
    """
    title = assessment.title
    if not live:
        return [ValidationError(_("%(title)s: add questions first."), code="empty", params={"title": title})]
    problems = []
    pools = sorted(pools, key=lambda pool: pool.pk)
    tagged = {
        pool.pk: {question.pk for question in live if pool.tag in (question.competency, question.topic)}
        for pool in pools
    }
    for index, pool in enumerate(pools):
        candidates = tagged[pool.pk]
        params = {"title": title, "tag": pool.tag, "count": pool.count, "live": len(candidates)}
        if len(candidates) < pool.count:
            problems.append(
                ValidationError(
                    ngettext(
                        "%(title)s: the pool %(tag)s draws %(count)d question but the bank has %(live)d live ones "
                        "with that tag.",
                        "%(title)s: the pool %(tag)s draws %(count)d questions but the bank has %(live)d live ones "
                        "with that tag.",
                        pool.count,
                    ),
                    code="pool_short",
                    params=params,
                )
            )
            continue
        earlier = pools[:index]
        reachable = candidates & set().union(*(tagged[other.pk] for other in earlier))
        taken = min(len(reachable), sum(min(other.count, len(tagged[other.pk] & candidates)) for other in earlier))
        if len(candidates) - taken < pool.count:
            problems.append(
                ValidationError(
                    _(
                        "%(title)s: the pool %(tag)s draws %(count)d of the %(live)d live questions with that tag, "
                        "but the pools before it may take %(taken)d of them (give each question one pool's tag, or "
                        "draw fewer)."
                    ),
                    code="pools_overlap",
                    params={**params, "taken": taken},
                )
            )
    shown = _largest_attempt(pools=pools, live=live, tagged=tagged)
    limit = settings.ASSESSMENT_MAX_QUESTIONS
    if shown > limit:
        if pools:
            message = _(
                "%(title)s: an attempt could show %(shown)d questions with the scenarios its pools bring along; "
                "at most %(limit)d (draw fewer)."
            )
        else:
            message = _("%(title)s: an attempt would show %(shown)d questions; at most %(limit)d (set pools).")
        problems.append(
            ValidationError(message, code="too_many", params={"title": title, "shown": shown, "limit": limit})
        )
    return problems


def _largest_attempt(*, pools: Sequence[Pool], live: Sequence[LiveQuestion], tagged: dict[int, set[int]]) -> int:
    """The most questions one attempt can show (see ``assessment_publish_problems``)."""
    if not pools:
        return len(live)
    drawn = sum(min(pool.count, len(tagged[pool.pk])) for pool in pools)
    drawable = set().union(*tagged.values())
    sizes = Counter(question.scenario_id for question in live if question.scenario_id)
    reachable = {question.scenario_id for question in live if question.scenario_id and question.pk in drawable}
    # Each drawn question brings at most the rest of its scenario: the largest ones, at worst.
    extras = sorted((sizes[scenario] - 1 for scenario in reachable), reverse=True)[:drawn]
    return min(len(live), drawn + sum(extras))


def publish_problems_by_assessment(*, assessments: Sequence[Assessment]) -> dict[int, list[ValidationError]]:
    """``assessment_publish_problems`` of each assessment, by id: two queries whatever their
    number (their pools, and the live questions of their banks), none for no assessment."""
    if not assessments:
        return {}
    pools: dict[int, list[Pool]] = defaultdict(list)
    for pool in Pool.objects.filter(assessment__in=[assessment.pk for assessment in assessments]).order_by("pk"):
        pools[pool.assessment_id].append(pool)
    live: dict[int, list[LiveQuestion]] = defaultdict(list)
    rows = (
        Question.objects.filter(bank_id__in={assessment.bank_id for assessment in assessments}, is_archived=False)
        .order_by("pk")
        .values_list("bank_id", "pk", "competency", "topic", "scenario_id")
    )
    for bank_id, pk, competency, topic, scenario_id in rows:
        live[bank_id].append(LiveQuestion(pk, competency, topic, scenario_id))
    return {
        assessment.pk: assessment_publish_problems(
            assessment, pools=pools[assessment.pk], live=live[assessment.bank_id]
        )
        for assessment in assessments
    }


def _kind(assessment: Assessment) -> str:
    if assessment.is_pretest:
        return gettext("Pre-test")
    if assessment.module is not None:
        return gettext("Quiz of the module %(module)s") % {"module": assessment.module.title}
    return gettext("Final assessment")


def course_publish_plan(*, course: Course) -> list[course_selectors.ReleaseItem]:
    """The assessments part of the course's next release, as ``course_publish`` will treat
    them (``courses.selectors.ReleaseItem``): published ones stay; a ready draft is published
    with the course; a required draft that is not ready refuses the publish; any other
    draft that is not ready stays a draft. At most three queries whatever their number."""
    assessments = list(Assessment.objects.filter(course=course).select_related("module").order_by("pk"))
    problems = publish_problems_by_assessment(
        assessments=[assessment for assessment in assessments if assessment.published_at is None]
    )
    items = []
    for assessment in assessments:
        is_required = is_required_for_completion(assessment)
        found = [message for error in problems.get(assessment.pk, []) for message in error.messages]
        if assessment.published_at is not None:
            state = course_selectors.ReleaseItem.PUBLISHED
        elif not found:
            state = course_selectors.ReleaseItem.WILL_PUBLISH
        elif is_required:
            state = course_selectors.ReleaseItem.BLOCKED
        else:
            state = course_selectors.ReleaseItem.STAYS_DRAFT
        items.append(
            course_selectors.ReleaseItem(
                label=_("Pass the assessment: %(title)s") % {"title": assessment.title}
                if is_required
                else assessment.title,
                state=state,
                is_required=is_required,
                kind=_kind(assessment),
                problems=tuple(found),
            )
        )
    return items


# The course's pages for its trainee ------------------------------------------------------


def course_learner_assessments(
    *, enrollments: Sequence[Enrollment]
) -> dict[int, list[course_selectors.LearnerAssessment]]:
    """For ``settings.COURSE_LEARNER_ASSESSMENTS``: the published assessments of each
    enrolment's course, a module's after the modules before it and the final last, with the
    officer's state and attempts left; ``counts`` as ``assessments_requirement`` decides.

    At most three queries whatever the number of enrolments or assessments: the assessments,
    the attempts, and the allowances (only when an assessment limits attempts).
    """
    by_course: dict[int, list[Enrollment]] = defaultdict(list)
    for enrollment in enrollments:
        by_course[enrollment.course_id].append(enrollment)
    found: dict[int, list[course_selectors.LearnerAssessment]] = {enrollment.pk: [] for enrollment in enrollments}
    assessments = list(
        Assessment.objects.filter(course_id__in=by_course, published_at__isnull=False)
        .select_related("module")
        .only(
            "pk",
            "course_id",
            "module",
            "module__order",
            "module__is_archived",
            "title",
            "max_attempts",
            "is_required",
            "is_pretest",
            "published_at",
        )
        .order_by("module__order", "module_id", "pk")
    )
    # Pre-tests first, then the modules' in order, the final (no module) last: databases
    # disagree on where ``order_by`` puts NULL.
    assessments.sort(key=lambda assessment: (not assessment.is_pretest, assessment.module_id is None))
    if not assessments:
        return found
    officer_ids = {enrollment.officer_id for enrollment in enrollments}
    ids = [assessment.pk for assessment in assessments]
    attempts: dict[tuple[int, int], list[tuple[str, bool | None]]] = defaultdict(list)
    for assessment_id, officer_id, status, is_passed in Attempt.objects.filter(
        assessment_id__in=ids, officer_id__in=officer_ids
    ).values_list("assessment_id", "officer_id", "status", "is_passed"):
        attempts[assessment_id, officer_id].append((status, is_passed))
    extra: Counter[tuple[int, int]] = Counter()
    if any(assessment.max_attempts is not None for assessment in assessments):
        for assessment_id, officer_id, extra_attempts in Allowance.objects.filter(
            assessment_id__in=ids, officer_id__in=officer_ids
        ).values_list("assessment_id", "officer_id", "extra_attempts"):
            extra[assessment_id, officer_id] += extra_attempts
    states = course_selectors.LearnerAssessment
    for assessment in assessments:
        if assessment.module is not None and assessment.module.is_archived:
            continue
        for enrollment in by_course[assessment.course_id]:
            tried = attempts[assessment.pk, enrollment.officer_id]
            if any(is_passed for _, is_passed in tried):
                state = states.PASSED
            elif any(status == Attempt.Status.IN_PROGRESS for status, _ in tried):
                state = states.IN_PROGRESS
            elif any(status == Attempt.Status.PENDING_REVIEW for status, _ in tried):
                state = states.PENDING_REVIEW
            elif tried:
                state = states.FAILED
            else:
                state = states.NOT_STARTED
            left = None
            if assessment.max_attempts is not None:
                left = max(0, assessment.max_attempts + extra[assessment.pk, enrollment.officer_id] - len(tried))
            found[enrollment.pk].append(
                course_selectors.LearnerAssessment(
                    pk=assessment.pk,
                    title=assessment.title,
                    url=reverse("assessment-detail", args=[assessment.pk]),
                    module_id=assessment.module_id,
                    state=state,
                    attempts_left=left,
                    counts=assessment.is_required
                    and not assessment.is_pretest
                    and assessment.published_at is not None
                    and assessment.published_at <= enrollment.release.published_at,
                    is_pretest=assessment.is_pretest,
                )
            )
    return found
