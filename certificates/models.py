"""Certificates issued from completion records, how people verify them, and bulk runs.

A certificate copies what it says (holder name, course title, competencies, signatories)
at issue time, so later edits to the roster or the course never change a paper already
in someone's hands. It is never deleted: revocation, expiry and supersession are states.
"""

from typing import TypedDict

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from certificates.codes import LENGTH as CODE_LENGTH


class Signatory(models.Model):
    """A person whose name and title an organisation prints on its certificates."""

    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="signatories",
    )
    name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("title"), max_length=200, help_text=_("For example: Police Commissioner, UNPOL"))
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    is_active = models.BooleanField(_("signs new certificates"), default=True)

    class Meta:
        verbose_name = _("signatory")
        verbose_name_plural = _("signatories")
        ordering = ["organisation", "order", "pk"]

    def __str__(self) -> str:
        return f"{self.name}, {self.title}"


def _logo_path(instance: "IssuerLogo", filename: str) -> str:
    return f"certificates/logos/{instance.organisation_id}{instance.extension}"


class IssuerLogo(models.Model):
    """An organisation's logo on its certificates (PNG or JPEG); without one, the platform emblem."""

    organisation = models.OneToOneField(
        "organisations.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="certificate_logo",
    )
    image = models.FileField(_("image"), upload_to=_logo_path)
    extension = models.CharField(max_length=5, editable=False)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now=True)

    class Meta:
        verbose_name = _("issuer logo")
        verbose_name_plural = _("issuer logos")

    def __str__(self) -> str:
        return f"logo of organisation {self.organisation_id}"


class PrintedSignatory(TypedDict):
    """A signatory as printed on a certificate (``Certificate.signatories`` holds a list of them)."""

    name: str
    title: str


class Certificate(models.Model):
    """One issued certificate. Exactly one original per completion; reissues replace it."""

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", pgettext_lazy("certificate status", "Expired")
        SUPERSEDED = "superseded", _("Superseded")

    code = models.CharField(_("code"), max_length=CODE_LENGTH, unique=True)
    completion = models.ForeignKey(
        "courses.CourseCompletion",
        verbose_name=_("completion record"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("replaces"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    # Denormalised from the completion for scoped listing without joins through it.
    officer = models.ForeignKey(
        "organisations.Officer", verbose_name=_("holder"), on_delete=models.PROTECT, related_name="certificates"
    )
    course = models.ForeignKey(
        "courses.Course", verbose_name=_("course"), on_delete=models.PROTECT, related_name="certificates"
    )
    issuer = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("issuer"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    serial = models.PositiveIntegerField(_("serial number"), help_text=_("Counts up per issuing organisation."))
    # As printed at issue time.
    holder_name = models.CharField(_("holder name"), max_length=310)
    holder_service_number = models.CharField(_("service number"), max_length=50)
    course_code = models.CharField(_("course code"), max_length=30)
    course_title = models.CharField(_("course title"), max_length=200)
    course_title_translated = models.CharField(
        _("course title (second language)"),
        max_length=200,
        blank=True,
        help_text=_("Printed beside the title on a bilingual certificate."),
    )
    languages = models.JSONField(_("languages"), default=list)
    competencies = models.JSONField(_("competencies"), default=list)
    signatories = models.JSONField(_("signatories"), default=list)
    issuer_name = models.CharField(_("issuer name"), max_length=200)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    pdf = models.FileField(_("PDF"), upload_to="certificates/", max_length=200)
    pdf_sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.VALID)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("status changed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status_reason = models.TextField(_("reason"), blank=True)
    refresher_notified_at = models.DateTimeField(_("refresher reminder sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            # The last line of defence for "exactly once per completion".
            models.UniqueConstraint(
                fields=["completion"], condition=Q(replaces__isnull=True), name="certificate_one_original"
            ),
            models.UniqueConstraint(fields=["issuer", "serial"], name="certificate_unique_serial"),
        ]
        indexes = [
            models.Index(fields=["officer", "status"], name="certificate_officer_idx"),
            models.Index(fields=["course", "status"], name="certificate_course_idx"),
            models.Index(fields=["status", "expires_on"], name="certificate_expiry_idx"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_valid(self) -> bool:
        return self.status == self.Status.VALID


class SerialCounter(models.Model):
    """The next serial number per issuing organisation (taken in blocks under a row lock)."""

    organisation = models.OneToOneField(
        "organisations.Organisation", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    next_serial = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"{self.organisation_id}: {self.next_serial}"


class Verification(models.Model):
    """Somebody checked a code or a PDF; kept to notice enumeration and for the holder's trust."""

    class Channel(models.TextChoices):
        PAGE = "page", _("Verification page")
        API = "api", _("API")
        UPLOAD = "upload", _("PDF upload")

    class Outcome(models.TextChoices):
        FOUND = "found", _("Found")
        UNKNOWN = "unknown", _("Unknown code")
        MALFORMED = "malformed", _("Malformed code")
        MATCH = "match", _("PDF matches")
        MISMATCH = "mismatch", _("PDF does not match")

    code_entered = models.CharField(_("code entered"), max_length=64)
    certificate = models.ForeignKey(
        Certificate,
        verbose_name=_("certificate"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="verifications",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    client = models.CharField(
        _("client"), max_length=64, blank=True, help_text=_("A keyed hash of the address, never the address.")
    )
    checked_at = models.DateTimeField(_("checked at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("verification")
        verbose_name_plural = _("verifications")
        ordering = ["-checked_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.code_entered} ({self.outcome})"


class IssueRun(models.Model):
    """A trainer's bulk issue (or reissue) for a course cohort or a session, chunked across workers."""

    class Kind(models.TextChoices):
        ISSUE = "issue", _("Issue missing certificates")
        REISSUE = "reissue", _("Reissue (supersede) certificates")

    course = models.ForeignKey(
        "courses.Course", verbose_name=_("course"), on_delete=models.PROTECT, related_name="issue_runs"
    )
    session = models.ForeignKey(
        "courses.TrainingSession",
        verbose_name=_("session"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issue_runs",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ISSUE)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("bulk issue")
        verbose_name_plural = _("bulk issues")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class IssueRunItem(models.Model):
    """One completion of a bulk run and what became of it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", pgettext_lazy("bulk issue item", "Issued")
        SKIPPED = "skipped", _("Already issued")
        FAILED = "failed", _("Failed")

    run = models.ForeignKey(IssueRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="items")
    completion = models.ForeignKey(
        "courses.CourseCompletion", verbose_name=_("completion record"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    certificate = models.ForeignKey(
        Certificate, verbose_name=_("certificate"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    error = models.TextField(_("error"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("bulk issue item")
        verbose_name_plural = _("bulk issue items")
        ordering = ["run", "pk"]
        constraints = [models.UniqueConstraint(fields=["run", "completion"], name="issue_run_item_unique")]
        indexes = [models.Index(fields=["run", "status"], name="issue_run_item_status_idx")]

    def __str__(self) -> str:
        return f"run {self.run_id}: completion {self.completion_id} ({self.status})"
