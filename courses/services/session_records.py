"""In-person sessions: recording attendance, practical results and paper-test scores.

A session is run by the trainers whose trainer scope covers its host unit, and by admins.
The lock order of every session service is written down in ``courses.services.sessions``;
here that is the session row, then its registrations in pk order (and their practical
results), then the enrolment rows one at a time in pk order. Bulk writes are all or
nothing: every problem is raised together, and nothing is written.
"""

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Enrollment, PracticalResult, SessionRegistration, TrainingSession
from courses.services.completion import enrollment_complete_if_met
from courses.services.sessions import _session_lock, _session_manage_check
from lms.audit.services import Change, audit_record, audit_record_many
from organisations.models import Officer, User

RECORDED_ATTENDANCE = (
    SessionRegistration.Attendance.PRESENT,
    SessionRegistration.Attendance.ABSENT,
    SessionRegistration.Attendance.EXCUSED,
)


class PracticalEntry(NamedTuple):
    """One observed skill for one officer; ``is_passed=None`` removes a recorded result."""

    officer_id: int
    skill: str
    is_passed: bool | None
    comment: str = ""


def _session_lock_for_records(*, session: TrainingSession, actor: User) -> TrainingSession:
    """Lock the session for attendance or results: run by the actor, not cancelled, begun."""
    session = _session_lock(session)
    _session_manage_check(actor=actor, unit=session.unit)
    if session.status == TrainingSession.Status.CANCELLED:
        raise ValidationError(_("The session is cancelled: nothing can be recorded."), code="cancelled")
    if not session.is_begun:
        raise ValidationError(_("Attendance and results are recorded from the day of the session."), code="future")
    return session


def _registrations_lock(*, session: TrainingSession, officer_ids: Iterable[int]) -> dict[int, SessionRegistration]:
    # The officers come along to name them in messages; only the registrations are locked.
    registrations = (
        SessionRegistration.objects.select_for_update(of=("self",))
        .select_related("officer")
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


def _session_enrollments_complete_if_met(*, session: TrainingSession, officer_ids: Iterable[int], actor: User) -> None:
    """Check completion for the officers' enrolments in the session's course, in pk order."""
    enrollment_ids = (
        Enrollment.objects.filter(
            course_id=session.course_id, officer_id__in=list(officer_ids), status=Enrollment.Status.IN_PROGRESS
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for enrollment_id in enrollment_ids:
        enrollment_complete_if_met(enrollment_id=enrollment_id, actor=actor)


def officer_label(officer: Officer) -> str:
    """How a message names an officer: two officers may share a name, never a service number."""
    return _("%(name)s (%(service_number)s)") % {"name": officer.full_name, "service_number": officer.service_number}


def _officer_labels(registrations: Mapping[int, SessionRegistration], officer_ids: Iterable[int]) -> dict[int, str]:
    """Labels of ``officer_ids``: from the locked registrations, the others (not registered)
    in one query; an id that names no officer at all is shown as the id."""
    labels = {officer_id: officer_label(registration.officer) for officer_id, registration in registrations.items()}
    missing = {officer_id for officer_id in officer_ids if officer_id not in labels}
    if missing:
        for officer in Officer.objects.filter(pk__in=missing).only("given_name", "family_name", "service_number"):
            labels[officer.pk] = officer_label(officer)
        for officer_id in missing - labels.keys():
            labels[officer_id] = _("unknown officer #%(id)s") % {"id": officer_id}
    return labels


def _not_registered(label: str) -> ValidationError:
    return ValidationError(
        _("%(officer)s is not registered for this session."),
        code="not_registered",
        params={"officer": label},
    )


def _not_present(label: str, registration: SessionRegistration) -> ValidationError:
    if registration.attendance == SessionRegistration.Attendance.ABSENT:
        message = _("%(officer)s is marked absent at this session: an absent officer gets no result or score.")
    else:
        message = _("%(officer)s is marked excused at this session: an excused officer gets no result or score.")
    return ValidationError(message, code="not_present", params={"officer": label})


def _keyed_error(
    errors: Mapping[int, list[ValidationError]] | Mapping[int | str, list[ValidationError]],
) -> ValidationError:
    """One ``ValidationError`` keyed by officer id or entry index (ints), as the session APIs read it."""
    return ValidationError(errors)  # type: ignore[arg-type]  # Django keys by any hashable; the stubs say str


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
            errors[officer_id] = []
        elif attendance not in RECORDED_ATTENDANCE:
            errors[officer_id] = [
                ValidationError(
                    _("%(officer)s: %(value)s is not present, absent or excused."),
                    code="invalid_attendance",
                    params={"officer": officer_label(registrations[officer_id].officer), "value": attendance},
                )
            ]
    if errors:
        labels = _officer_labels(registrations, errors)
        for officer_id in errors:
            errors[officer_id] = errors[officer_id] or [_not_registered(labels[officer_id])]
        raise _keyed_error(errors)
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
    _session_enrollments_complete_if_met(session=session, officer_ids=[r.officer_id for r in changed], actor=actor)
    return len(changed)


def _practical_value(result: PracticalResult | None) -> dict[str, object] | None:
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
    labels = _officer_labels(registrations, {entry.officer_id for entry in results})
    errors: dict[int, list[ValidationError]] = {}
    seen: set[tuple[int, str]] = set()
    entries: list[tuple[SessionRegistration, str, PracticalEntry]] = []
    for index, entry in enumerate(results):
        registration = registrations.get(entry.officer_id)
        skill = (entry.skill or "").strip()
        label = labels[entry.officer_id]
        problems = []
        if registration is None:
            problems.append(_not_registered(label))
        elif entry.is_passed is not None and registration.attendance in (
            SessionRegistration.Attendance.ABSENT,
            SessionRegistration.Attendance.EXCUSED,
        ):
            problems.append(_not_present(label, registration))
        if not 0 < len(skill) <= 100:
            problems.append(
                ValidationError(
                    _("%(officer)s: a skill is named in 1 to 100 characters."),
                    code="skill",
                    params={"officer": label},
                )
            )
        key = (entry.officer_id, skill.casefold())
        if key in seen:
            problems.append(
                ValidationError(
                    _("%(officer)s: %(skill)s is listed twice."),
                    code="duplicate",
                    params={"officer": label, "skill": skill},
                )
            )
        seen.add(key)
        if problems:
            errors[index] = problems
        else:
            assert registration is not None  # a missing registration is one of the problems
            entries.append((registration, required.get(skill.casefold(), skill), entry))
    if errors:
        raise _keyed_error(errors)
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
    _session_enrollments_complete_if_met(session=session, officer_ids=officer_ids, actor=actor)
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
    labels = _officer_labels(registrations, scores)
    errors: dict[int, list[ValidationError]] = {}
    for officer_id, score in scores.items():
        registration = registrations.get(officer_id)
        if registration is None:
            errors[officer_id] = [_not_registered(labels[officer_id])]
        elif score is None:
            continue
        elif registration.attendance in (SessionRegistration.Attendance.ABSENT, SessionRegistration.Attendance.EXCUSED):
            errors[officer_id] = [_not_present(labels[officer_id], registration)]
        elif not (
            isinstance(score, Decimal)
            and score.is_finite()
            and 0 <= score <= maximum
            and score == score.quantize(Decimal("0.1"))
        ):
            errors[officer_id] = [
                ValidationError(
                    _("%(officer)s: a score is between 0 and %(maximum)d, with at most one decimal."),
                    code="score",
                    params={"officer": labels[officer_id], "maximum": maximum},
                )
            ]
    if errors:
        raise _keyed_error(errors)
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
    errors: dict[int | str, list[ValidationError]] = {}
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
        raise _keyed_error(errors)
    return changed
