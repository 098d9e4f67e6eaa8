"""The authoring pages: who opens them, what every button does, and that a refused request
changes nothing. Pages answer 404 for a course the person cannot see and 403 for one they
see but may not edit; anonymous people are sent to sign in."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses import services
from courses.models import Course, CourseAuthor, CourseRelease, Lesson, LessonAttachment, Module
from lms.audit.models import AuditEntry
from organisations.models import Role
from organisations.services import role_grant
from tests.factories import UserFactory

ROLES = ["anonymous", "trainee", "other_trainer", "author", "admin"]
USERS = {"trainee": "trainee", "other_trainer": "trainer_south", "author": "trainer_north", "admin": "admin"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def site(people, tree, draft_course):
    """Ids of the draft course (``module`` with ``lesson`` and ``lesson2``, ``module2``), a
    ``published`` course with ``published_lesson``, a co-author and an ``attachment``."""
    author = people.trainer_north
    module = draft_course.modules.get()
    lesson, lesson2 = Lesson.objects.filter(module=module).order_by("order")
    module2 = services.module_create(course=draft_course, title="Practice")
    services.lesson_create(module=module2, title="Beat mapping")
    coauthor = UserFactory(username="trainer.extra")
    role_grant(user=coauthor, role=Role.TRAINER, unit=tree.north)
    services.course_author_add(course=draft_course, user=coauthor, actor=author)
    attachment = services.lesson_attachment_create(
        lesson=lesson, uploaded_file=SimpleUploadedFile("map.png", PNG), title="Map", actor=author
    )
    published = services.course_create(creator=author, code="HR-101", title="Human rights")
    published_lesson = services.lesson_create(
        module=services.module_create(course=published, title="Arrest"), title="Rights on arrest"
    )
    services.course_publish(course=published, actor=author)
    return {
        "draft": draft_course.pk,
        "module": module.pk,
        "module2": module2.pk,
        "lesson": lesson.pk,
        "lesson2": lesson2.pk,
        "published": published.pk,
        "published_lesson": published_lesson.pk,
        "coauthor": coauthor.pk,
        "attachment": attachment.pk,
    }


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


def _login(client, people, role: str) -> None:
    if role != "anonymous":
        client.force_login(getattr(people, USERS[role]))


# Who opens what ------------------------------------------------------------------------

PAGES = {
    "/author/": [302, 403, 200, 200, 200],
    "/author/courses/new/": [302, 403, 200, 200, 200],
    "/author/courses/{draft}/": [302, 404, 403, 200, 200],
    "/author/courses/{published}/": [302, 403, 403, 200, 200],
    "/author/lessons/{lesson}/": [302, 404, 403, 200, 200],
    "/author/lessons/{lesson}/preview/": [302, 404, 403, 200, 200],
    "/author/lessons/{published_lesson}/": [302, 404, 403, 200, 200],
}
PAGE_CASES = [
    (url, role, status) for url, statuses in PAGES.items() for role, status in zip(ROLES, statuses, strict=True)
]


@pytest.mark.parametrize(("url", "role", "expected"), PAGE_CASES)
def test_who_opens_the_pages(client, people, site, url, role, expected):
    _login(client, people, role)
    path = url.format(**site)

    response = client.get(path)

    assert response.status_code == expected
    if expected == 302:
        assert response["Location"] == f"/accounts/login/?next={path}"


# (url, data) -> status per role; every POST that is refused changes nothing
ACTIONS = {
    ("/author/courses/new/", "new_course"): [302, 403, 302, 302, 302],
    ("/author/courses/{draft}/", "details"): [302, 404, 403, 302, 302],
    ("/author/courses/{published}/", "details"): [302, 403, 403, 302, 302],
    ("/author/courses/{draft}/status/", "submit"): [302, 404, 403, 302, 302],
    ("/author/courses/{published}/status/", "archive"): [302, 403, 403, 302, 302],
    ("/author/courses/{draft}/modules/", "title"): [302, 404, 403, 302, 302],
    ("/author/modules/{module}/rename/", "title"): [302, 404, 403, 302, 302],
    ("/author/modules/{module}/move/", "down"): [302, 404, 403, 302, 302],
    ("/author/modules/{module}/archive/", "archive"): [302, 404, 403, 302, 302],
    ("/author/modules/{module}/lessons/", "title"): [302, 404, 403, 302, 302],
    ("/author/lessons/{lesson}/", "lesson"): [302, 404, 403, 302, 302],
    ("/author/lessons/{lesson}/move/", "down"): [302, 404, 403, 302, 302],
    ("/author/lessons/{lesson}/archive/", "archive"): [302, 404, 403, 302, 302],
    ("/author/lessons/{published_lesson}/archive/", "archive"): [302, 404, 403, 302, 302],
    ("/author/lessons/{lesson}/attachments/", "upload"): [302, 404, 403, 302, 302],
    ("/author/attachments/{attachment}/delete/", "confirm"): [302, 404, 403, 302, 302],
    ("/author/courses/{draft}/authors/", "author"): [302, 404, 403, 302, 302],
    ("/author/courses/{draft}/authors/{coauthor}/remove/", None): [302, 404, 403, 302, 302],
}
DATA = {
    "new_course": lambda: {"code": "SGBV-1", "title": "SGBV first response", "language": "fr"},
    "details": lambda: {"title": "Renamed", "language": "en", "is_self_enrollment_open": "on"},
    "submit": lambda: {"action": "submit"},
    "archive": lambda: {"action": "archive", "archive": "1", "confirm": "1"},
    "title": lambda: {"title": "New title"},
    "down": lambda: {"direction": "down"},
    "lesson": lambda: {"title": "Renamed", "body": "**Bold**", "is_required": "on"},
    "upload": lambda: {"attachment-file": SimpleUploadedFile("guide.pdf", PDF), "attachment-title": "Guide"},
    "author": lambda: {"username": "trainer.south"},
    "confirm": lambda: {"confirm": "1"},
    None: dict,
}
ACTION_CASES = [
    (url, data, role, status)
    for (url, data), statuses in ACTIONS.items()
    for role, status in zip(ROLES, statuses, strict=True)
]


@pytest.mark.parametrize(("url", "data", "role", "expected"), ACTION_CASES)
def test_who_may_change_what(client, people, site, url, data, role, expected):
    _login(client, people, role)
    before = _state()

    response = client.post(url.format(**site), DATA[data]())

    assert response.status_code == expected
    if role in ("anonymous", "trainee") or expected in (403, 404):
        assert _state() == before
    else:
        assert _state() != before


@pytest.mark.parametrize("url", ["/author/courses/{draft}/status/", "/author/modules/{module}/move/"])
def test_changes_are_post_only(client, people, site, url):
    client.force_login(people.trainer_north)

    assert client.get(url.format(**site)).status_code == 405


# The list and the create form ------------------------------------------------------------


def test_the_list_shows_the_authors_courses_with_status_and_release(client, people, site):
    client.force_login(people.trainer_north)

    page = client.get("/author/").content.decode()

    assert "Community-oriented policing" in page
    assert "Human rights" in page
    assert '<span class="badge status-published">Published</span>' in page
    assert '<td class="numeric">1</td>' in page


def test_another_trainer_sees_none_of_them(client, people, site):
    client.force_login(people.trainer_south)

    page = client.get("/author/").content.decode()

    assert "Community-oriented policing" not in page
    assert "You author no course yet." in page


def test_creating_a_course_opens_its_edit_page(client, people, site):
    client.force_login(people.trainer_north)

    response = client.post(
        "/author/courses/new/",
        {"code": "SGBV-1", "title": "SGBV first response", "language": "fr", "competencies": ["SGBV", "HR"]},
        follow=True,
    )

    course = Course.objects.get(code="SGBV-1")
    assert response.redirect_chain == [(f"/author/courses/{course.pk}/", 302)]
    assert "The draft course was created." in response.content.decode()
    assert (course.language, course.competencies, course.status) == ("fr", ["SGBV", "HR"], "draft")
    assert list(course.authors.values_list("user__username", flat=True)) == ["trainer.north"]


def test_a_taken_code_is_shown_on_the_form(client, people, site):
    client.force_login(people.trainer_north)
    before = _state()

    response = client.post("/author/courses/new/", {"code": "COP-101", "title": "Again", "language": "en"})

    assert response.status_code == 200
    assert "Course with this Code already exists." in response.content.decode()
    assert _state() == before


# The course edit page --------------------------------------------------------------------


def test_the_edit_page_shows_status_release_outline_and_authors(client, people, site):
    client.force_login(people.trainer_north)

    page = client.get(f"/author/courses/{site['published']}/").content.decode()

    assert '<span class="badge status-published">Published</span>' in page
    assert "Release 1" in page
    assert "Publish a new release" in page
    assert 'name="action" value="archive"' in page
    assert 'name="action" value="submit"' not in page
    assert "Rights on arrest" in page
    assert f'href="/author/lessons/{site["published_lesson"]}/preview/"' in page


def test_saving_details_with_checkboxes_and_practicals(client, people, site):
    client.force_login(people.trainer_north)

    response = client.post(
        f"/author/courses/{site['draft']}/",
        {
            "title": "Community policing",
            "summary": "Trust.",
            "language": "en",
            "estimated_hours": "3.5",
            "competencies": ["COP", "POC"],
            "validity_months": "24",
            "is_sequential": "on",
            "requires_attendance": "on",
            "required_practicals": "Confidence patrol\r\n\r\n  First aid  \r\n",
        },
    )

    assert response.status_code == 302
    course = Course.objects.get(pk=site["draft"])
    assert course.title == "Community policing"
    assert course.competencies == ["COP", "POC"]
    assert course.validity_months == 24
    assert (course.is_sequential, course.requires_attendance, course.is_self_enrollment_open) == (True, True, False)
    assert course.required_practicals == ["Confidence patrol", "First aid"]
    page = client.get(f"/author/courses/{site['draft']}/").content.decode()
    assert "The course details were saved." in page
    assert "Confidence patrol\nFirst aid</textarea>" in page
    assert re.search(r'<input type="checkbox" name="competencies" value="POC"[^>]*checked', page)


def test_invalid_details_are_shown_and_nothing_is_saved(client, people, site):
    client.force_login(people.trainer_north)
    before = _state()

    response = client.post(
        f"/author/courses/{site['draft']}/",
        {"title": "X", "language": "en", "required_practicals": "First aid\nfirst aid", "validity_months": "0"},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Each practical skill is listed once." in page
    assert "Ensure this value is greater than or equal to 1." in page
    assert _state() == before


def _module_order(course_id: int) -> list[int]:
    return list(
        Module.objects.filter(course_id=course_id, is_archived=False).order_by("order").values_list("pk", flat=True)
    )


def _lesson_order(module_id: int) -> list[int]:
    return list(
        Lesson.objects.filter(module_id=module_id, is_archived=False).order_by("order").values_list("pk", flat=True)
    )


def test_up_and_down_buttons_reorder_modules_and_lessons(client, people, site):
    client.force_login(people.trainer_north)

    moved = client.post(f"/author/modules/{site['module']}/move/", {"direction": "down"})
    client.post(f"/author/lessons/{site['lesson2']}/move/", {"direction": "up"})

    assert moved["Location"] == f"/author/courses/{site['draft']}/#module-{site['module']}"
    assert _module_order(site["draft"]) == [site["module2"], site["module"]]
    assert _lesson_order(site["module"]) == [site["lesson2"], site["lesson"]]
    assert AuditEntry.objects.filter(action__in=["course.modules_reorder", "module.lessons_reorder"]).count() == 2


@pytest.mark.parametrize(("which", "direction"), [("module", "up"), ("module2", "down"), ("module", "sideways")])
def test_a_move_past_the_end_changes_nothing(client, people, site, which, direction):
    client.force_login(people.trainer_north)
    before = _state()

    response = client.post(f"/author/modules/{site[which]}/move/", {"direction": direction})

    assert response.status_code == 302
    assert _state() == before


def test_the_first_up_and_last_down_buttons_are_disabled(client, people, site):
    client.force_login(people.trainer_north)

    page = client.get(f"/author/courses/{site['draft']}/").content.decode()

    assert 'aria-label="Move the module Foundations up" disabled' in page
    assert 'aria-label="Move the module Foundations down">' in page
    assert 'aria-label="Move the module Practice down" disabled' in page


def test_archive_and_unarchive_buttons(client, people, site):
    client.force_login(people.trainer_north)

    client.post(f"/author/lessons/{site['lesson']}/archive/", {"archive": "1"})
    page = client.get(f"/author/courses/{site['draft']}/").content.decode()
    assert "1 archived lesson" in page
    assert _lesson_order(site["module"]) == [site["lesson2"]]

    client.post(f"/author/lessons/{site['lesson']}/archive/", {"archive": "0"})
    client.post(f"/author/modules/{site['module']}/archive/", {"archive": "1"})

    assert _lesson_order(site["module"]) == [site["lesson2"], site["lesson"]]
    assert _module_order(site["draft"]) == [site["module2"]]
    page = client.get(f"/author/courses/{site['draft']}/").content.decode()
    assert "Archived modules" in page
    assert 'aria-label="Unarchive the module Foundations"' in page


def test_adding_a_module_and_a_lesson(client, people, site):
    client.force_login(people.trainer_north)

    client.post(f"/author/courses/{site['draft']}/modules/", {"title": "Measuring confidence"})
    module = Module.objects.get(title="Measuring confidence")
    response = client.post(f"/author/modules/{module.pk}/lessons/", {"title": "Surveys"})

    lesson = Lesson.objects.get(title="Surveys")
    assert response["Location"] == f"/author/lessons/{lesson.pk}/"
    assert (module.order, lesson.order, lesson.module_id) == (3, 1, module.pk)
    assert AuditEntry.objects.filter(action="module.create", actor=people.trainer_north).count() == 1
    assert AuditEntry.objects.filter(action="lesson.create", actor=people.trainer_north).count() == 1


def test_an_empty_title_adds_nothing(client, people, site):
    client.force_login(people.trainer_north)
    before = _state()

    response = client.post(f"/author/courses/{site['draft']}/modules/", {"title": "  "}, follow=True)

    assert "A module needs a title of at most 200 characters." in response.content.decode()
    assert _state() == before


@pytest.mark.parametrize(
    ("action", "status", "message"),
    [
        ("submit", "in_review", "The course was submitted for review."),
        ("publish", "published", "The course was published as a new release."),
    ],
)
def test_status_buttons(client, people, site, action, status, message):
    client.force_login(people.trainer_north)

    response = client.post(f"/author/courses/{site['draft']}/status/", {"action": action}, follow=True)

    assert Course.objects.get(pk=site["draft"]).status == status
    assert message in response.content.decode()


def test_archive_then_unarchive_a_published_course(client, people, site):
    client.force_login(people.trainer_north)

    client.post(f"/author/courses/{site['published']}/status/", {"action": "archive", "confirm": "1"})
    page = client.get(f"/author/courses/{site['published']}/").content.decode()
    assert '<span class="badge status-archived">Archived</span>' in page
    assert 'name="action" value="publish"' not in page
    client.post(f"/author/courses/{site['published']}/status/", {"action": "unarchive"})

    assert Course.objects.get(pk=site["published"]).status == "published"
    assert CourseRelease.objects.filter(course_id=site["published"]).count() == 1


def test_a_refused_transition_is_a_message(client, people, site):
    client.force_login(people.trainer_north)
    before = _state()

    response = client.post(f"/author/courses/{site['published']}/status/", {"action": "submit"}, follow=True)

    assert "Only a draft course can be submitted for review." in response.content.decode()
    assert _state() == before


def test_an_unknown_status_action_is_a_404(client, people, site):
    client.force_login(people.trainer_north)

    assert client.post(f"/author/courses/{site['draft']}/status/", {"action": "delete"}).status_code == 404


def test_co_authors_are_added_by_user_name_and_removed(client, people, site):
    client.force_login(people.trainer_north)

    added = client.post(f"/author/courses/{site['draft']}/authors/", {"username": "Trainer.South"}, follow=True)
    client.post(f"/author/courses/{site['draft']}/authors/{site['coauthor']}/remove/")

    assert "trainer.south is now an author of the course." in added.content.decode()
    authors = CourseAuthor.objects.filter(course_id=site["draft"]).order_by("user__username")
    assert list(authors.values_list("user__username", flat=True)) == ["trainer.north", "trainer.south"]


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("trainee", "Only trainers and administrators can be co-authors."),
        ("nobody", "No active account has this user name."),
    ],
)
def test_a_refused_co_author_is_a_message(client, people, site, username, message):
    client.force_login(people.trainer_north)
    before = _state()

    response = client.post(f"/author/courses/{site['draft']}/authors/", {"username": username}, follow=True)

    assert message in response.content.decode()
    assert _state() == before


def test_the_creator_has_no_remove_button_and_stays(client, people, site):
    client.force_login(people.admin)
    before = _state()

    page = client.get(f"/author/courses/{site['draft']}/").content.decode()
    response = client.post(f"/author/courses/{site['draft']}/authors/{people.trainer_north.pk}/remove/", follow=True)

    assert f"/authors/{people.trainer_north.pk}/remove/" not in page
    assert f"/authors/{site['coauthor']}/remove/" in page
    assert "The person who created the course stays one of its authors." in response.content.decode()
    assert _state() == before


# Lessons, attachments and the preview -----------------------------------------------------


def test_saving_a_lesson(client, people, site):
    client.force_login(people.trainer_north)

    response = client.post(
        f"/author/lessons/{site['lesson']}/",
        {
            "title": "Why it works",
            "aim": "Understand trust.",
            "relevance": "Daily work.",
            "learning_outcomes": "Learners will explain trust.\nLearners will list three partners.",
            "duration_minutes": "45",
            "body": "## Trust\n\n<script>x()</script>Police *with* people.",
            "summary": "Trust first.",
            "video_url": "https://video.example.org/trust",
        },
    )

    assert response["Location"] == f"/author/lessons/{site['lesson']}/"
    lesson = Lesson.objects.get(pk=site["lesson"])
    assert (lesson.title, lesson.duration_minutes, lesson.is_required) == ("Why it works", 45, False)
    assert lesson.body_html == "<h2>Trust</h2>\n\n<p>Police <em>with</em> people.</p>"
    assert AuditEntry.objects.filter(action="lesson.update").count() == 1


def test_preview_shows_the_lesson_as_a_trainee_reads_it(client, people, site):
    lesson = Lesson.objects.get(pk=site["lesson"])
    services.lesson_update(
        lesson=lesson,
        aim="Understand <b>trust</b>.",
        learning_outcomes="Learners will explain trust.",
        duration_minutes=50,
        summary="Trust first.",
        video_url="https://video.example.org/trust",
    )
    guide = services.lesson_attachment_create(
        lesson=lesson, uploaded_file=SimpleUploadedFile("g.pdf", PDF), title="Guide", actor=people.trainer_north
    )
    client.force_login(people.trainer_north)

    page = client.get(f"/author/lessons/{site['lesson']}/preview/").content.decode()

    assert "About 50 minutes" in page
    assert "<p>Understand &lt;b&gt;trust&lt;/b&gt;.</p>" in page
    assert "Learners will explain trust." in page
    assert "<h2>Trust</h2>" in page
    assert f'<img src="/lessons/attachments/{site["attachment"]}/" alt="Map" loading="lazy">' in page
    assert f'<a href="/lessons/attachments/{guide.pk}/" download>Guide</a>' in page
    assert '<a href="https://video.example.org/trust" rel="noopener noreferrer">Watch the video</a>' in page
    assert "Trust first." in page
    assert page.index("Trust first.") < page.index("Downloads")


def test_uploading_and_deleting_an_attachment(client, people, site):
    client.force_login(people.trainer_north)

    uploaded = client.post(
        f"/author/lessons/{site['lesson']}/attachments/",
        {"attachment-file": SimpleUploadedFile("guide.pdf", PDF), "attachment-title": "Guide"},
        follow=True,
    )
    guide = LessonAttachment.objects.get(title="Guide")
    deleted = client.post(f"/author/attachments/{guide.pk}/delete/", {"confirm": "1"})

    assert uploaded.redirect_chain == [(f"/author/lessons/{site['lesson']}/#attachments", 302)]
    assert "The file was attached." in uploaded.content.decode()
    assert (guide.kind, guide.content_type) == ("file", "application/pdf")
    assert deleted["Location"] == f"/author/lessons/{site['lesson']}/#attachments"
    assert not LessonAttachment.objects.filter(pk=guide.pk).exists()


def test_a_disguised_upload_is_refused_with_the_reason(client, people, site):
    client.force_login(people.trainer_north)
    before = _state()

    response = client.post(
        f"/author/lessons/{site['lesson']}/attachments/",
        {
            "attachment-file": SimpleUploadedFile("photo.png", b"<svg onload=alert(1)></svg>"),
            "attachment-title": "Photo",
        },
        follow=True,
    )

    assert "Only PDF documents and PNG, JPEG or WebP images are accepted" in response.content.decode()
    assert _state() == before


# Navigation and query counts --------------------------------------------------------------


@pytest.mark.parametrize(("role", "shown"), [("trainee", False), ("other_trainer", True), ("admin", True)])
def test_the_author_link_is_in_the_navigation_for_trainers_and_admins(client, people, site, role, shown):
    _login(client, people, role)

    page = client.get("/").content.decode()

    assert ('<a href="/author/">Author</a>' in page) is shown


def _course_with_lessons(people, count: int) -> Course:
    course = services.course_create(creator=people.trainer_north, code=f"Q-{count}", title="Queries")
    modules = [services.module_create(course=course, title=f"Module {index}") for index in range(4)]
    for index in range(count):
        lesson = services.lesson_create(module=modules[index % 4], title=f"Lesson {index}")
        if index % 10 == 9:
            services.lesson_archive(lesson=lesson, actor=people.trainer_north)
    services.module_archive(module=modules[3], actor=people.trainer_north)
    services.course_author_add(course=course, user=people.admin, actor=people.trainer_north)
    return course


def test_the_edit_page_runs_as_many_queries_for_40_lessons_as_for_2(client, people, django_assert_max_num_queries):
    small, large = _course_with_lessons(people, 2), _course_with_lessons(people, 40)
    client.force_login(people.trainer_north)
    client.get(f"/author/courses/{small.pk}/")  # warm the session

    with CaptureQueriesContext(connection) as small_queries:
        assert client.get(f"/author/courses/{small.pk}/").status_code == 200
    with django_assert_max_num_queries(len(small_queries)):
        page = client.get(f"/author/courses/{large.pk}/").content.decode()

    # 11, the assessments' and certificates' links (3), the next release's assessments (1; with
    # drafts, their pools and live questions: 2 more, see test_the_release_plan_...).
    assert len(small_queries) <= 15
    assert page.count('class="authoring-lessons"') == 3
    assert "Lesson 38" in page
    assert "Lesson 39" not in page  # archived, in an archived module


@pytest.mark.parametrize("url", ["/author/courses/{draft}/", "/author/lessons/{lesson}/", "/author/courses/new/"])
def test_every_id_on_a_page_is_unique_and_every_input_is_labelled(client, people, site, url):
    client.force_login(people.trainer_north)

    page = client.get(url.format(**site)).content.decode()

    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    labelled = set(re.findall(r'<label for="([^"]+)"', page))
    inputs = re.findall(r'<(?:input|textarea|select)\b(?![^>]*type="(?:hidden|submit)")[^>]*\sid="([^"]+)"', page)
    assert inputs
    assert set(inputs) <= labelled
