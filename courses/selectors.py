"""Reads of courses, scoped to the user who asks.

Who sees what: trainers, leaders and admins see every course and lesson (they enrol and
teach across the catalogue); authors see their own courses; everyone else (trainees) sees
published courses only. Once enrolment exists (a later slice), a trainee's lessons will be
limited to the courses they are enrolled in.
"""

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from courses.models import Course, CourseAuthor, Lesson, Module
from organisations.models import Role, User
from organisations.selectors import user_roles

STAFF_ROLES = (Role.TRAINER, Role.LEADERSHIP, Role.ADMIN)


def _is_authored_by(user: User, prefix: str = "") -> Exists:
    return Exists(CourseAuthor.objects.filter(course=OuterRef(f"{prefix}pk"), user=user))


def course_list(*, user: User) -> QuerySet[Course]:
    queryset = Course.objects.all()
    if not user_roles(user).has(*STAFF_ROLES):
        queryset = queryset.filter(Q(status=Course.Status.PUBLISHED) | _is_authored_by(user))
    return queryset.select_related("owner").order_by("code", "pk")


def course_get(*, user: User, course_id: int) -> Course | None:
    return course_list(user=user).filter(pk=course_id).first()


def course_outline_get(*, user: User, course_id: int) -> Course | None:
    """The course with ``outline``: its live modules, each with ``live_lessons`` (id, title, order).

    Three queries whatever the size of the course.
    """
    lessons = Lesson.objects.filter(is_archived=False).only("id", "title", "order", "module_id").order_by("order", "pk")
    modules = (
        Module.objects.filter(is_archived=False)
        .order_by("order", "pk")
        .prefetch_related(Prefetch("lessons", queryset=lessons, to_attr="live_lessons"))
    )
    return (
        course_list(user=user)
        .prefetch_related(Prefetch("modules", queryset=modules, to_attr="outline"))
        .filter(pk=course_id)
        .first()
    )


def course_is_editable(*, user: User, course: Course) -> bool:
    """Authors and admins edit a course (modules, lessons, publishing)."""
    if user_roles(user).is_admin:
        return True
    return CourseAuthor.objects.filter(course=course, user=user).exists()


def module_get(*, user: User, module_id: int) -> Module | None:
    """A module of a course the user can see."""
    course_ids = course_list(user=user).values("pk")
    return Module.objects.select_related("course").filter(pk=module_id, course__in=course_ids).first()


def lesson_get(*, user: User, lesson_id: int) -> Lesson | None:
    """A lesson the user may read: staff and authors any; a trainee only live lessons of published courses."""
    queryset = Lesson.objects.select_related("module__course").filter(pk=lesson_id)
    if user_roles(user).has(*STAFF_ROLES):
        return queryset.first()
    live = Q(module__course__status=Course.Status.PUBLISHED, is_archived=False, module__is_archived=False)
    return queryset.filter(live | _is_authored_by(user, prefix="module__course__")).first()
