"""Authoring: creating and editing a course's content, ordering and archiving it, co-authors.

Who may call these (a course's authors and admins, ``selectors.course_is_editable``) is
checked by the views; the services keep the rules that hold whoever calls. Nothing is
deleted from a course: modules and lessons are archived and unarchived, so every id handed
out stays valid. Structural edits (order, archive, new lessons) and requirement edits reach
learners only through the next ``course_publish``, and only for enrolments that start on
that release: an enrolment is pinned to the release it started on, so an in-progress
trainee's required lessons and progress never move. Locks are taken parent first (course,
then module, then lesson), as ``module_create`` and ``lesson_create`` do.

Publishing and the course's status are in ``courses.services.lifecycle``.
"""

from collections import Counter
from decimal import Decimal
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max, QuerySet
from django.utils.translation import gettext as _

from courses import selectors
from courses.models import Course, CourseAuthor, Lesson, Module
from courses.services.markup import lesson_body_render, markdown_render
from lms.audit.services import audit_record
from organisations.models import Organisation, Role, User
from organisations.selectors import user_roles


@transaction.atomic
def course_create(
    *,
    creator: User,
    code: str,
    title: str,
    summary: str = "",
    language: str = "en",
    competencies: list[str] | None = None,
    estimated_hours: Decimal | None = None,
    owner: Organisation | None = None,
    validity_months: int | None = None,
    is_self_enrollment_open: bool = True,
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
        is_self_enrollment_open=is_self_enrollment_open,
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
    """Append a lesson at the end of the module, storing its sanitised HTML. Locks the module.

    ``ValidationError`` on ``body`` for an image without a description or an ``attachment:``
    reference (a new lesson has no attachments yet)."""
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
        body_html=lesson_body_render(body, attachment_ids=()),
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
def lesson_update(*, lesson: Lesson, actor: User | None = None, **changes: object) -> Lesson:
    """Change the given fields; the HTML is rendered and sanitised again from the body.

    A changed body is refused (``ValidationError`` on ``body``) when it refers to an
    attachment that is not this lesson's or has an image without a description.

    One ``lesson.update`` audit entry with the fields that really changed (none: no entry).
    """
    unknown = set(changes) - set(LESSON_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"lesson_update() cannot change {sorted(unknown)}")
    before = {name: getattr(lesson, name) for name in changes}
    for name, value in changes.items():
        setattr(lesson, name, value)
    attachment_ids = set(lesson.attachments.values_list("pk", flat=True))
    if "body" in changes:
        lesson.body_html = lesson_body_render(lesson.body, attachment_ids=attachment_ids)
    else:
        lesson.body_html = markdown_render(lesson.body, attachment_ids=attachment_ids)
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


COURSE_EDITABLE_FIELDS = (
    "title",
    "summary",
    "language",
    "estimated_hours",
    "competencies",
    "validity_months",
    "is_self_enrollment_open",
    "is_sequential",
    "requires_attendance",
    "required_practicals",
    "translation_of",
    "owner",
)


def _audit_value(value: object) -> object:
    """A field value as JSON for the audit trail: related rows by id, decimals as text."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list):
        return list(value)
    return value


@transaction.atomic
def course_update(*, course: Course, actor: User, **changes: object) -> Course:
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


# A module or a lesson: the rows with an ``order`` among their siblings and an archived flag.
_Ordered = TypeVar("_Ordered", Module, Lesson)


def _reorder(*, items: list[_Ordered], ids: list[int], unknown_message: str) -> tuple[list[int], bool]:
    """Give ``items`` (live rows in their current order) the orders 1..n in the order of ``ids``;
    returns the ids as they were and whether the order changed."""
    live = [item.pk for item in items]
    problems = _order_problems(given=list(ids), live=live, unknown_message=unknown_message)
    if problems:
        raise ValidationError({"ids": problems})
    by_id = {item.pk: item for item in items}
    moved: list[_Ordered] = []
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


def _archived_set(
    *, item: _Ordered, siblings: QuerySet[_Ordered], is_archived: bool, actor: User, action: str
) -> _Ordered:
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
