from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organisations.identity import service_number_key_expression

if TYPE_CHECKING:
    from organisations.selectors import Roles


class PoliceService(models.Model):
    """A host state's national police service: the root of one organisation tree."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    country = models.CharField(_("country"), max_length=100)
    area_level_names = models.JSONField(
        _("area level names"),
        default=list,
        blank=True,
        help_text=_('Names of the administrative levels from the top, e.g. ["Region", "District"].'),
    )

    class Meta:
        verbose_name = _("police service")
        verbose_name_plural = _("police services")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """The UN mission and partner organisations that can own courses."""

    class Kind(models.TextChoices):
        MISSION = "mission", _("UN mission")
        UN_AGENCY = "un_agency", _("UN agency")
        REGIONAL = "regional", _("Regional organisation")
        BILATERAL = "bilateral", _("Bilateral partner")
        NATIONAL = "national", _("National institution")

    acronym = models.CharField(_("acronym"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    police_service = models.ForeignKey(
        PoliceService,
        verbose_name=_("police service"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("The host police service a mission supports."),
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["acronym"]

    def __str__(self) -> str:
        return f"{self.acronym} - {self.name}"


class Headcount(TypedDict):
    """Active officers of a subtree, as ``selectors.unit_summaries`` counts them."""

    total: int
    women: int
    finally_certified: int


class Unit(models.Model):
    """A node of a police service's tree: headquarters, administrative areas and units.

    ``path`` is a materialised path of zero-padded ids ending in "/", so a subtree is one
    indexed prefix query (``path__startswith``). Only services change it.
    """

    class Type(models.TextChoices):
        NATIONAL = "national", _("National headquarters")
        AREA = "area", _("Administrative area")
        STATION = "station", _("Police station")
        COMMUNITY_POLICING = "community_policing", _("Community policing unit")
        SGBV = "sgbv", _("SGBV / women and children protection unit")
        BORDER_POST = "border_post", _("Border post")
        TRANSNATIONAL_CRIME = "transnational_crime", _("Transnational crime unit")
        PUBLIC_ORDER = "public_order", _("Public order unit")
        MARITIME = "maritime", _("Maritime police")
        INTELLIGENCE = "intelligence", _("Intelligence unit")
        TRAINING_CENTRE = "training_centre", _("Police training centre")

    service = models.ForeignKey(
        PoliceService, verbose_name=_("police service"), on_delete=models.PROTECT, related_name="units"
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=200)
    unit_type = models.CharField(_("type"), max_length=30, choices=Type.choices)
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    # Not a column: set on the units that ``selectors.unit_summaries`` returns (home page).
    headcount: Headcount

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]
        constraints = [models.UniqueConstraint(fields=["service", "code"], name="unit_unique_code_per_service")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_area(self) -> bool:
        return self.unit_type == self.Type.AREA

    @property
    def level_name(self) -> str:
        """The area's level name from its service ("Region", "District"), else its type."""
        names = self.service.area_level_names
        if self.is_area and 0 < self.depth <= len(names):
            return names[self.depth - 1]
        return str(self.get_unit_type_display())


class User(AbstractUser):
    """A person who signs in. Never deleted: deactivation keeps every record they made."""

    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, blank=True
    )

    # Not columns: caches on the instance for one request. ``selectors.user_roles`` keeps the
    # roles it computed; the authentication backend marks a user loaded with their officer
    # record (``backends.get_user``), so ``user_roles`` asks for it no second time.
    _lms_roles: "Roles | None" = None
    is_officer_loaded: bool = False

    # Every option of AbstractUser.Meta (names, abstract) is set or reset here.
    class Meta:
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")


class Role(models.TextChoices):
    TRAINEE = "trainee", _("Trainee")
    TRAINER = "trainer", _("Trainer")
    LEADERSHIP = "leadership", _("Leadership")
    ADMIN = "admin", _("Administrator")


class RoleGrant(models.Model):
    """A role held over an organisation subtree (``unit``); no unit means the whole platform.

    Trainee rights come from being an active officer and leadership of one's own unit
    from commanding it: those are derived, not granted (see ``selectors.user_roles``).
    """

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("scope"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="role_grants",
        help_text=_("The subtree this role covers; empty means the whole platform."),
    )
    granted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "unit"], name="rolegrant_unique_scoped"),
            models.UniqueConstraint(
                fields=["user", "role"], condition=Q(unit__isnull=True), name="rolegrant_unique_platform"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} - {self.get_role_display()} - {self.unit or _('whole platform')}"


class Officer(models.Model):
    """A member of a national police service, whether or not they have a user account.

    ``service_number`` is stored cleaned, in the case first written, and is unique per
    service ignoring case (``organisations.identity``).
    """

    class Sex(models.TextChoices):
        FEMALE = "F", _("Female")
        MALE = "M", _("Male")

    class VettingStatus(models.TextChoices):
        UNKNOWN = "unknown", _("Unknown")
        REGISTERED = "registered", _("Registered")
        SCREENED = "screened", _("Screened")
        PROVISIONALLY_CERTIFIED = "provisionally_certified", _("Provisionally certified")
        FINALLY_CERTIFIED = "finally_certified", _("Finally certified")
        EXCLUDED = "excluded", _("Excluded")

    service = models.ForeignKey(
        PoliceService, verbose_name=_("police service"), on_delete=models.PROTECT, related_name="officers"
    )
    service_number = models.CharField(_("service number"), max_length=50)
    given_name = models.CharField(_("given name"), max_length=150)
    family_name = models.CharField(_("family name"), max_length=150)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    rank = models.CharField(_("rank"), max_length=100)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="officers")
    position = models.CharField(_("position"), max_length=150, blank=True)
    is_commander = models.BooleanField(_("commands the unit"), default=False)
    vetting_status = models.CharField(
        _("vetting status"), max_length=30, choices=VettingStatus.choices, default=VettingStatus.UNKNOWN
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Cleared when the officer leaves the service.")
    )
    left_on = models.DateField(_("left on"), null=True, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    user = models.OneToOneField(
        User, verbose_name=_("user account"), null=True, blank=True, on_delete=models.SET_NULL, related_name="officer"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("officer")
        verbose_name_plural = _("officers")
        ordering = ["family_name", "given_name", "service_number"]
        constraints = [
            # One officer per number and service, whatever the case (organisations.identity).
            models.UniqueConstraint(
                service_number_key_expression(),
                "service",
                name="officer_unique_service_number_any_case",
                violation_error_message=_(
                    "An officer of this police service already has this service number (case does not count)."
                ),
            )
        ]
        indexes = [models.Index(fields=["unit", "is_active"], name="officer_unit_active_idx")]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.service_number})"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class Transfer(models.Model):
    """A dated move of an officer from one unit to another."""

    officer = models.ForeignKey(Officer, verbose_name=_("officer"), on_delete=models.PROTECT, related_name="transfers")
    from_unit = models.ForeignKey(Unit, verbose_name=_("from"), null=True, on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey(Unit, verbose_name=_("to"), on_delete=models.PROTECT, related_name="+")
    effective_on = models.DateField(_("effective on"))
    recorded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-effective_on", "-id"]

    def __str__(self) -> str:
        return f"{self.officer_id}: {self.from_unit_id} -> {self.to_unit_id} ({self.effective_on})"


class RosterImport(models.Model):
    """A record of one roster file applied to a service (readiness shows roster freshness)."""

    service = models.ForeignKey(PoliceService, on_delete=models.PROTECT, related_name="roster_imports")
    file_name = models.CharField(max_length=255)
    imported_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(default=timezone.now)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    transferred = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    missing = models.PositiveIntegerField(
        default=0, help_text=_("Active officers of the service absent from the file.")
    )

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.imported_at:%Y-%m-%d %H:%M})"


class ActivationCode(models.Model):
    """A one-time code printed on a slip so an officer without e-mail can set a password.

    Only a hash is stored; issuing a new code for an officer voids the older ones.
    """

    officer = models.ForeignKey(Officer, on_delete=models.CASCADE, related_name="activation_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    issued_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("activation code")
        verbose_name_plural = _("activation codes")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.officer_id} ({self.issued_at:%Y-%m-%d})"

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.voided_at is None and self.expires_at > timezone.now()


class ApiToken(models.Model):
    """A key one API client signed in with (``Authorization: Token <key>``).

    Each sign-in makes its own, so a person can see and revoke each client separately.
    Only the SHA-256 of the key is stored (the key has 240 random bits: a plain hash is
    enough to make a copy of the table useless) and its first characters, to tell keys
    apart. See ``organisations.tokens``.
    """

    NAME_MAX_LENGTH = 100

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(
        _("name"), max_length=NAME_MAX_LENGTH, blank=True, help_text=_("The client, as it named itself.")
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("key begins with"), max_length=8, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"))

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "expires_at"], name="apitoken_user_expires_idx")]

    def __str__(self) -> str:
        return f"{self.prefix}… {self.name}".strip()

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()
