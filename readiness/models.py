"""Handover readiness: what leaders require of a unit, what the records show, and the trend.

Definitions (../shared/DOMAIN.md, the Timor-Leste criteria as the model):

- an officer is *eligible* when active and not excluded by vetting;
- *coverage* of a unit for a competency = eligible officers of the requirement's
  population holding a valid certificate of a course with that competency / eligible
  officers of that population (0-1); for an area or the nation, over every officer of
  its subtree, which is the roll-up weighted by headcount;
- a unit's *index* combines the training score (weighted coverage against targets), the
  vetting share, the women's share and the joint assessment's criteria, each capped at its
  target, by the weights of the unit type's profile; *ready* needs every gate met and the
  index at the profile's threshold.

Metric rows (``CompetencyMetric``, ``UnitReadiness``) are derived: a full reconciliation
can rebuild them from the records at any time and must find nothing to change.
``Snapshot`` rows are append-only history.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

SHARE = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))]


def share_field(verbose_name, default: str, **options) -> models.DecimalField:
    return models.DecimalField(
        verbose_name, max_digits=4, decimal_places=3, default=Decimal(default), validators=SHARE, **options
    )


class Competency(models.Model):
    """The competency catalogue (seeded by a migration with the 14 codes of DOMAIN.md)."""

    class Area(models.TextChoices):
        OPERATIONS = "operations", _("Police operations")
        COMMAND = "command", _("Police command")
        ADMINISTRATION = "administration", _("Police administration")
        CAPACITY = "capacity", _("Capacity-building and development")
        CROSS_CUTTING = "cross_cutting", _("Cross-cutting")

    code = models.CharField(_("code"), max_length=10, primary_key=True)
    name = models.CharField(_("name"), max_length=200)
    area = models.CharField(_("SGF area"), max_length=20, choices=Area.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("competency")
        verbose_name_plural = _("competencies")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return f"{self.code} - {self.name}"


class RequirementProfile(models.Model):
    """What a unit of a type must show to be ready; the profile with no type is the default."""

    name = models.CharField(_("name"), max_length=200)
    unit_type = models.CharField(
        _("unit type"),
        max_length=30,
        blank=True,
        help_text=_("Empty for the default profile, used by every type without its own."),
    )
    threshold = share_field(_("index needed to be ready"), "0.800")
    progressing_from = share_field(_("index from which a unit is progressing"), "0.500")
    training_weight = share_field(_("weight of training"), "0.600")
    vetting_target = share_field(_("share of eligible officers finally certified"), "0.800")
    vetting_is_gate = models.BooleanField(_("vetting is a gate"), default=True)
    vetting_weight = share_field(_("weight of vetting"), "0.150")
    women_target = share_field(_("women's share of eligible officers"), "0.200")
    women_is_gate = models.BooleanField(_("women's share is a gate"), default=False)
    women_weight = share_field(_("weight of women's share"), "0.100")
    assessment_weight = share_field(_("weight of the joint assessment"), "0.150")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("requirement profile")
        verbose_name_plural = _("requirement profiles")
        ordering = ["unit_type", "name"]
        constraints = [models.UniqueConstraint(fields=["unit_type"], name="readiness_profile_unique_unit_type")]

    def __str__(self) -> str:
        return self.name


class Requirement(models.Model):
    """One competency of a profile: for whom, how much, and whether it is a gate."""

    class Population(models.TextChoices):
        ALL = "all", _("All eligible officers")
        COMMANDERS = "commanders", _("Commanders")
        POSITION = "position", _("A specialised position")

    profile = models.ForeignKey(
        RequirementProfile, verbose_name=_("profile"), on_delete=models.CASCADE, related_name="requirements"
    )
    competency = models.ForeignKey(Competency, verbose_name=_("competency"), on_delete=models.PROTECT, related_name="+")
    population = models.CharField(_("population"), max_length=12, choices=Population.choices, default=Population.ALL)
    position = models.CharField(
        _("position"), max_length=150, blank=True, help_text=_("When the population is a position.")
    )
    target = share_field(_("target share"), "0.800")
    is_gate = models.BooleanField(_("gate (must be met)"), default=False)
    weight = models.DecimalField(
        _("weight"), max_digits=5, decimal_places=2, default=Decimal("1"), validators=[MinValueValidator(Decimal("0"))]
    )

    class Meta:
        verbose_name = _("requirement")
        verbose_name_plural = _("requirements")
        ordering = ["profile", "competency__order"]
        constraints = [models.UniqueConstraint(fields=["profile", "competency"], name="readiness_requirement_unique")]

    def __str__(self) -> str:
        return f"{self.profile}: {self.competency_id} {self.target}"


class CompetencyMetric(models.Model):
    """Derived: one unit (its whole subtree) x one competency of the catalogue."""

    unit = models.ForeignKey("organisations.Unit", on_delete=models.CASCADE, related_name="competency_metrics")
    competency = models.ForeignKey(Competency, on_delete=models.CASCADE, related_name="metrics")
    headcount = models.PositiveIntegerField(default=0)
    certified = models.PositiveIntegerField(default=0)
    headcount_women = models.PositiveIntegerField(default=0)
    certified_women = models.PositiveIntegerField(default=0)
    target = models.DecimalField(max_digits=4, decimal_places=3, null=True, blank=True)
    is_gate = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "competency"], name="readiness_metric_unique")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.competency_id}: {self.certified}/{self.headcount}"

    @property
    def coverage(self) -> float | None:
        return self.certified / self.headcount if self.headcount else None

    @property
    def is_met(self) -> bool | None:
        if self.target is None:
            return None
        return (self.coverage or 0) >= float(self.target)


class UnitReadiness(models.Model):
    """Derived: a unit's (or an area's roll-up) index, status and components."""

    class Status(models.TextChoices):
        READY = "ready", _("Ready")
        PROGRESSING = "progressing", _("Progressing")
        NOT_READY = "not_ready", _("Not ready")

    unit = models.OneToOneField(
        "organisations.Unit", primary_key=True, on_delete=models.CASCADE, related_name="readiness"
    )
    eligible = models.PositiveIntegerField(default=0)
    eligible_women = models.PositiveIntegerField(default=0)
    finally_certified = models.PositiveIntegerField(default=0)
    vetting_unknown = models.PositiveIntegerField(default=0)
    training_score = models.FloatField(null=True, blank=True)
    vetting_score = models.FloatField(null=True, blank=True)
    women_score = models.FloatField(null=True, blank=True)
    assessment_score = models.FloatField(null=True, blank=True)
    index = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    gates = models.JSONField(default=list)
    units_ready = models.PositiveIntegerField(default=0)
    units_assessed = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = _("unit readiness")

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.status} {self.index}"


class SyncState(models.Model):
    """One row per police service: its syncs take this row's lock, so they never interleave."""

    service = models.OneToOneField(
        "organisations.PoliceService", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    last_full_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"sync state of service {self.service_id}"


class DirtyUnit(models.Model):
    """A unit an event touched and the next coalesced update must recompute (with its ancestors).

    Events mark units here cheaply, in their own transaction; ``readiness.sync_dirty`` takes
    every marked unit in one update, so a bulk run of a thousand certificates causes a few
    updates, not a thousand. A mark stays until an update that saw it commits."""

    unit = models.OneToOneField("organisations.Unit", primary_key=True, on_delete=models.CASCADE, related_name="+")
    marked_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"unit {self.unit_id} to update"


class SyncRequest(models.Model):
    """A ``readiness.sync_dirty`` message sent for a service and not started yet.

    Single flight: an event that marked units sends a message only when it creates this
    row (``services.dirty_sync_request``); the task deletes it before it reads the marks.
    So a service has at most one such message waiting, however many events mark its units.
    A row older than ``OUTBOX_REDISPATCH_AFTER_SECONDS`` counts as a lost message.

    A table of its own, not a column of ``SyncState``: every sync holds that row's lock
    while it runs, and an event asking for the next update must not wait for it."""

    service = models.OneToOneField(
        "organisations.PoliceService", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"update of service {self.service_id} requested at {self.requested_at}"


class Snapshot(models.Model):
    """Append-only daily history of a unit's readiness, for trends and projections."""

    unit = models.ForeignKey("organisations.Unit", on_delete=models.CASCADE, related_name="readiness_snapshots")
    taken_on = models.DateField(db_index=True)
    index = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=UnitReadiness.Status.choices, blank=True)
    eligible = models.PositiveIntegerField(default=0)
    eligible_women = models.PositiveIntegerField(default=0)
    coverage = models.JSONField(default=dict, help_text="competency code -> [certified, headcount]")
    components = models.JSONField(default=dict)
    recorded_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["unit", "taken_on"]
        constraints = [models.UniqueConstraint(fields=["unit", "taken_on"], name="readiness_snapshot_unique_day")]

    def __str__(self) -> str:
        return f"{self.unit_id} on {self.taken_on}: {self.index}"


class SyncRun(models.Model):
    """One computation of the metrics: a full reconciliation or an event-driven update."""

    class Kind(models.TextChoices):
        FULL = "full", _("Full reconciliation")
        EVENT = "event", _("Event-driven update")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    trigger = models.CharField(max_length=100, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    units = models.PositiveIntegerField(default=0)
    rows_changed = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} sync #{self.pk}"


class JointAssessment(models.Model):
    """A round of the joint (mission, ministry, police) assessment of what training cannot measure."""

    class Rating(models.IntegerChoices):
        NOT_MET = 0, _("Not met")
        PARTLY_MET = 1, _("Partly met")
        MET = 2, _("Met")

    unit = models.ForeignKey(
        "organisations.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="joint_assessments"
    )
    assessed_on = models.DateField(_("assessed on"))
    logistics = models.PositiveSmallIntegerField(_("initial logistics in place"), choices=Rating.choices)
    command_stability = models.PositiveSmallIntegerField(_("command and control stable"), choices=Rating.choices)
    human_rights_compliance = models.PositiveSmallIntegerField(_("human-rights compliance"), choices=Rating.choices)
    community_acceptance = models.PositiveSmallIntegerField(_("community acceptance"), choices=Rating.choices)
    evidence = models.TextField(_("evidence notes"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("joint assessment")
        verbose_name_plural = _("joint assessments")
        ordering = ["unit", "-assessed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.unit_id} on {self.assessed_on}"

    def audit_label(self) -> str:
        """How the audit trail names it (``lms.audit.labels``: the unit is joined there)."""
        return gettext("%(unit)s: joint assessment, %(day)s") % {
            "unit": self.unit.name,
            "day": date_format(self.assessed_on, "DATE_FORMAT"),
        }


class HandoverDecision(models.Model):
    """The joint decision to hand a unit or area over (or to defer), with its date.

    A handover (plain or with conditions) takes effect only once a second person with
    leadership or admin over the unit approves it (``status`` pending -> approved); a
    deferral takes effect when recorded. A handover against a failed gate or a status other
    than ready carries an explicit override and its reason; a conditional one carries its
    conditions and the date they are reviewed."""

    class Decision(models.TextChoices):
        HANDED_OVER = "handed_over", _("Handed over")
        CONDITIONAL = "conditional", _("Handed over with conditions")
        DEFERRED = "deferred", _("Deferred")

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting a second approver")
        APPROVED = "approved", _("In effect")

    # Decisions that hand the unit over: they need a second approver.
    HANDOVERS = (Decision.HANDED_OVER, Decision.CONDITIONAL)

    unit = models.ForeignKey(
        "organisations.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="handover_decisions"
    )
    decision = models.CharField(_("decision"), max_length=12, choices=Decision.choices)
    decided_on = models.DateField(_("decided on"))
    notes = models.TextField(_("notes"), blank=True)
    is_override = models.BooleanField(_("decided against failing gates"), default=False)
    override_reason = models.TextField(_("reason for the override"), blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    review_on = models.DateField(_("conditions reviewed on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.APPROVED)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("handover decision")
        verbose_name_plural = _("handover decisions")
        ordering = ["unit", "-decided_on", "-pk"]
        constraints = [
            # The last line of defence behind the service: nobody approves their own decision.
            models.CheckConstraint(
                condition=models.Q(approved_by__isnull=True) | ~models.Q(approved_by=models.F("recorded_by")),
                name="readiness_handover_second_approver",
            ),
            models.CheckConstraint(
                condition=~models.Q(decision="conditional") | models.Q(review_on__isnull=False),
                name="readiness_handover_conditional_review",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.decision} on {self.decided_on} ({self.status})"

    def audit_label(self) -> str:
        """How the audit trail names it (``lms.audit.labels``: the unit is joined there)."""
        return gettext("%(unit)s: %(decision)s, %(day)s") % {
            "unit": self.unit.name,
            "decision": self.get_decision_display(),
            "day": date_format(self.decided_on, "DATE_FORMAT"),
        }

    @property
    def is_handover(self) -> bool:
        return self.decision in self.HANDOVERS

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class Webhook(models.Model):
    """A mission data system that receives each day's snapshots, signed with HMAC-SHA256."""

    url = models.URLField(_("URL"))
    secret = models.CharField(_("signing secret"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return self.url


def field_label(model: type[models.Model], name: str) -> str | Promise:
    """The verbose name of one of ``model``'s own fields (lazy: translated where it is shown)."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)  # a field of the model itself, not a reverse relation
    return field.verbose_name
