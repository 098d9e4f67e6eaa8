"""What a risky action will do, read before asking for confirmation: publishing a course
that asks nothing of learners, archiving a course, deleting an attachment a lesson uses,
enrolling a whole unit. Each is a fixed number of queries whatever the numbers involved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Q
from django.urls import reverse

from courses.models import Course, Enrollment, LessonAttachment
from courses.selectors.publishing import course_release_plan
from courses.services.markup import attachment_ids_referenced
from organisations.models import Officer, Unit

if TYPE_CHECKING:
    from courses.selectors.authoring import AuthoringCourse


@dataclass(frozen=True)
class PublishSummary:
    live_lessons: int
    required_lessons: int
    requires_attendance: bool
    required_practicals: int
    required_items: int

    @property
    def is_empty(self) -> bool:
        """No lesson to read, or nothing a learner must do to complete the course."""
        return self.live_lessons == 0 or not (
            self.required_lessons or self.requires_attendance or self.required_practicals or self.required_items
        )


def course_publish_summary(*, course: AuthoringCourse) -> PublishSummary:
    """For a course as ``course_authoring_get`` returns it: lessons from its prefetched
    outline (no query), the later apps' items from their publish steps' plans."""
    plan = course_release_plan(course=course)
    live_lessons = sum(
        1
        for module in course.all_modules
        if not module.is_archived
        for lesson in module.all_lessons
        if not lesson.is_archived
    )
    return PublishSummary(
        live_lessons=live_lessons,
        required_lessons=len(plan.lessons),
        requires_attendance=plan.requires_attendance,
        required_practicals=len(plan.practicals),
        required_items=len(plan.required_items),
    )


def course_enrollments_under_way(*, course: Course) -> int:
    """How many enrolments of ``course`` are in progress (one query)."""
    return Enrollment.objects.filter(course=course, status=Enrollment.Status.IN_PROGRESS).count()


def attachment_is_referenced(*, attachment: LessonAttachment) -> bool:
    """Whether its lesson's body places or links the attachment (by reference or by URL).
    Reads ``attachment.lesson`` (no query once it is loaded)."""
    lesson = attachment.lesson
    url = reverse("lesson-attachment", args=[attachment.pk])
    return attachment.pk in attachment_ids_referenced(lesson.body) or f'"{url}"' in lesson.body_html


@dataclass(frozen=True)
class UnitEnrollmentSummary:
    officers: int  # active officers of the unit and the units below it
    units: int  # units among them that have an active officer
    already_enrolled: int  # of those officers, enrolled in the course already

    @property
    def to_enrol(self) -> int:
        return self.officers - self.already_enrolled


def unit_enrollment_summary(*, course: Course, unit: Unit) -> UnitEnrollmentSummary:
    """What ``services.enrollments_create_for_unit`` would do (one query)."""
    counts = Officer.objects.filter(unit__path__startswith=unit.path, is_active=True).aggregate(
        officers=Count("pk", distinct=True),
        units=Count("unit", distinct=True),
        already_enrolled=Count("pk", distinct=True, filter=Q(enrollments__course=course)),
    )
    return UnitEnrollmentSummary(
        officers=counts["officers"], units=counts["units"], already_enrolled=counts["already_enrolled"]
    )
