"""In-person sessions: scheduling, changing and cancelling them, registering officers.

A session is run by the trainers whose trainer scope covers its host unit, and by admins.

Lock order, in every session service (here and in ``courses.services.session_records``):
the session row first; then the course row (only when registering enrols officers,
through ``enrollments_create``); then the session's registrations in pk order (and their
practical results); last, one at a time in pk order, the enrolment rows that
``enrollment_complete_if_met`` locks. Nothing takes these locks in another order, so
concurrent writers queue instead of deadlocking.

Bulk writes are all or nothing: every problem is collected first and raised together
as one ``ValidationError``, and nothing is written.
"""

import datetime
from collections.abc import Iterable
from typing import TypedDict, Unpack

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses import selectors
from courses.models import Course, SessionRegistration, TrainingSession
from courses.services.enrollment import enrollments_create
from lms.audit.services import audit_record
from lms.notifications.services import localised_date, notifications_send
from organisations.models import Officer, Unit, User

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


class SessionChanges(TypedDict, total=False):
    """What ``session_update`` may change: ``SESSION_EDITABLE_FIELDS`` with their types."""

    date: datetime.date
    start_time: datetime.time
    end_time: datetime.time | None
    place: str
    unit: Unit
    capacity: int
    trainer: User
    paper_test_max_score: int | None


SESSION_REGISTERED_MESSAGE = gettext_lazy("You are registered for %(course)s on %(date)s at %(time)s, %(place)s.")
SESSION_MOVED_MESSAGE = gettext_lazy("The session of %(course)s is now on %(date)s at %(time)s, %(place)s.")
SESSION_CANCELLED_MESSAGE = gettext_lazy("The session of %(course)s on %(date)s at %(place)s is cancelled.")


def _session_snapshot(session: TrainingSession, fields: Iterable[str]) -> dict[str, object]:
    """The fields' values as an audit entry stores them (JSON: ids, ISO dates, "HH:MM")."""
    values: dict[str, object] = {}
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

    def add(field: str, message: str, code: str, params: dict[str, object] | None = None) -> None:
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


def _session_notify(
    *, session: TrainingSession, officer_ids: Iterable[int] | None, kind: str, message: Promise
) -> None:
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
        link=reverse("session-detail", args=[session.pk]),
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
def session_update(*, session: TrainingSession, actor: User, **changes: Unpack[SessionChanges]) -> TrainingSession:
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
    place = changes.get("place")
    if isinstance(place, str):
        changes["place"] = place.strip()
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
    if registration.is_recorded:
        raise ValidationError(
            _("Attendance or results are recorded for this officer: mark them absent instead."), code="recorded"
        )
    registration.delete()
    audit_record(actor=actor, action="session.unregistered", target=session, before={"officer_id": officer.pk})
