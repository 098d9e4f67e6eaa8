"""Reads of certificates, scoped to the person asking."""

import datetime
import enum
from dataclasses import dataclass

from django.db.models import (
    BigIntegerField,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from certificates.codes import code_normalise
from certificates.models import Certificate
from courses.events import COURSE_COMPLETED
from courses.models import Course, CourseAuthor, CourseCompletion, Enrollment
from courses.selectors import STAFF_ROLES, LearnerNotice, StaffLink, course_is_editable
from lms.events.models import Delivery, Event
from organisations.models import Role, Unit, User
from organisations.selectors import scope_units, subtree_q, user_roles

# The completion's handler as subscribed in ``settings.LMS_EVENT_HANDLERS`` (its deliveries' name).
COMPLETION_HANDLER = "certificates.handlers.certificate_issue_on_completion"
# A certificate still not issued this long after the completion, though no attempt failed,
# is "taking longer than usual" (workers busy or away); it usually takes a few seconds.
PREPARING_USUALLY_SECONDS = 120
# A completion's event is written within this of the completion (same transaction, moments later).
EVENT_WRITTEN_WITHIN = datetime.timedelta(hours=1)


def certificate_list(*, user: User) -> QuerySet[Certificate]:
    """Certificates the user may see: their own; those of officers within their trainer or
    leadership scope; those of courses they author; everything for admins."""
    queryset = Certificate.objects.select_related("course", "officer__unit")
    if not user.is_authenticated:
        return queryset.none()
    roots = scope_units(user)
    if roots is None:
        return queryset
    visible = Q(officer__user=user) | Q(Exists(CourseAuthor.objects.filter(course=OuterRef("course"), user=user)))
    if roots:
        visible |= subtree_q(roots, prefix="officer__unit__")
    return queryset.filter(visible)


def certificate_get(*, user: User, code: str) -> Certificate | None:
    """The certificate with ``code`` (as typed) if the user may see it."""
    canonical = code_normalise(code)
    if canonical is None:
        return None
    return certificate_list(user=user).filter(code=canonical).first()


def certificates_filter(
    queryset: QuerySet[Certificate], *, course_id: int | None = None, unit_id: int | None = None, status: str = ""
) -> QuerySet[Certificate]:
    """Narrow an already scoped queryset: a course, the holders' unit subtree, a status.

    An unknown unit matches nothing (one query to read its path)."""
    if course_id is not None:
        queryset = queryset.filter(course_id=course_id)
    if unit_id is not None:
        path = Unit.objects.filter(pk=unit_id).values_list("path", flat=True).first()
        queryset = queryset.filter(officer__unit__path__startswith=path) if path else queryset.none()
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def course_staff_links(*, user: User, course: Course) -> list[StaffLink]:
    """The course's certificates page for staff and authors; bulk issuing for trainers,
    authors and admins (a leader looks, but does not issue)."""
    roles = user_roles(user)
    is_author = course_is_editable(user=user, course=course)
    links = []
    if roles.has(*STAFF_ROLES):
        links.append(StaffLink(_("Gradebook"), reverse("course-gradebook", args=[course.pk])))
    if is_author or roles.has(*STAFF_ROLES):
        links.append(StaffLink(_("Certificates"), reverse("course-certificates", args=[course.pk])))
    if is_author or roles.has(Role.TRAINER, Role.ADMIN):
        links.append(StaffLink(_("Issue certificates"), reverse("certificate-run-create", args=[course.pk])))
    return links


# Certificates on their way -----------------------------------------------------------------
# A completion writes a ``course.completed`` event; its outbox delivery to
# ``handlers.certificate_issue_on_completion`` issues the certificate after the request, in
# a worker. Until then the holder's pages say that it is being prepared, from these records.


class Preparation(enum.StrEnum):
    PREPARING = "preparing"  # the delivery waits for its first attempt, since a short while
    SLOW = "slow"  # it waits for its first attempt since longer than usual
    RETRYING = "retrying"  # an attempt failed; the outbox tries again with backoff
    FAILED = "failed"  # the outbox gave up after OUTBOX_MAX_ATTEMPTS; admins see the failed delivery


@dataclass(frozen=True)
class CertificateOnItsWay:
    """A completion of the holder's with no certificate yet, whose issue the outbox still owes."""

    course_id: int
    course_code: str
    completed_at: datetime.datetime
    state: Preparation

    @property
    def is_delayed(self) -> bool:
        return self.state != Preparation.PREPARING

    @property
    def message(self) -> SafeString:
        """The state in one sentence, the course code isolated for right-to-left pages."""
        if self.state == Preparation.PREPARING:
            text = _("Your certificate for %(course)s is being prepared; it usually takes a few seconds.")
        elif self.state == Preparation.SLOW:
            text = _("Your certificate for %(course)s is taking longer than usual; the platform keeps trying.")
        elif self.state == Preparation.RETRYING:
            text = _("Your certificate for %(course)s is delayed: preparing it failed, and the platform keeps trying.")
        else:
            text = _(
                "Your certificate for %(course)s is delayed: preparing it failed several times, and the platform "
                "stopped trying. The problem is listed for administrators, who can start it again."
            )
        return mark_safe(conditional_escape(text) % {"course": format_html("<bdi>{}</bdi>", self.course_code)})


def certificates_on_their_way(
    *, officer_id: int, course_id: int | None = None, now: datetime.datetime | None = None
) -> list[CertificateOnItsWay]:
    """The officer's completions (of ``course_id`` only, if given) that have no certificate
    while their ``course.completed`` delivery is pending or failed, oldest first. One query.

    A completion without a certificate whose delivery is done (completed before certificates
    were issued automatically; a bulk run issues those) or without one is not on its way."""
    now = now or timezone.now()
    event = (
        Event.objects.filter(
            name=COURSE_COMPLETED.name,
            # Written right after the completion, in its transaction: these bounds keep the
            # search to a few indexed rows (``occurred_at``), however old the completion.
            occurred_at__gte=OuterRef("completed_at"),
            occurred_at__lte=ExpressionWrapper(
                OuterRef("completed_at") + EVENT_WRITTEN_WITHIN, output_field=DateTimeField()
            ),
        )
        .annotate(
            completion_ref=Cast(KT("payload__completion_id"), BigIntegerField()),
            delivery=FilteredRelation("deliveries", condition=Q(deliveries__handler=COMPLETION_HANDLER)),
        )
        .filter(completion_ref=OuterRef("pk"), delivery__isnull=False)
        .order_by("-pk")
    )
    completions = CourseCompletion.objects.filter(officer_id=officer_id).filter(
        ~Exists(Certificate.objects.filter(completion=OuterRef("pk")))
    )
    if course_id is not None:
        completions = completions.filter(course_id=course_id)
    rows = (
        completions.annotate(
            delivery_status=Subquery(event.values("delivery__status")[:1]),
            delivery_attempts=Subquery(event.values("delivery__attempts")[:1]),
        )
        .order_by("completed_at", "pk")
        .values_list("course_id", "course__code", "completed_at", "delivery_status", "delivery_attempts")
    )
    on_their_way = []
    for course, code, completed_at, status, attempts in rows:
        if status not in (Delivery.Status.PENDING, Delivery.Status.FAILED):
            continue
        if status == Delivery.Status.FAILED:
            state = Preparation.FAILED
        elif attempts:
            state = Preparation.RETRYING
        elif (now - completed_at).total_seconds() >= PREPARING_USUALLY_SECONDS:
            state = Preparation.SLOW
        else:
            state = Preparation.PREPARING
        on_their_way.append(CertificateOnItsWay(course, code, completed_at, state))
    return on_their_way


def course_learner_notices(*, enrollment: Enrollment) -> list[LearnerNotice]:
    """For ``settings.COURSE_LEARNER_NOTICES``: on the course page of a completed enrolment,
    the certificate on its way (none, and no query, before the completion)."""
    if enrollment.status != Enrollment.Status.COMPLETED:
        return []
    return [
        LearnerNotice(
            message=item.message,
            link=reverse("my-certificates"),
            link_label=_("My certificates shows it when it is ready."),
        )
        for item in certificates_on_their_way(officer_id=enrollment.officer_id, course_id=enrollment.course_id)
    ]
