"""Every write to courses: ``<entity>_<action>`` functions, keyword-only, one transaction each."""

import calendar
import datetime
from collections.abc import Iterable

import markdown
import nh3
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from courses import selectors
from courses.models import (
    Course,
    CourseAuthor,
    CourseCompletion,
    CourseRelease,
    Enrollment,
    Lesson,
    LessonProgress,
    Module,
)
from lms.audit.services import audit_record
from lms.events.services import event_record
from lms.notifications.services import notifications_send
from organisations.models import Officer, Organisation, Role, Unit, User
from organisations.selectors import scope_units, unit_in_scope, user_roles

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
        requires_attendance=course.requires_attendance,
        required_practicals=list(course.required_practicals),
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


# Enrolment and progress. Every enrolment write locks the course row first (as
# ``course_publish`` does), so enrolments of one course are serialised and the counts they
# return are exact; the unique constraint on (course, officer) is the last line of defence.
# Completion is decided in one place, ``enrollment_completion_check``.


def _course_lock_for_enrolment(course: Course) -> tuple[Course, CourseRelease]:
    """Lock the course; it must be published. Returns it with its latest release."""
    course = Course.objects.select_for_update().get(pk=course.pk)
    release = course.releases.order_by("-number").first()
    if not course.is_published or release is None:
        raise ValidationError(_("Only a published course can be enrolled in."), code="not_published")
    return course, release


@transaction.atomic
def enrollment_create_self(*, course: Course, user: User) -> tuple[Enrollment, bool]:
    """Enrol the user's own officer record; returns ``(enrollment, created)``.

    Preconditions: the course is published (``ValidationError``) and open to self-enrolment,
    and the user is an active officer (``PermissionDenied``). Enrolling again returns the
    existing enrolment. Locks the course row.
    """
    officer = user_roles(user).officer
    if officer is None or not officer.is_active:
        raise PermissionDenied(_("Only an active officer can enrol."))
    course, release = _course_lock_for_enrolment(course)
    existing = Enrollment.objects.filter(course=course, officer=officer).first()
    if existing is not None:
        return existing, False
    if not course.is_self_enrolment_open:
        raise PermissionDenied(_("This course is not open to self-enrolment."))
    enrollment = Enrollment.objects.create(course=course, officer=officer, release=release, enrolled_by=user)
    audit_record(
        actor=user,
        action="course.enrolled",
        target=course,
        after={"officer_ids": [officer.pk], "release": release.number, "self": True},
    )
    return enrollment, True


@transaction.atomic
def enrollments_create(
    *, course: Course, officers: Iterable[Officer], actor: User, deadline: datetime.date | None = None
) -> int:
    """Enrol officers on the course's latest release; returns how many were newly enrolled.

    Preconditions: the course is published and ``actor`` is a trainer (or admin) whose scope
    covers every officer, each of them active; otherwise ``PermissionDenied`` or a
    ``ValidationError`` on ``officers`` listing those refused, and nothing is written.
    Officers already enrolled are skipped (their deadline is left as it was). Locks the
    course row; ``bulk_create(ignore_conflicts=True)`` keeps even an unlocked concurrent
    writer from creating a duplicate. One ``course.enrolled`` audit entry per batch.
    """
    roles = user_roles(actor)
    if not roles.has(Role.TRAINER, Role.ADMIN):
        raise PermissionDenied(_("Only trainers enrol other officers."))
    officers = list({officer.pk: officer for officer in officers}.values())
    roots = scope_units(actor, roles=(Role.TRAINER,))
    refused = [
        officer
        for officer in officers
        if not officer.is_active
        or not (roots is None or any(officer.unit.path.startswith(root.path) for root in roots))
    ]
    if refused:
        raise ValidationError(
            {
                "officers": [
                    ValidationError(
                        _("Outside your scope or no longer serving: %(officers)s."),
                        code="out_of_scope",
                        params={"officers": ", ".join(str(pk) for pk in sorted(officer.pk for officer in refused))},
                    )
                ]
            }
        )
    course, release = _course_lock_for_enrolment(course)
    already = set(
        Enrollment.objects.filter(course=course, officer__in=[o.pk for o in officers]).values_list(
            "officer_id", flat=True
        )
    )
    new = [officer for officer in officers if officer.pk not in already]
    Enrollment.objects.bulk_create(
        [
            Enrollment(course=course, officer=officer, release=release, enrolled_by=actor, deadline=deadline)
            for officer in new
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    if new:
        audit_record(
            actor=actor,
            action="course.enrolled",
            target=course,
            after={
                "officer_ids": [officer.pk for officer in new],
                "release": release.number,
                "deadline": deadline.isoformat() if deadline else None,
            },
        )
    return len(new)


@transaction.atomic
def enrollments_create_for_unit(
    *, course: Course, unit: Unit, actor: User, deadline: datetime.date | None = None
) -> int:
    """Enrol every active officer of ``unit``'s subtree (a cohort); see ``enrollments_create``.

    ``PermissionDenied`` when the unit is outside the actor's scope.
    """
    if not unit_in_scope(user=actor, unit=unit):
        raise PermissionDenied(_("This unit is outside your scope."))
    officers = Officer.objects.filter(unit__path__startswith=unit.path, is_active=True).select_related("unit")
    return enrollments_create(course=course, officers=officers, actor=actor, deadline=deadline)


@transaction.atomic
def lesson_complete(*, enrollment: Enrollment, lesson: Lesson) -> int:
    """Record the lesson as completed and as where to resume; returns the progress percent.

    Idempotent: completing a lesson again changes nothing but the resume point. Any live
    lesson of the course may be completed (``ValidationError`` with code ``locked`` while its
    module is still closed in a sequential course), but only the required lessons of the
    enrolment's release count towards progress. Completes the course when this was the last
    requirement. Locks the enrolment row.
    """
    enrollment = Enrollment.objects.select_for_update().select_related("release", "course").get(pk=enrollment.pk)
    if lesson.module.course_id != enrollment.course_id:
        raise ValidationError(_("This lesson is not part of the enrolment's course."), code="wrong_course")
    if lesson.module_id in selectors.enrollment_locked_module_ids(enrollment):
        raise ValidationError(_("Finish the modules before this one first."), code="locked")
    created = LessonProgress.objects.get_or_create(
        enrollment=enrollment, lesson=lesson, defaults={"completed_at": timezone.now()}
    )[1]
    if enrollment.last_lesson_id != lesson.pk:
        enrollment.last_lesson = lesson
        enrollment.save(update_fields=["last_lesson"])
    completed = LessonProgress.objects.filter(enrollment=enrollment).values_list("lesson_id", flat=True)
    if created and lesson.pk in enrollment.release.required_lesson_ids:
        enrollment_completion_check(enrollment_id=enrollment.pk)
    return selectors.enrollment_progress(enrollment=enrollment, completed_lesson_ids=completed)


def _months_after(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


COMPLETED_MESSAGE = _lazy("You completed %(course)s.")


@transaction.atomic
def enrollment_completion_check(*, enrollment_id: int, actor: User | None = None) -> CourseCompletion | None:
    """Complete the enrolment if its release's completion rule is met now.

    The one place a course is completed. Everything that can meet a requirement (a lesson,
    attendance, a practical, an assessment) calls this afterwards. Returns the completion
    record (the existing one if the enrolment was already completed) or None while a
    requirement is unmet. The record, the enrolment's status and a ``course.completed``
    event are written in one transaction, exactly once per enrolment: the enrolment row is
    locked first and the one-to-one on ``CourseCompletion.enrollment`` is the last line of
    defence.
    """
    enrollment = (
        Enrollment.objects.select_for_update()
        .select_related("release", "course", "officer__user")
        .get(pk=enrollment_id)
    )
    existing = CourseCompletion.objects.filter(enrollment=enrollment).first()
    if existing is not None:
        return existing
    requirements = selectors.completion_requirements(enrollment)
    if not requirements or not all(requirement.is_met for requirement in requirements):
        return None
    now = timezone.now()
    course = enrollment.course
    completion = CourseCompletion.objects.create(
        enrollment=enrollment,
        course=course,
        officer=enrollment.officer,
        release=enrollment.release,
        completed_at=now,
        competencies=list(course.competencies),
        valid_until=_months_after(timezone.localdate(now), course.validity_months) if course.validity_months else None,
    )
    enrollment.status = Enrollment.Status.COMPLETED
    enrollment.completed_at = now
    enrollment.save(update_fields=["status", "completed_at"])
    event_record(
        name="course.completed",
        payload={
            "completion_id": completion.pk,
            "enrollment_id": enrollment.pk,
            "course_id": course.pk,
            "officer_id": enrollment.officer_id,
            "unit_id": enrollment.officer.unit_id,
            "competencies": completion.competencies,
            "completed_at": now.isoformat(),
            "valid_until": completion.valid_until.isoformat() if completion.valid_until else None,
        },
    )
    audit_record(
        actor=actor,
        action="course.completed",
        target=enrollment,
        before={"status": Enrollment.Status.IN_PROGRESS},
        after={
            "status": Enrollment.Status.COMPLETED,
            "completion": completion.pk,
            "release": enrollment.release.number,
        },
    )
    if enrollment.officer.user is not None:
        notifications_send(
            users=[enrollment.officer.user],
            kind="course.completed",
            message=COMPLETED_MESSAGE,
            params={"course": course.title},
            link=f"/courses/{course.pk}/",
        )
    return completion
