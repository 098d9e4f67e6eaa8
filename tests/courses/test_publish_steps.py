"""The publish steps hook (``settings.COURSE_PUBLISH_STEPS``): later apps take part in
publishing a course without courses importing them. A step runs in the publish's
transaction with the new release; its refusal leaves nothing written."""

import pytest
from django.core.exceptions import ValidationError

from courses import selectors, services
from courses.models import Course, CourseRelease
from courses.selectors import PublishStep, ReleaseItem
from lms.audit.models import AuditEntry
from lms.events.models import Event

recorded_runs: list[tuple] = []


def _plan(*, course) -> list[ReleaseItem]:
    return [ReleaseItem(label=f"Read the charter of {course.code}", state=ReleaseItem.WILL_PUBLISH, is_required=True)]


def _run(*, course, release, actor) -> None:
    recorded_runs.append((course.pk, release.number, release.published_at, actor.pk, CourseRelease.objects.count()))


def _refuse(*, course, release, actor) -> None:
    raise ValidationError([ValidationError("Charter: not written yet."), ValidationError("Oath: not signed yet.")])


RECORDING = PublishStep(plan=_plan, run=_run)
REFUSING = PublishStep(plan=_plan, run=_refuse)


@pytest.fixture(autouse=True)
def _no_runs():
    recorded_runs.clear()
    yield
    recorded_runs.clear()


def test_each_step_runs_with_the_new_release_inside_the_publish(settings, people, draft_course):
    settings.COURSE_PUBLISH_STEPS = ["tests.courses.test_publish_steps.RECORDING"]

    release = services.course_publish(course=draft_course, actor=people.trainer_north)

    assert recorded_runs == [(draft_course.pk, 1, release.published_at, people.trainer_north.pk, 1)]
    course = selectors.course_authoring_get(user=people.trainer_north, course_id=draft_course.pk)
    plan = selectors.course_release_plan(course=course)
    assert [lesson.title for lesson in plan.lessons] == ["Why community policing", "Patrol beats"]
    assert plan.items == [ReleaseItem(label="Read the charter of COP-101", state="will_publish", is_required=True)]
    assert plan.problems == []


def test_a_step_that_refuses_leaves_nothing_written(settings, people, draft_course):
    settings.COURSE_PUBLISH_STEPS = ["tests.courses.test_publish_steps.REFUSING"]
    audit, events = AuditEntry.objects.count(), Event.objects.count()

    with pytest.raises(ValidationError) as refused:
        services.course_publish(course=draft_course, actor=people.trainer_north)

    assert refused.value.messages == ["Charter: not written yet.", "Oath: not signed yet."]
    assert Course.objects.get(pk=draft_course.pk).status == Course.Status.DRAFT
    assert not CourseRelease.objects.exists()
    assert (AuditEntry.objects.count(), Event.objects.count()) == (audit, events)
