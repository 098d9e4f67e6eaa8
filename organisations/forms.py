import datetime
from contextvars import ContextVar
from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import password_validation
from django.contrib.auth.forms import (
    AdminPasswordChangeForm,
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from django.contrib.auth.tokens import PasswordResetTokenGenerator, default_token_generator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organisations import passwords, throttles
from organisations.identity import text_clean
from organisations.models import PoliceService, Unit, User
from organisations.permissions import command_changes_refused, command_roots, commanded_unit


class ThrottledAuthenticationForm(AuthenticationForm):
    """The sign-in form, refusing further guesses once an account or address is locked out."""

    THROTTLE_SCOPE = "login"
    error_messages = AuthenticationForm.error_messages | {
        "locked_out": _("Too many failed sign-in attempts. Wait a few minutes and try again."),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        if username is None or not self.cleaned_data.get("password"):
            return super().clean()  # a field is missing: no password is checked, none counted
        address = throttles.client_address(self.request)
        scope = {"scope": self.THROTTLE_SCOPE, "identifier": username, "address": address}
        if not throttles.attempt_admit(**scope):  # counted before the password is checked
            raise forms.ValidationError(self.error_messages["locked_out"], code="locked_out")
        cleaned = super().clean()  # a wrong password raises, and stays counted
        throttles.failures_clear(**scope)
        return cleaned


class ThrottledAdminAuthenticationForm(ThrottledAuthenticationForm, AdminAuthenticationForm):
    """The Django admin's sign-in (staff accounts only), counting failures in the same
    scope as the site's sign-in: one budget of guesses, whichever page they come through."""

    error_messages = AdminAuthenticationForm.error_messages | {
        "locked_out": ThrottledAuthenticationForm.error_messages["locked_out"],
    }


class AccountActivationForm(forms.Form):
    """Service number, slip code and a new password; refuses once an account or address is
    locked out by failed guesses. A valid form has counted its attempt (the view then
    clears or forgets it, see ``organisations.throttles``)."""

    THROTTLE_SCOPE = "activate"
    error_messages = {
        "password_mismatch": _("The two passwords do not match."),
        "locked_out": _("Too many failed attempts. Wait a few minutes and try again."),
    }

    service_number = forms.CharField(label=_("Service number"), max_length=50)
    code = forms.CharField(
        label=_("Activation code"),
        max_length=40,
        help_text=_("As printed on your slip, for example 7KQ3-XM9P-2DC."),
    )
    password = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput,
        help_text=password_validation.password_validators_help_text_html(),
    )
    password_confirm = forms.CharField(label=_("New password again"), strip=False, widget=forms.PasswordInput)

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    @property
    def throttle(self) -> dict[str, str]:
        return {
            "scope": self.THROTTLE_SCOPE,
            "identifier": self.data.get("service_number", ""),
            "address": throttles.client_address(self.request),
        }

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        password, confirm = cleaned.get("password"), cleaned.get("password_confirm")
        if password and confirm and password != confirm:
            self.add_error("password_confirm", forms.ValidationError(self.error_messages["password_mismatch"]))
        # A form that will be checked counts its attempt now (throttles.attempt_admit);
        # one that will not is only told when the lock-out would refuse it anyway.
        if self.errors:
            is_refused = throttles.is_locked_out(**self.throttle)
        else:
            is_refused = not throttles.attempt_admit(**self.throttle)
        if is_refused:
            raise forms.ValidationError(self.error_messages["locked_out"], code="locked_out")
        return cleaned


class UnitActivationSlipsForm(forms.Form):
    include_activated = forms.BooleanField(
        label=_("Also officers who already have an account (their passwords stay until they use the new code)"),
        required=False,
    )


class RosterImportForm(forms.Form):
    """The roster upload; the police service is asked for only when there is a choice."""

    file = forms.FileField(
        label=_("Roster file (CSV)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv", "aria-describedby": "roster-help"}),
    )
    service = forms.ModelChoiceField(queryset=PoliceService.objects.none(), label=_("Police service"))

    def __init__(self, *args: Any, services: QuerySet[PoliceService], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        service = self.fields["service"]
        assert isinstance(service, forms.ModelChoiceField)  # declared above
        service.queryset = services
        self.only_service = services[0] if len(services) == 1 else None
        if self.only_service is not None:
            del self.fields["service"]


class OfficerAdminForm(forms.ModelForm):
    """The admin's officer form: the service number and names are stored cleaned, as a
    roster import stores them (``organisations.identity.text_clean``), so that the
    constraint on service numbers sees what a person would see. No ``Meta``: the admin
    builds it for ``Officer`` with every field, as for its default form.

    A change of who commands a unit is refused unless ``actor`` may make it, as in a
    roster import (``organisations.permissions``): the admin sets ``actor`` to the signed-in
    user (a superuser may; so does staff with granted leadership over the unit). ``actor``
    None is the system.
    """

    actor: User | None = None

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        officer = self.instance
        is_new = officer._state.adding
        unit = cleaned.get("unit") if "unit" in self.fields else officer.unit
        if unit is None or any(name in self.errors for name in ("unit", "is_active", "is_commander")):
            return cleaned
        before = (
            None
            if is_new
            else commanded_unit(unit=officer.unit, is_active=officer.is_active, is_commander=officer.is_commander)
        )
        is_commander = cleaned.get("is_commander", False if is_new else officer.is_commander)
        after = commanded_unit(
            unit=unit,
            is_active=cleaned.get("is_active", True if is_new else officer.is_active),
            is_commander=is_commander,
        )
        refused = command_changes_refused(roots=command_roots(self.actor), before=before, after=after)
        if refused:
            was_commander = not is_new and officer.is_commander
            field = "is_commander" if is_commander != was_commander else "is_active"
            message = _(
                "Only an administrator, or a leader whose scope covers unit %(unit)s, may change who commands it."
            )
            self.add_error(field, message % {"unit": refused[0].code})
        return cleaned

    def clean_service_number(self) -> str:
        return text_clean(self.cleaned_data["service_number"])

    def clean_given_name(self) -> str:
        return text_clean(self.cleaned_data["given_name"])

    def clean_family_name(self) -> str:
        return text_clean(self.cleaned_data["family_name"])


# Keeping an officer's record (the services check the rules; these forms read the input) -----

INDENT = "\u00a0\u00a0"  # no-break spaces, which a <select> keeps


class UnitChoiceField(forms.ModelChoiceField):
    """Units in a plain <select>, indented by depth so that the tree reads (queryset in path order)."""

    def label_from_instance(self, unit: Unit) -> str:
        return f"{INDENT * unit.depth}{unit.name} ({unit.code})"


def _reason_field(help_text) -> forms.CharField:
    return forms.CharField(
        label=_("Reason"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=help_text,
    )


def _date_input() -> forms.DateInput:
    """A browser's date picker: it takes ISO dates only, whatever the page's language."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _not_in_the_future(value: datetime.date) -> None:
    if value > timezone.localdate():
        raise forms.ValidationError(_("The date cannot be in the future."), code="future")


class OfficerTransferForm(forms.Form):
    unit = UnitChoiceField(
        label=_("New unit"),
        queryset=Unit.objects.none(),
        help_text=_("Open units of the officer's police service within your scope."),
    )
    effective_on = forms.DateField(label=_("Effective on"), widget=_date_input(), validators=[_not_in_the_future])
    note = forms.CharField(
        label=_("Note"), max_length=255, required=False, help_text=_("For example the order that posts the officer.")
    )

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit = self.fields["unit"]
        assert isinstance(unit, UnitChoiceField)  # declared above
        unit.queryset = units


class OfficerLeaveForm(forms.Form):
    left_on = forms.DateField(
        label=_("Left the service on"),
        widget=_date_input(),
        validators=[_not_in_the_future],
    )
    reason = _reason_field(_("For example retirement, resignation or dismissal. Kept in the audit trail."))


class AccountStatusForm(forms.Form):
    """Disable or enable an account: the action is the button pressed, so that a form sent
    twice does the same thing twice (nothing, the second time)."""

    DISABLE, ENABLE = "disable", "enable"

    action = forms.ChoiceField(choices=[(DISABLE, DISABLE), (ENABLE, ENABLE)], widget=forms.HiddenInput)
    reason = _reason_field(_("Kept in the audit trail."))


# Passwords (organisations.passwords) ------------------------------------------------------
# Every form that sets a password validates it against AUTH_PASSWORD_VALIDATORS (Django's
# SetPasswordMixin) and saves it through ``passwords.user_password_set``.


def _new_password_fields(form: forms.Form) -> None:
    form.fields["new_password1"].label = _("New password")
    form.fields["new_password2"].label = _("New password again")
    form.fields["new_password2"].help_text = ""


class AccountPasswordChangeForm(PasswordChangeForm):
    """A person changes their own password, with the current one. Guesses at the current
    password are throttled like sign-ins (a stolen session must not try them freely)."""

    THROTTLE_SCOPE = "password_change"
    error_messages = PasswordChangeForm.error_messages | {
        "password_incorrect": _("Your current password is not right. Type it again."),
        "locked_out": _("Too many failed attempts. Wait a few minutes and try again."),
    }

    def __init__(self, user, *args, request, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request
        self.fields["old_password"].label = _("Current password")
        _new_password_fields(self)

    def clean_old_password(self):
        scope = {
            "scope": self.THROTTLE_SCOPE,
            "identifier": self.user.get_username(),
            "address": throttles.client_address(self.request),
        }
        if not throttles.attempt_admit(**scope):  # counted before the password is checked
            raise forms.ValidationError(self.error_messages["locked_out"], code="locked_out")
        old_password = super().clean_old_password()  # a wrong one raises, and stays counted
        throttles.failures_clear(**scope)
        return old_password

    def save(self, commit=True):
        passwords.user_password_set(
            user=self.user,
            password=self.cleaned_data["new_password1"],
            method=passwords.PasswordMethod.CHANGE,
            actor=self.user,
        )
        return self.user


class ThrottledPasswordResetForm(PasswordResetForm):
    """Ask for a reset link by e-mail. Every request counts, whether or not the address
    belongs to anyone, per address typed and per client address (``throttles``, scope
    ``password_reset``): the answer is the same either way, so it tells nobody whether an
    address is known, and nobody can have a mailbox flooded."""

    THROTTLE_SCOPE = "password_reset"
    error_messages = {"locked_out": _("Too many requests for a reset link. Wait a few minutes and try again.")}

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.fields["email"].label = _("E-mail address")

    def clean_email(self):
        email = self.cleaned_data["email"]
        address = throttles.client_address(self.request)
        if not throttles.attempt_admit(scope=self.THROTTLE_SCOPE, identifier=email, address=address):
            raise forms.ValidationError(self.error_messages["locked_out"], code="locked_out")
        return email

    def save(  # Django's signature: PasswordResetView passes its mail options, unused here
        self,
        domain_override: str | None = None,
        subject_template_name: str = "registration/password_reset_subject.txt",
        email_template_name: str = "registration/password_reset_email.html",
        use_https: bool = False,
        token_generator: PasswordResetTokenGenerator = default_token_generator,
        from_email: str | None = None,
        request: HttpRequest | None = None,
        html_email_template_name: str | None = None,
        extra_email_context: dict[str, str] | None = None,
    ) -> None:
        """Record the request; the outbox's worker sends the mail after the request
        (``passwords.password_reset_request``, with the project's templates and
        ``PUBLIC_BASE_URL``), so the answer takes as long whether or not the address is
        known."""
        passwords.password_reset_request(email=self.cleaned_data["email"])


class PasswordResetSetForm(SetPasswordForm):
    """The new password, from the link of a reset e-mail."""

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        _new_password_fields(self)

    def save(self, commit=True):
        passwords.user_password_set(
            user=self.user,
            password=self.cleaned_data["new_password1"],
            method=passwords.PasswordMethod.EMAIL,
            actor=self.user,
        )
        return self.user


# Who is using the Django admin's password form: Django builds that form with the user and
# the data only, so ``organisations.admin.UserAdmin`` sets this for the length of its view
# (a context variable: each request, thread or task sees its own).
admin_password_actor: ContextVar[User | None] = ContextVar("admin_password_actor", default=None)


class AdminPasswordSetForm(AdminPasswordChangeForm):
    """The Django admin's form for a person's password (or for none: password sign-in off)."""

    def save(self, commit=True):
        usable = self.cleaned_data["set_usable_password"]
        passwords.user_password_set(
            user=self.user,
            password=self.cleaned_data["password1"] if usable else None,
            method=passwords.PasswordMethod.ADMIN,
            actor=admin_password_actor.get(),
        )
        return self.user
