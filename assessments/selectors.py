"""Reads of assessments, scoped to the user who asks."""

from django.utils.translation import gettext as _

from assessments.models import Assessment, Attempt
from courses.models import Enrollment
from courses.selectors import Requirement


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
            label=_("Pass the assessment: %(title)s") % {"title": assessment.title},
            is_met=assessment.pk in passed,
        )
        for assessment in required
    ]
