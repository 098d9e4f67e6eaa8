"""Events courses writes (see ``lms.events.types`` for the contract)."""

from typing import TypedDict

from lms.events.types import EventType


class CourseCompleted(TypedDict):
    """An enrolment met its release's completion rule: ``completion_id`` is its record
    (certificates issues the certificate, and tells the trainee it is being prepared)."""

    completion_id: int


class CoursePublished(TypedDict):
    course_id: int
    release_id: int


COURSE_COMPLETED = EventType[CourseCompleted]("course.completed")
COURSE_PUBLISHED = EventType[CoursePublished]("course.published")
