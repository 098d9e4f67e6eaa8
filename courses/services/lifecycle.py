"""A course's lifecycle: publishing a new release, and the moves between draft, in review,
published and archived.

Part of authoring (``courses.services.authoring``): who may call these is checked by the
views; the services keep the rules that hold whoever calls. Each locks the course row.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from courses import selectors
from courses.events import COURSE_PUBLISHED
from courses.models import COURSE_TRANSITIONS, Course, CourseRelease, Lesson
from lms.audit.services import audit_record
from organisations.models import User


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
    if before not in COURSE_TRANSITIONS["publish"]:
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
    COURSE_PUBLISHED.record({"course_id": course.pk, "release_id": release.pk})
    audit_record(
        actor=actor,
        action="course.publish",
        target=course,
        before={"status": before},
        after={"status": course.status, "release": release.number},
    )
    return release


def _course_status_change(
    *, course: Course, actor: User, transition: str, to: str, action: str, refusal: str
) -> Course:
    course = Course.objects.select_for_update().get(pk=course.pk)
    if course.status not in COURSE_TRANSITIONS[transition]:
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
        transition="submit",
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
        transition="return",
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
        transition="archive",
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
        transition="unarchive",
        to=Course.Status.PUBLISHED,
        action="course.unarchive",
        refusal=_("Only an archived course can be unarchived."),
    )
