"""Who may act on a course's content: fetch and authorise in one call.

Each ``access_*`` helper takes the user and an id and returns the object, or raises
``Http404`` when the user may not see it (so its existence does not leak) and
``PermissionDenied`` when they see it but may not act on it. Pages and APIs call them
alike (DRF answers both as its 404 and 403). The services keep the rules that hold
whoever calls (a course's status, an officer's scope).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import Http404

from courses import selectors
from courses.models import Course, Lesson, Module
from organisations.models import Role, User
from organisations.selectors import user_roles

if TYPE_CHECKING:
    from courses.selectors.sessions import AnnotatedSession


def author_role_require(user: User) -> None:
    """Authoring pages are for trainers and admins (``PermissionDenied`` otherwise)."""
    if not user_roles(user).has(Role.TRAINER, Role.ADMIN):
        raise PermissionDenied


def course_edit_require(*, user: User, course: Course) -> None:
    """``PermissionDenied`` unless the user edits ``course`` (its authors and admins)."""
    if not selectors.course_is_editable(user=user, course=course):
        raise PermissionDenied


def access_course_for_edit(*, user: User, course_id: int) -> Course:
    """The course, for one of its authors or an admin."""
    course = selectors.course_get(user=user, course_id=course_id)
    if course is None:
        raise Http404
    course_edit_require(user=user, course=course)
    return course


def access_module_for_edit(*, user: User, module_id: int) -> Module:
    """The module (with its course), for one of the course's authors or an admin."""
    module = selectors.module_get(user=user, module_id=module_id)
    if module is None:
        raise Http404
    course_edit_require(user=user, course=module.course)
    return module


def access_lesson_for_edit(*, user: User, lesson_id: int) -> Lesson:
    """The lesson (with its module and course), for one of the course's authors or an admin."""
    lesson = selectors.lesson_get(user=user, lesson_id=lesson_id)
    if lesson is None:
        raise Http404
    course_edit_require(user=user, course=lesson.module.course)
    return lesson


def access_session(*, user: User, session_id: int) -> AnnotatedSession:
    """The in-person session, for someone who sees it (``selectors.session_get``)."""
    session = selectors.session_get(user=user, session_id=session_id)
    if session is None:
        raise Http404
    return session


def access_session_to_manage(*, user: User, session_id: int) -> AnnotatedSession:
    """The session, for those who run it: trainers whose scope covers its host unit, admins."""
    session = access_session(user=user, session_id=session_id)
    if not selectors.session_is_manageable(user=user, session=session):
        raise PermissionDenied
    return session
