"""Bulk runs: issue (or reissue) the certificates of a course cohort or a session, in chunks.

A run is one ``IssueRun`` with one ``IssueRunItem`` per eligible completion. Its work goes
through the outbox: one ``certificate.run_chunk_queued`` event per ``CHUNK_SIZE`` pending items,
each delivered on its own (``dispatch_batch_size=1``) so that the chunks spread over every
worker, and a dead worker or a broker outage loses nothing (the sweep re-dispatches).

Lock order of a chunk: its pending items (ascending id), then the completions (ascending
id, through ``certificates_issue`` or ``certificate_reissue``, which go on to the
certificates and the serial counter), then the run row, last, to decide whether the run is
finished: whichever chunk commits last sees every other chunk's items settled. A retry
locks the run row, then resets failed items; the items a chunk locks are pending ones, so
the two never wait on each other in opposite orders. Items are created in completion
order, so chunks lock completions in ascending order too.

Who may start a run: admins and the course's authors (every eligible completion), and
trainers (the completions of officers within their trainer scope). Who may see one: its
requester, the course's authors and admins.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certificates.events import RUN_CHUNK_QUEUED, RunChunkQueued
from certificates.models import Certificate, IssueRun, IssueRunItem
from certificates.services import certificate_reissue, certificates_issue
from courses.models import Course, CourseCompletion, SessionRegistration, TrainingSession
from courses.selectors import course_is_editable
from lms.audit.services import audit_record
from lms.events.models import Delivery
from organisations.models import Role, User
from organisations.selectors import scope_units, subtree_q, user_roles

CHUNK_SIZE = 25
# The chunk's handler as subscribed in ``settings.LMS_EVENT_HANDLERS`` (its deliveries' name).
CHUNK_HANDLER = "certificates.handlers.issue_run_chunk"
REISSUABLE = (Certificate.Status.VALID, Certificate.Status.EXPIRED)


@dataclass(frozen=True)
class RunProgress:
    total: int
    done: int
    skipped: int
    failed: int
    pending: int
    is_finished: bool

    @property
    def percent(self) -> int:
        """Settled items (issued, skipped or failed) out of all, rounded down; 100 for an empty run."""
        if not self.total:
            return 100
        return (self.total - self.pending) * 100 // self.total


# Permissions ---------------------------------------------------------------------------------


def _completion_scope(*, user: User, course: Course) -> Q:
    """The completions of ``course`` that ``user`` may issue in bulk; ``PermissionDenied`` if none.

    Admins and the course's authors: all of them; trainers: those of officers within their
    trainer scope; anyone else: ``PermissionDenied``.
    """
    if not user.is_authenticated:
        raise PermissionDenied
    if course_is_editable(user=user, course=course):
        return Q()
    if not user_roles(user).has(Role.TRAINER):
        raise PermissionDenied(_("Only the course's authors, trainers and admins issue certificates in bulk."))
    return subtree_q(scope_units(user, roles=(Role.TRAINER,)), prefix="officer__unit__")


def issue_run_can_create(*, user: User, course: Course) -> bool:
    try:
        _completion_scope(user=user, course=course)
    except PermissionDenied:
        return False
    return True


def issue_run_is_visible(*, user: User, run: IssueRun) -> bool:
    """The run's requester, the course's authors and admins."""
    if not user.is_authenticated:
        return False
    return run.requested_by_id == user.pk or course_is_editable(user=user, course=run.course)


# Selectors -----------------------------------------------------------------------------------


def issue_run_get(*, user: User, run_id: int) -> IssueRun | None:
    """The run if the user may see it (else None: answer 404)."""
    run = IssueRun.objects.select_related("course", "session__unit", "requested_by").filter(pk=run_id).first()
    if run is None or not issue_run_is_visible(user=user, run=run):
        return None
    return run


def issue_run_list(*, user: User, course: Course) -> QuerySet[IssueRun]:
    """The course's runs the user may see, newest first."""
    queryset = IssueRun.objects.filter(course=course).select_related("session", "requested_by")
    if not user.is_authenticated:
        return queryset.none()
    if course_is_editable(user=user, course=course):
        return queryset
    return queryset.filter(requested_by=user)


def issue_run_sessions(*, course: Course) -> QuerySet[TrainingSession]:
    """The sessions a run of ``course`` may be restricted to, latest first."""
    return TrainingSession.objects.filter(course=course).order_by("-date", "-start_time", "-pk")


def issue_run_progress(run: IssueRun) -> RunProgress:
    """Counts of the run's items by status (one query); finished once nothing is pending."""
    statuses = IssueRunItem.Status
    counts = IssueRunItem.objects.filter(run=run).aggregate(
        total=Count("pk"),
        done=Count("pk", filter=Q(status=statuses.DONE)),
        skipped=Count("pk", filter=Q(status=statuses.SKIPPED)),
        failed=Count("pk", filter=Q(status=statuses.FAILED)),
        pending=Count("pk", filter=Q(status=statuses.PENDING)),
    )
    return RunProgress(**counts, is_finished=counts["pending"] == 0)


@dataclass(frozen=True)
class RunActivity:
    """What the outbox says about a run's chunks (``certificate.run_chunk_queued`` deliveries).

    ``queued_at``: when the oldest chunk still waiting was queued (the run, or a retry);
    ``last_queued_at``: the newest chunk's; ``last_done_at``: when the last chunk finished;
    ``retrying``: chunks waiting after a failed attempt, the earliest due at ``next_attempt_at``;
    ``failed``: chunks the outbox gave up on after ``OUTBOX_MAX_ATTEMPTS`` (shown to admins
    as failed deliveries, which they retry)."""

    waiting: int
    retrying: int
    failed: int
    queued_at: datetime.datetime | None
    last_queued_at: datetime.datetime | None
    last_done_at: datetime.datetime | None
    next_attempt_at: datetime.datetime | None

    @property
    def has_started(self) -> bool:
        """A chunk finished since the oldest waiting one was queued: workers are taking them."""
        if self.last_done_at is None:
            return False
        return self.queued_at is None or self.last_done_at >= self.queued_at

    def moved_at(self, run: IssueRun) -> datetime.datetime:
        """The last sign of life: the run or a retry queued, or a chunk finished; for a chunk
        backing off after a failure, the time its next attempt is due."""
        times = [run.created_at, self.last_queued_at, self.last_done_at]
        if self.retrying:
            times.append(self.next_attempt_at)
        return max(time for time in times if time is not None)


def issue_run_activity(run: IssueRun) -> RunActivity:
    """The run's chunk deliveries, counted and dated (one query). Chunk events are found by
    their payload's run, among those written since the run began."""
    pending, failed = Delivery.Status.PENDING, Delivery.Status.FAILED
    retrying = Q(status=pending, attempts__gt=0)
    counts = Delivery.objects.filter(
        handler=CHUNK_HANDLER,
        event__name=RUN_CHUNK_QUEUED.name,
        event__occurred_at__gte=run.created_at,
        event__payload__run_id=run.pk,
    ).aggregate(
        waiting=Count("pk", filter=Q(status=pending)),
        retrying=Count("pk", filter=retrying),
        failed=Count("pk", filter=Q(status=failed)),
        queued_at=Min("event__occurred_at", filter=Q(status=pending)),
        last_queued_at=Max("event__occurred_at"),
        last_done_at=Max("delivered_at"),
        next_attempt_at=Min("next_attempt_at", filter=retrying),
    )
    return RunActivity(**counts)


def issue_run_failures(run: IssueRun) -> QuerySet[IssueRunItem]:
    """The run's failed items with their officers, by officer name."""
    return (
        IssueRunItem.objects.filter(run=run, status=IssueRunItem.Status.FAILED)
        .select_related("completion__officer")
        .order_by("completion__officer__family_name", "completion__officer__given_name", "pk")
    )


# Services ------------------------------------------------------------------------------------


def _chunk_events_record(*, run: IssueRun, item_ids: list[int]) -> int:
    payloads: list[RunChunkQueued] = [
        {"run_id": run.pk, "item_ids": item_ids[start : start + CHUNK_SIZE]}
        for start in range(0, len(item_ids), CHUNK_SIZE)
    ]
    RUN_CHUNK_QUEUED.record_many(payloads, dispatch_batch_size=1)
    return len(payloads)


def _current_certificate() -> Exists:
    return Exists(
        Certificate.objects.filter(completion=OuterRef("pk"), status__in=REISSUABLE, replaced_by__isnull=True)
    )


def _original_of() -> QuerySet:
    return Certificate.objects.filter(completion=OuterRef("pk"), replaces__isnull=True).values("pk")[:1]


@transaction.atomic
def issue_run_create(
    *,
    course: Course,
    actor: User | None,
    session: TrainingSession | None = None,
    kind: str = IssueRun.Kind.ISSUE,
    reason: str = "",
    completion_ids: Iterable[int] | None = None,
) -> IssueRun:
    """Start a bulk run over the course's completions (those of officers registered for
    ``session``, or the given ``completion_ids``), restricted to what ``actor`` may issue;
    ``actor`` None is the system (management command, benchmark): no restriction.

    ``kind`` issue: every completion gets an item; those that already hold their original
    certificate are settled as skipped here (certificates are never deleted, so this
    unlocked read cannot be wrong later), the others wait for their chunk. ``kind`` reissue
    (``reason`` required): the completions whose current certificate is valid or expired.
    Writes one ``certificate.run_chunk_queued`` event per ``CHUNK_SIZE`` pending items and an
    audit entry. ``ValidationError`` on bad input, ``PermissionDenied`` for people who may
    not issue certificates of the course.
    """
    allowed = Q() if actor is None else _completion_scope(user=actor, course=course)
    reason = (reason or "").strip()
    if kind not in IssueRun.Kind.values:
        raise ValidationError({"kind": _("Choose to issue or to reissue.")})
    if kind == IssueRun.Kind.REISSUE and not reason:
        raise ValidationError({"reason": _("Give the reason for reissuing: it is recorded on the old certificates.")})
    if session is not None and session.course_id != course.pk:
        raise ValidationError({"session": _("This session is not a session of the course.")})
    completions = CourseCompletion.objects.filter(allowed, course=course)
    if session is not None:
        completions = completions.filter(
            officer__in=SessionRegistration.objects.filter(session=session).values("officer")
        )
    if completion_ids is not None:
        completions = completions.filter(pk__in=list(completion_ids))
    if kind == IssueRun.Kind.REISSUE:
        completions = completions.filter(_current_certificate())
    rows = list(completions.annotate(original_id=_original_of()).order_by("pk").values_list("pk", "original_id"))

    run = IssueRun.objects.create(
        course=course,
        session=session,
        kind=kind,
        reason=reason,
        requested_by=actor if actor is not None and actor.is_authenticated else None,
    )
    is_issue = kind == IssueRun.Kind.ISSUE
    items = IssueRunItem.objects.bulk_create(
        IssueRunItem(
            run=run,
            completion_id=completion_id,
            status=IssueRunItem.Status.SKIPPED if is_issue and original_id else IssueRunItem.Status.PENDING,
            certificate_id=original_id if is_issue else None,
        )
        for completion_id, original_id in rows
    )
    pending = [item.pk for item in items if item.status == IssueRunItem.Status.PENDING]
    chunks = _chunk_events_record(run=run, item_ids=pending)
    if not pending:
        run.finished_at = timezone.now()
        run.save(update_fields=["finished_at"])
    audit_record(
        actor=actor,
        action="certificate.run_create",
        target=run,
        after={
            "course": course.code,
            "session": session.pk if session else None,
            "kind": kind,
            "items": len(items),
            "pending": len(pending),
            "chunks": chunks,
        },
        reason=reason,
    )
    return run


def _error_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(str(message) for message in error.messages)
    if isinstance(error, PermissionDenied):
        return str(error) or str(_("The requester may no longer manage this certificate."))
    return f"{type(error).__name__}: {error}"


def _items_issue(items: list[IssueRunItem]) -> None:
    result = certificates_issue(completion_ids=[item.completion_id for item in items])
    originals = dict(
        Certificate.objects.filter(completion__in=result.skipped, replaces__isnull=True).values_list(
            "completion_id", "pk"
        )
    )
    for item in items:
        if item.completion_id in result.issued:
            item.status, item.certificate = IssueRunItem.Status.DONE, result.issued[item.completion_id]
        elif item.completion_id in result.failed:
            item.status, item.error = IssueRunItem.Status.FAILED, result.failed[item.completion_id]
        else:
            item.status, item.certificate_id = IssueRunItem.Status.SKIPPED, originals.get(item.completion_id)


def _items_reissue(items: list[IssueRunItem], *, run: IssueRun) -> None:
    for item in items:
        current = (
            Certificate.objects.filter(
                completion_id=item.completion_id, status__in=REISSUABLE, replaced_by__isnull=True
            )
            .select_related("course", "officer__unit")
            .order_by("-issued_at", "-pk")
            .first()
        )
        if current is None:  # revoked or reissued by somebody else since the run began
            item.status = IssueRunItem.Status.SKIPPED
            continue
        try:
            new = certificate_reissue(certificate=current, actor=run.requested_by, reason=run.reason)
        except Exception as error:  # one bad record must not block the rest of the chunk
            item.status, item.error = IssueRunItem.Status.FAILED, _error_text(error)
        else:
            item.status, item.certificate = IssueRunItem.Status.DONE, new


@transaction.atomic
def issue_run_chunk_process(*, run_id: int, item_ids: Iterable[int]) -> int:
    """Issue (or reissue) the chunk's items that are still pending and mark each done,
    skipped or failed (with the error); returns how many items were settled now.

    Idempotent: a chunk delivered again finds its items settled and does nothing. Sets the
    run's ``finished_at`` once no item of the run is pending. See the module docstring for
    the lock order.
    """
    items = list(
        IssueRunItem.objects.select_for_update()
        .filter(run_id=run_id, pk__in=list(item_ids), status=IssueRunItem.Status.PENDING)
        .order_by("pk")
    )
    if items:
        run = IssueRun.objects.select_related("requested_by").get(pk=run_id)
        now = timezone.now()
        for item in items:
            item.error, item.updated_at = "", now
        if run.kind == IssueRun.Kind.REISSUE:
            _items_reissue(items, run=run)
        else:
            _items_issue(items)
        IssueRunItem.objects.bulk_update(items, ["status", "certificate", "error", "updated_at"])
    _run_finish_if_settled(run_id=run_id)
    return len(items)


def _run_finish_if_settled(*, run_id: int) -> None:
    # The run row is locked last: of two chunks finishing together, the one that commits
    # second waits here and then sees the first one's items settled.
    run = IssueRun.objects.select_for_update().get(pk=run_id)
    is_settled = not IssueRunItem.objects.filter(run_id=run_id, status=IssueRunItem.Status.PENDING).exists()
    if run.finished_at is None and is_settled:
        run.finished_at = timezone.now()
        run.save(update_fields=["finished_at"])


@transaction.atomic
def issue_run_retry(*, run: IssueRun, actor: User | None) -> int:
    """Put the run's failed items back to pending and queue them in new chunks; returns
    how many. ``actor``: somebody who may see the run (``PermissionDenied`` otherwise), or
    None for the system."""
    if actor is not None and not issue_run_is_visible(user=actor, run=run):
        raise PermissionDenied
    run = IssueRun.objects.select_for_update().get(pk=run.pk)
    failed = list(
        IssueRunItem.objects.filter(run=run, status=IssueRunItem.Status.FAILED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not failed:
        return 0
    IssueRunItem.objects.filter(pk__in=failed, status=IssueRunItem.Status.FAILED).update(
        status=IssueRunItem.Status.PENDING, error="", updated_at=timezone.now()
    )
    run.finished_at = None
    run.save(update_fields=["finished_at"])
    _chunk_events_record(run=run, item_ids=failed)
    audit_record(actor=actor, action="certificate.run_retry", target=run, after={"items": len(failed)})
    return len(failed)
