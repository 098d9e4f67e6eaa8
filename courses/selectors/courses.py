"""Courses, their modules and their lessons as the user who asks may see them (``course_list``
decides which courses, ``lesson_get`` which lessons), and who may edit a course."""

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from courses.models import Course, CourseAuthor, Enrollment, Lesson, Module
from courses.selectors._common import STAFF_ROLES, _is_authored_by
from organisations.models import User
from organisations.selectors import user_roles


def course_list(*, user: User) -> QuerySet[Course]:
    queryset = Course.objects.all()
    if not user_roles(user).has(*STAFF_ROLES):
        # An archived course takes no new enrolments, but those under way continue.
        enrolled = Exists(Enrollment.objects.filter(course=OuterRef("pk"), officer__user=user))
        queryset = queryset.filter(
            Q(status=Course.Status.PUBLISHED) | _is_authored_by(user) | (Q(status=Course.Status.ARCHIVED) & enrolled)
        )
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
    """A lesson the user may read: staff and authors any; a trainee the live lessons of a
    published (or since archived) course they are enrolled in, and the archived ones their enrolment's release
    still requires (archiving never takes away what a trainee must do)."""
    queryset = Lesson.objects.select_related("module__course").filter(pk=lesson_id)
    if user_roles(user).has(*STAFF_ROLES):
        return queryset.first()
    authored = queryset.filter(_is_authored_by(user, prefix="module__course__")).first()
    if authored is not None:
        return authored
    lesson = queryset.filter(
        module__course__status__in=[Course.Status.PUBLISHED, Course.Status.ARCHIVED],
        module__course__enrollments__officer__user=user,
    ).first()
    if lesson is None or not (lesson.is_archived or lesson.module.is_archived):
        return lesson
    release_ids = (
        Enrollment.objects.filter(course_id=lesson.module.course_id, officer__user=user)
        .values_list("release__required_lesson_ids", flat=True)
        .first()
    )
    return lesson if lesson.pk in (release_ids or []) else None
