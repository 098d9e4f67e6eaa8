"""Every write to courses: ``<entity>_<action>`` functions, keyword-only, one transaction each."""

import markdown
import nh3
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from courses.models import Course, CourseAuthor, CourseRelease, Lesson, Module
from lms.audit.services import audit_record
from lms.events.services import event_record
from organisations.models import Organisation, User

ALLOWED_TAGS = {
    "p",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "a",
    "blockquote",
    "code",
    "pre",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "img",
    "br",
    "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt"}}
# Relative URLs pass as well (nh3's default); every other scheme, javascript: and data: included, is dropped.
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


def markdown_render(text: str) -> str:
    """Markdown -> HTML that is safe to show: only the tags, attributes and URL schemes above.

    Raw HTML in the Markdown is allowed through the renderer and then cleaned, so script
    (with its content), event handlers, style attributes and javascript: links never survive.
    """
    html = markdown.markdown(text, extensions=["tables", "fenced_code"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


@transaction.atomic
def course_create(
    *,
    creator: User,
    code: str,
    title: str,
    summary: str = "",
    language: str = "en",
    competencies: list[str] | None = None,
    estimated_hours=None,
    owner: Organisation | None = None,
    validity_months: int | None = None,
    is_self_enrolment_open: bool = True,
    translation_of: Course | None = None,
) -> Course:
    """Create a draft course; its creator becomes its first author."""
    course = Course(
        code=code,
        title=title,
        summary=summary,
        language=language,
        competencies=list(competencies or []),
        estimated_hours=estimated_hours,
        owner=owner,
        validity_months=validity_months,
        is_self_enrolment_open=is_self_enrolment_open,
        translation_of=translation_of,
        created_by=creator,
    )
    course.full_clean()
    course.save()
    CourseAuthor.objects.create(course=course, user=creator)
    audit_record(actor=creator, action="course.create", target=course, after={"code": code, "title": title})
    return course


@transaction.atomic
def module_create(*, course: Course, title: str) -> Module:
    """Append a module at the end of the course. Locks the course so concurrent appends get distinct orders."""
    Course.objects.select_for_update().filter(pk=course.pk).first()
    last = Module.objects.filter(course=course).aggregate(last=Max("order"))["last"]
    return Module.objects.create(course=course, title=title, order=(last or 0) + 1)


@transaction.atomic
def lesson_create(
    *,
    module: Module,
    title: str,
    body: str = "",
    aim: str = "",
    relevance: str = "",
    learning_outcomes: str = "",
    duration_minutes: int | None = None,
    summary: str = "",
    video_url: str = "",
    is_required: bool = True,
) -> Lesson:
    """Append a lesson at the end of the module, storing its sanitised HTML. Locks the module."""
    Module.objects.select_for_update().filter(pk=module.pk).first()
    last = Lesson.objects.filter(module=module).aggregate(last=Max("order"))["last"]
    lesson = Lesson(
        module=module,
        title=title,
        order=(last or 0) + 1,
        aim=aim,
        relevance=relevance,
        learning_outcomes=learning_outcomes,
        duration_minutes=duration_minutes,
        body=body,
        body_html=markdown_render(body),
        summary=summary,
        video_url=video_url,
        is_required=is_required,
    )
    lesson.full_clean()
    lesson.save()
    return lesson


LESSON_EDITABLE_FIELDS = (
    "title",
    "aim",
    "relevance",
    "learning_outcomes",
    "duration_minutes",
    "body",
    "summary",
    "video_url",
    "is_required",
)


@transaction.atomic
def lesson_update(*, lesson: Lesson, **changes) -> Lesson:
    """Change the given fields; the HTML is rendered and sanitised again from the body."""
    unknown = set(changes) - set(LESSON_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"lesson_update() cannot change {sorted(unknown)}")
    for name, value in changes.items():
        setattr(lesson, name, value)
    lesson.body_html = markdown_render(lesson.body)
    lesson.full_clean()
    lesson.save(update_fields=[*changes, "body_html"])
    return lesson


@transaction.atomic
def course_publish(*, course: Course, actor: User) -> CourseRelease:
    """Publish the course as a new release holding its current required lessons.

    Locks the course row, so two publishes at once get consecutive release numbers.
    """
    course = Course.objects.select_for_update().get(pk=course.pk)
    before = course.status
    last = course.releases.aggregate(last=Max("number"))["last"] or 0
    required = list(
        Lesson.objects.filter(module__course=course, module__is_archived=False, is_archived=False, is_required=True)
        .order_by("module__order", "module_id", "order", "pk")
        .values_list("pk", flat=True)
    )
    release = CourseRelease.objects.create(
        course=course,
        number=last + 1,
        published_at=timezone.now(),
        published_by=actor,
        required_lesson_ids=required,
    )
    course.status = Course.Status.PUBLISHED
    course.save(update_fields=["status", "updated_at"])
    event_record(
        name="course.published",
        payload={"course_id": course.pk, "release_id": release.pk, "release_number": release.number},
    )
    audit_record(
        actor=actor,
        action="course.publish",
        target=course,
        before={"status": before},
        after={"status": course.status, "release": release.number},
    )
    return release
