from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lms.audit.actions import action_label


def _day_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # the format a date picker sends


class AuditFilterForm(forms.Form):
    """The filters of the audit trail page; every field is optional."""

    action = forms.ChoiceField(label=_("Action"), required=False)
    actor = forms.CharField(label=_("Done by (user name)"), required=False, max_length=150)
    target_type = forms.ChoiceField(label=_("Kind of record"), required=False)
    target = forms.CharField(label=_("Record (id or name)"), required=False, max_length=255)
    date_from = forms.DateField(
        label=pgettext_lazy("first day of a period", "From"), required=False, widget=_day_input()
    )
    date_to = forms.DateField(label=pgettext_lazy("last day of a period", "To"), required=False, widget=_day_input())

    def __init__(self, *args, actions: list[str], target_types: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        action, target_type = self.fields["action"], self.fields["target_type"]
        assert isinstance(action, forms.ChoiceField)  # declared above
        assert isinstance(target_type, forms.ChoiceField)
        labelled = sorted(((code, action_label(code)) for code in actions), key=lambda pair: pair[1].lower())
        action.choices = [("", _("All actions")), *labelled]
        target_type.choices = [("", _("All kinds")), *target_types]

    def clean(self):
        cleaned = super().clean() or {}
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", _("The end of the period comes before its start."))
        return cleaned
