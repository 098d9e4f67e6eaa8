"""The courses API: one access table of roles x endpoints, then each endpoint's exact answers.

`author` (trainer.north) wrote the courses under test; `other_trainer` (trainer.south) did
not. A course the caller cannot see is a 404; one they can see but not edit is a 403.
"""

import pytest

from courses import services
from courses.models import Course, CourseRelease, Lesson, Module
from lms.events.models import Event

ROLES = ["anonymous", "trainee", "author", "other_trainer", "leader", "admin"]
USERS = {
    "trainee": "trainee",
    "author": "trainer_north",
    "other_trainer": "trainer_south",
    "leader": "leader",
    "admin": "admin",
}

NEW_COURSE = {"code": "SGBV-1", "title": "SGBV first response", "summary": "First response.", "language": "fr"}

# (method, url template, body) -> expected status per role, in ROLES order
TABLE = {
    ("get", "/api/v1/courses/", None): [401, 200, 200, 200, 200, 200],
    ("get", "/api/v1/courses/{draft}/", None): [401, 404, 200, 200, 200, 200],
    ("get", "/api/v1/courses/{published}/", None): [401, 200, 200, 200, 200, 200],
    ("get", "/api/v1/lessons/{draft_lesson}/", None): [401, 404, 200, 200, 200, 200],
    # a trainee reads lessons of courses they are enrolled in only (not enrolled here)
    ("get", "/api/v1/lessons/{published_lesson}/", None): [401, 404, 200, 200, 200, 200],
    ("post", "/api/v1/courses/", "course"): [401, 403, 201, 201, 403, 201],
    ("post", "/api/v1/courses/{draft}/modules/", "module"): [401, 404, 201, 403, 403, 201],
    ("post", "/api/v1/courses/{published}/modules/", "module"): [401, 403, 201, 403, 403, 201],
    ("post", "/api/v1/modules/{draft_module}/lessons/", "lesson"): [401, 404, 201, 403, 403, 201],
    ("post", "/api/v1/courses/{draft}/publish/", None): [401, 404, 200, 403, 403, 200],
}
BODIES = {
    "course": {**NEW_COURSE, "competencies": ["SGBV", "HR"]},
    "module": {"title": "Practice"},
    "lesson": {"title": "First contact", "body": "## Listen\n\nBelieve the survivor."},
    None: {},
}
CASES = [
    (method, url, body, role, status)
    for (method, url, body), statuses in TABLE.items()
    for role, status in zip(ROLES, statuses, strict=True)
]


@pytest.fixture
def catalogue(people, draft_course):
    """``draft_course`` plus a published one by the same author."""
    published = services.course_create(creator=people.trainer_north, code="HR-101", title="Human rights")
    module = services.module_create(course=published, title="Arrest")
    lesson = services.lesson_create(module=module, title="Rights on arrest", body="Say *why*.")
    services.course_publish(course=published, actor=people.trainer_north)
    return {
        "draft": draft_course.pk,
        "draft_module": draft_course.modules.get().pk,
        "draft_lesson": Lesson.objects.filter(module__course=draft_course).order_by("order").first().pk,
        "published": published.pk,
        "published_lesson": lesson.pk,
    }


def _counts() -> dict[str, int]:
    return {
        "courses": Course.objects.count(),
        "modules": Module.objects.count(),
        "lessons": Lesson.objects.count(),
        "releases": CourseRelease.objects.count(),
        "published": Course.objects.filter(status=Course.Status.PUBLISHED).count(),
        "events": Event.objects.count(),
    }


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "url", "body", "role", "expected"), CASES)
def test_access_table(api_client, people, catalogue, method, url, body, role, expected):
    if role != "anonymous":
        api_client.force_authenticate(getattr(people, USERS[role]))
    before = _counts()

    response = getattr(api_client, method)(url.format(**catalogue), BODIES[body], format="json")

    assert response.status_code == expected
    if expected >= 400:
        assert _counts() == before
        assert "Community-oriented policing" not in response.content.decode()


@pytest.mark.django_db
def test_create_course_returns_the_draft(api_client, people):
    api_client.force_authenticate(people.trainer_north)

    response = api_client.post("/api/v1/courses/", {**NEW_COURSE, "competencies": ["SGBV", "HR"]}, format="json")

    assert response.status_code == 201
    course = Course.objects.get(code="SGBV-1")
    body = response.json()
    assert body["id"] == course.pk
    assert body["status"] == "draft"
    assert body["code"] == "SGBV-1"
    assert body["title"] == "SGBV first response"
    assert body["language"] == "fr"
    assert body["competencies"] == ["SGBV", "HR"]
    assert body["owner"] is None
    assert body["is_self_enrollment_open"] is True
    assert list(course.authors.values_list("user__username", flat=True)) == ["trainer.north"]


@pytest.mark.django_db
def test_create_course_rejects_an_unknown_competency(api_client, people):
    api_client.force_authenticate(people.trainer_north)

    response = api_client.post("/api/v1/courses/", {**NEW_COURSE, "competencies": ["HR", "XYZ"]}, format="json")

    assert response.status_code == 400
    assert response.json() == {"competencies": ["Unknown competency code(s): XYZ."]}
    assert Course.objects.count() == 0


@pytest.mark.django_db
def test_create_course_rejects_a_code_in_use(api_client, people, draft_course):
    api_client.force_authenticate(people.trainer_south)

    response = api_client.post("/api/v1/courses/", {**NEW_COURSE, "code": "COP-101"}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["code"]
    assert Course.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "codes"), [("trainee", ["HR-101"]), ("other_trainer", ["COP-101", "HR-101"])])
def test_course_list_is_paginated_and_hides_drafts_from_trainees(api_client, people, catalogue, role, codes):
    api_client.force_authenticate(getattr(people, USERS[role]))

    response = api_client.get("/api/v1/courses/")

    body = response.json()
    assert body["count"] == len(codes)
    assert body["next"] is None
    assert [course["code"] for course in body["results"]] == codes


@pytest.mark.django_db
def test_course_detail_outline_leaves_archived_modules_and_lessons_out(api_client, people, draft_course):
    module = draft_course.modules.get()
    first, second = Lesson.objects.filter(module=module).order_by("order")
    Lesson.objects.filter(pk=second.pk).update(is_archived=True)
    retired = services.module_create(course=draft_course, title="Retired")
    Module.objects.filter(pk=retired.pk).update(is_archived=True)
    api_client.force_authenticate(people.trainer_north)

    response = api_client.get(f"/api/v1/courses/{draft_course.pk}/")

    assert response.status_code == 200
    assert response.json()["modules"] == [
        {
            "id": module.pk,
            "title": "Foundations",
            "order": 1,
            "lessons": [{"id": first.pk, "title": "Why community policing", "order": 1}],
        }
    ]


@pytest.mark.django_db
def test_module_and_lesson_creation_answers(api_client, people, draft_course):
    api_client.force_authenticate(people.trainer_north)

    module = api_client.post(f"/api/v1/courses/{draft_course.pk}/modules/", {"title": "Practice"}, format="json")
    lesson = api_client.post(
        f"/api/v1/modules/{module.json()['id']}/lessons/",
        {"title": "Role play", "body": "**Act** it <img src=x alt=Scene onerror=alert(1)>"},
        format="json",
    )

    assert module.status_code == 201
    assert module.json() == {"id": Module.objects.get(title="Practice").pk, "title": "Practice", "order": 2}
    assert lesson.status_code == 201
    created = Lesson.objects.get(title="Role play")
    assert lesson.json() == {"id": created.pk, "title": "Role play", "order": 1}
    assert created.body_html == '<p><strong>Act</strong> it <img src="x" alt="Scene"></p>'


@pytest.mark.django_db
def test_a_lesson_with_an_undescribed_image_is_a_400_on_its_body(api_client, people, draft_course):
    api_client.force_authenticate(people.trainer_north)
    module = draft_course.modules.first()

    response = api_client.post(
        f"/api/v1/modules/{module.pk}/lessons/",
        {"title": "Map", "body": "![](https://example.org/map.png)"},
        format="json",
    )

    assert response.status_code == 400
    assert "Describe the image" in response.json()["body"][0]
    assert not Lesson.objects.filter(title="Map").exists()


@pytest.mark.django_db
def test_lesson_detail_serves_the_sanitised_html(api_client, people, published_course):
    lesson = Lesson.objects.filter(module__course=published_course).order_by("order").first()
    api_client.force_authenticate(people.trainee)
    before_enrolling = api_client.get(f"/api/v1/lessons/{lesson.pk}/")
    services.enrollment_create_self(course=published_course, user=people.trainee)

    response = api_client.get(f"/api/v1/lessons/{lesson.pk}/")

    body = response.json()
    assert before_enrolling.status_code == 404
    assert body["id"] == lesson.pk
    assert body["title"] == "Why community policing"
    assert body["course"] == published_course.pk
    assert body["html"] == "<h2>Trust</h2>\n<p>Police <em>with</em> people.</p>"


@pytest.mark.django_db
def test_archived_lesson_of_a_published_course_is_hidden_from_trainees(api_client, people, published_course):
    lesson = Lesson.objects.filter(module__course=published_course).order_by("order").first()
    Lesson.objects.filter(pk=lesson.pk).update(is_archived=True)
    api_client.force_authenticate(people.trainee)

    assert api_client.get(f"/api/v1/lessons/{lesson.pk}/").status_code == 404


@pytest.mark.django_db
def test_publish_answers_and_records_a_release_and_an_event(api_client, people, draft_course):
    api_client.force_authenticate(people.trainer_north)

    response = api_client.post(f"/api/v1/courses/{draft_course.pk}/publish/")

    assert response.status_code == 200
    assert response.json() == {"status": "published", "release": 1}
    release = CourseRelease.objects.get(course=draft_course)
    assert release.required_lesson_ids == list(
        Lesson.objects.filter(module__course=draft_course).order_by("order").values_list("pk", flat=True)
    )
    assert Event.objects.filter(name="course.published", payload__course_id=draft_course.pk).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("lesson_count", [2, 40])
def test_course_outline_runs_a_bounded_number_of_queries(
    api_client, people, django_assert_max_num_queries, lesson_count
):
    course = services.course_create(creator=people.trainer_north, code="BM-1", title="Border management")
    for module_number in range(2):
        module = services.module_create(course=course, title=f"Module {module_number}")
        for lesson_number in range(lesson_count // 2):
            services.lesson_create(module=module, title=f"Lesson {lesson_number}", body="Text")
    services.course_publish(course=course, actor=people.trainer_north)
    api_client.force_authenticate(people.trainee)

    with django_assert_max_num_queries(6):
        response = api_client.get(f"/api/v1/courses/{course.pk}/")

    assert response.status_code == 200
    assert sum(len(module["lessons"]) for module in response.json()["modules"]) == lesson_count
