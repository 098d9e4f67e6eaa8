"""Trainee pages: catalogue, "My courses", the course outline and the lesson page.

Fixed query counts whatever the size of a course or the number of enrolments, page size,
right-to-left, no executable content in a lesson, and who may open what.
"""

import datetime
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from courses import selectors, services
from courses.demo import courses_read
from courses.models import Course, Enrollment, Lesson, LessonProgress, Module, SessionRegistration
from tests.courses.sessions_support import session_at

MAX_QUERIES = 12
CSS_FILE = Path(settings.BASE_DIR) / "static" / "css" / "site.css"


def _course(creator, code: str, lessons: int, modules: int = 2, sequential: bool = False) -> Course:
    """A published course of ``lessons`` lessons spread over ``modules`` modules."""
    course = services.course_create(creator=creator, code=code, title=f"Course {code}")
    if sequential:
        Course.objects.filter(pk=course.pk).update(is_sequential=True)
    created = [services.module_create(course=course, title=f"Module {number}") for number in range(1, modules + 1)]
    Lesson.objects.bulk_create(
        Lesson(
            module=created[index * modules // lessons],
            title=f"Lesson {index + 1}",
            order=index + 1,
            body=f"Body {index + 1}",
            body_html=f"<p>Body {index + 1}</p>",
            duration_minutes=45,
        )
        for index in range(lessons)
    )
    services.course_publish(course=course, actor=creator)
    course.refresh_from_db()
    return course


def _lessons(course: Course) -> list[Lesson]:
    return list(Lesson.objects.filter(module__course=course).order_by("module__order", "order", "pk"))


def _enrol(user, course: Course) -> Enrollment:
    return services.enrollment_create_self(course=course, user=user)[0]


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


# Fixed number of queries -------------------------------------------------------------------


@pytest.mark.parametrize("sequential", [False, True])
@pytest.mark.parametrize("page", ["outline", "lesson"])
def test_course_pages_run_the_same_few_queries_for_2_or_200_lessons(
    client, people, django_assert_max_num_queries, page, sequential
):
    counts = []
    for code, size in (("SMALL", 2), ("BIG", 200)):
        course = _course(people.trainer_north, code, lessons=size, sequential=sequential)
        enrollment = _enrol(people.trainee, course)
        lessons = _lessons(course)
        services.lesson_complete(enrollment=enrollment, lesson=lessons[0])
        url = (
            reverse("course-outline", args=[course.pk])
            if page == "outline"
            else reverse("lesson-detail", args=[lessons[1].pk])
        )
        client.force_login(people.trainee)
        with django_assert_max_num_queries(MAX_QUERIES) as captured:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_the_lesson_page_of_an_archived_lesson_still_required_stays_within_the_budget(
    client, people, django_assert_max_num_queries
):
    course = _course(people.trainer_north, "ARCH", lessons=20)
    enrollment = _enrol(people.trainee, course)
    lesson = _lessons(course)[3]
    Lesson.objects.filter(pk=lesson.pk).update(is_archived=True)
    services.course_publish(course=course, actor=people.trainer_north)
    client.force_login(people.trainee)

    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(reverse("lesson-detail", args=[lesson.pk]))

    assert response.status_code == 200
    assert "your enrolment still requires it" in response.content.decode()
    assert enrollment.release.number == 1


def test_staff_preview_runs_the_same_queries_for_2_or_200_lessons(client, people, django_assert_max_num_queries):
    counts = []
    for code, size in (("SMALL", 2), ("BIG", 200)):
        course = _course(people.trainer_north, code, lessons=size)
        client.force_login(people.leader)
        for url in (
            reverse("course-outline", args=[course.pk]),
            reverse("lesson-detail", args=[_lessons(course)[1].pk]),
        ):
            with django_assert_max_num_queries(MAX_QUERIES) as captured:
                assert client.get(url).status_code == 200
            counts.append(len(captured))
    assert counts[:2] == counts[2:]


def test_my_courses_runs_the_same_queries_for_1_or_50_enrollments(client, people, django_assert_max_num_queries):
    counts = []
    for total, user in ((1, people.trainee), (50, people.other_trainee)):
        for number in range(total):
            course = _course(people.trainer_north, f"{user.username}-{number}", lessons=4)
            enrollment = _enrol(user, course)
            services.lesson_complete(enrollment=enrollment, lesson=_lessons(course)[0])
        client.force_login(user)
        with django_assert_max_num_queries(MAX_QUERIES) as captured:
            response = client.get(reverse("my-courses"))
        assert response.status_code == 200
        assert response.content.decode().count('<progress max="100" value="25"') == total
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_catalogue_runs_the_same_queries_for_1_or_30_courses(client, people):
    client.force_login(people.trainee)
    _course(people.trainer_north, "ONE", lessons=1)
    few = _queries(client, reverse("course-catalogue"))
    for number in range(29):
        _course(people.trainer_north, f"MANY-{number}", lessons=1)
    many = _queries(client, reverse("course-catalogue"))
    assert few == many <= MAX_QUERIES


# The lesson page: size, no script, right-to-left ----------------------------------------------


def _demo_sized_lesson(creator) -> Lesson:
    """The longest lesson of the demo courses, with its aim, outcomes and summary."""
    longest = max(
        (fields for spec in courses_read() for module in spec.modules for fields in module.lessons),
        key=lambda fields: len(fields["body"]),
    )
    course = services.course_create(creator=creator, code="DEMO", title="Demo-sized course")
    module = services.module_create(course=course, title="Module")
    lesson = services.lesson_create(module=module, **longest)
    services.lesson_create(module=module, title="Next lesson")
    services.course_publish(course=course, actor=creator)
    return lesson


def test_the_lesson_page_with_its_css_is_under_60_kb_and_has_no_script(client, people):
    lesson = _demo_sized_lesson(people.trainer_north)
    _enrol(people.trainee, lesson.module.course)
    client.force_login(people.trainee)

    response = client.get(reverse("lesson-detail", args=[lesson.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert lesson.title in html
    assert "Mark as completed" in html
    assert len(response.content) + CSS_FILE.stat().st_size < 60 * 1024
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()


@pytest.mark.parametrize("name", ["course-catalogue", "my-courses", "course-outline", "lesson-detail"])
def test_pages_in_arabic_are_right_to_left(client, people, published_course, name):
    _enrol(people.trainee, published_course)
    args = {"course-outline": [published_course.pk], "lesson-detail": [_lessons(published_course)[0].pk]}
    client.force_login(people.trainee)

    response = client.get(reverse(name, args=args.get(name, [])), headers={"accept-language": "ar"})

    assert response.status_code == 200
    assert '<html lang="ar" dir="rtl">' in response.content.decode()


@pytest.mark.parametrize("name", ["course-report", "course-enrol"])
def test_staff_pages_in_arabic_are_right_to_left(client, people, published_course, name):
    client.force_login(people.trainer_north)

    response = client.get(reverse(name, args=[published_course.pk]), headers={"accept-language": "ar"})

    assert response.status_code == 200
    assert '<html lang="ar" dir="rtl">' in response.content.decode()


# No executable content in a lesson ------------------------------------------------------------

BODY_PAYLOADS = [
    "<script>alert(1)</script>",
    '<img alt="x" src="x" onerror="alert(1)">',
    "<img alt=x src=x onerror=alert(1)//>",
    '<a href="javascript:alert(1)">link</a>',
    '<a href="JaVaScRiPt:alert(1)">mixed case</a>',
    '<a href=" javascript:alert(1)">leading space</a>',
    '<a href="&#106;avascript:alert(1)">entity</a>',
    "[x](javascript:alert(1))",
    "[upper](JAVASCRIPT:alert(1))",
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    '<iframe src="https://evil.example/"></iframe>',
    '<p style="background:url(javascript:alert(1))">styled</p>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
    '<img alt="x" src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    "![x](data:image/svg+xml,<svg onload=alert(1)>)",
    '<object data="javascript:alert(1)"></object>',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>",
    '<details open ontoggle="alert(1)">x</details>',
    '<base href="javascript:alert(1)//">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
]
UNSAFE_TAGS = {"script", "iframe", "svg", "math", "object", "embed", "style", "base", "meta", "link", "frame"}
UNSAFE_SCHEMES = ("javascript:", "data:", "vbscript:")


class _ExecutableFinder(HTMLParser):
    """Collects what a browser could run: unsafe tags, event handlers, inline styles, script URLs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        is_layout = (tag == "meta" and ("charset" in values or values.get("name") == "viewport")) or (
            tag == "link" and values.get("rel") == "stylesheet"
        )
        if tag in UNSAFE_TAGS and not is_layout:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.found.append(f"{tag}[{name}]")
            cleaned = "".join(character for character in (value or "") if character > " ").lower()
            if name in {"href", "src", "action", "formaction", "data", "content"} and cleaned.startswith(
                UNSAFE_SCHEMES
            ):
                self.found.append(f"{tag}[{name}={value}]")
            if name == "content" and "url=javascript:" in cleaned:
                self.found.append(f"{tag}[{name}={value}]")


def _executables(html: str) -> list[str]:
    finder = _ExecutableFinder()
    finder.feed(html)
    return finder.found


def test_the_executable_finder_finds_what_it_looks_for():
    assert _executables('<p onclick="x()" style="a">x</p><a href=" JaVa\tScript:1">y</a><script></script>') == [
        "p[onclick]",
        "p[style]",
        "a[href= JaVa\tScript:1]",
        "<script>",
    ]


@pytest.mark.parametrize("payload", BODY_PAYLOADS)
def test_a_lesson_body_renders_with_nothing_executable(client, people, payload):
    course = services.course_create(creator=people.trainer_north, code="XSS", title="XSS")
    module = services.module_create(course=course, title="Module")
    lesson = services.lesson_create(module=module, title="Payload", body=f"Before\n\n{payload}\n\nAfter")
    services.course_publish(course=course, actor=people.trainer_north)
    _enrol(people.trainee, course)
    client.force_login(people.trainee)

    response = client.get(reverse("lesson-detail", args=[lesson.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "After" in html
    assert _executables(html) == []


@pytest.mark.parametrize("field", ["title", "aim", "relevance", "learning_outcomes", "summary"])
def test_plain_text_fields_of_a_lesson_are_escaped(client, people, field):
    course = services.course_create(creator=people.trainer_north, code="XSS", title="XSS")
    module = services.module_create(course=course, title="<script>alert('module')</script>")
    values = {"title": "Lesson"} | {field: "<script>alert(1)</script><img src=x onerror=alert(2)>"}
    lesson = services.lesson_create(module=module, **values)
    services.course_publish(course=course, actor=people.trainer_north)
    _enrol(people.trainee, course)
    client.force_login(people.trainee)

    for url in (reverse("lesson-detail", args=[lesson.pk]), reverse("course-outline", args=[course.pk])):
        response = client.get(url)
        assert response.status_code == 200
        assert _executables(response.content.decode()) == []


def test_learning_outcomes_show_as_a_list_not_as_dashes(client, people):
    """Issue 17, 6: outcomes written "- one" per line were shown with their dashes."""
    course = services.course_create(creator=people.trainer_north, code="OUT", title="Outcomes")
    module = services.module_create(course=course, title="Module")
    outcomes = "- Explain the rights of a detained person\n- Record an arrest"
    lesson = services.lesson_create(module=module, title="Lesson", learning_outcomes=outcomes)
    services.course_publish(course=course, actor=people.trainer_north)
    _enrol(people.trainee, course)
    client.force_login(people.trainee)

    html = client.get(reverse("lesson-detail", args=[lesson.pk])).content.decode()

    assert '<ul class="outcomes"><li>Explain the rights of a detained person</li><li>Record an arrest</li></ul>' in html
    assert "- Explain" not in html


# Who may open what --------------------------------------------------------------------------

PAGES = {
    "catalogue": ("get", "course-catalogue", None),
    "my courses": ("get", "my-courses", None),
    "outline": ("get", "course-outline", "course"),
    "self-enrol": ("post", "course-self-enrol", "course"),
    "lesson": ("get", "lesson-detail", "lesson"),
    "complete": ("post", "lesson-complete", "lesson"),
}


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_people_are_sent_to_sign_in(client, published_course, page):
    method, name, target = PAGES[page]
    args = {"course": [published_course.pk], "lesson": [_lessons(published_course)[0].pk], None: []}[target]
    url = reverse(name, args=args)

    response = getattr(client, method)(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"
    assert not Enrollment.objects.exists()


# (who, lesson page, completion POST): a trainee reads only courses they are enrolled in;
# staff and authors preview without recording anything.
LESSON_ACCESS = [
    ("trainee", 404, 404),
    ("other_trainee", 404, 404),
    ("trainer_north", 200, 403),  # the author
    ("trainer_south", 200, 403),
    ("leader", 200, 403),
    ("admin", 200, 403),
]


@pytest.mark.parametrize(("who", "read", "complete"), LESSON_ACCESS)
def test_lesson_access_without_an_enrollment(client, people, published_course, who, read, complete):
    lesson = _lessons(published_course)[0]
    client.force_login(getattr(people, who))

    response = client.get(reverse("lesson-detail", args=[lesson.pk]))
    posted = client.post(reverse("lesson-complete", args=[lesson.pk]))

    assert response.status_code == read
    assert posted.status_code == complete
    if read == 200:
        assert "Preview" in response.content.decode()
        assert "Mark as completed" not in response.content.decode()
    assert not LessonProgress.objects.exists()


def test_a_draft_course_is_not_found_for_a_trainee(client, people, draft_course):
    client.force_login(people.trainee)

    assert client.get(reverse("course-outline", args=[draft_course.pk])).status_code == 404
    assert client.post(reverse("course-self-enrol", args=[draft_course.pk])).status_code == 404
    assert client.get(reverse("lesson-detail", args=[_lessons(draft_course)[0].pk])).status_code == 404
    assert not Enrollment.objects.exists()


def test_another_trainees_enrollment_is_never_shown(client, people, published_course):
    other = _enrol(people.other_trainee, published_course)
    first, _second = _lessons(published_course)
    services.lesson_complete(enrollment=other, lesson=first)
    Enrollment.objects.filter(pk=other.pk).update(deadline=datetime.date(2031, 1, 2))
    client.force_login(people.trainee)

    my_courses = client.get(reverse("my-courses")).content.decode()
    outline = client.get(reverse("course-outline", args=[published_course.pk])).content.decode()

    assert "You are not enrolled in any course yet." in my_courses
    assert published_course.title not in my_courses.split("<main", 1)[1]
    assert "<progress" not in outline
    assert "✓" not in outline
    assert "2031" not in outline
    assert "Enrol in this course" in outline
    assert client.get(reverse("lesson-detail", args=[first.pk])).status_code == 404


# What the pages show ------------------------------------------------------------------------


def test_catalogue_shows_enrollment_and_the_enrol_button(client, people, published_course):
    closed = _course(people.trainer_north, "CLOSED", lessons=1)
    Course.objects.filter(pk=closed.pk).update(is_self_enrollment_open=False)
    enrolled = _course(people.trainer_north, "MINE", lessons=1)
    _enrol(people.trainee, enrolled)
    client.force_login(people.trainee)

    html = client.get(reverse("course-catalogue")).content.decode()

    assert html.count('action="/courses/') == 1
    assert f'action="{reverse("course-self-enrol", args=[published_course.pk])}"' in html
    assert "Enrolled" in html
    assert "Course CLOSED" in html


def test_self_enrollment_from_the_catalogue(client, people, published_course):
    client.force_login(people.trainee)

    response = client.post(reverse("course-self-enrol", args=[published_course.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("course-outline", args=[published_course.pk])
    enrollment = Enrollment.objects.get()
    assert (enrollment.course, enrollment.officer) == (published_course, people.trainee.officer)


def test_self_enrollment_in_a_closed_course_is_refused_with_a_message(client, people, published_course):
    Course.objects.filter(pk=published_course.pk).update(is_self_enrollment_open=False)
    client.force_login(people.trainee)

    response = client.post(reverse("course-self-enrol", args=[published_course.pk]), follow=True)

    assert "This course is not open to self-enrolment." in response.content.decode()
    assert not Enrollment.objects.exists()


def test_my_courses_shows_progress_deadline_resume_and_completions(client, people):
    today = timezone.localdate()
    overdue = _course(people.trainer_north, "LATE", lessons=5)
    soon = _course(people.trainer_north, "SOON", lessons=2)
    done = _course(people.trainer_north, "DONE", lessons=1)
    late_enrollment = _enrol(people.trainee, overdue)
    _enrol(people.trainee, soon)
    done_enrollment = _enrol(people.trainee, done)
    Enrollment.objects.filter(pk=late_enrollment.pk).update(deadline=today - datetime.timedelta(days=1))
    Enrollment.objects.filter(course=soon).update(deadline=today + datetime.timedelta(days=3))
    late_lessons = _lessons(overdue)
    services.lesson_complete(enrollment=late_enrollment, lesson=late_lessons[0])
    services.lesson_complete(enrollment=late_enrollment, lesson=late_lessons[1])
    services.lesson_complete(enrollment=done_enrollment, lesson=_lessons(done)[0])
    client.force_login(people.trainee)

    html = client.get(reverse("my-courses")).content.decode()

    assert '<progress max="100" value="40" aria-label="Course progress">40%</progress>' in html
    assert '<span class="progress-value">40%</span>' in html
    assert "Overdue:" in html
    assert "card-overdue" in html
    assert "Due soon:" in html
    assert "card-approaching" in html
    # Resume at the next lesson to do, not the last one done; start a course not begun at its first lesson.
    assert f'href="{reverse("lesson-detail", args=[late_lessons[2].pk])}">Resume' in html
    assert f'href="{reverse("lesson-detail", args=[_lessons(soon)[0].pk])}">Start' in html
    completed = html.split('id="completed-heading"', 1)[1]
    assert "Course DONE" in completed
    assert "Course LATE" not in completed
    assert timezone.localdate(Enrollment.objects.get(pk=done_enrollment.pk).completed_at).isoformat() in completed
    # The nearest deadline first.
    assert html.index("Course LATE") < html.index("Course SOON")


def test_home_links_an_officer_to_my_courses(client, people):
    client.force_login(people.trainee)

    html = client.get(reverse("home")).content.decode()

    assert f'<a class="button" href="{reverse("my-courses")}">' in html


def test_outline_shows_ticks_module_counts_and_requirements(client, people):
    course = _course(people.trainer_north, "OUT", lessons=8, modules=2)
    Course.objects.filter(pk=course.pk).update(requires_attendance=True)
    services.course_publish(course=course, actor=people.trainer_north)
    enrollment = _enrol(people.trainee, course)
    lessons = _lessons(course)
    for lesson in lessons[:3]:
        services.lesson_complete(enrollment=enrollment, lesson=lesson)
    client.force_login(people.trainee)

    html = client.get(reverse("course-outline", args=[course.pk])).content.decode()

    assert html.count('<span class="tick" aria-hidden="true">✓</span>') == 3
    assert "3 of 4 lessons done" in html
    assert "0 of 4 lessons done" in html
    assert '<span class="progress-value">37%</span>' in html
    assert "Complete the required lessons" in html
    assert "3 of 8 done" in html
    assert "Attend an in-person session" in html
    assert html.count('<li class="is-unmet">') == 2
    assert f'href="{reverse("lesson-detail", args=[lessons[3].pk])}">Resume' in html


def test_sequential_outline_shows_later_modules_locked(client, people):
    course = _course(people.trainer_north, "SEQ", lessons=4, modules=2, sequential=True)
    enrollment = _enrol(people.trainee, course)
    lessons = _lessons(course)
    client.force_login(people.trainee)

    locked = client.get(reverse("course-outline", args=[course.pk])).content.decode()
    services.lesson_complete(enrollment=enrollment, lesson=lessons[0])
    services.lesson_complete(enrollment=enrollment, lesson=lessons[1])
    opened = client.get(reverse("course-outline", args=[course.pk])).content.decode()

    assert locked.count("is-locked") == 1
    assert "Locked" in locked
    assert f'href="{reverse("lesson-detail", args=[lessons[2].pk])}"' not in locked
    assert "is-locked" not in opened
    assert f'href="{reverse("lesson-detail", args=[lessons[2].pk])}"' in opened


def test_a_locked_lesson_shows_why_and_cannot_be_completed(client, people):
    course = _course(people.trainer_north, "SEQ", lessons=4, modules=2, sequential=True)
    _enrol(people.trainee, course)
    later = _lessons(course)[2]
    client.force_login(people.trainee)

    page = client.get(reverse("lesson-detail", args=[later.pk])).content.decode()
    response = client.post(reverse("lesson-complete", args=[later.pk]), follow=True)

    assert "This module is locked" in page
    assert "Mark as completed" not in page
    assert "Body 3" not in page
    assert "Finish the modules before this one first." in response.content.decode()
    assert not LessonProgress.objects.exists()


def test_outline_shows_archived_lessons_the_release_still_requires(client, people):
    course = _course(people.trainer_north, "ARCH", lessons=4, modules=2)
    enrollment = _enrol(people.trainee, course)
    lessons = _lessons(course)
    Lesson.objects.filter(pk=lessons[1].pk).update(is_archived=True)
    Module.objects.filter(pk=lessons[3].module_id).update(is_archived=True)
    services.course_publish(course=course, actor=people.trainer_north)
    client.force_login(people.trainee)

    mine = client.get(reverse("course-outline", args=[course.pk])).content.decode()
    client.force_login(people.leader)
    preview = client.get(reverse("course-outline", args=[course.pk])).content.decode()

    for lesson in lessons:
        assert f'href="{reverse("lesson-detail", args=[lesson.pk])}"' in mine
    assert mine.count("Withdrawn, still required for you") == 3
    assert f'href="{reverse("lesson-detail", args=[lessons[0].pk])}"' in preview
    assert "Lesson 2<" not in preview
    assert "Module 2" not in preview
    assert enrollment.release.number == 1


def test_lesson_page_breadcrumb_neighbours_across_modules_and_completion(client, people):
    course = _course(people.trainer_north, "NAV", lessons=4, modules=2)
    enrollment = _enrol(people.trainee, course)
    lessons = _lessons(course)
    client.force_login(people.trainee)

    html = client.get(reverse("lesson-detail", args=[lessons[1].pk])).content.decode()
    response = client.post(reverse("lesson-complete", args=[lessons[1].pk]))

    ltr = 'lang="en" dir="ltr"'
    assert f'<li><a href="{reverse("course-outline", args=[course.pk])}" {ltr}>Course NAV</a></li>' in html
    assert f"<li><bdi {ltr}>Module 1</bdi></li>" in html
    assert f'rel="prev" href="{reverse("lesson-detail", args=[lessons[0].pk])}"' in html
    assert f'rel="next" href="{reverse("lesson-detail", args=[lessons[2].pk])}"' in html  # in Module 2
    assert "<p>Body 2</p>" in html
    assert response.status_code == 302
    assert response["Location"] == reverse("lesson-detail", args=[lessons[2].pk])
    assert list(LessonProgress.objects.filter(enrollment=enrollment).values_list("lesson_id", flat=True)) == [
        lessons[1].pk
    ]
    done = client.get(reverse("lesson-detail", args=[lessons[1].pk])).content.decode()
    assert "You completed this lesson." in done
    assert "Mark as completed" not in done
    assert '<span class="progress-value">25%</span>' in done


def test_completing_the_last_lesson_completes_the_course_and_returns_to_the_outline(client, people, published_course):
    enrollment = _enrol(people.trainee, published_course)
    first, last = _lessons(published_course)
    services.lesson_complete(enrollment=enrollment, lesson=first)
    client.force_login(people.trainee)

    response = client.post(reverse("lesson-complete", args=[last.pk]), follow=True)

    assert response.redirect_chain == [(reverse("course-outline", args=[published_course.pk]), 302)]
    assert "You completed Community-oriented policing." in response.content.decode()
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.COMPLETED


# The lesson page's read agrees with lesson_get ------------------------------------------------


@pytest.fixture
def lesson_situations(people, published_course):
    """Lessons in every situation a reader can meet, by name; ``people.trainee`` is enrolled
    in ``published_course`` (release 1) and in a course archived since."""
    live, withdrawn = _lessons(published_course)
    _enrol(people.trainee, published_course)
    Lesson.objects.filter(pk=withdrawn.pk).update(is_archived=True)
    added = services.lesson_create(module=live.module, title="Added later")
    services.course_publish(course=published_course, actor=people.trainer_north)
    Lesson.objects.filter(pk=added.pk).update(is_archived=True)
    draft = services.course_create(creator=people.trainer_north, code="DRAFT", title="Draft")
    draft_lesson = services.lesson_create(module=services.module_create(course=draft, title="M"), title="L")
    closed = _course(people.trainer_south, "CLOSED", lessons=1, modules=1)
    _enrol(people.trainee, closed)
    Course.objects.filter(pk=closed.pk).update(status=Course.Status.ARCHIVED)
    return {
        "live": live,
        "archived, required by release 1": withdrawn,
        "archived, never required of the trainee": added,
        "draft": draft_lesson,
        "course archived since enrolling": _lessons(closed)[0],
    }


@pytest.mark.parametrize("who", ["trainee", "other_trainee", "trainer_north", "trainer_south", "leader", "admin"])
def test_the_lesson_page_read_grants_exactly_what_lesson_get_grants(people, lesson_situations, who):
    user = getattr(people, who)

    granted = {
        name: selectors.reader_lesson_get(user=user, lesson_id=lesson.pk) is not None
        for name, lesson in lesson_situations.items()
    }

    assert granted == {
        name: selectors.lesson_get(user=user, lesson_id=lesson.pk) is not None
        for name, lesson in lesson_situations.items()
    }
    if who == "trainee":
        assert granted == {
            "live": True,
            "archived, required by release 1": True,
            "archived, never required of the trainee": False,
            "draft": False,
            "course archived since enrolling": True,
        }
    assert selectors.reader_lesson_get(user=user, lesson_id=0) is None


# Content in its course's language; where to resume; sessions as recorded (issue 17) ---------


@pytest.mark.parametrize(
    ("interface", "course_language", "direction"), [("ar", "en", "ltr"), ("en", "ar", "rtl"), ("ar", "fr", "ltr")]
)
def test_course_content_carries_its_language_and_direction_inside_any_interface(
    client, people, interface, course_language, direction
):
    course = _course(people.trainer_north, "LANG", lessons=2)
    Course.objects.filter(pk=course.pk).update(language=course_language)
    _enrol(people.trainee, course)
    lesson = _lessons(course)[0]
    Lesson.objects.filter(pk=lesson.pk).update(aim="Know the rules.")
    client.force_login(people.trainee)
    content = f'lang="{course_language}" dir="{direction}"'
    accept = {"accept-language": interface}

    lesson_page = client.get(reverse("lesson-detail", args=[lesson.pk]), headers=accept).content.decode()
    outline = client.get(reverse("course-outline", args=[course.pk]), headers=accept).content.decode()
    my_courses = client.get(reverse("my-courses"), headers=accept).content.decode()
    catalogue = client.get(reverse("course-catalogue"), headers=accept).content.decode()

    # The page keeps the interface's direction; the course's text has its own.
    for html in (lesson_page, outline, my_courses, catalogue):
        assert f'<html lang="{interface}" dir="{"rtl" if interface == "ar" else "ltr"}">' in html
    assert f"<h1 {content}>Lesson 1</h1>" in lesson_page
    assert f'<div class="lesson-content" {content}>' in lesson_page
    # The lesson's own headings in the lesson's language, as marked.
    lesson_content = lesson_page.split('<div class="lesson-content"', 1)[1]
    with translation.override(course_language):
        assert f'<h2 id="lesson-aim">{translation.gettext("Aim")}</h2>' in lesson_content
    assert f"<bdi {content}>Lesson 2</bdi>" in lesson_page  # the pager's next lesson
    assert f"<h1 {content}>Course LANG</h1>" in outline
    assert f'<a href="{reverse("lesson-detail", args=[lesson.pk])}" {content}>Lesson 1</a>' in outline
    assert f"<bdi {content}>Module 1</bdi>" in outline
    assert f"{content}>Course LANG</a>" in my_courses
    assert f"{content}>Course LANG</a>" in catalogue


def test_resume_goes_to_the_first_required_lesson_not_done_not_to_the_last_one_done(client, people):
    course = _course(people.trainer_north, "NEXT", lessons=4, modules=2)
    enrollment = _enrol(people.trainee, course)
    lessons = _lessons(course)
    services.lesson_complete(enrollment=enrollment, lesson=lessons[0])
    services.lesson_complete(enrollment=enrollment, lesson=lessons[2])  # skipped ahead
    client.force_login(people.trainee)
    resume = f'href="{reverse("lesson-detail", args=[lessons[1].pk])}">Resume'

    outline = client.get(reverse("course-outline", args=[course.pk])).content.decode()
    my_courses = client.get(reverse("my-courses")).content.decode()

    assert Enrollment.objects.get(pk=enrollment.pk).last_lesson_id == lessons[2].pk
    assert resume in outline
    assert resume in my_courses
    services.lesson_complete(enrollment=enrollment, lesson=lessons[1])
    services.lesson_complete(enrollment=enrollment, lesson=lessons[3])
    finished = client.get(reverse("course-outline", args=[course.pk])).content.decode()
    assert ">Resume</a>" not in finished  # nothing left to do: no button


def test_the_outline_shows_the_trainees_sessions_as_recorded(client, tree, people):
    course = _course(people.trainer_north, "SESS", lessons=1)
    _enrol(people.trainee, course)
    officer = people.trainee.officer
    attended, missed, coming = (
        session_at(tree.north_station, course=course, actor=people.trainer_north, days_from_today=days)
        for days in (0, -7, 5)
    )
    for session in (attended, missed, coming):
        services.session_register(session=session, officers=[officer], actor=people.trainer_north)
    SessionRegistration.objects.filter(session=missed).update(attendance=SessionRegistration.Attendance.ABSENT)
    services.attendance_record(session=attended, marks={officer.pk: "present"}, actor=people.trainer_north)
    client.force_login(people.trainee)

    html = client.get(reverse("course-outline", args=[course.pk])).content.decode()

    sessions = html.split('id="sessions-heading"', 1)[1]
    states = re.findall(r'<span class="badge[^"]*">([^<]*)</span>', sessions)
    assert states == ["Absent", "Present", "Registered"]  # earliest first
    assert '<span class="badge badge-ok">Present</span>' in sessions
    assert f'href="{reverse("session-detail", args=[attended.pk])}"' in sessions
