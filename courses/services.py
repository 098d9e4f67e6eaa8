"""Every write to courses: ``<entity>_<action>`` functions, keyword-only, one transaction each."""

import calendar
import datetime
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import NamedTuple

import markdown
import nh3
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import Max
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses import selectors
from courses.models import (
    Course,
    CourseAuthor,
    CourseCompletion,
    CourseRelease,
    Enrollment,
    Lesson,
    LessonAttachment,
    LessonProgress,
    Module,
    PracticalResult,
    SessionRegistration,
    TrainingSession,
)
from lms.audit.services import Change, audit_record, audit_record_many
from lms.events.services import event_record
from lms.notifications.services import localised_date, notifications_send
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
    """Create a draft course; its creator becomes its first author.

    Without an ``owner``, the course belongs to the creator's organisation when one can be
    told (``selectors.course_owner_default``), else to none.
    """
    course = Course(
        code=code,
        title=title,
        summary=summary,
        language=language,
        competencies=list(competencies or []),
        estimated_hours=estimated_hours,
        owner=owner if owner is not None else selectors.course_owner_default(user=creator),
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
def module_create(*, course: Course, title: str, actor: User | None = None) -> Module:
    """Append a module at the end of the course. Locks the course so concurrent appends get distinct orders."""
    Course.objects.select_for_update().filter(pk=course.pk).first()
    last = Module.objects.filter(course=course).aggregate(last=Max("order"))["last"]
    module = Module.objects.create(course=course, title=title, order=(last or 0) + 1)
    audit_record(actor=actor, action="module.create", target=module, after={"course": course.pk, "title": title})
    return module


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
    actor: User | None = None,
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
    audit_record(actor=actor, action="lesson.create", target=lesson, after={"module": module.pk, "title": title})
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
def lesson_update(*, lesson: Lesson, actor: User | None = None, **changes) -> Lesson:
    """Change the given fields; the HTML is rendered and sanitised again from the body.

    One ``lesson.update`` audit entry with the fields that really changed (none: no entry).
    """
    unknown = set(changes) - set(LESSON_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"lesson_update() cannot change {sorted(unknown)}")
    before = {name: getattr(lesson, name) for name in changes}
    for name, value in changes.items():
        setattr(lesson, name, value)
    lesson.body_html = markdown_render(lesson.body)
    lesson.full_clean()
    lesson.save(update_fields=[*changes, "body_html"])
    changed = [name for name in changes if before[name] != getattr(lesson, name)]
    if changed:
        audit_record(
            actor=actor,
            action="lesson.update",
            target=lesson,
            before={name: _audit_value(before[name]) for name in changed},
            after={name: _audit_value(getattr(lesson, name)) for name in changed},
        )
    return lesson


@transaction.atomic
def course_publish(*, course: Course, actor: User) -> CourseRelease:
    """Publish the course as a new release holding its current required lessons.

    Allowed from draft, in review and published (a new release); an archived course is
    refused (``ValidationError``, code ``archived``). Locks the course row, so two publishes
    at once get consecutive release numbers.

    Then each step of ``settings.COURSE_PUBLISH_STEPS`` runs in this transaction with the
    new release (assessments publishes the course's ready drafts into it, at its
    ``published_at``). A step's ``ValidationError`` (e.g. a required assessment that cannot
    be published, each named) refuses the whole publish: nothing is written.
    """
    course = Course.objects.select_for_update().get(pk=course.pk)
    before = course.status
    if before == Course.Status.ARCHIVED:
        # Publishing would silently reopen enrolment with a new release; unarchiving is the
        # deliberate way back (``course_unarchive``), and edits can be published after it.
        raise ValidationError(_("An archived course is unarchived, not published again."), code="archived")
    last = course.releases.aggregate(last=Max("number"))["last"] or 0
    required = list(
        Lesson.objects.filter(module__course=course, module__is_archived=False, is_archived=False, is_required=True)
        .order_by("module__order", "module_id", "order", "pk")
        .values_list("pk", flat=True)
    )
    release = CourseRelease.objects.create(
        course=course,
        number=last + 1,
        # One instant: what the steps publish with the release carries the same time, so
        # it binds exactly the enrolments of this release on.
        published_at=timezone.now(),
        published_by=actor,
        required_lesson_ids=required,
        requires_attendance=course.requires_attendance,
        required_practicals=list(course.required_practicals),
    )
    for step in selectors.publish_steps():
        step.run(course=course, release=release, actor=actor)
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
        _enrolment_notify(course=course, officer_ids=[officer.pk for officer in new], deadline=deadline)
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
        raise ValidationError(selectors.LESSON_LOCKED_MESSAGE, code="locked")
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


COMPLETED_MESSAGE = gettext_lazy("You completed %(course)s.")


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
        # Only the enrolment row: PostgreSQL cannot lock the nullable side of the outer join
        # to the officer's (optional) account.
        Enrollment.objects.select_for_update(of=("self",))
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


# Notifications of enrolment and approaching deadlines (the completion notice is sent by
# ``enrollment_completion_check``). Self-enrolment needs no notice: the officer chose it.

ENROLLED_MESSAGE = gettext_lazy("You have been enrolled in %(course)s.")
ENROLLED_WITH_DEADLINE_MESSAGE = gettext_lazy("You have been enrolled in %(course)s; complete it by %(deadline)s.")
DEADLINE_REMINDER_MESSAGE = gettext_lazy("Reminder: complete %(course)s by %(deadline)s.")
DEADLINE_REMINDER_BATCH_SIZE = 500


def _course_link(course: Course) -> str:
    return f"/courses/{course.pk}/"


def _enrolment_notify(*, course: Course, officer_ids: list[int], deadline: datetime.date | None) -> None:
    """Tell the newly enrolled officers who have an account: one query for them, one insert."""
    users = (
        User.objects.filter(officer__pk__in=officer_ids, is_active=True)
        .only("pk", "is_active", "email", "preferred_language")
        .order_by("pk")
    )
    params = {"course": course.title}
    if deadline is not None:
        params["deadline"] = localised_date(deadline)
    notifications_send(
        users=users,
        kind="course.enrolled",
        message=ENROLLED_WITH_DEADLINE_MESSAGE if deadline is not None else ENROLLED_MESSAGE,
        params=params,
        link=_course_link(course),
    )


def enrollment_deadline_reminders_send(*, today: datetime.date | None = None, days_ahead: int | None = None) -> int:
    """Remind each officer whose in-progress enrolment is due within ``days_ahead`` days of
    ``today`` (both counted; default ``settings.DEADLINE_REMINDER_DAYS`` and the local date),
    once per enrolment. Returns how many enrolments were reminded.

    Idempotent: ``deadline_reminded_at`` is set in the transaction that writes the
    notifications, so a second run (a redelivered task) sends nothing. Works in batches, one
    transaction each; on PostgreSQL a batch's rows are locked with SKIP LOCKED, so two
    concurrent runs share the work, and SQLite serialises writers at BEGIN. Officers who
    have left or have no active account are neither reminded nor marked: one who activates
    an account before the deadline is reminded then.

    Nothing resets ``deadline_reminded_at`` yet: a service that changes an enrolment's
    deadline must clear it, so that the new deadline is reminded too.
    """
    today = today or timezone.localdate()
    days_ahead = settings.DEADLINE_REMINDER_DAYS if days_ahead is None else days_ahead
    due = (
        Enrollment.objects.filter(
            status=Enrollment.Status.IN_PROGRESS,
            deadline_reminded_at__isnull=True,
            deadline__gte=today,
            deadline__lte=today + datetime.timedelta(days=days_ahead),
            officer__is_active=True,
            officer__user__is_active=True,
        )
        .select_related("course", "officer__user")
        .order_by("pk")
    )
    reminded = 0
    while True:
        with transaction.atomic():
            batch = list(due.select_for_update(skip_locked=True, of=("self",))[:DEADLINE_REMINDER_BATCH_SIZE])
            if not batch:
                return reminded
            groups: dict[tuple[int, datetime.date], list[Enrollment]] = {}
            for enrollment in batch:
                groups.setdefault((enrollment.course_id, enrollment.deadline), []).append(enrollment)
            for (_course_id, deadline), enrollments in groups.items():
                course = enrollments[0].course
                notifications_send(
                    users=[enrollment.officer.user for enrollment in enrollments],
                    kind="course.deadline_approaching",
                    message=DEADLINE_REMINDER_MESSAGE,
                    params={"course": course.title, "deadline": localised_date(deadline)},
                    link=_course_link(course),
                )
            Enrollment.objects.filter(pk__in=[enrollment.pk for enrollment in batch]).update(
                deadline_reminded_at=timezone.now()
            )
            reminded += len(batch)


# Authoring: editing, ordering, co-authors, lifecycle -------------------------------------
# Who may call these (a course's authors and admins, ``selectors.course_is_editable``) is
# checked by the views; the services keep the rules that hold whoever calls. Nothing is
# deleted from a course: modules and lessons are archived and unarchived, so every id handed
# out stays valid. Structural edits (order, archive, new lessons) and requirement edits reach
# learners only through the next ``course_publish``, and only for enrolments that start on
# that release: an enrolment is pinned to the release it started on, so an in-progress
# trainee's required lessons and progress never move. Locks are taken parent first (course,
# then module, then lesson), as ``module_create`` and ``lesson_create`` do.

COURSE_EDITABLE_FIELDS = (
    "title",
    "summary",
    "language",
    "estimated_hours",
    "competencies",
    "validity_months",
    "is_self_enrolment_open",
    "is_sequential",
    "requires_attendance",
    "required_practicals",
    "translation_of",
    "owner",
)


def _audit_value(value):
    """A field value as JSON for the audit trail: related rows by id, decimals as text."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list):
        return list(value)
    return value


@transaction.atomic
def course_update(*, course: Course, actor: User, **changes) -> Course:
    """Change the given fields of ``COURSE_EDITABLE_FIELDS``; returns the course as saved.

    ``ValidationError`` (per field) when the result is invalid; nothing is written then.
    Requirement fields (``requires_attendance``, ``required_practicals``) are copied into a
    release when the course is published, so a change applies to enrolments on the next
    release, never to those already under way. One ``course.update`` audit entry with the
    before/after of the fields that really changed (none changed: no write, no entry).
    Locks the course row.
    """
    unknown = set(changes) - set(COURSE_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"course_update() cannot change {sorted(unknown)}")
    course = Course.objects.select_for_update().get(pk=course.pk)
    before = {name: getattr(course, name) for name in changes}
    for name, value in changes.items():
        setattr(course, name, value)
    if course.translation_of_id is not None and course.translation_of_id == course.pk:
        raise ValidationError(
            {"translation_of": ValidationError(_("A course cannot be a translation of itself."), code="self")}
        )
    course.full_clean()
    changed = [name for name in changes if before[name] != getattr(course, name)]
    if changed:
        course.save(update_fields=[*changed, "updated_at"])
        audit_record(
            actor=actor,
            action="course.update",
            target=course,
            before={name: _audit_value(before[name]) for name in changed},
            after={name: _audit_value(getattr(course, name)) for name in changed},
        )
    return course


@transaction.atomic
def module_update(*, module: Module, title: str, actor: User) -> Module:
    """Rename the module (``ValidationError`` on an empty or too long title); audited."""
    module = Module.objects.select_for_update().get(pk=module.pk)
    before = module.title
    module.title = title
    module.full_clean()
    if before != module.title:
        module.save(update_fields=["title"])
        audit_record(
            actor=actor, action="module.update", target=module, before={"title": before}, after={"title": title}
        )
    return module


def _order_problems(*, given: list[int], live: list[int], unknown_message: str) -> list[ValidationError]:
    counts = Counter(given)
    problems = []
    duplicates = sorted(pk for pk, count in counts.items() if count > 1)
    if duplicates:
        problems.append(
            ValidationError(
                _("Listed more than once: %(ids)s."), code="duplicate", params={"ids": ", ".join(map(str, duplicates))}
            )
        )
    unknown = sorted(set(given) - set(live))
    if unknown:
        problems.append(ValidationError(unknown_message, code="unknown", params={"ids": ", ".join(map(str, unknown))}))
    missing = [pk for pk in live if pk not in counts]
    if missing:
        problems.append(
            ValidationError(_("Missing: %(ids)s."), code="missing", params={"ids": ", ".join(map(str, missing))})
        )
    return problems


def _reorder(*, items: list, ids: list[int], unknown_message: str) -> tuple[list[int], bool]:
    """Give ``items`` (live rows in their current order) the orders 1..n in the order of ``ids``;
    returns the ids as they were and whether the order changed."""
    live = [item.pk for item in items]
    problems = _order_problems(given=list(ids), live=live, unknown_message=unknown_message)
    if problems:
        raise ValidationError({"ids": problems})
    by_id = {item.pk: item for item in items}
    moved = []
    for position, pk in enumerate(ids, start=1):
        item = by_id[pk]
        if item.order != position:
            item.order = position
            moved.append(item)
    if moved:
        type(moved[0]).objects.bulk_update(moved, ["order"])
    return live, live != list(ids)


@transaction.atomic
def modules_reorder(*, course: Course, module_ids: list[int], actor: User) -> None:
    """Put the course's live modules in the order of ``module_ids`` (orders 1..n; ids never change).

    ``module_ids`` must be exactly the ids of the course's live (not archived) modules, each
    once: otherwise a ``ValidationError`` on ``ids`` names the duplicates, the unknown and the
    missing ones, and nothing changes. Locks the course row. Audited when the order changed.
    """
    Course.objects.select_for_update().filter(pk=course.pk).first()
    modules = list(Module.objects.filter(course=course, is_archived=False).order_by("order", "pk"))
    before, changed = _reorder(
        items=modules, ids=module_ids, unknown_message=_("Not a live module of this course: %(ids)s.")
    )
    if changed:
        audit_record(
            actor=actor,
            action="course.modules_reorder",
            target=course,
            before={"module_ids": before},
            after={"module_ids": list(module_ids)},
        )


@transaction.atomic
def lessons_reorder(*, module: Module, lesson_ids: list[int], actor: User) -> None:
    """Put the module's live lessons in the order of ``lesson_ids``; see ``modules_reorder``.

    Lessons never move between modules: an id of another module's lesson is refused. Locks
    the module row.
    """
    Module.objects.select_for_update().filter(pk=module.pk).first()
    lessons = list(Lesson.objects.filter(module=module, is_archived=False).order_by("order", "pk"))
    before, changed = _reorder(
        items=lessons, ids=lesson_ids, unknown_message=_("Not a live lesson of this module: %(ids)s.")
    )
    if changed:
        audit_record(
            actor=actor,
            action="module.lessons_reorder",
            target=module,
            before={"lesson_ids": before},
            after={"lesson_ids": list(lesson_ids)},
        )


def _archived_set(*, item: Module | Lesson, siblings, is_archived: bool, actor: User, action: str):
    """Archive or unarchive ``item`` (its parent is already locked); unchanged: no write, no entry.

    An unarchived item comes back at the end of its parent's live outline.
    """
    item = type(item).objects.select_for_update().get(pk=item.pk)
    if item.is_archived == is_archived:
        return item
    item.is_archived = is_archived
    fields = ["is_archived"]
    if not is_archived:
        item.order = (siblings.filter(is_archived=False).aggregate(last=Max("order"))["last"] or 0) + 1
        fields.append("order")
    item.save(update_fields=fields)
    audit_record(
        actor=actor,
        action=action,
        target=item,
        before={"is_archived": not is_archived},
        after={"is_archived": is_archived},
    )
    return item


@transaction.atomic
def module_archive(*, module: Module, actor: User) -> Module:
    """Hide the module (and so its lessons) from the outline; its id and lessons stay. Locks the course."""
    Course.objects.select_for_update().filter(pk=module.course_id).first()
    siblings = Module.objects.filter(course_id=module.course_id)
    return _archived_set(item=module, siblings=siblings, is_archived=True, actor=actor, action="module.archive")


@transaction.atomic
def module_unarchive(*, module: Module, actor: User) -> Module:
    """Bring the module back, at the end of the course. Locks the course."""
    Course.objects.select_for_update().filter(pk=module.course_id).first()
    siblings = Module.objects.filter(course_id=module.course_id)
    return _archived_set(item=module, siblings=siblings, is_archived=False, actor=actor, action="module.unarchive")


@transaction.atomic
def lesson_archive(*, lesson: Lesson, actor: User) -> Lesson:
    """Hide the lesson from the outline; releases that required it still do. Locks the module."""
    Module.objects.select_for_update().filter(pk=lesson.module_id).first()
    siblings = Lesson.objects.filter(module_id=lesson.module_id)
    return _archived_set(item=lesson, siblings=siblings, is_archived=True, actor=actor, action="lesson.archive")


@transaction.atomic
def lesson_unarchive(*, lesson: Lesson, actor: User) -> Lesson:
    """Bring the lesson back, at the end of its module. Locks the module."""
    Module.objects.select_for_update().filter(pk=lesson.module_id).first()
    siblings = Lesson.objects.filter(module_id=lesson.module_id)
    return _archived_set(item=lesson, siblings=siblings, is_archived=False, actor=actor, action="lesson.unarchive")


def _course_status_change(*, course: Course, actor: User, allowed: set[str], to: str, action: str, refusal) -> Course:
    course = Course.objects.select_for_update().get(pk=course.pk)
    if course.status not in allowed:
        raise ValidationError(refusal, code="invalid_transition")
    before = course.status
    course.status = to
    course.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action=action, target=course, before={"status": before}, after={"status": to})
    return course


@transaction.atomic
def course_submit_for_review(*, course: Course, actor: User) -> Course:
    """Draft -> in review. Locks the course row; audited."""
    return _course_status_change(
        course=course,
        actor=actor,
        allowed={Course.Status.DRAFT},
        to=Course.Status.IN_REVIEW,
        action="course.submit",
        refusal=_("Only a draft course can be submitted for review."),
    )


@transaction.atomic
def course_return_to_draft(*, course: Course, actor: User) -> Course:
    """In review -> draft. Locks the course row; audited."""
    return _course_status_change(
        course=course,
        actor=actor,
        allowed={Course.Status.IN_REVIEW},
        to=Course.Status.DRAFT,
        action="course.return_to_draft",
        refusal=_("Only a course in review can return to draft."),
    )


@transaction.atomic
def course_archive(*, course: Course, actor: User) -> Course:
    """Published -> archived: no new enrolments; enrolments under way continue on their release."""
    return _course_status_change(
        course=course,
        actor=actor,
        allowed={Course.Status.PUBLISHED},
        to=Course.Status.ARCHIVED,
        action="course.archive",
        refusal=_("Only a published course can be archived."),
    )


@transaction.atomic
def course_unarchive(*, course: Course, actor: User) -> Course:
    """Archived -> published on its latest release (no new release: publish for that)."""
    return _course_status_change(
        course=course,
        actor=actor,
        allowed={Course.Status.ARCHIVED},
        to=Course.Status.PUBLISHED,
        action="course.unarchive",
        refusal=_("Only an archived course can be unarchived."),
    )


@transaction.atomic
def course_author_add(*, course: Course, user: User, actor: User) -> tuple[CourseAuthor, bool]:
    """Make ``user`` a co-author; returns ``(author, created)`` (already one: nothing written).

    Only active trainers and administrators can be co-authors (``ValidationError``, code
    ``not_trainer``). Locks the course row; audited.
    """
    if not user.is_active or not user_roles(user).has(Role.TRAINER, Role.ADMIN):
        raise ValidationError(_("Only trainers and administrators can be co-authors."), code="not_trainer")
    Course.objects.select_for_update().filter(pk=course.pk).first()
    author, created = CourseAuthor.objects.get_or_create(course=course, user=user)
    if created:
        audit_record(
            actor=actor, action="course.author_add", target=course, after={"user": user.pk, "username": user.username}
        )
    return author, created


@transaction.atomic
def course_author_remove(*, course: Course, user: User, actor: User) -> None:
    """Remove a co-author. The course's creator and its last author stay (``ValidationError``
    with code ``creator`` or ``last_author``); so does someone who is no author (``not_author``).
    Locks the course row, so two removals at once cannot leave a course without authors.
    """
    course = Course.objects.select_for_update().get(pk=course.pk)
    author_ids = set(CourseAuthor.objects.filter(course=course).values_list("user_id", flat=True))
    if user.pk not in author_ids:
        raise ValidationError(_("This person is not an author of the course."), code="not_author")
    if user.pk == course.created_by_id:
        raise ValidationError(_("The person who created the course stays one of its authors."), code="creator")
    if len(author_ids) == 1:
        raise ValidationError(_("A course keeps at least one author."), code="last_author")
    CourseAuthor.objects.filter(course=course, user=user).delete()
    audit_record(
        actor=actor, action="course.author_remove", target=course, before={"user": user.pk, "username": user.username}
    )


# Attachments: the type is told by the file's first bytes, never by its name or the type the
# browser claims. PDF documents and PNG, JPEG and WebP images are enough for lessons (office
# documents are zip containers whose content cannot be told by a signature; authors export
# them to PDF). The stored name is random (``courses.models._attachment_path``); the
# uploader's name is kept only to be shown and offered when downloading.

ATTACHMENT_SIGNATURES = (
    # (kind, content type, extension, bytes at offset 0, (offset, bytes) also required)
    (LessonAttachment.Kind.IMAGE, "image/png", ".png", b"\x89PNG\r\n\x1a\n", None),
    (LessonAttachment.Kind.IMAGE, "image/jpeg", ".jpg", b"\xff\xd8\xff", None),
    (LessonAttachment.Kind.IMAGE, "image/webp", ".webp", b"RIFF", (8, b"WEBP")),
    (LessonAttachment.Kind.FILE, "application/pdf", ".pdf", b"%PDF-", None),
)


def attachment_type_detect(head: bytes) -> tuple[str, str, str] | None:
    """``(kind, content type, extension)`` for the first bytes of a file, or None if not accepted."""
    for kind, content_type, extension, prefix, also in ATTACHMENT_SIGNATURES:
        if head.startswith(prefix) and (also is None or head[also[0] : also[0] + len(also[1])] == also[1]):
            return kind, content_type, extension
    return None


def _shown_filename(name: str, extension: str) -> str:
    name = "".join(character for character in os.path.basename(name or "") if character.isprintable()).strip()
    return name[:255] or f"attachment{extension}"


@transaction.atomic
def lesson_attachment_create(
    *, lesson: Lesson, uploaded_file: UploadedFile, title: str, actor: User
) -> LessonAttachment:
    """Store an image or a document for the lesson; ``ValidationError`` on ``file`` when it is
    empty, larger than ``settings.LESSON_ATTACHMENT_MAX_BYTES`` or not of an accepted type.
    An empty title becomes the file's name. Audited.
    """
    limit = settings.LESSON_ATTACHMENT_MAX_BYTES
    size = uploaded_file.size or 0
    if size == 0:
        raise ValidationError({"file": ValidationError(_("The file is empty."), code="empty")})
    if size > limit:
        raise ValidationError(
            {
                "file": ValidationError(
                    _("The file is %(size)s; the largest accepted is %(limit)s."),
                    code="too_big",
                    params={"size": filesizeformat(size), "limit": filesizeformat(limit)},
                )
            }
        )
    uploaded_file.seek(0)
    detected = attachment_type_detect(uploaded_file.read(16))
    uploaded_file.seek(0)
    if detected is None:
        raise ValidationError(
            {
                "file": ValidationError(
                    _(
                        "Only PDF documents and PNG, JPEG or WebP images are accepted, and this file is none "
                        "of them (its content was checked, not its name)."
                    ),
                    code="unsupported_type",
                )
            }
        )
    kind, content_type, extension = detected
    filename = _shown_filename(uploaded_file.name, extension)
    attachment = LessonAttachment(
        lesson=lesson,
        kind=kind,
        title=(title or "").strip() or filename[:200],
        filename=filename,
        content_type=content_type,
        extension=extension,
        size=size,
        uploaded_by=actor,
    )
    attachment.full_clean(exclude=["file"])
    attachment.file.save(filename, uploaded_file, save=False)
    try:
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)
        raise
    audit_record(
        actor=actor,
        action="lesson.attachment_add",
        target=lesson,
        after={"attachment": attachment.pk, "title": attachment.title, "content_type": content_type, "size": size},
    )
    return attachment


@transaction.atomic
def lesson_attachment_delete(*, attachment: LessonAttachment, actor: User) -> None:
    """Delete the attachment; its file is removed from storage once the deletion is committed."""
    storage, name = attachment.file.storage, attachment.file.name
    audit_record(
        actor=actor,
        action="lesson.attachment_delete",
        target=attachment.lesson,
        before={"attachment": attachment.pk, "title": attachment.title, "filename": attachment.filename},
    )
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(name))


# In-person sessions ---------------------------------------------------------------------
# A session is run by the trainers whose trainer scope covers its host unit, and by admins.
#
# Lock order, in every function below: the session row first; then the course row (only
# when registering enrols officers, through ``enrollments_create``); then the session's
# registrations in pk order (and their practical results); last, one at a time in pk
# order, the enrolment rows that ``enrollment_completion_check`` locks. Nothing takes these
# locks in another order, so concurrent writers queue instead of deadlocking.
#
# Bulk writes are all or nothing: every problem is collected first and raised together
# as one ``ValidationError``, and nothing is written.

SESSION_DAYS_BACK = 365  # a session held on paper may be entered afterwards, within a year
SESSION_DAYS_AHEAD = 2 * 365
SESSION_EDITABLE_FIELDS = (
    "date",
    "start_time",
    "end_time",
    "place",
    "unit",
    "capacity",
    "trainer",
    "paper_test_max_score",
)
RECORDED_ATTENDANCE = (
    SessionRegistration.Attendance.PRESENT,
    SessionRegistration.Attendance.ABSENT,
    SessionRegistration.Attendance.EXCUSED,
)
SESSION_REGISTERED_MESSAGE = gettext_lazy("You are registered for %(course)s on %(date)s at %(time)s, %(place)s.")
SESSION_MOVED_MESSAGE = gettext_lazy("The session of %(course)s is now on %(date)s at %(time)s, %(place)s.")
SESSION_CANCELLED_MESSAGE = gettext_lazy("The session of %(course)s on %(date)s at %(place)s is cancelled.")


class PracticalEntry(NamedTuple):
    """One observed skill for one officer; ``is_passed=None`` removes a recorded result."""

    officer_id: int
    skill: str
    is_passed: bool | None
    comment: str = ""


def _session_snapshot(session: TrainingSession, fields: Iterable[str]) -> dict:
    """The fields' values as an audit entry stores them (JSON: ids, ISO dates, "HH:MM")."""
    values = {}
    for name in fields:
        value = getattr(session, f"{name}_id" if name in ("course", "unit", "trainer") else name)
        if isinstance(value, datetime.date):
            value = value.isoformat()
        elif isinstance(value, datetime.time):
            value = value.strftime("%H:%M")
        values[name] = value
    return values


def _session_clean(session: TrainingSession, *, check_date: bool) -> None:
    """``full_clean`` plus the scheduling rules; every problem raised at once, by field."""
    errors: dict[str, list[ValidationError]] = {}
    try:
        session.full_clean(exclude=["created_by"])
    except ValidationError as error:
        errors = {name: list(messages) for name, messages in error.error_dict.items()}

    def add(field: str, message: str, code: str, params: dict | None = None) -> None:
        errors.setdefault(field, []).append(ValidationError(message, code=code, params=params))

    if session.capacity is not None and session.capacity < 1 and "capacity" not in errors:
        add("capacity", _("A session has room for at least one officer."), "capacity")
    if session.end_time is not None and session.start_time is not None and session.end_time <= session.start_time:
        add("end_time", _("The session ends after it starts."), "end_before_start")
    if session.paper_test_max_score == 0:
        add("paper_test_max_score", _("A paper test is out of at least 1 (leave it empty for none)."), "min")
    if check_date and isinstance(session.date, datetime.date):
        today = timezone.localdate()
        if not today - datetime.timedelta(days=SESSION_DAYS_BACK) <= session.date:
            add("date", _("The date is more than a year ago."), "too_early")
        elif session.date > today + datetime.timedelta(days=SESSION_DAYS_AHEAD):
            add("date", _("The date is more than two years ahead."), "too_late")
    if errors:
        raise ValidationError(errors)


def _session_trainer_check(*, trainer: User, unit: Unit) -> None:
    if not trainer.is_active or not selectors.trainer_scope_covers(user=trainer, unit=unit):
        raise ValidationError(
            {"trainer": [ValidationError(_("The trainer's scope does not cover the host unit."), code="trainer")]}
        )


def _session_manage_check(*, actor: User, unit: Unit) -> None:
    if not selectors.trainer_scope_covers(user=actor, unit=unit):
        raise PermissionDenied(_("Only a trainer whose scope covers the host unit runs this session."))


def _session_lock(session: TrainingSession) -> TrainingSession:
    return TrainingSession.objects.select_for_update().select_related("course", "unit").get(pk=session.pk)


def _session_notify(*, session: TrainingSession, officer_ids: Iterable[int] | None, kind: str, message) -> None:
    """Notify the registered officers who have an account (``officer_ids``: only these)."""
    registrations = SessionRegistration.objects.filter(session=session)
    if officer_ids is not None:
        registrations = registrations.filter(officer_id__in=list(officer_ids))
    users = (
        User.objects.filter(officer__in=registrations.values("officer_id"), is_active=True)
        .only("pk", "is_active", "email", "preferred_language")
        .order_by("pk")
    )
    notifications_send(
        users=users,
        kind=kind,
        message=message,
        params={
            "course": session.course.title,
            "date": localised_date(session.date),
            "time": session.start_time.strftime("%H:%M"),
            "place": session.place,
        },
        link=f"/sessions/{session.pk}/",
    )


@transaction.atomic
def session_create(
    *,
    actor: User,
    course: Course,
    unit: Unit,
    date: datetime.date,
    start_time: datetime.time,
    place: str,
    capacity: int,
    end_time: datetime.time | None = None,
    trainer: User | None = None,
    paper_test_max_score: int | None = None,
) -> TrainingSession:
    """Schedule an in-person session of a published course, hosted by ``unit``.

    Preconditions: ``actor`` is a trainer whose trainer scope covers ``unit``, or an admin
    (``PermissionDenied``). ``trainer`` (default: the actor) must be one too, the course
    published, the capacity at least 1, the end after the start and the date within a
    year back and two years ahead; otherwise a ``ValidationError`` by field listing every
    problem. Audited.
    """
    _session_manage_check(actor=actor, unit=unit)
    trainer = trainer or actor
    session = TrainingSession(
        course=course,
        unit=unit,
        date=date,
        start_time=start_time,
        end_time=end_time,
        place=place.strip(),
        capacity=capacity,
        trainer=trainer,
        paper_test_max_score=paper_test_max_score,
        created_by=actor,
    )
    try:
        _session_clean(session, check_date=True)
        errors = {}
    except ValidationError as error:
        errors = error.error_dict
    if not Course.objects.filter(pk=course.pk, status=Course.Status.PUBLISHED).exists():
        errors.setdefault("course", []).append(
            ValidationError(_("Sessions are scheduled for published courses only."), code="not_published")
        )
    try:
        _session_trainer_check(trainer=trainer, unit=unit)
    except ValidationError as error:
        errors.setdefault("trainer", []).extend(error.error_dict["trainer"])
    if errors:
        raise ValidationError(errors)
    session.save()
    audit_record(
        actor=actor,
        action="session.create",
        target=session,
        after=_session_snapshot(session, ["course", *SESSION_EDITABLE_FIELDS]),
    )
    return session


@transaction.atomic
def session_update(*, session: TrainingSession, actor: User, **changes) -> TrainingSession:
    """Change the given fields (``SESSION_EDITABLE_FIELDS``) of a session that is not cancelled.

    Same rules as ``session_create`` (the date window only when the date changes); the
    actor must run the session, and the new host unit when it changes. The capacity never
    drops below the officers registered, nor the paper test's maximum below a score
    recorded. Registered officers are told when the date, time or place changes. Locks the
    session row; audited with the changed fields before and after.
    """
    unknown = set(changes) - set(SESSION_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"session_update() cannot change {sorted(unknown)}")
    session = _session_lock(session)
    _session_manage_check(actor=actor, unit=session.unit)
    if "unit" in changes:
        _session_manage_check(actor=actor, unit=changes["unit"])
    if session.status == TrainingSession.Status.CANCELLED:
        raise ValidationError(_("A cancelled session cannot be changed."), code="cancelled")
    if isinstance(changes.get("place"), str):
        changes["place"] = changes["place"].strip()
    before = _session_snapshot(session, changes)
    for name, value in changes.items():
        setattr(session, name, value)
    changed = [name for name, value in _session_snapshot(session, changes).items() if before[name] != value]
    if not changed:
        return session
    errors: dict[str, list[ValidationError]] = {}
    try:
        _session_clean(session, check_date="date" in changed)
    except ValidationError as error:
        errors = error.error_dict
    if "trainer" in changed or "unit" in changed:
        try:
            _session_trainer_check(trainer=session.trainer, unit=session.unit)
        except ValidationError as error:
            errors.setdefault("trainer", []).extend(error.error_dict["trainer"])
    registered = session.registrations.count()
    if "capacity" in changed and session.capacity is not None and session.capacity < registered:
        errors.setdefault("capacity", []).append(
            ValidationError(
                _("%(count)d officers are registered already."), code="below_registered", params={"count": registered}
            )
        )
    if "paper_test_max_score" in changed:
        highest = session.registrations.aggregate(highest=Max("paper_score"))["highest"]
        maximum = session.paper_test_max_score
        if highest is not None and (maximum is None or highest > maximum):
            errors.setdefault("paper_test_max_score", []).append(
                ValidationError(
                    _("A score of %(score)s is recorded already."), code="below_scores", params={"score": highest}
                )
            )
    if errors:
        raise ValidationError(errors)
    session.save(update_fields=changed)
    audit_record(
        actor=actor,
        action="session.update",
        target=session,
        before={name: before[name] for name in changed},
        after=_session_snapshot(session, changed),
    )
    moved = {"date", "start_time", "end_time", "place"} & set(changed)
    if moved and session.status == TrainingSession.Status.SCHEDULED:
        _session_notify(session=session, officer_ids=None, kind="session.moved", message=SESSION_MOVED_MESSAGE)
    return session


@transaction.atomic
def session_cancel(*, session: TrainingSession, actor: User, reason: str = "") -> TrainingSession:
    """Cancel a scheduled session and tell the registered officers; cancelling again does nothing.

    A session that was held cannot be cancelled (``ValidationError``): its attendance may
    have completed courses. Locks the session row; audited with the reason.
    """
    session = _session_lock(session)
    _session_manage_check(actor=actor, unit=session.unit)
    if session.status == TrainingSession.Status.CANCELLED:
        return session
    if session.status == TrainingSession.Status.HELD:
        raise ValidationError(_("A session that was held cannot be cancelled."), code="held")
    session.status = TrainingSession.Status.CANCELLED
    session.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="session.cancel",
        target=session,
        before={"status": TrainingSession.Status.SCHEDULED},
        after={"status": session.status},
        reason=reason,
    )
    _session_notify(session=session, officer_ids=None, kind="session.cancelled", message=SESSION_CANCELLED_MESSAGE)
    return session


@transaction.atomic
def session_register(*, session: TrainingSession, officers: Iterable[Officer], actor: User) -> int:
    """Register officers for a session; returns how many were newly registered.

    Preconditions: the actor runs the session (``PermissionDenied``); every officer is
    active and within the actor's trainer scope, the session is not cancelled and the new
    registrations fit in the places left; otherwise a ``ValidationError`` on ``officers``
    and nobody is registered (a batch that does not fit is refused whole, never cut).
    Officers already registered are skipped. Each newly registered officer not yet enrolled
    in the course is enrolled (``enrollments_create``), so that attending can complete it;
    those with an account are notified. Locks the session row, then the course row. One
    ``session.registered`` audit entry per batch.
    """
    _session_manage_check(actor=actor, unit=session.unit)
    officers = list({officer.pk: officer for officer in officers}.values())
    refused = [
        officer.pk
        for officer in officers
        if not officer.is_active or not selectors.trainer_scope_covers(user=actor, unit=officer.unit)
    ]
    if refused:
        raise ValidationError(
            {
                "officers": [
                    ValidationError(
                        _("Outside your scope or no longer serving: %(officers)s."),
                        code="out_of_scope",
                        params={"officers": ", ".join(str(pk) for pk in sorted(refused))},
                    )
                ]
            }
        )
    session = _session_lock(session)
    if session.status == TrainingSession.Status.CANCELLED:
        raise ValidationError({"officers": [ValidationError(_("The session is cancelled."), code="cancelled")]})
    already = set(
        SessionRegistration.objects.filter(session=session, officer__in=[o.pk for o in officers]).values_list(
            "officer_id", flat=True
        )
    )
    new = [officer for officer in officers if officer.pk not in already]
    if not new:
        return 0
    free = session.capacity - SessionRegistration.objects.filter(session=session).count()
    if len(new) > free:
        raise ValidationError(
            {
                "officers": [
                    ValidationError(
                        _(
                            "Only %(free)d of %(capacity)d places are left and %(count)d officers were to be "
                            "registered: nobody was registered."
                        ),
                        code="capacity",
                        params={"free": max(free, 0), "capacity": session.capacity, "count": len(new)},
                    )
                ]
            }
        )
    enrollments_create(course=session.course, officers=new, actor=actor)
    SessionRegistration.objects.bulk_create(
        [SessionRegistration(session=session, officer=officer, registered_by=actor) for officer in new],
        batch_size=1000,
    )
    audit_record(actor=actor, action="session.registered", target=session, after={"officer_ids": [o.pk for o in new]})
    _session_notify(
        session=session, officer_ids=[o.pk for o in new], kind="session.registered", message=SESSION_REGISTERED_MESSAGE
    )
    return len(new)


@transaction.atomic
def session_register_unit(*, session: TrainingSession, unit: Unit, actor: User) -> int:
    """Register every active officer of ``unit``'s subtree; see ``session_register``.

    ``PermissionDenied`` when the unit is outside the actor's trainer scope.
    """
    if not selectors.trainer_scope_covers(user=actor, unit=unit):
        raise PermissionDenied(_("This unit is outside your scope."))
    officers = Officer.objects.filter(unit__path__startswith=unit.path, is_active=True).select_related("unit")
    return session_register(session=session, officers=officers, actor=actor)


@transaction.atomic
def session_unregister(*, session: TrainingSession, officer: Officer, actor: User) -> None:
    """Take an officer off a session, as long as nothing was recorded for them there.

    ``ValidationError`` when the officer is not registered, or once attendance, a score or a
    practical is recorded (mark them absent instead). The enrolment in the course stays.
    Locks the session row, then the registration. Audited.
    """
    session = _session_lock(session)
    _session_manage_check(actor=actor, unit=session.unit)
    registration = SessionRegistration.objects.select_for_update().filter(session=session, officer=officer).first()
    if registration is None:
        raise ValidationError(_("This officer is not registered for the session."), code="not_registered")
    is_recorded = (
        registration.attendance != SessionRegistration.Attendance.REGISTERED
        or registration.paper_score is not None
        or registration.practicals.exists()
    )
    if is_recorded:
        raise ValidationError(
            _("Attendance or results are recorded for this officer: mark them absent instead."), code="recorded"
        )
    registration.delete()
    audit_record(actor=actor, action="session.unregistered", target=session, before={"officer_id": officer.pk})


def _session_lock_for_records(*, session: TrainingSession, actor: User) -> TrainingSession:
    """Lock the session for attendance or results: run by the actor, not cancelled, begun."""
    session = _session_lock(session)
    _session_manage_check(actor=actor, unit=session.unit)
    if session.status == TrainingSession.Status.CANCELLED:
        raise ValidationError(_("The session is cancelled: nothing can be recorded."), code="cancelled")
    if session.date > timezone.localdate():
        raise ValidationError(_("Attendance and results are recorded from the day of the session."), code="future")
    return session


def _registrations_lock(*, session: TrainingSession, officer_ids: Iterable[int]) -> dict[int, SessionRegistration]:
    registrations = (
        SessionRegistration.objects.select_for_update()
        .filter(session=session, officer_id__in=list(officer_ids))
        .order_by("pk")
    )
    return {registration.officer_id: registration for registration in registrations}


def _session_held(*, session: TrainingSession, actor: User) -> None:
    if session.status == TrainingSession.Status.SCHEDULED:
        session.status = TrainingSession.Status.HELD
        session.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action="session.held",
            target=session,
            before={"status": TrainingSession.Status.SCHEDULED},
            after={"status": session.status},
        )


def _session_completions_check(*, session: TrainingSession, officer_ids: Iterable[int], actor: User) -> None:
    """Check completion for the officers' enrolments in the session's course, in pk order."""
    enrollment_ids = (
        Enrollment.objects.filter(
            course_id=session.course_id, officer_id__in=list(officer_ids), status=Enrollment.Status.IN_PROGRESS
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for enrollment_id in enrollment_ids:
        enrollment_completion_check(enrollment_id=enrollment_id, actor=actor)


def _not_registered(officer_id: int) -> ValidationError:
    return ValidationError(
        _("Officer %(officer)s is not registered for this session."),
        code="not_registered",
        params={"officer": officer_id},
    )


@transaction.atomic
def attendance_record(*, session: TrainingSession, marks: Mapping[int, str], actor: User) -> int:
    """Record attendance (``present``, ``absent`` or ``excused``) by officer id; returns how many changed.

    Preconditions: the actor runs the session (``PermissionDenied``), which is not
    cancelled and has begun (``ValidationError``). All or nothing: a ``ValidationError``
    keyed by officer id lists every officer not registered or given an unknown mark.
    The session becomes ``held`` once something is recorded; each changed registration is
    audited with its attendance before and after; then the completion of every changed
    officer's enrolment in the course is checked. Locks: session, registrations by pk,
    enrolments.
    """
    session = _session_lock_for_records(session=session, actor=actor)
    registrations = _registrations_lock(session=session, officer_ids=marks)
    errors: dict[int, list[ValidationError]] = {}
    for officer_id, attendance in marks.items():
        if officer_id not in registrations:
            errors[officer_id] = [_not_registered(officer_id)]
        elif attendance not in RECORDED_ATTENDANCE:
            errors[officer_id] = [
                ValidationError(
                    _("Officer %(officer)s: %(value)s is not present, absent or excused."),
                    code="invalid_attendance",
                    params={"officer": officer_id, "value": attendance},
                )
            ]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    changes, changed = [], []
    for officer_id, attendance in marks.items():
        registration = registrations[officer_id]
        if registration.attendance == attendance:
            continue
        changes.append(Change(registration, {"attendance": registration.attendance}, {"attendance": attendance}))
        registration.attendance, registration.updated_at = attendance, now
        changed.append(registration)
    SessionRegistration.objects.bulk_update(changed, ["attendance", "updated_at"], batch_size=1000)
    audit_record_many(actor=actor, action="session.attendance", changes=changes)
    if changed:
        _session_held(session=session, actor=actor)
    _session_completions_check(session=session, officer_ids=[r.officer_id for r in changed], actor=actor)
    return len(changed)


def _practical_value(result: PracticalResult | None) -> dict | None:
    if result is None:
        return None
    return {"skill": result.skill, "is_passed": result.is_passed, "comment": result.comment}


@transaction.atomic
def practicals_record(*, session: TrainingSession, results: Iterable[PracticalEntry], actor: User) -> int:
    """Record observed skills, pass or fail with a comment, creating or updating one result
    per officer and skill (``is_passed=None`` removes one); returns how many changed.

    A skill is any name of 1-100 characters; one matching a required practical of the
    course (ignoring case) is stored with the course's spelling. Preconditions as for
    ``attendance_record``. All or nothing: a ``ValidationError`` keyed by the entry's index
    in ``results`` lists every entry refused (officer not registered or marked absent or
    excused, bad skill, the same skill twice). The session becomes ``held``; each change
    is audited on the registration with the result before and after; then completion is
    checked for the officers concerned. Locks: session, registrations by pk, their
    results, enrolments.
    """
    results = [PracticalEntry(*entry) for entry in results]
    session = _session_lock_for_records(session=session, actor=actor)
    registrations = _registrations_lock(session=session, officer_ids={entry.officer_id for entry in results})
    required = {skill.casefold(): skill for skill in session.course.required_practicals}
    errors: dict[int, list[ValidationError]] = {}
    seen: set[tuple[int, str]] = set()
    entries: list[tuple[SessionRegistration, str, PracticalEntry]] = []
    for index, entry in enumerate(results):
        registration = registrations.get(entry.officer_id)
        skill = (entry.skill or "").strip()
        problems = []
        if registration is None:
            problems.append(_not_registered(entry.officer_id))
        elif entry.is_passed is not None and registration.attendance in (
            SessionRegistration.Attendance.ABSENT,
            SessionRegistration.Attendance.EXCUSED,
        ):
            problems.append(
                ValidationError(
                    _("Officer %(officer)s is marked %(attendance)s at this session."),
                    code="not_present",
                    params={"officer": entry.officer_id, "attendance": registration.get_attendance_display()},
                )
            )
        if not 0 < len(skill) <= 100:
            problems.append(
                ValidationError(
                    _("Officer %(officer)s: a skill is named in 1 to 100 characters."),
                    code="skill",
                    params={"officer": entry.officer_id},
                )
            )
        key = (entry.officer_id, skill.casefold())
        if key in seen:
            problems.append(
                ValidationError(
                    _("Officer %(officer)s: %(skill)s is listed twice."),
                    code="duplicate",
                    params={"officer": entry.officer_id, "skill": skill},
                )
            )
        seen.add(key)
        if problems:
            errors[index] = problems
        else:
            entries.append((registration, required.get(skill.casefold(), skill), entry))
    if errors:
        raise ValidationError(errors)
    existing = {
        (result.registration_id, result.skill.casefold()): result
        for result in PracticalResult.objects.select_for_update()
        .filter(registration__in=[registration.pk for registration, _skill, _entry in entries])
        .order_by("pk")
    }
    changes: list[Change] = []
    officer_ids: set[int] = set()
    for registration, skill, entry in entries:
        result = existing.get((registration.pk, skill.casefold()))
        before = _practical_value(result)
        comment = (entry.comment or "").strip()
        if entry.is_passed is None:
            if result is None:
                continue
            result.delete()
            result = None
        elif result is None:
            result = PracticalResult.objects.create(
                registration=registration, skill=skill, is_passed=entry.is_passed, comment=comment, recorded_by=actor
            )
        elif (result.is_passed, result.comment) != (entry.is_passed, comment):
            result.is_passed, result.comment, result.recorded_by = entry.is_passed, comment, actor
            result.save(update_fields=["is_passed", "comment", "recorded_by", "recorded_at"])
        else:
            continue
        changes.append(Change(registration, before, _practical_value(result)))
        officer_ids.add(registration.officer_id)
    audit_record_many(actor=actor, action="session.practical", changes=changes)
    if changes:
        _session_held(session=session, actor=actor)
    _session_completions_check(session=session, officer_ids=officer_ids, actor=actor)
    return len(changes)


def _score_text(score: Decimal | None) -> str | None:
    return None if score is None else str(score)


@transaction.atomic
def paper_scores_record(*, session: TrainingSession, scores: Mapping[int, Decimal | None], actor: User) -> int:
    """Record paper-test scores by officer id (``None`` clears one); returns how many changed.

    Preconditions as for ``attendance_record``, and the session has a paper test. All or
    nothing: a ``ValidationError`` keyed by officer id lists every officer not registered,
    marked absent or excused, or given a score outside 0 to the test's maximum or with more
    than one decimal. The session becomes ``held``; each change is audited with the score
    before and after. Scores do not complete a course. Locks: session, registrations by pk.
    """
    session = _session_lock_for_records(session=session, actor=actor)
    maximum = session.paper_test_max_score
    if maximum is None:
        raise ValidationError(_("This session has no paper test."), code="no_paper_test")
    registrations = _registrations_lock(session=session, officer_ids=scores)
    errors: dict[int, list[ValidationError]] = {}
    for officer_id, score in scores.items():
        registration = registrations.get(officer_id)
        if registration is None:
            errors[officer_id] = [_not_registered(officer_id)]
        elif score is None:
            continue
        elif registration.attendance in (SessionRegistration.Attendance.ABSENT, SessionRegistration.Attendance.EXCUSED):
            errors[officer_id] = [
                ValidationError(
                    _("Officer %(officer)s is marked %(attendance)s at this session."),
                    code="not_present",
                    params={"officer": officer_id, "attendance": registration.get_attendance_display()},
                )
            ]
        elif not (
            isinstance(score, Decimal)
            and score.is_finite()
            and 0 <= score <= maximum
            and score == score.quantize(Decimal("0.1"))
        ):
            errors[officer_id] = [
                ValidationError(
                    _("Officer %(officer)s: a score is between 0 and %(maximum)d, with at most one decimal."),
                    code="score",
                    params={"officer": officer_id, "maximum": maximum},
                )
            ]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    changes, changed = [], []
    for officer_id, score in scores.items():
        registration = registrations[officer_id]
        if registration.paper_score == score:
            continue
        changes.append(
            Change(
                registration,
                {"paper_score": _score_text(registration.paper_score)},
                {"paper_score": _score_text(score)},
            )
        )
        registration.paper_score, registration.updated_at = score, now
        changed.append(registration)
    SessionRegistration.objects.bulk_update(changed, ["paper_score", "updated_at"], batch_size=1000)
    audit_record_many(actor=actor, action="session.paper_score", changes=changes)
    if changed:
        _session_held(session=session, actor=actor)
    return len(changed)


@transaction.atomic
def session_results_record(
    *,
    session: TrainingSession,
    practicals: Iterable[PracticalEntry],
    scores: Mapping[int, Decimal | None],
    actor: User,
) -> int:
    """``practicals_record`` and ``paper_scores_record`` together, all or nothing (the results page).

    A ``ValidationError`` with the problems of both: practicals keyed ``"practical-<index>"``,
    scores by officer id. Returns how many changed.
    """
    _session_lock_for_records(session=session, actor=actor)
    errors: dict = {}
    changed = 0
    try:
        changed += practicals_record(session=session, results=practicals, actor=actor)
    except ValidationError as error:
        for key, messages in error.update_error_dict({}).items():
            errors.setdefault(f"practical-{key}" if isinstance(key, int) else key, []).extend(messages)
    if scores:
        try:
            changed += paper_scores_record(session=session, scores=scores, actor=actor)
        except ValidationError as error:
            for key, messages in error.update_error_dict({}).items():
                errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return changed
