"""The authoring API: one access table of roles x endpoints, then each endpoint's exact answers.

`author` (trainer.north) wrote every course here; `other_trainer` (trainer.south) sees them
all (staff) but edits none; the trainee is enrolled in none. A course the caller cannot
see is a 404; one they can see but not edit is a 403; a refused request changes nothing.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from courses import services
from courses.models import Course, CourseAuthor, CourseRelease, Lesson, LessonAttachment, Module
from lms.audit.models import AuditEntry
from organisations.models import Role
from organisations.services import role_grant
from tests.factories import UserFactory

ROLES = ["anonymous", "trainee", "other_trainer", "author", "admin"]
USERS = {"trainee": "trainee", "other_trainer": "trainer_south", "author": "trainer_north", "admin": "admin"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _png(name: str = "map.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


@pytest.fixture
def catalogue(people, tree, draft_course):
    """Ids of: ``draft`` (modules ``module`` [``lesson``, second lesson, archived
    ``archived_lesson``] and ``module2``, plus ``archived_module``), ``published`` (with
    ``published_lesson``), ``in_review``, ``archived`` courses; ``coauthor`` of the draft;
    an ``attachment`` of ``lesson``."""
    author = people.trainer_north
    module = draft_course.modules.get()
    lesson = Lesson.objects.filter(module=module).order_by("order").first()
    archived_lesson = services.lesson_create(module=module, title="Old lesson")
    services.lesson_archive(lesson=archived_lesson, actor=author)
    module2 = services.module_create(course=draft_course, title="Practice")
    services.lesson_create(module=module2, title="Beat mapping")
    archived_module = services.module_create(course=draft_course, title="Old module")
    services.module_archive(module=archived_module, actor=author)
    coauthor = UserFactory(username="trainer.extra")
    role_grant(user=coauthor, role=Role.TRAINER, unit=tree.north)
    services.course_author_add(course=draft_course, user=coauthor, actor=author)
    attachment = services.lesson_attachment_create(lesson=lesson, uploaded_file=_png(), title="Map", actor=author)

    published = services.course_create(creator=author, code="HR-101", title="Human rights")
    published_lesson = services.lesson_create(
        module=services.module_create(course=published, title="Arrest"), title="L"
    )
    services.course_publish(course=published, actor=author)
    in_review = services.course_create(creator=author, code="TOC-201", title="Organised crime")
    services.course_submit_for_review(course=in_review, actor=author)
    archived = services.course_create(creator=author, code="BM-201", title="Borders")
    services.course_publish(course=archived, actor=author)
    services.course_archive(course=archived, actor=author)
    return {
        "draft": draft_course.pk,
        "module": module.pk,
        "module2": module2.pk,
        "lesson": lesson.pk,
        "lesson2": Lesson.objects.filter(module=module, is_archived=False).order_by("order")[1].pk,
        "archived_lesson": archived_lesson.pk,
        "archived_module": archived_module.pk,
        "published": published.pk,
        "published_lesson": published_lesson.pk,
        "in_review": in_review.pk,
        "archived": archived.pk,
        "coauthor": coauthor.pk,
        "attachment": attachment.pk,
    }


# (method, url template, body) -> expected status per role, in ROLES order
TABLE = {
    ("patch", "/api/v1/courses/{draft}/", "course"): [401, 404, 403, 200, 200],
    ("patch", "/api/v1/courses/{published}/", "course"): [401, 403, 403, 200, 200],
    ("patch", "/api/v1/modules/{module}/", "module"): [401, 404, 403, 200, 200],
    ("patch", "/api/v1/lessons/{lesson}/", "lesson"): [401, 404, 403, 200, 200],
    ("patch", "/api/v1/lessons/{published_lesson}/", "lesson"): [401, 404, 403, 200, 200],
    ("post", "/api/v1/courses/{draft}/modules/order/", "module_order"): [401, 404, 403, 200, 200],
    ("post", "/api/v1/modules/{module}/lessons/order/", "lesson_order"): [401, 404, 403, 200, 200],
    ("post", "/api/v1/modules/{module}/archive/", None): [401, 404, 403, 200, 200],
    ("post", "/api/v1/modules/{archived_module}/unarchive/", None): [401, 404, 403, 200, 200],
    ("post", "/api/v1/lessons/{lesson}/archive/", None): [401, 404, 403, 200, 200],
    ("post", "/api/v1/lessons/{archived_lesson}/unarchive/", None): [401, 404, 403, 200, 200],
    ("post", "/api/v1/courses/{draft}/submit/", None): [401, 404, 403, 200, 200],
    ("post", "/api/v1/courses/{in_review}/return-to-draft/", None): [401, 404, 403, 200, 200],
    ("post", "/api/v1/courses/{published}/archive/", None): [401, 403, 403, 200, 200],
    ("post", "/api/v1/courses/{archived}/unarchive/", None): [401, 404, 403, 200, 200],
    ("post", "/api/v1/courses/{archived}/publish/", None): [401, 404, 403, 400, 400],
    ("get", "/api/v1/courses/{draft}/authors/", None): [401, 404, 403, 200, 200],
    ("post", "/api/v1/courses/{draft}/authors/", "author"): [401, 404, 403, 201, 201],
    ("delete", "/api/v1/courses/{draft}/authors/{coauthor}/", None): [401, 404, 403, 204, 204],
    ("post", "/api/v1/lessons/{lesson}/attachments/", "attachment"): [401, 404, 403, 201, 201],
    ("delete", "/api/v1/attachments/{attachment}/", None): [401, 404, 403, 204, 204],
}
BODIES = {
    "course": lambda ids: ({"title": "Renamed", "competencies": ["COP"]}, "json"),
    "module": lambda ids: ({"title": "Renamed"}, "json"),
    "lesson": lambda ids: ({"title": "Renamed", "body": "**New**"}, "json"),
    "module_order": lambda ids: ({"ids": [ids["module2"], ids["module"]]}, "json"),
    "lesson_order": lambda ids: ({"ids": [ids["lesson2"], ids["lesson"]]}, "json"),
    "author": lambda ids: ({"username": "trainer.south"}, "json"),
    "attachment": lambda ids: ({"file": _png(), "title": "Beat map"}, "multipart"),
    None: lambda ids: ({}, "json"),
}
CASES = [
    (method, url, body, role, status)
    for (method, url, body), statuses in TABLE.items()
    for role, status in zip(ROLES, statuses, strict=True)
]


def _state() -> dict:
    return {
        "courses": list(Course.objects.order_by("pk").values()),
        "modules": list(Module.objects.order_by("pk").values()),
        "lessons": list(Lesson.objects.order_by("pk").values()),
        "authors": list(CourseAuthor.objects.order_by("pk").values_list("course_id", "user_id")),
        "attachments": list(LessonAttachment.objects.order_by("pk").values_list("pk", "title")),
        "releases": CourseRelease.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


@pytest.mark.parametrize(("method", "url", "body", "role", "expected"), CASES)
def test_access_table(api_client, people, catalogue, method, url, body, role, expected):
    if role != "anonymous":
        api_client.force_authenticate(getattr(people, USERS[role]))
    data, format_ = BODIES[body](catalogue)
    before = _state()

    response = getattr(api_client, method)(url.format(**catalogue), data, format=format_)

    assert response.status_code == expected
    if expected >= 400:
        assert _state() == before
        assert "Community-oriented policing" not in response.content.decode()


# PATCH a course -------------------------------------------------------------------------


def test_patch_course_changes_only_the_fields_sent_and_returns_the_outline(api_client, people, catalogue):
    api_client.force_authenticate(people.trainer_north)

    response = api_client.patch(
        f"/api/v1/courses/{catalogue['draft']}/",
        {
            "title": "Community policing",
            "estimated_hours": "4.5",
            "is_sequential": True,
            "requires_attendance": True,
            "required_practicals": ["Confidence patrol", " First aid "],
            "translation_of": catalogue["published"],
        },
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "Community policing"
    assert body["summary"] == "Working with the community."
    assert body["estimated_hours"] == "4.5"
    assert body["is_sequential"] is True
    assert body["requires_attendance"] is True
    assert body["required_practicals"] == ["Confidence patrol", "First aid"]
    assert body["translation_of"] == catalogue["published"]
    assert body["competencies"] == ["COP", "HR"]
    assert [module["id"] for module in body["modules"]] == [catalogue["module"], catalogue["module2"]]
    assert AuditEntry.objects.filter(action="course.update", actor=people.trainer_north).count() == 1


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"competencies": ["HR", "XYZ"]}, {"competencies": ["Unknown competency code(s): XYZ."]}),
        ({"validity_months": 0}, {"validity_months": ["Ensure this value is greater than or equal to 1."]}),
        (
            {"required_practicals": ["First aid", "first aid"]},
            {"required_practicals": ["Each practical skill is listed once."]},
        ),
        ({"language": "de"}, {"language": ['"de" is not a valid choice.']}),
        ({"owner": 999999}, {"owner": ['Invalid pk "999999" - object does not exist.']}),
        ({"title": ""}, {"title": ["This field may not be blank."]}),
        ({"translation_of": "self"}, {"translation_of": ["A course cannot be a translation of itself."]}),
    ],
)
def test_patch_course_answers_400_with_the_field_and_changes_nothing(api_client, people, catalogue, data, expected):
    if data.get("translation_of") == "self":
        data = {"translation_of": catalogue["draft"]}
    api_client.force_authenticate(people.trainer_north)
    before = _state()

    response = api_client.patch(f"/api/v1/courses/{catalogue['draft']}/", data, format="json")

    assert response.status_code == 400
    assert response.json() == expected
    assert _state() == before


def test_patch_lesson_renders_the_body_again(api_client, people, catalogue):
    api_client.force_authenticate(people.trainer_north)

    response = api_client.patch(
        f"/api/v1/lessons/{catalogue['lesson']}/",
        {"body": "Say *why* <script>x()</script>", "duration_minutes": 45, "is_required": False},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["html"] == "<p>Say <em>why</em> </p>"
    assert body["duration_minutes"] == 45
    assert body["is_required"] is False
    assert body["title"] == "Why community policing"


def test_patch_module_renames_it(api_client, people, catalogue):
    api_client.force_authenticate(people.admin)

    response = api_client.patch(f"/api/v1/modules/{catalogue['module']}/", {"title": "Basics"}, format="json")

    assert response.status_code == 200
    assert response.json() == {
        "id": catalogue["module"],
        "course": catalogue["draft"],
        "title": "Basics",
        "order": 1,
        "is_archived": False,
    }


# Ordering and archiving -----------------------------------------------------------------


def test_modules_order_answers_the_new_order(api_client, people, catalogue):
    api_client.force_authenticate(people.trainer_north)

    response = api_client.post(
        f"/api/v1/courses/{catalogue['draft']}/modules/order/",
        {"ids": [catalogue["module2"], catalogue["module"]]},
        format="json",
    )

    assert response.status_code == 200
    assert response.json() == {"ids": [catalogue["module2"], catalogue["module"]]}
    assert list(Module.objects.filter(pk=catalogue["module2"]).values_list("order", flat=True)) == [1]


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        (
            lambda c: [c["module"], c["module"], c["archived_module"]],
            lambda c: [
                f"Listed more than once: {c['module']}.",
                f"Not a live module of this course: {c['archived_module']}.",
                f"Missing: {c['module2']}.",
            ],
        ),
        (lambda c: [], lambda c: [f"Missing: {c['module']}, {c['module2']}."]),
    ],
)
def test_modules_order_answers_400_listing_the_problems(api_client, people, catalogue, ids, expected):
    api_client.force_authenticate(people.trainer_north)
    before = _state()

    response = api_client.post(
        f"/api/v1/courses/{catalogue['draft']}/modules/order/", {"ids": ids(catalogue)}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"ids": expected(catalogue)}
    assert _state() == before


def test_modules_order_needs_a_list_of_ids(api_client, people, catalogue):
    api_client.force_authenticate(people.trainer_north)

    response = api_client.post(f"/api/v1/courses/{catalogue['draft']}/modules/order/", {"ids": "1,2"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"ids": ['Expected a list of items but got type "str".']}


def test_a_lesson_of_another_module_is_refused(api_client, people, catalogue):
    other_lesson = Lesson.objects.get(module_id=catalogue["module2"])
    api_client.force_authenticate(people.trainer_north)
    before = _state()

    response = api_client.post(
        f"/api/v1/modules/{catalogue['module']}/lessons/order/",
        {"ids": [catalogue["lesson"], catalogue["lesson2"], other_lesson.pk]},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"ids": [f"Not a live lesson of this module: {other_lesson.pk}."]}
    assert _state() == before


def test_unarchiving_a_module_brings_it_back_at_the_end(api_client, people, catalogue):
    api_client.force_authenticate(people.trainer_north)

    response = api_client.post(f"/api/v1/modules/{catalogue['archived_module']}/unarchive/")

    assert response.status_code == 200
    assert response.json() == {"id": catalogue["archived_module"], "is_archived": False, "order": 3}


# Lifecycle ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "course", "expected_status", "release"),
    [
        ("submit", "draft", "in_review", None),
        ("return-to-draft", "in_review", "draft", None),
        ("archive", "published", "archived", 1),
        ("unarchive", "archived", "published", 1),
    ],
)
def test_lifecycle_endpoints_answer_status_and_release(
    api_client, people, catalogue, url, course, expected_status, release
):
    api_client.force_authenticate(people.trainer_north)

    response = api_client.post(f"/api/v1/courses/{catalogue[course]}/{url}/")

    assert response.status_code == 200
    assert response.json() == {"status": expected_status, "release": release}
    assert Course.objects.get(pk=catalogue[course]).status == expected_status


@pytest.mark.parametrize(
    ("url", "course", "message"),
    [
        ("submit", "published", "Only a draft course can be submitted for review."),
        ("return-to-draft", "draft", "Only a course in review can return to draft."),
        ("archive", "in_review", "Only a published course can be archived."),
        ("unarchive", "published", "Only an archived course can be unarchived."),
        ("publish", "archived", "An archived course is unarchived, not published again."),
    ],
)
def test_a_refused_transition_answers_400(api_client, people, catalogue, url, course, message):
    api_client.force_authenticate(people.trainer_north)
    before = _state()

    response = api_client.post(f"/api/v1/courses/{catalogue[course]}/{url}/")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [message]}
    assert _state() == before


# Authors --------------------------------------------------------------------------------


def test_authors_are_listed_with_the_creator_marked(api_client, people, catalogue):
    api_client.force_authenticate(people.trainer_north)

    response = api_client.get(f"/api/v1/courses/{catalogue['draft']}/authors/")

    assert response.status_code == 200
    assert [(author["user"], author["username"], author["is_creator"]) for author in response.json()] == [
        (people.trainer_north.pk, "trainer.north", True),
        (catalogue["coauthor"], "trainer.extra", False),
    ]


def test_adding_an_author_again_answers_200(api_client, people, catalogue):
    api_client.force_authenticate(people.trainer_north)

    response = api_client.post(
        f"/api/v1/courses/{catalogue['draft']}/authors/", {"username": "TRAINER.EXTRA"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["user"] == catalogue["coauthor"]
    assert CourseAuthor.objects.filter(course_id=catalogue["draft"]).count() == 2


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("nobody", "No active account has this user name."),
        ("trainee", "Only trainers and administrators can be co-authors."),
        ("leader.national", "Only trainers and administrators can be co-authors."),
    ],
)
def test_only_existing_trainers_become_authors(api_client, people, catalogue, username, message):
    api_client.force_authenticate(people.trainer_north)
    before = _state()

    response = api_client.post(f"/api/v1/courses/{catalogue['draft']}/authors/", {"username": username}, format="json")

    assert response.status_code == 400
    assert response.json() == {"username": [message]}
    assert _state() == before


def test_the_creator_is_not_removed(api_client, people, catalogue):
    api_client.force_authenticate(people.admin)
    before = _state()

    response = api_client.delete(f"/api/v1/courses/{catalogue['draft']}/authors/{people.trainer_north.pk}/")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["The person who created the course stays one of its authors."]}
    assert _state() == before


def test_removing_someone_who_is_no_author_is_a_404(api_client, people, catalogue):
    api_client.force_authenticate(people.trainer_north)

    response = api_client.delete(f"/api/v1/courses/{catalogue['draft']}/authors/{people.trainer_south.pk}/")

    assert response.status_code == 404
