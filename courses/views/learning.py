"""Pages for trainees: the catalogue, "My courses", a course's outline and its lessons.

Every page runs a fixed number of queries whatever the size of the course or the number of
enrolments: the selectors load the rows, progress and locks are computed from them.
Staff (trainers, leaders, admins) and authors open lessons without an enrolment, as a
preview.
"""

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from courses import selectors, services
from courses.models import Course, Enrollment
from organisations.models import User
from organisations.permissions import AuthenticatedHttpRequest
from organisations.selectors import user_roles

COURSES_PER_PAGE = 50
# An open enrolment whose deadline is this close is shown as approaching.
DEADLINE_WARNING_DAYS = 7


def _deadline_state(enrollment: Enrollment, today: datetime.date) -> str:
    """ "overdue", "approaching" or "" for an enrolment's deadline."""
    if enrollment.deadline is None or enrollment.status == Enrollment.Status.COMPLETED:
        return ""
    if enrollment.deadline < today:
        return "overdue"
    if enrollment.deadline <= today + datetime.timedelta(days=DEADLINE_WARNING_DAYS):
        return "approaching"
    return ""


@login_required
def course_catalogue(request: AuthenticatedHttpRequest):
    """The courses the user may see, with whether they are enrolled and an "Enrol" button."""
    page = Paginator(selectors.course_list(user=request.user), COURSES_PER_PAGE).get_page(request.GET.get("page"))
    statuses = selectors.own_enrollment_statuses(user=request.user)
    officer = user_roles(request.user).officer
    can_enrol = officer is not None and officer.is_active
    for course in page:
        course.enrollment_status = statuses.get(course.pk, "")
        course.can_self_enrol = (
            can_enrol and not course.enrollment_status and course.is_published and course.is_self_enrollment_open
        )
    return render(request, "courses/learning/catalogue.html", {"page": page})


@login_required
@require_POST
def course_self_enrol(request: AuthenticatedHttpRequest, pk: int):
    course = selectors.course_get(user=request.user, course_id=pk)
    if course is None:
        raise Http404
    try:
        _, created = services.enrollment_create_self(course=course, user=request.user)
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, " ".join(getattr(error, "messages", None) or [str(error)]))
        return redirect("course-catalogue")
    if created:
        messages.success(request, gettext("You are enrolled in %(course)s.") % {"course": course.title})
    return redirect("course-outline", pk=course.pk)


@dataclass(frozen=True)
class CourseCard:
    """One enrolment on "My courses", with the next thing to do in it."""

    enrollment: Enrollment
    resume: selectors.ResumeTarget | None


@login_required
def my_courses(request: AuthenticatedHttpRequest):
    """The user's own enrolments: progress (lessons and assessments), deadline, the next thing
    to do; completed ones apart."""
    today = timezone.localdate()
    current: list[CourseCard] = []
    completed: list[CourseCard] = []
    enrollments = list(selectors.own_enrollment_list(user=request.user))
    assessments = selectors.learner_assessments(enrollments=enrollments)
    lesson_ids = selectors.course_lesson_ids(course_ids={enrollment.course_id for enrollment in enrollments})
    for enrollment in enrollments:
        # ``completed``: the lessons ``own_enrollment_list`` prefetched (no attribute for the type checker).
        done = [progress.lesson_id for progress in getattr(enrollment, "completed", [])]
        required = enrollment.release.required_lesson_ids
        own = assessments[enrollment.pk]
        enrollment.progress = selectors.learner_progress(required_ids=required, completed_ids=done, assessments=own)
        enrollment.deadline_state = _deadline_state(enrollment, today)
        resume = selectors.resume_target(
            lesson_ids=lesson_ids.get(enrollment.course_id, []),
            required_ids=required,
            completed_ids=done,
            assessments=own,
        )
        card = CourseCard(enrollment=enrollment, resume=resume)
        (completed if enrollment.status == Enrollment.Status.COMPLETED else current).append(card)
    # Nearest deadline first, those without one last; newest enrolment first otherwise.
    current.sort(key=lambda card: card.enrollment.deadline or datetime.date.max)
    context = {"current": current, "completed": completed, "today": today}
    return render(request, "courses/learning/my_courses.html", context)


@login_required
def course_outline(request: AuthenticatedHttpRequest, pk: int):
    """Modules and lessons in order with ticks and locks, the course's assessments with their
    state, the trainee's sessions, what completing the course needs and the next thing to do."""
    course = selectors.course_get(user=request.user, course_id=pk)
    if course is None:
        raise Http404
    enrollment = selectors.learner_enrollment_get(user=request.user, course_id=course.pk)
    outline = selectors.learner_outline_get(
        course=course, enrollment=enrollment, assessments=_own_assessments(enrollment)
    )
    context = {
        "course": course,
        "enrollment": enrollment,
        "outline": outline,
        "sessions": selectors.learner_sessions(enrollment=enrollment) if enrollment is not None else [],
        "requirements": selectors.completion_requirements(enrollment) if enrollment is not None else [],
        "notices": selectors.learner_notices(enrollment=enrollment) if enrollment is not None else [],
        "can_read_lessons": enrollment is not None or _can_preview(request.user, course),
        "can_self_enrol": enrollment is None and _can_self_enrol(request.user, course),
    }
    return render(request, "courses/learning/outline.html", context)


def _own_assessments(enrollment: Enrollment | None) -> list[selectors.LearnerAssessment]:
    """The course's assessments as the enrolment's officer sees them; none for a preview."""
    if enrollment is None:
        return []
    return selectors.learner_assessments(enrollments=[enrollment])[enrollment.pk]


def _can_preview(user: User, course: Course) -> bool:
    """Staff and authors read a course's lessons without an enrolment."""
    return user_roles(user).has(*selectors.STAFF_ROLES) or selectors.course_is_editable(user=user, course=course)


def _can_self_enrol(user: User, course: Course) -> bool:
    officer = user_roles(user).officer
    return officer is not None and officer.is_active and course.is_published and course.is_self_enrollment_open


@login_required
def lesson_detail(request: AuthenticatedHttpRequest, pk: int):
    """A lesson: body, breadcrumb, previous and next across modules, progress, "Mark as completed".

    A trainee reads the lessons of a course they are enrolled in (404 otherwise); staff
    and authors read any lesson as a preview. In a sequential course the lessons of a
    module that is still closed show only why (``selectors.lesson_is_locked``, the rule the
    API and the attachments follow too).
    """
    found = selectors.reader_lesson_get(user=request.user, lesson_id=pk)
    if found is None:
        raise Http404
    lesson, enrollment = found.lesson, found.enrollment
    course = lesson.module.course
    outline = selectors.learner_outline_get(
        course=course, enrollment=enrollment, assessments=_own_assessments(enrollment)
    )
    previous, following = outline.neighbours(lesson.pk)
    context = {
        "course": course,
        "module": lesson.module,
        "lesson": lesson,
        "attachments": list(selectors.lesson_attachments(lesson=lesson)),
        "enrollment": enrollment,
        "outline": outline,
        "previous": previous,
        "next": following,
        "is_preview": enrollment is None,
        "is_completed": lesson.pk in outline.completed_ids,
        "is_locked": selectors.lesson_is_locked(
            user=request.user, lesson=lesson, enrollment=enrollment, locked_module_ids=outline.locked_module_ids
        ),
        # Closed for the enrolment, though staff and authors still read it: not completed yet.
        "is_module_closed": enrollment is not None and lesson.module_id in outline.locked_module_ids,
    }
    return render(request, "courses/learning/lesson.html", context)


@login_required
@require_POST
def lesson_complete(request: AuthenticatedHttpRequest, pk: int):
    """Mark the lesson completed for the user's enrolment, then go on to the next lesson."""
    lesson = selectors.lesson_get(user=request.user, lesson_id=pk)
    if lesson is None:
        raise Http404
    course = lesson.module.course
    enrollment = selectors.learner_enrollment_get(user=request.user, course_id=course.pk)
    if enrollment is None:
        raise PermissionDenied
    try:
        progress = services.lesson_complete(enrollment=enrollment, lesson=lesson)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("lesson-detail", pk=lesson.pk)
    enrollment = selectors.learner_enrollment_get(user=request.user, course_id=course.pk)
    assert enrollment is not None  # found above, and nothing deletes an enrolment
    if enrollment.status == Enrollment.Status.COMPLETED:
        messages.success(request, gettext("Lesson completed. You completed %(course)s.") % {"course": course.title})
        return redirect("course-outline", pk=course.pk)
    # The progress of the course's pages, which counts its assessments too.
    outline = selectors.learner_outline_get(
        course=course, enrollment=enrollment, assessments=_own_assessments(enrollment)
    )
    progress = outline.progress if outline.progress is not None else progress
    messages.success(request, gettext("Lesson completed. Course progress: %(progress)d%%.") % {"progress": progress})
    following = outline.neighbours(lesson.pk)[1]
    if following is None:
        return redirect("course-outline", pk=course.pk)
    return redirect(reverse("lesson-detail", args=[following.pk]))
