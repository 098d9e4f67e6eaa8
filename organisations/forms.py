from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from organisations import throttles
from organisations.identity import text_clean


class ThrottledAuthenticationForm(AuthenticationForm):
    """The sign-in form, refusing further guesses once an account or address is locked out."""

    THROTTLE_SCOPE = "login"
    error_messages = AuthenticationForm.error_messages | {
        "locked_out": _("Too many failed sign-in attempts. Wait a few minutes and try again."),
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = throttles.client_address(self.request)
        scope = {"scope": self.THROTTLE_SCOPE, "identifier": username, "address": address}
        if throttles.is_locked_out(**scope):
            raise forms.ValidationError(self.error_messages["locked_out"], code="locked_out")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            throttles.failure_record(**scope)
            raise
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
    locked out by failed guesses (the view records them)."""

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

    def clean(self):
        cleaned = super().clean()
        if throttles.is_locked_out(**self.throttle):
            raise forms.ValidationError(self.error_messages["locked_out"], code="locked_out")
        password, confirm = cleaned.get("password"), cleaned.get("password_confirm")
        if password and confirm and password != confirm:
            self.add_error("password_confirm", forms.ValidationError(self.error_messages["password_mismatch"]))
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
    service = forms.ModelChoiceField(queryset=None, label=_("Police service"))

    def __init__(self, *args, services, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services
        self.only_service = services[0] if len(services) == 1 else None
        if self.only_service is not None:
            del self.fields["service"]


class OfficerAdminForm(forms.ModelForm):
    """The admin's officer form: the service number and names are stored cleaned, as a
    roster import stores them (``organisations.identity.text_clean``), so that the
    constraint on service numbers sees what a person would see. No ``Meta``: the admin
    builds it for ``Officer`` with every field, as for its default form."""

    def clean_service_number(self) -> str:
        return text_clean(self.cleaned_data["service_number"])

    def clean_given_name(self) -> str:
        return text_clean(self.cleaned_data["given_name"])

    def clean_family_name(self) -> str:
        return text_clean(self.cleaned_data["family_name"])
