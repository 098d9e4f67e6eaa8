import pytest

from courses import services
from courses.models import Course, CourseAuthor, CourseRelease, Lesson, Module
from lms.audit.models import AuditEntry
from lms.events.models import Event

SAFE_MARKDOWN = (
    "## Arrest\n\n### Rights\n\n- silent\n- lawyer\n\nSteps:\n\n1. first\n2. second\n\n"
    "Read *carefully* and **always**: [the code](https://www.ohchr.org/code) or [here](/lessons/1/)."
)

# payload -> text fragments (lower-cased) that must not appear in the stored HTML
XSS_PAYLOADS = {
    "<script>alert('x')</script>": ["<script", "alert("],
    '<img src="x" alt="x" onerror="alert(1)">': ["onerror", "alert("],
    "[click](javascript:alert(1))": ["javascript:", "alert("],
    "<svg onload=alert(1)><circle/></svg>": ["<svg", "onload", "alert("],
    '<iframe src="https://evil.example/"></iframe>': ["<iframe", "evil.example"],
    '<p style="background:url(javascript:alert(1))">styled</p>': ["style=", "javascript:"],
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)": ["data:", "base64"],
    "[upper](JaVaScRiPt:alert(1))": ["javascript:", "alert("],
    '<a href="&#106;&#97;vascript:alert(1)">encoded</a>': ["javascript", "&#106;", "alert("],
    '<a href="https://ok.example/" onmouseover="alert(1)">hover</a>': ["onmouseover", "alert("],
    '<form action="https://evil.example/"><input name="pw"></form>': ["<form", "<input"],
    "<object data=\"x.swf\"></object><embed src='x.swf'>": ["<object", "<embed"],
}


@pytest.mark.django_db
@pytest.mark.parametrize(("payload", "forbidden"), list(XSS_PAYLOADS.items()))
def test_lesson_html_drops_dangerous_markup_and_keeps_safe_markdown(draft_course, payload, forbidden):
    module = draft_course.modules.get()

    lesson = services.lesson_create(module=module, title="XSS", body=f"{SAFE_MARKDOWN}\n\n{payload}\n")

    stored = Lesson.objects.get(pk=lesson.pk).body_html
    for fragment in forbidden:
        assert fragment not in stored.lower()
    assert "<h2>Arrest</h2>" in stored
    assert "<h3>Rights</h3>" in stored
    assert "<li>silent</li>" in stored
    assert "<ol>" in stored
    assert "<em>carefully</em>" in stored
    assert "<strong>always</strong>" in stored
    assert '<a href="https://www.ohchr.org/code" rel="noopener noreferrer nofollow">the code</a>' in stored
    assert '<a href="/lessons/1/" rel="noopener noreferrer nofollow">here</a>' in stored


@pytest.mark.django_db
def test_lesson_update_renders_and_sanitises_again(draft_course):
    lesson = Lesson.objects.filter(module__course=draft_course).order_by("order").first()

    services.lesson_update(lesson=lesson, body="**bold** <script>alert(1)</script>")

    lesson.refresh_from_db()
    assert lesson.body == "**bold** <script>alert(1)</script>"
    assert lesson.body_html == "<p><strong>bold</strong> </p>"


@pytest.mark.django_db
def test_course_create_makes_a_draft_authored_by_its_creator(people):
    course = services.course_create(
        creator=people.trainer_north, code="HR-1", title="Human rights", competencies=["HR"]
    )

    assert course.status == Course.Status.DRAFT
    assert course.owner is None
    assert list(CourseAuthor.objects.filter(course=course).values_list("user__username", flat=True)) == [
        "trainer.north"
    ]


@pytest.mark.django_db
def test_modules_and_lessons_are_appended_in_order(draft_course):
    second = services.module_create(course=draft_course, title="Practice")
    first_lesson = services.lesson_create(module=second, title="A")
    second_lesson = services.lesson_create(module=second, title="B")

    assert list(Module.objects.filter(course=draft_course).values_list("title", "order")) == [
        ("Foundations", 1),
        ("Practice", 2),
    ]
    assert (first_lesson.order, second_lesson.order) == (1, 2)


@pytest.mark.django_db
def test_publish_writes_a_release_with_live_required_lessons_an_event_and_an_audit_entry(draft_course, people):
    module = draft_course.modules.get()
    first, second = Lesson.objects.filter(module=module).order_by("order")
    optional = services.lesson_create(module=module, title="Further reading", is_required=False)
    archived = services.lesson_create(module=module, title="Old", body="x")
    Lesson.objects.filter(pk=archived.pk).update(is_archived=True)
    archived_module = services.module_create(course=draft_course, title="Retired")
    Module.objects.filter(pk=archived_module.pk).update(is_archived=True)
    services.lesson_create(module=archived_module, title="In a retired module")

    release = services.course_publish(course=draft_course, actor=people.trainer_north)

    draft_course.refresh_from_db()
    assert draft_course.status == Course.Status.PUBLISHED
    assert release.number == 1
    assert release.published_by == people.trainer_north
    assert release.required_lesson_ids == [first.pk, second.pk]
    assert optional.pk not in release.required_lesson_ids
    event = Event.objects.get(name="course.published")
    assert event.payload == {"course_id": draft_course.pk, "release_id": release.pk}
    entry = AuditEntry.objects.get(action="course.publish")
    assert entry.target_id == str(draft_course.pk)
    assert entry.before == {"status": "draft"}
    assert entry.after == {"status": "published", "release": 1}


@pytest.mark.django_db
def test_publishing_again_adds_a_release_and_leaves_the_first_as_it_was(published_course, people):
    first = CourseRelease.objects.get(course=published_course)
    new_lesson = services.lesson_create(module=published_course.modules.get(), title="New")

    second = services.course_publish(course=published_course, actor=people.admin)

    first.refresh_from_db()
    assert second.number == 2
    assert new_lesson.pk in second.required_lesson_ids
    assert new_lesson.pk not in first.required_lesson_ids
    assert Event.objects.filter(name="course.published").count() == 2
