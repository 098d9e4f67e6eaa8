"""Forms of authoring assessments: creating one, its settings, and question pools."""

from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from assessments.forms.questions import model_choice_field
from assessments.models import Assessment, QuestionBank
from courses.models import Module


class ServiceErrorsMixin(forms.BaseForm):
    """Puts a service's ``ValidationError`` on the form: each field's messages on the field
    of that name, the rest (and a message without fields) above the form."""

    def add_service_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for key, messages_ in error.message_dict.items():
            self.add_error(key if key in self.fields else None, messages_)


class PoolForm(ServiceErrorsMixin, forms.Form):
    """Draw ``count`` questions tagged ``tag`` in each new attempt (``services.pool_set``,
    which checks the bank has enough: its errors go on these fields)."""

    tag = forms.CharField(
        label=_("Tag"),
        max_length=100,
        help_text=_("A competency code or a topic of the bank's questions."),
        widget=forms.TextInput(attrs={"list": "bank-tags", "autocomplete": "off"}),
    )
    count = forms.IntegerField(label=_("Questions drawn in each attempt"), max_value=1000)


class AssessmentForm(ServiceErrorsMixin, forms.Form):
    """A draft assessment of a course (its final assessment, or a module's quiz), or the
    settings of an existing one (``assessment``).

    ``cleaned_data`` holds ``services.assessment_create``'s keywords (course and actor
    aside) or, editing, ``services.assessment_update``'s; ``pool()`` the pool to set on a new
    one. Editing, the fields ``fixed`` (field name to reason, from
    ``services.assessment_fixed_fields``) are shown disabled with their reason."""

    title = forms.CharField(label=_("Title"), max_length=200, widget=forms.TextInput(attrs={"dir": "auto"}))
    module: forms.ModelChoiceField[Module] = forms.ModelChoiceField(
        label=_("Module"),
        queryset=None,
        required=False,
        empty_label=_("None: the course's final assessment"),
        help_text=_("A module's quiz counts towards completion only when it is required (below)."),
    )
    instructions = forms.CharField(
        label=_("Instructions"), required=False, widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"})
    )
    bank: forms.ModelChoiceField[QuestionBank] = forms.ModelChoiceField(
        label=_("Question bank"),
        queryset=None,
        required=False,
        empty_label=_("A new bank for this assessment"),
        help_text=_("Several assessments of the course may draw from one shared bank."),
    )
    draw_tag = forms.CharField(
        label=_("Draw questions tagged"),
        max_length=100,
        required=False,
        help_text=_("Optional: a competency code or topic of the bank's questions. Empty: every live question."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    draw_count = forms.IntegerField(
        label=_("How many of them each attempt draws"), min_value=1, max_value=1000, required=False
    )
    pass_mark = forms.IntegerField(label=_("Pass mark (%)"), min_value=0, max_value=100, initial=70)
    time_limit_minutes = forms.IntegerField(
        label=_("Time limit (minutes)"), min_value=1, max_value=24 * 60, required=False, help_text=_("Empty: none.")
    )
    max_attempts = forms.IntegerField(
        label=_("Attempts allowed"), min_value=1, max_value=100, required=False, help_text=_("Empty: no limit.")
    )
    cooldown_minutes = forms.IntegerField(
        label=_("Wait between attempts (minutes)"), min_value=0, max_value=30 * 24 * 60, initial=0
    )
    closes_at = forms.DateTimeField(
        label=_("Closes at"),
        required=False,
        help_text=_("Empty: open for as long as the course runs."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    feedback_policy = forms.ChoiceField(
        label=_("When trainees see the correct answers"),
        choices=Assessment.FeedbackPolicy.choices,
        initial=Assessment.FeedbackPolicy.AFTER_SUBMISSION,
    )
    shuffle_choices = forms.BooleanField(label=_("Shuffle the choices in each attempt"), required=False, initial=True)
    is_required = forms.BooleanField(
        label=_("Required for completion"),
        required=False,
        initial=True,
        help_text=_("Trainees must pass it to complete the course. A pre-test is never required."),
    )
    is_pretest = forms.BooleanField(
        label=_("Pre-test"),
        required=False,
        help_text=_("Taken before the course to measure knowledge gain."),
    )
    pretest_of: forms.ModelChoiceField[Assessment] = forms.ModelChoiceField(
        label=_("Pre-test of"),
        queryset=None,
        required=False,
        empty_label=_("None"),
        help_text=_("A pre-test: the post-test it is compared with."),
    )

    CREATE_ONLY = ("draw_tag", "draw_count")

    def __init__(
        self,
        *args: Any,
        modules: QuerySet[Module],
        banks: QuerySet[QuestionBank],
        others: QuerySet[Assessment],
        assessment: Assessment | None = None,
        fixed: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        self.assessment = assessment
        self.fixed = dict(fixed or {})
        if assessment is not None:
            kwargs["initial"] = {
                name: getattr(assessment, name if name not in ("module", "bank", "pretest_of") else f"{name}_id")
                for name in SETTINGS_FIELDS
            }
        super().__init__(*args, **kwargs)
        model_choice_field(self, "module").queryset = modules
        model_choice_field(self, "bank").queryset = banks
        model_choice_field(self, "pretest_of").queryset = others
        if assessment is not None:
            for name in self.CREATE_ONLY:
                del self.fields[name]
            bank = model_choice_field(self, "bank")
            bank.required, bank.empty_label = True, None
            for name in self.fixed:
                field = self.fields[name]
                field.disabled = True
                field.help_text = format_lazy("{} {}", field.help_text, FIXED_HELP) if field.help_text else FIXED_HELP

    @property
    def fixed_reasons(self) -> list[tuple[str, list[str]]]:
        """Each reason a setting cannot change now, with the labels of the settings it fixes."""
        reasons: dict[str, list[str]] = {}
        for name, reason in self.fixed.items():
            reasons.setdefault(reason, []).append(str(self.fields[name].label))
        return list(reasons.items())

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.assessment is None and bool(data.get("draw_tag")) != bool(data.get("draw_count")):
            self.add_error("draw_count" if data.get("draw_tag") else "draw_tag", _("Give both the tag and the number."))
        return data

    def settings(self) -> dict[str, Any]:
        """The service's keywords: ``assessment_create``'s, or the fields ``assessment_update`` may change."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in self.CREATE_ONLY and not self.fields[name].disabled
        }

    def pool(self) -> dict[str, Any] | None:
        """``pool_set``'s tag and count for a new assessment, or None."""
        if self.assessment is not None or not self.cleaned_data.get("draw_tag"):
            return None
        return {"tag": self.cleaned_data["draw_tag"], "count": self.cleaned_data["draw_count"]}

    def add_pool_errors(self, error: ValidationError) -> None:
        names = {"tag": "draw_tag", "count": "draw_count"}
        for key, messages_ in getattr(error, "message_dict", {None: error.messages}).items():
            self.add_error(names.get(key or "", None), messages_)


FIXED_HELP = _("Cannot change now: see why above.")

SETTINGS_FIELDS = (
    "title",
    "module",
    "instructions",
    "bank",
    "pass_mark",
    "time_limit_minutes",
    "max_attempts",
    "cooldown_minutes",
    "closes_at",
    "feedback_policy",
    "shuffle_choices",
    "is_required",
    "is_pretest",
    "pretest_of",
)
