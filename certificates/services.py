"""Every write to certificates: issue (exactly once per completion), reissue, revoke, expire.

Lock order, everywhere: completion rows (ascending id), then certificate rows, then the
serial counter of the issuer. Events (``certificate.issued``, ``.revoked``,
``.superseded``, ``.expired``) are written in the transaction of the change.
"""

import datetime
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certificates.codes import code_new
from certificates.events import (
    CERTIFICATE_EXPIRED,
    CERTIFICATE_ISSUED,
    CERTIFICATE_REVOKED,
    CERTIFICATE_SUPERSEDED,
    CertificateChanged,
)
from certificates.models import Certificate, IssuerLogo, PrintedSignatory, SerialCounter, Signatory
from certificates.pdf import certificate_pdf
from courses.models import Course, CourseCompletion
from courses.selectors import course_is_editable, trainer_scope_covers
from lms.audit.services import Change, audit_record, audit_record_many
from lms.notifications.services import localised_date, notifications_send
from organisations.models import Organisation, User


@dataclass
class IssueResult:
    """What one call to ``certificates_issue`` did, per completion id."""

    issued: dict[int, Certificate] = field(default_factory=dict)
    skipped: list[int] = field(default_factory=list)  # already had their certificate
    failed: dict[int, str] = field(default_factory=dict)  # completion id -> error


def event_payload(certificate: Certificate) -> CertificateChanged:
    return {"certificate_id": certificate.pk, "officer_id": certificate.officer_id}


def issuer_for(course: Course) -> Organisation:
    """The course's owning organisation, else the mission (the first organisation of that kind)."""
    if course.owner is not None:
        return course.owner
    mission = Organisation.objects.filter(kind=Organisation.Kind.MISSION).order_by("pk").first()
    if mission is None:
        raise ValidationError(_("The course has no owning organisation and no UN mission is recorded to issue it."))
    return mission


def _second_language_title(course: Course) -> tuple[str, str] | None:
    """(language, title) of the course's translation in another language, if any."""
    linked = [course.translation_of] if course.translation_of_id else list(course.translations.all())
    for other in linked:
        if other is not None and other.language != course.language:
            return other.language, other.title
    return None


def serials_take(*, issuer_id: int, count: int) -> int:
    """Take ``count`` consecutive serial numbers of the issuer; returns the first.

    Precondition: inside the transaction that saves the certificates, as its last step
    before the insert, so the counter row is locked only for that moment and a rollback
    gives the numbers back (serials have no gaps).
    """
    try:
        with transaction.atomic():
            SerialCounter.objects.get_or_create(organisation_id=issuer_id)
    except IntegrityError:  # created by a concurrent caller meanwhile
        pass
    SerialCounter.objects.filter(pk=issuer_id).update(next_serial=F("next_serial") + count)
    return SerialCounter.objects.values_list("next_serial", flat=True).get(pk=issuer_id) - count


def _serials_assign(certificates: list[Certificate]) -> None:
    by_issuer: dict[int, list[Certificate]] = {}
    for certificate in certificates:
        by_issuer.setdefault(certificate.issuer_id, []).append(certificate)
    for issuer_id in sorted(by_issuer):
        first = serials_take(issuer_id=issuer_id, count=len(by_issuer[issuer_id]))
        for offset, certificate in enumerate(by_issuer[issuer_id]):
            certificate.serial = first + offset


def _signatories(issuer: Organisation) -> list[PrintedSignatory]:
    return [
        PrintedSignatory(name=name, title=title)
        for name, title in Signatory.objects.filter(organisation=issuer, is_active=True)
        .order_by("order", "pk")
        .values_list("name", "title")[:3]
    ]


def _logo(issuer: Organisation) -> bytes | None:
    logo = IssuerLogo.objects.filter(organisation=issuer).first()
    if logo is None:
        return None
    with logo.image.open("rb") as image:
        data: bytes = image.read()
        return data


class _IssuerCache(dict[Organisation, tuple[list[PrintedSignatory], bytes | None]]):
    """Signatories and logo per issuer, read once per call."""

    def __missing__(self, issuer: Organisation) -> tuple[list[PrintedSignatory], bytes | None]:
        value = self[issuer] = (_signatories(issuer), _logo(issuer))
        return value


def _certificate_build(
    *,
    completion: CourseCompletion,
    issuer: Organisation,
    issuers: _IssuerCache,
    now: datetime.datetime,
    replaces: Certificate | None = None,
) -> Certificate:
    """An unsaved certificate with its PDF stored; the caller numbers it (``_serials_assign``)
    and saves the row. The serial is in the record, not on the paper, so that numbering can
    wait until the insert."""
    course, officer = completion.course, completion.officer
    signatories, logo = issuers[issuer]
    second = _second_language_title(course)
    certificate = Certificate(
        code=code_new(),
        completion=completion,
        replaces=replaces,
        officer=officer,
        course=course,
        issuer=issuer,
        holder_name=officer.full_name,
        holder_service_number=officer.service_number,
        course_code=course.code,
        course_title=course.title,
        course_title_translated=second[1] if second else "",
        languages=[course.language, second[0]] if second else [course.language],
        competencies=list(completion.competencies),
        signatories=signatories,
        issuer_name=issuer.name,
        issued_at=now,
        expires_on=completion.valid_until,
    )
    pdf = certificate_pdf(certificate, logo=logo)
    certificate.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    certificate.pdf.save(f"{now:%Y/%m}/{certificate.code}.pdf", ContentFile(pdf), save=False)
    return certificate


def _holder_notify(certificates: list[Certificate]) -> None:
    """Tell each holder their certificate is ready: one batch of notices per course title
    (a bulk chunk is one course), linking to "My certificates"."""
    holders: dict[str, list[User]] = {}
    for certificate in certificates:
        if certificate.officer.user is not None:
            holders.setdefault(certificate.course_title, []).append(certificate.officer.user)
    for course_title, users in holders.items():
        notifications_send(
            users=users,
            kind=CERTIFICATE_ISSUED.name,
            message=_("Your certificate for %(course)s is ready to download."),
            params={"course": course_title},
            link=reverse("my-certificates"),
        )


def _has_original() -> Exists:
    return Exists(Certificate.objects.filter(completion=OuterRef("pk"), replaces__isnull=True))


def completions_without_certificate(completion_ids: Iterable[int]) -> list[int]:
    """The given completion ids that have no certificate yet (unlocked read)."""
    return list(
        CourseCompletion.objects.filter(pk__in=list(completion_ids))
        .exclude(_has_original())
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def certificates_issue(*, completion_ids: Iterable[int], now: datetime.datetime | None = None) -> IssueResult:
    """Issue the original certificate of each completion that has none. Idempotent.

    Locks the completion rows (ascending id) and re-checks under the lock, so a task
    delivered twice, retried, or racing a bulk run issues nothing more; the partial unique
    constraint ``certificate_one_original`` is the last line of defence. A failed render
    fails only its completion (reported in ``failed``); the others are issued.
    """
    ids = sorted(set(completion_ids))
    now = now or timezone.now()
    result = IssueResult()
    with transaction.atomic():
        # Lock first, then look: a later statement sees what a racing issuer committed
        # while this one waited (one statement would keep its older snapshot).
        locked = list(
            CourseCompletion.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True)
        )
        result.skipped = list(
            Certificate.objects.filter(completion__in=locked, replaces__isnull=True).values_list(
                "completion_id", flat=True
            )
        )
        due = list(
            CourseCompletion.objects.filter(pk__in=set(locked) - set(result.skipped))
            .select_related("officer__user", "course__owner", "course__translation_of")
            .prefetch_related("course__translations")
            .order_by("pk")
        )
        issuers = _IssuerCache()
        built: list[Certificate] = []
        for completion in due:
            try:
                certificate = _certificate_build(
                    completion=completion, issuer=issuer_for(completion.course), issuers=issuers, now=now
                )
            except ValidationError as error:
                result.failed[completion.pk] = " ".join(error.messages)
                continue
            except Exception as error:  # one bad record must not block the rest of a run
                result.failed[completion.pk] = f"{type(error).__name__}: {error}"
                continue
            built.append(certificate)
        _serials_assign(built)
        Certificate.objects.bulk_create(built)
        CERTIFICATE_ISSUED.record_many([event_payload(certificate) for certificate in built])
        _holder_notify(built)
        result.issued = {certificate.completion_id: certificate for certificate in built}
    return result


def certificate_can_manage(*, user: User, certificate: Certificate) -> bool:
    """Admins, the course's authors, and trainers whose scope covers the holder's unit."""
    if not user.is_authenticated:
        return False
    if course_is_editable(user=user, course=certificate.course):
        return True
    return trainer_scope_covers(user=user, unit=certificate.officer.unit)


def _lock(certificate: Certificate) -> Certificate:
    return Certificate.objects.select_for_update(of=("self",)).select_related("officer__user").get(pk=certificate.pk)


def _status_set(
    *, certificate: Certificate, status: str, actor: User | None, reason: str, now: datetime.datetime
) -> dict[str, str]:
    before = {"status": certificate.status, "reason": certificate.status_reason}
    certificate.status = status
    certificate.status_reason = reason
    certificate.status_changed_at = now
    certificate.status_changed_by = actor if actor is not None and actor.is_authenticated else None
    certificate.save(update_fields=["status", "status_reason", "status_changed_at", "status_changed_by"])
    return before


def _reason_check(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason: it is shown to whoever verifies the certificate.")})
    return reason


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, actor: User, reason: str) -> Certificate:
    """Revoke a valid or expired certificate: a status with reason, actor and time, never a deletion."""
    reason = _reason_check(reason)
    if not certificate_can_manage(user=actor, certificate=certificate):
        raise PermissionDenied
    certificate = _lock(certificate)
    if certificate.status not in (Certificate.Status.VALID, Certificate.Status.EXPIRED):
        raise ValidationError({"status": _("Only a valid or expired certificate can be revoked.")})
    before = _status_set(
        certificate=certificate, status=Certificate.Status.REVOKED, actor=actor, reason=reason, now=timezone.now()
    )
    audit_record(
        actor=actor,
        action="certificate.revoke",
        target=certificate,
        before=before,
        after={"status": "revoked"},
        reason=reason,
    )
    CERTIFICATE_REVOKED.record(event_payload(certificate))
    return certificate


@transaction.atomic
def certificate_reissue(*, certificate: Certificate, actor: User | None, reason: str) -> Certificate:
    """Issue a new certificate for the same completion from today's records (say, after a
    name correction); the old one becomes ``superseded`` and points to the new one."""
    reason = _reason_check(reason)
    if actor is not None and not certificate_can_manage(user=actor, certificate=certificate):
        raise PermissionDenied
    CourseCompletion.objects.select_for_update().filter(pk=certificate.completion_id).first()
    certificate = _lock(certificate)
    if certificate.status not in (Certificate.Status.VALID, Certificate.Status.EXPIRED):
        raise ValidationError({"status": _("Only a valid or expired certificate can be reissued.")})
    completion = (
        CourseCompletion.objects.select_related("officer__user", "course__owner", "course__translation_of")
        .prefetch_related("course__translations")
        .get(pk=certificate.completion_id)
    )
    issuer = issuer_for(completion.course)
    now = timezone.now()
    new = _certificate_build(
        completion=completion, issuer=issuer, issuers=_IssuerCache(), now=now, replaces=certificate
    )
    _serials_assign([new])
    new.save()
    before = _status_set(
        certificate=certificate, status=Certificate.Status.SUPERSEDED, actor=actor, reason=reason, now=now
    )
    audit_record(
        actor=actor,
        action="certificate.reissue",
        target=certificate,
        before=before | {"holder_name": certificate.holder_name, "course_title": certificate.course_title},
        after={"status": "superseded", "replaced_by": new.code, "holder_name": new.holder_name},
        reason=reason,
    )
    CERTIFICATE_SUPERSEDED.record(event_payload(certificate))
    CERTIFICATE_ISSUED.record(event_payload(new))
    _holder_notify([new])
    return new


@transaction.atomic
def certificates_expire(*, today: datetime.date | None = None) -> int:
    """Mark valid certificates whose expiry date has passed as expired; one event each."""
    today = today or timezone.localdate()
    expired = list(
        Certificate.objects.select_for_update()
        .filter(status=Certificate.Status.VALID, expires_on__lt=today)
        .order_by("pk")
    )
    if not expired:
        return 0
    now = timezone.now()
    Certificate.objects.filter(pk__in=[c.pk for c in expired]).update(
        status=Certificate.Status.EXPIRED, status_changed_at=now, status_reason="", status_changed_by=None
    )
    for certificate in expired:
        certificate.status = Certificate.Status.EXPIRED
    audit_record_many(
        actor=None,
        action="certificate.expire",
        changes=[Change(c, {"status": "valid"}, {"status": "expired"}) for c in expired],
    )
    CERTIFICATE_EXPIRED.record_many([event_payload(certificate) for certificate in expired])
    return len(expired)


@transaction.atomic
def refresher_reminders_send(*, today: datetime.date | None = None) -> int:
    """Tell holders whose valid certificate expires within CERTIFICATE_REFRESHER_NOTICE_DAYS
    that a refresher is due; once per certificate."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=settings.CERTIFICATE_REFRESHER_NOTICE_DAYS)
    due = list(
        Certificate.objects.select_for_update(of=("self",))
        .filter(
            status=Certificate.Status.VALID,
            expires_on__gte=today,
            expires_on__lte=horizon,
            refresher_notified_at__isnull=True,
        )
        .select_related("officer__user")
        .order_by("pk")
    )
    for certificate in due:
        assert certificate.expires_on is not None  # filtered on it above
        if certificate.officer.user is not None:
            notifications_send(
                users=[certificate.officer.user],
                kind="certificate.refresher_due",
                message=_("Your certificate for %(course)s expires on %(date)s: take the refresher course in time."),
                params={"course": certificate.course_title, "date": localised_date(certificate.expires_on)},
                link=reverse("course-outline", args=[certificate.course_id]),
            )
    Certificate.objects.filter(pk__in=[c.pk for c in due]).update(refresher_notified_at=timezone.now())
    return len(due)
