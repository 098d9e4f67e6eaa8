from django import forms
from django.utils.translation import gettext_lazy as _


class AuditFilterForm(forms.Form):
    """The filters of the audit trail page; every field is optional."""

    action = forms.ChoiceField(label=_("Action"), required=False)
    actor = forms.CharField(label=_("Done by (user name)"), required=False, max_length=150)
    target_type = forms.ChoiceField(label=_("Kind of record"), required=False)
    target = forms.CharField(label=_("Record (id or name)"), required=False, max_length=255)

    def __init__(self, *args, actions: list[str], target_types: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        action, target_type = self.fields["action"], self.fields["target_type"]
        assert isinstance(action, forms.ChoiceField)  # declared above
        assert isinstance(target_type, forms.ChoiceField)
        action.choices = [("", _("All actions")), *((name, name) for name in actions)]
        target_type.choices = [("", _("All kinds")), *target_types]
