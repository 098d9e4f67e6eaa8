"""Authoring: the reads behind creating and editing a course (its default owner, the
courses a user authors, the edit page, co-authors, the order of modules and lessons)."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias, TypedDict

from django.db.models import Max, Prefetch, QuerySet

from courses.models import Course, CourseAuthor, Lesson, Module
from courses.selectors._common import _is_authored_by
from courses.selectors.courses import course_list
from organisations.models import Organisation, Role, RoleGrant, User
from organisations.selectors import user_roles

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations  # a development dependency: for types only


class AuthoringModuleAnnotations(TypedDict):
    all_lessons: list[Lesson]  # live ones first, each in order


class AuthoringCourseAnnotations(TypedDict):
    release_number: int | None
    all_modules: list[AuthoringModule]  # live ones first, each in order
    author_list: list[CourseAuthor]


if TYPE_CHECKING:
    # A module and a course as ``course_authoring_get`` returns them.
    AuthoringModule: TypeAlias = WithAnnotations[Module, AuthoringModuleAnnotations]
    AuthoringCourse: TypeAlias = WithAnnotations[Course, AuthoringCourseAnnotations]


def course_owner_default(*, user: User) -> Organisation | None:
    """The organisation a course created by ``user`` belongs to unless another is chosen.

    People are not members of organisations in the data; the closest link is a trainer's
    scope: it lies in a police service, and a UN mission names the service it supports. So
    the default is the one mission supporting the service(s) of the user's trainer scope
    (for a platform-wide trainer or an admin: the one mission there is), and None when there
    is no such mission or several. A partner's trainer (UNODC, EU) picks the owner by hand.
    """
    # Read from the grants, not ``user_roles``: that caches the roles on the user object,
    # and this runs on behalf of a creator who is not necessarily the one signed in.
    services = set(
        RoleGrant.objects.filter(user=user, role__in=(Role.TRAINER, Role.ADMIN)).values_list("unit__service", flat=True)
    )
    missions = Organisation.objects.filter(kind=Organisation.Kind.MISSION)
    if not user.is_superuser and None not in services:
        missions = missions.filter(police_service__in=services)
    found = list(missions.order_by("pk")[:2])
    return found[0] if len(found) == 1 else None


def authored_course_list(*, user: User) -> QuerySet[Course]:
    """Courses the user authors (an admin: every course), each with ``release_number`` (the
    latest, or None) and ``author_count``."""
    queryset = Course.objects.all()
    if not user_roles(user).is_admin:
        queryset = queryset.filter(_is_authored_by(user))
    return queryset.select_related("owner").annotate(release_number=Max("releases__number")).order_by("code", "pk")


def course_authoring_get(*, user: User, course_id: int) -> AuthoringCourse | None:
    """A course the user can see, for its edit page, with everything the page shows in a
    fixed number of queries whatever the size of the course:

    ``all_modules`` (live ones first, each in order) each with ``all_lessons`` (the same),
    ``author_list`` (with their users), ``release_number`` (latest, or None).
    """
    lessons = Lesson.objects.only("id", "title", "order", "module_id", "is_archived", "is_required").order_by(
        "is_archived", "order", "pk"
    )
    modules = Module.objects.order_by("is_archived", "order", "pk").prefetch_related(
        Prefetch("lessons", queryset=lessons, to_attr="all_lessons")
    )
    authors = CourseAuthor.objects.select_related("user").order_by("added_at", "pk")
    return (
        course_list(user=user)
        .annotate(release_number=Max("releases__number"))
        .prefetch_related(
            Prefetch("modules", queryset=modules, to_attr="all_modules"),
            Prefetch("authors", queryset=authors, to_attr="author_list"),
        )
        .filter(pk=course_id)
        .first()
    )


def course_authors(*, course: Course) -> QuerySet[CourseAuthor]:
    return CourseAuthor.objects.filter(course=course).select_related("user").order_by("added_at", "pk")


def author_candidate_get(*, username: str) -> User | None:
    """An active account by user name (any case), to be added as a co-author."""
    return User.objects.filter(username__iexact=username.strip(), is_active=True).first()


def course_live_module_ids(*, course: Course) -> list[int]:
    """The course's live modules, in order."""
    return list(
        Module.objects.filter(course=course, is_archived=False).order_by("order", "pk").values_list("pk", flat=True)
    )


def module_live_lesson_ids(*, module: Module) -> list[int]:
    """The module's live lessons, in order."""
    return list(
        Lesson.objects.filter(module=module, is_archived=False).order_by("order", "pk").values_list("pk", flat=True)
    )
