"""Forms of taking and marking: an attempt's answers, a grade, an allowance.

``AttemptForm`` is built from an attempt's snapshot *as a trainee may see it*
(``selectors.question_for_display(..., with_key=False)``): no field, widget attribute or
choice carries the answer key.
"""

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CHOICE_KINDS = ("single", "multiple", "true_false")


def field_name(question_id: int) -> str:
    return f"q{question_id}"


class AttemptForm(forms.Form):
    """One field per question of the attempt, in snapshot order, pre-filled from saved answers.

    ``questions`` are display dicts (key stripped); ``saved`` maps question id to the saved
    response. Every field is optional: a blank one is an unanswered question.
    """

    def __init__(self, *args, questions: list[dict], saved: dict[int, dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        self.saved = saved
        for question in questions:
            name = field_name(question["id"])
            response = saved.get(question["id"]) or {}
            kind = question["kind"]
            field: forms.Field
            if kind in CHOICE_KINDS:
                choices = [(str(choice["id"]), choice["text"]) for choice in question["choices"]]
                picked = [str(choice_id) for choice_id in response.get("choices", [])]
                if kind == "multiple":
                    field = forms.MultipleChoiceField(
                        choices=choices, required=False, widget=forms.CheckboxSelectMultiple
                    )
                    field.initial = picked
                else:
                    field = forms.ChoiceField(choices=choices, required=False, widget=forms.RadioSelect)
                    field.initial = picked[0] if picked else None
            elif kind == "numeric":
                field = forms.CharField(
                    required=False,
                    max_length=50,
                    widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
                )
                field.initial = response.get("text", "")
            elif kind == "short_text":
                field = forms.CharField(
                    required=False, max_length=500, widget=forms.TextInput(attrs={"autocomplete": "off"})
                )
                field.initial = response.get("text", "")
            else:
                field = forms.CharField(
                    required=False,
                    max_length=20000,
                    strip=False,
                    widget=forms.Textarea(attrs={"rows": 8, "dir": "auto"}),
                )
                field.initial = response.get("text", "")
            field.label = question["text"]
            self.fields[name] = field

    def items(self) -> list[dict]:
        """The questions with their bound fields, in order. A scenario's text is shown once,
        opening a section around its consecutive questions (``scenario_starts``/``_ends``)."""
        ids = [question["scenario"]["id"] if question["scenario"] else None for question in self.questions]
        items = []
        for index, question in enumerate(self.questions):
            scenario_id = ids[index]
            previous = ids[index - 1] if index else None
            following = ids[index + 1] if index + 1 < len(ids) else None
            items.append(
                {
                    "number": index + 1,
                    "question": question,
                    "field": self[field_name(question["id"])],
                    "scenario_starts": scenario_id is not None and scenario_id != previous,
                    "scenario_ends": scenario_id is not None and scenario_id != following,
                }
            )
        return items

    def responses(self) -> list[tuple[int, dict[str, Any]]]:
        """``(question id, response)`` for every question answered now or saved before (so
        clearing a field clears the saved answer). Call after ``is_valid()``."""
        responses: list[tuple[int, dict[str, Any]]] = []
        for question in self.questions:
            value = self.cleaned_data.get(field_name(question["id"]))
            if not value and question["id"] not in self.saved:
                continue
            if question["kind"] in CHOICE_KINDS:
                picked = value if isinstance(value, list) else [value] if value else []
                responses.append((question["id"], {"choices": [int(choice_id) for choice_id in picked]}))
            else:
                responses.append((question["id"], {"text": value or ""}))
        return responses

    def add_service_errors(self, error: ValidationError) -> None:
        """Attach a service's errors (keyed by question id) to the matching fields."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for key, messages in error.message_dict.items():
            name = field_name(int(key)) if key.isdigit() else None
            self.add_error(name if name in self.fields else None, messages)


class AnswerGradeForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment for the officer"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
    )

    def __init__(self, *args, maximum: Decimal, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["points"] = forms.DecimalField(
            label=_("Points"),
            min_value=0,
            max_value=maximum,
            max_digits=6,
            decimal_places=2,
            widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        )
        self.order_fields(["points", "comment"])


class AllowanceForm(forms.Form):
    extra_attempts = forms.IntegerField(label=_("Extra attempts"), min_value=0, max_value=20, initial=0)
    extra_minutes = forms.IntegerField(label=_("Extra minutes per attempt"), min_value=0, max_value=600, initial=0)
    closes_at = forms.DateTimeField(
        label=_("Closes at instead"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
