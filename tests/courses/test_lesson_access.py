"""Locked means locked on every path (issue 13): a trainee reading through their enrolment
gets no body or attachment of a lesson in a module their sequential course keeps closed,
from the API, the attachment download or the page; staff and authors still preview it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from courses import services
from courses.models import Enrollment, LessonProgress
from organisations.models import Role, User
from organisations.services import role_grant, role_revoke
from tests.factories import UserFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
LOCKED = {"detail": "Finish the modules before this one first."}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def sequential(people):
    """A published sequential course: ``first`` in module 1, ``second`` (with ``image``)
    in module 2; the trainee enrolled."""
    author = people.trainer_north
    course = services.course_create(creator=author, code="SGBV-101", title="Responding to SGBV")
    services.course_update(course=course, actor=author, is_sequential=True)
    first = services.lesson_create(module=services.module_create(course=course, title="Basics"), title="Why")
    second = services.lesson_create(
        module=services.module_create(course=course, title="Interviews"), title="Listening", body="Believe *first*."
    )
    image = services.lesson_attachment_create(
        lesson=second, uploaded_file=SimpleUploadedFile("map.png", PNG), title="Room plan", actor=author
    )
    services.course_publish(course=course, actor=author)
    enrollment = services.enrollment_create_self(course=course, user=people.trainee)[0]
    return {"course": course, "first": first, "second": second, "image": image, "enrollment": enrollment}


def _progress() -> list:
    return list(LessonProgress.objects.order_by("pk").values_list("enrollment_id", "lesson_id"))


def test_the_api_refuses_a_locked_lesson_to_the_trainee_until_the_module_before_is_done(
    api_client, client, people, sequential
):
    second, enrollment = sequential["second"], sequential["enrollment"]
    api_client.force_authenticate(people.trainee)
    before = (_progress(), Enrollment.objects.get(pk=enrollment.pk).last_lesson_id)

    refused = api_client.get(f"/api/v1/lessons/{second.pk}/")

    assert (refused.status_code, refused.json()) == (403, LOCKED)
    assert (_progress(), Enrollment.objects.get(pk=enrollment.pk).last_lesson_id) == before
    client.force_login(people.trainee)
    page = client.get(f"/lessons/{second.pk}/").content.decode()
    assert "This module is locked: finish the required lessons of the modules before it first." in page
    assert "Believe" not in page
    assert "Mark as completed" not in page

    services.lesson_complete(enrollment=enrollment, lesson=sequential["first"])
    served = api_client.get(f"/api/v1/lessons/{second.pk}/")

    assert served.status_code == 200
    assert served.json()["html"] == "<p>Believe <em>first</em>.</p>"
    assert "Believe <em>first</em>." in client.get(f"/lessons/{second.pk}/").content.decode()


def test_the_attachment_of_a_locked_lesson_is_refused_until_the_module_before_is_done(client, people, sequential):
    url = f"/lessons/attachments/{sequential['image'].pk}/"
    client.force_login(people.trainee)

    refused = client.get(url)

    assert refused.status_code == 403
    assert "Content-Disposition" not in refused
    assert PNG not in refused.content
    services.lesson_complete(enrollment=sequential["enrollment"], lesson=sequential["first"])
    served = client.get(url)
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == PNG


@pytest.mark.parametrize("who", ["trainer_north", "leader", "admin", "non_staff_author"])
def test_staff_and_authors_still_preview_a_lesson_locked_for_the_trainee(
    api_client, client, people, tree, sequential, who
):
    if who == "non_staff_author":
        # A co-author whose trainer grant was later withdrawn is still an author.
        former = UserFactory(username="former.trainer")
        grant = role_grant(user=former, role=Role.TRAINER, unit=tree.north)
        services.course_author_add(course=sequential["course"], user=former, actor=people.trainer_north)
        role_revoke(grant=grant)
        user = User.objects.get(pk=former.pk)
    else:
        user = getattr(people, who)
    second = sequential["second"]
    api_client.force_authenticate(people.trainee)
    assert api_client.get(f"/api/v1/lessons/{second.pk}/").status_code == 403

    api_client.force_authenticate(user)
    client.force_login(user)

    assert api_client.get(f"/api/v1/lessons/{second.pk}/").json()["html"] == "<p>Believe <em>first</em>.</p>"
    assert client.get(f"/lessons/attachments/{sequential['image'].pk}/").status_code == 200
    assert "Believe <em>first</em>." in client.get(f"/lessons/{second.pk}/").content.decode()


def test_an_enrolled_trainer_previews_a_locked_lesson_but_completes_it_in_order(
    api_client, client, people, tree, sequential
):
    officer = tree.north_officers[1]
    officer.user = people.trainer_south
    officer.save()
    enrollment = services.enrollment_create_self(course=sequential["course"], user=people.trainer_south)[0]
    second = sequential["second"]
    api_client.force_authenticate(people.trainee)
    assert api_client.get(f"/api/v1/lessons/{second.pk}/").status_code == 403
    client.force_login(people.trainer_south)

    page = client.get(f"/lessons/{second.pk}/").content.decode()

    assert "Believe <em>first</em>." in page
    assert "This module is locked: finish the required lessons of the modules before it first." in page
    assert "Mark as completed" not in page
    assert not LessonProgress.objects.filter(enrollment=enrollment).exists()
