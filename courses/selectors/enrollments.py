"""Enrolments: the lists the user may see (a trainee their own; trainers and leaders also
those of officers within their scope; admins all) with their progress, a user's own
enrolments, and the units and officers a trainer may enrol."""

from collections.abc import Iterable

from django.db.models import Prefetch, Q, QuerySet

from courses.models import Course, Enrollment, LessonProgress
from organisations.models import Officer, Role, Unit, User
from organisations.selectors import (
    scope_units,
    service_number_key,
    service_numbers_q,
    subtree_q,
    user_roles,
)


def enrollment_list(*, user: User, course_id: int | None = None) -> QuerySet[Enrollment]:
    """Enrolments the user may see, each with ``progress`` computable by ``enrollments_with_progress``.

    A fixed number of queries whatever the count: course, officer and release are joined and
    the completed lesson ids come in one prefetch (``completed``).
    """
    roots = scope_units(user)
    if roots is None:
        queryset = Enrollment.objects.all()
    else:
        queryset = Enrollment.objects.filter(Q(officer__user=user) | subtree_q(roots, prefix="officer__unit__"))
    if course_id is not None:
        queryset = queryset.filter(course_id=course_id)
    completed = LessonProgress.objects.only("id", "enrollment_id", "lesson_id")
    return (
        queryset.select_related("course", "officer", "release")
        .prefetch_related(Prefetch("lesson_progress", queryset=completed, to_attr="completed"))
        .order_by("-enrolled_at", "-pk")
    )


def own_enrollment_get(*, user: User, course: Course) -> Enrollment | None:
    """The user's own enrolment in the course, if they have one."""
    officer = user_roles(user).officer
    if officer is None:
        return None
    return Enrollment.objects.select_related("release").filter(course=course, officer=officer).first()


def learner_enrollment_get(*, user: User, course_id: int) -> Enrollment | None:
    """The user's own enrolment in the course, with ``release``: one query, none for a user
    without an officer record."""
    officer = user_roles(user).officer
    if officer is None:
        return None
    try:
        # One row at most (unique constraint); ``get`` spares ``first``'s ordering.
        return Enrollment.objects.select_related("release").get(course_id=course_id, officer_id=officer.pk)
    except Enrollment.DoesNotExist:
        return None


def own_enrollment_list(*, user: User) -> QuerySet[Enrollment]:
    """The user's own enrolments ("My courses"), newest first, with course, release and the
    prefetched ``completed`` lessons: two queries whatever their number."""
    officer = user_roles(user).officer
    if officer is None:
        return Enrollment.objects.none()
    completed = LessonProgress.objects.only("id", "enrollment_id", "lesson_id")
    return (
        Enrollment.objects.filter(officer=officer)
        .select_related("course", "release")
        .prefetch_related(Prefetch("lesson_progress", queryset=completed, to_attr="completed"))
        .order_by("-enrolled_at", "-pk")
    )


def own_enrollment_statuses(*, user: User) -> dict[int, str]:
    """Course id -> status of the user's own enrolments (catalogue): one query."""
    officer = user_roles(user).officer
    if officer is None:
        return {}
    return dict(Enrollment.objects.filter(officer=officer).values_list("course_id", "status"))


def unit_for_enrollment_get(*, user: User, unit_id: int) -> Unit | None:
    """A unit within the user's scope as a trainer, or None."""
    roots = scope_units(user, roles=(Role.TRAINER,))
    return Unit.objects.filter(subtree_q(roots), pk=unit_id).first()


def units_for_enrollment(*, user: User) -> QuerySet[Unit]:
    """Units within the user's scope as a trainer (admins: every unit), tree order."""
    return Unit.objects.filter(subtree_q(scope_units(user, roles=(Role.TRAINER,)))).order_by("path")


def officers_for_enrollment_get(*, user: User, service_numbers: Iterable[str]) -> dict[str, list[Officer]]:
    """Service number key (``organisations.identity.service_number_key``: case, spaces and
    direction marks do not count) -> the officers within the user's trainer scope who
    carry it, active or not: one query.

    An admin's scope spans services, where one number may name two officers.
    """
    numbers = list(service_numbers)
    if not numbers:
        return {}
    found: dict[str, list[Officer]] = {}
    roots = scope_units(user, roles=(Role.TRAINER,))
    officers = (
        Officer.objects.filter(subtree_q(roots, prefix="unit__"), service_numbers_q(numbers))
        .select_related("unit")
        .order_by("pk")
    )
    for officer in officers:
        found.setdefault(service_number_key(officer.service_number), []).append(officer)
    return found
