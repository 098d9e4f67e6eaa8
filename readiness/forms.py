"""Forms of the readiness management pages: they parse input; the services validate it.

Field types, labels and help come from the models, so a page and the admin say the same.
Rules across fields (weights, positions, dates) live in ``readiness.services``, whose
``ValidationError`` per field the views put back on these forms.
"""

from typing import Any

from django import forms
from django.forms.models import fields_for_model
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from courses.models import COMPETENCY_NAMES
from organisations.models import Unit
from readiness.models import Competency, HandoverDecision, JointAssessment, Requirement, RequirementProfile
from readiness.services import PROFILE_EDITABLE_FIELDS, is_assessed

SHARE_HELP = _("A share from 0 to 1: 0.8 is 80%.")
SHARE_FIELDS = (
    "threshold",
    "progressing_from",
    "training_weight",
    "vetting_target",
    "vetting_weight",
    "women_target",
    "women_weight",
    "assessment_weight",
)
CRITERIA = ("logistics", "command_stability", "human_rights_compliance", "community_acceptance")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def _decimal_inputs(form: forms.Form, names) -> None:
    for name in names:
        field = form.fields[name]
        field.widget = forms.TextInput(attrs={"inputmode": "decimal"})
        field.localize = False


class ProfileForm(forms.Form):
    """The settings of a requirement profile (its requirements are edited one by one)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(RequirementProfile, fields=PROFILE_EDITABLE_FIELDS))
        _decimal_inputs(self, SHARE_FIELDS)
        for name in SHARE_FIELDS:
            self.fields[name].help_text = SHARE_HELP
        self.fields["training_weight"].help_text = _(
            "The four weights are shares of the index: they need not add up to 1, but cannot all be 0."
        )


def unit_type_choices() -> list[tuple[str, str | Promise]]:
    """Measured unit types that have no profile of their own yet."""
    taken = set(RequirementProfile.objects.values_list("unit_type", flat=True))
    return [(value, label) for value, label in Unit.Type.choices if is_assessed(value) and value not in taken]


class ProfileCreateForm(forms.Form):
    unit_type = forms.ChoiceField(label=_("Type of unit"))
    name = forms.CharField(label=_("Name"), max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_type_field = self.fields["unit_type"]
        assert isinstance(unit_type_field, forms.ChoiceField)  # declared above
        unit_type_field.choices = unit_type_choices()
        self.fields["unit_type"].help_text = _("The new profile starts as a copy of the default profile.")


class CompetencyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Competency) -> str:
        return f"{obj.code} - {COMPETENCY_NAMES.get(obj.code, obj.name)}"


class RequirementForm(forms.Form):
    """One requirement: the competency only when adding; editing keeps it."""

    competency = CompetencyChoiceField(label=_("Competency"), queryset=Competency.objects.none())

    def __init__(
        self, *args: Any, profile: RequirementProfile, requirement: Requirement | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(
            fields_for_model(Requirement, fields=["population", "position", "target", "is_gate", "weight"])
        )
        self.fields["population"].widget = forms.RadioSelect(choices=Requirement.Population.choices)
        _decimal_inputs(self, ["target", "weight"])
        self.fields["target"].help_text = SHARE_HELP
        self.fields["weight"].help_text = _("How much this competency counts in the training score (0 or more).")
        if requirement is None:
            taken = profile.requirements.values_list("competency_id", flat=True)
            competency_field = self.fields["competency"]
            assert isinstance(competency_field, CompetencyChoiceField)  # declared above
            competency_field.queryset = Competency.objects.exclude(code__in=taken).order_by("order", "code")
        else:
            del self.fields["competency"]


class JointAssessmentForm(forms.Form):
    """A round of the joint assessment: four criteria, the date and the evidence."""

    assessed_on = forms.DateField(label=_("Assessed on"), widget=DateInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"assessed_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        model_fields = fields_for_model(JointAssessment, fields=[*CRITERIA, "evidence"])
        for name in CRITERIA:
            self.fields[name] = forms.TypedChoiceField(
                label=model_fields[name].label,
                choices=JointAssessment.Rating.choices,
                coerce=int,
                widget=forms.RadioSelect,
            )
        self.fields["evidence"] = model_fields["evidence"]
        self.fields["evidence"].widget = forms.Textarea(attrs={"rows": 5, "dir": "auto"})
        self.fields["evidence"].help_text = _("What the assessors saw and where: visits, documents, interviews.")


class HandoverDecisionForm(forms.Form):
    """A handover decision. Which fields a decision needs (the override and its reason
    against failing gates, the conditions and review date of a conditional handover) is
    the service's rule: its errors come back on these fields."""

    decision = forms.ChoiceField(
        label=_("Decision"), choices=HandoverDecision.Decision.choices, widget=forms.RadioSelect
    )
    decided_on = forms.DateField(label=_("Decided on"), widget=DateInput)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}))
    is_override = forms.BooleanField(
        label=_("Hand over against the figures (override)"),
        required=False,
        help_text=_("Required to hand over a unit that is not ready or fails a gate."),
    )
    override_reason = forms.CharField(
        label=_("Reason for the override"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
    )
    conditions = forms.CharField(
        label=_("Conditions"),
        required=False,
        help_text=_("For a handover with conditions: what the national police must do, and by when."),
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
    )
    review_on = forms.DateField(
        label=_("Conditions reviewed on"),
        required=False,
        help_text=_("For a handover with conditions."),
        widget=DateInput,
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"decided_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
