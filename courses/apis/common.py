"""What the course APIs share: the edit checks.

An object the caller cannot see is a 404 (its existence does not leak); one they can see
but not edit is a 403.
"""

from django.http import Http404
from rest_framework.exceptions import PermissionDenied

from courses import selectors
from courses.models import Course, Lesson, Module


def _editable_course(request, course_id: int) -> Course:
    course = selectors.course_get(user=request.user, course_id=course_id)
    if course is None:
        raise Http404
    if not selectors.course_is_editable(user=request.user, course=course):
        raise PermissionDenied
    return course


def _editable_module(request, module_id: int) -> Module:
    module = selectors.module_get(user=request.user, module_id=module_id)
    if module is None:
        raise Http404
    if not selectors.course_is_editable(user=request.user, course=module.course):
        raise PermissionDenied
    return module


def _editable_lesson(request, lesson_id: int) -> Lesson:
    lesson = selectors.lesson_get(user=request.user, lesson_id=lesson_id)
    if lesson is None:
        raise Http404
    if not selectors.course_is_editable(user=request.user, course=lesson.module.course):
        raise PermissionDenied
    return lesson
