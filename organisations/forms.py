from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from organisations import throttles


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
