"""Risky actions ask first: archiving a course, publishing one that asks nothing of
learners, deleting an attachment, enrolling a whole unit. The first request shows what will
happen and how many people it touches; only a POST with ``confirm=1`` acts."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses import services
from courses.models import Course, CourseRelease, Enrollment, Lesson, LessonAttachment
from courses.selectors.confirmations import unit_enrollment_summary
from tests.factories import OfficerFactory

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def _status(client, course, action, **extra):
    return client.post(f"/author/courses/{course.pk}/status/", {"action": action, **extra})


# Archiving -----------------------------------------------------------------------------


def test_archiving_first_says_how_many_enrolments_are_under_way_and_changes_nothing(
    client, people, tree, published_course
):
    services.enrollments_create(course=published_course, officers=tree.north_officers, actor=people.trainer_north)
    client.force_login(people.trainer_north)

    response = _status(client, published_course, "archive")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Archive COP-101?" in html
    assert "2 enrolments are under way: they continue, and the officers can still complete the course." in html
    assert 'name="confirm" value="1"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert Course.objects.get(pk=published_course.pk).status == "published"


def test_archiving_acts_once_confirmed(client, people, published_course):
    client.force_login(people.trainer_north)

    response = _status(client, published_course, "archive", confirm="1")

    assert response.status_code == 302
    assert Course.objects.get(pk=published_course.pk).status == "archived"


def test_the_archive_confirmation_is_for_authors_only(client, people, published_course):
    client.force_login(people.trainer_south)

    assert _status(client, published_course, "archive").status_code == 403


def test_the_archive_confirmation_takes_as_many_queries_whatever_the_enrolments(client, people, tree, published_course):
    client.force_login(people.trainer_north)
    services.enrollments_create(course=published_course, officers=tree.north_officers[:1], actor=people.trainer_north)
    with CaptureQueriesContext(connection) as few:
        _status(client, published_course, "archive")
    services.enrollments_create(
        course=published_course, officers=[*tree.north_officers, *tree.south_officers], actor=people.admin
    )
    with CaptureQueriesContext(connection) as many:
        response = _status(client, published_course, "archive")

    assert "4 enrolments are under way" in response.content.decode()
    assert len(many) == len(few)


# Publishing ----------------------------------------------------------------------------


def test_publishing_a_course_without_lessons_asks_first(client, people):
    course = services.course_create(creator=people.trainer_north, code="EMPTY-1", title="Empty")
    client.force_login(people.trainer_north)

    response = _status(client, course, "publish")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Publish EMPTY-1 although it asks nothing of learners?" in html
    assert "The outline has no lesson: learners will find nothing to read." in html
    assert not CourseRelease.objects.filter(course=course).exists()

    _status(client, course, "publish", confirm="1")

    assert Course.objects.get(pk=course.pk).status == "published"


def test_publishing_a_course_that_requires_nothing_asks_first(client, people, draft_course):
    Lesson.objects.filter(module__course=draft_course).update(is_required=False)
    client.force_login(people.trainer_north)

    html = _status(client, draft_course, "publish").content.decode()

    assert "The outline has 2 lessons." in html
    assert "Nothing is required (no lesson, session, practical or assessment)" in html
    assert Course.objects.get(pk=draft_course.pk).status == "draft"


def test_publishing_a_course_that_requires_lessons_needs_no_confirmation(client, people, draft_course):
    client.force_login(people.trainer_north)

    response = _status(client, draft_course, "publish")

    assert response.status_code == 302
    assert Course.objects.get(pk=draft_course.pk).status == "published"


# Deleting an attachment ----------------------------------------------------------------


def _attach(lesson, people, title="Beat map"):
    return services.lesson_attachment_create(
        lesson=lesson,
        uploaded_file=SimpleUploadedFile("map.png", PNG, content_type="image/png"),
        title=title,
        actor=people.trainer_north,
    )


@pytest.mark.parametrize("method", ["get", "post"])
def test_deleting_an_attachment_the_body_uses_says_so_and_deletes_nothing(client, people, draft_course, method):
    lesson = Lesson.objects.filter(module__course=draft_course).order_by("order").first()
    attachment = _attach(lesson, people)
    services.lesson_update(lesson=lesson, body=f"![Beat map](attachment:{attachment.pk})")
    client.force_login(people.trainer_north)

    response = getattr(client, method)(f"/author/attachments/{attachment.pk}/delete/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Delete “<bdi>Beat map</bdi>”?" in html
    assert "The body of this lesson uses it: remove its reference from the body too" in html
    assert LessonAttachment.objects.filter(pk=attachment.pk).exists()


def test_deleting_an_unused_attachment_says_so_and_acts_once_confirmed(client, people, draft_course):
    lesson = Lesson.objects.filter(module__course=draft_course).order_by("order").first()
    attachment = _attach(lesson, people)
    client.force_login(people.trainer_north)

    page = client.get(f"/author/attachments/{attachment.pk}/delete/").content.decode()
    response = client.post(f"/author/attachments/{attachment.pk}/delete/", {"confirm": "1"})

    assert "The body of this lesson does not use it." in page
    assert response.status_code == 302
    assert not LessonAttachment.objects.filter(pk=attachment.pk).exists()


def test_another_trainer_gets_no_attachment_confirmation(client, people, draft_course):
    lesson = Lesson.objects.filter(module__course=draft_course).order_by("order").first()
    attachment = _attach(lesson, people)
    client.force_login(people.trainer_south)

    assert client.get(f"/author/attachments/{attachment.pk}/delete/").status_code == 403
    assert client.post(f"/author/attachments/{attachment.pk}/delete/", {"confirm": "1"}).status_code == 403
    assert LessonAttachment.objects.filter(pk=attachment.pk).exists()


# Enrolling a unit ----------------------------------------------------------------------


def test_enrolling_a_unit_first_counts_officers_units_and_those_already_enrolled(
    client, people, tree, published_course
):
    OfficerFactory.create_batch(3, unit=tree.north_district)
    services.enrollments_create(course=published_course, officers=tree.north_officers[:1], actor=people.trainer_north)
    client.force_login(people.trainer_north)
    url = reverse("course-enrol", args=[published_course.pk])

    response = client.post(url, {"action": "unit", "unit-unit": tree.north.pk, "unit-deadline": ""})

    html = response.content.decode()
    assert response.status_code == 200
    assert "4 officers will be enrolled in COP-101." in html
    assert "<dt>Active officers of the unit and the units below it</dt><dd>5</dd>" in html
    assert "<dt>Units they serve in</dt><dd>2</dd>" in html
    assert "<dt>Already enrolled (left as they were)</dt><dd>1</dd>" in html
    assert 'name="confirm" value="1"' in html
    assert f'name="unit-unit" value="{tree.north.pk}"' in html
    assert Enrollment.objects.count() == 1

    confirmed = client.post(url, {"action": "unit", "unit-unit": tree.north.pk, "unit-deadline": "", "confirm": "1"})

    assert confirmed.status_code == 302
    assert Enrollment.objects.filter(course=published_course).count() == 5


def test_the_unit_summary_is_one_query_whatever_the_size(people, tree, published_course, django_assert_num_queries):
    OfficerFactory.create_batch(20, unit=tree.north_district)

    with django_assert_num_queries(1):
        summary = unit_enrollment_summary(course=published_course, unit=tree.north)

    assert (summary.officers, summary.units, summary.already_enrolled, summary.to_enrol) == (22, 2, 0, 22)


def test_the_enrol_confirmation_takes_as_many_queries_whatever_the_size(client, people, tree, published_course):
    client.force_login(people.trainer_north)
    url = reverse("course-enrol", args=[published_course.pk])
    data = {"action": "unit", "unit-unit": tree.north.pk, "unit-deadline": ""}
    with CaptureQueriesContext(connection) as few:
        client.post(url, data)
    OfficerFactory.create_batch(10, unit=tree.north_district)
    with CaptureQueriesContext(connection) as many:
        response = client.post(url, data)

    assert "12 officers will be enrolled in COP-101." in response.content.decode()
    assert len(many) == len(few)
    assert not Enrollment.objects.exists()
