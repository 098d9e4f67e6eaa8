"""Forms of authoring questions: a question of any kind and its answer key."""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from assessments.forms.taking import CHOICE_KINDS
from assessments.models import Question, QuestionBank, Scenario
from assessments.validation import MAX_CHOICES, MAX_PARTIAL_ANSWERS, number_text, question_errors
from courses.models import COMPETENCY_CODES, COMPETENCY_NAMES

# Authoring (course authors and admins) ------------------------------------------------------
# The forms check a question with the same rules as the services
# (``assessments.validation.question_errors``) so the problems show next to their fields;
# the services check again when they write.

CHOICE_ROWS = 6
# Rows for numeric answers earning part of the points (more when a question has more).
PARTIAL_ROWS = 3
NOT_A_NUMBER = Decimal("NaN")
CREDIT_HELP = _(
    "Credit (%): empty on every row for the usual rule (the correct choice earns the points; multiple choice: "
    "the correct ticks share them and a wrong tick takes a share away). Filled on every row for credits as in "
    "Moodle: the share of the points each choice earns, negative for a penalty; single choice: the best earns "
    "100; multiple choice: the positive credits add up to 100. With credits the ticks may stay empty: the "
    "credits say which choices are right."
)
PARTIAL_HELP = _(
    "Answers that earn part of the points, checked in order after the answer: the first whose range holds the "
    "value earns its credit (0 to 100%). Leave the rows you do not need empty."
)


# The ids of the help paragraphs (templates/assessments/question_form.html) the inputs point to.
CREDIT_HELP_ID = "credit-help"
PARTIAL_HELP_ID = "id_numeric_partial_answers_helptext"


def _number_input(help_id: str) -> forms.TextInput:
    return forms.TextInput(attrs={"inputmode": "decimal", "class": "input-credit", "aria-describedby": help_id})


def _credit_field(label) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=False, widget=_number_input(CREDIT_HELP_ID))


def _percent_text(value) -> str:
    """A stored credit or number (a Decimal, or a decimal string) as typed: ``50`` for ``50.00000``."""
    return number_text(Decimal(value))


def model_choice_field(form: forms.BaseForm, name: str) -> forms.ModelChoiceField[Any]:
    """The form's own copy of a model choice field it declares (to set its queryset)."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)  # declared as one on the form class
    return field


class _PartialAnswersMixin(forms.BaseForm):
    """Rows of numeric answers for part of the points (answer, tolerance, credit), and the
    ``numeric_partial_answers`` field that carries their problems as a whole."""

    partial_row_count = 0

    def add_partial_rows(self, rows: int, initial: list[dict] | None = None) -> None:
        initial = list(initial or [])
        self.partial_row_count = rows
        self.fields["numeric_partial_answers"] = forms.Field(
            label=_("Answers for part of the points"), required=False, widget=forms.HiddenInput, help_text=PARTIAL_HELP
        )
        for number in range(1, rows + 1):
            entry = initial[number - 1] if number <= len(initial) else {}
            for name, label in (
                ("answer", _("Partly right answer, row %(number)d")),
                ("tolerance", _("Tolerance, row %(number)d")),
                ("weight", _("Credit (%%), row %(number)d")),
            ):
                field = forms.DecimalField(
                    label=label % {"number": number}, required=False, widget=_number_input(PARTIAL_HELP_ID)
                )
                if name in entry:
                    field.initial = _percent_text(entry[name])
                self.fields[f"partial_{name}_{number}"] = field

    def partial_rows(self) -> list[dict]:
        """The bound fields of each row, for the template."""
        return [
            {
                "number": number,
                "answer": self[f"partial_answer_{number}"],
                "tolerance": self[f"partial_tolerance_{number}"],
                "weight": self[f"partial_weight_{number}"],
            }
            for number in range(1, self.partial_row_count + 1)
        ]

    def partial_answers(self) -> list[dict]:
        """The rows filled in, as ``question_create`` takes them (tolerance 0 when empty); a
        value that is not a number is NaN, which the rules refuse."""
        answers = []
        for number in range(1, self.partial_row_count + 1):
            names = [f"partial_{name}_{number}" for name in ("answer", "tolerance", "weight")]
            if not any(self.data.get(self.add_prefix(name), "").strip() for name in names):
                continue
            answer, tolerance, weight = (
                NOT_A_NUMBER if name in self.errors else self.cleaned_data.get(name) for name in names
            )
            answers.append(
                {"answer": answer, "tolerance": Decimal("0") if tolerance is None else tolerance, "weight": weight}
            )
        return answers


class LinesField(forms.CharField):
    """A list of strings entered one a line (blank lines ignored, each trimmed)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 3, "dir": "auto"}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [line.strip() for line in (super().to_python(value) or "").splitlines() if line.strip()]


def competency_label(code: str) -> str:
    """ "HR — Human rights in policing": the code authors know, then its name in the
    catalogue (``courses.models.COMPETENCY_NAMES``, translated); the code alone if unnamed."""
    name = COMPETENCY_NAMES.get(code)
    return f"{code} — {name}" if name else code


def _competency_choices() -> list[tuple[str, str | Promise]]:
    return [("", _("None")), *((code, competency_label(code)) for code in COMPETENCY_CODES)]


class _QuestionRulesMixin(forms.BaseForm):
    """Puts ``question_errors`` (and a service's ``ValidationError``) on the form's fields.

    ``error_fields`` (and ``fields``) map a rule's key to the field that shows it when the
    names differ; a key with no field becomes an error of the whole form. A field that
    already failed its own check (say "Enter a number.") is not told the same thing twice."""

    error_fields: dict[str, str] = {}

    def add_question_errors(self, errors: dict[str, list[str]], *, fields: dict[str, str] | None = None) -> None:
        names = {**self.error_fields, **(fields or {})}
        for key, messages_ in errors.items():
            name = names.get(key, key)
            if name not in self.fields:
                self.add_error(None, messages_)
            elif name not in self.errors:
                self.add_error(name, messages_)

    def add_service_errors(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            self.add_question_errors(error.message_dict)
        else:
            self.add_error(None, error)


class QuestionForm(_QuestionRulesMixin, _PartialAnswersMixin, forms.Form):
    """A new question in an assessment's bank, of any kind. Every kind's fields are on the
    form and only those of the chosen kind are used; the page shows only those
    (``KIND_PARTS``), the kind being chosen first without JavaScript. Each choice row has an
    optional credit (%) beside its tick (on every row or on none); there are
    ``choice_count`` rows (at least ``CHOICE_ROWS``, at most ``MAX_CHOICES``: "add another
    choice" asks for one more, ``rows_wanted``); a numeric question has ``PARTIAL_ROWS``
    rows of answers for part of the points.

    ``question_arguments()`` gives ``services.question_create``'s keywords (bank, actor and
    scenario aside); ``new_scenario()`` the title and text of a scenario to create first."""

    credit_help = CREDIT_HELP

    kind = forms.ChoiceField(
        label=_("Kind of question"),
        choices=Question.Kind.choices,
        help_text=_("A trainer grades essays; every other kind is graded at once."),
    )
    text = forms.CharField(
        label=_("Question"), max_length=20000, widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"})
    )
    points = forms.DecimalField(label=_("Points"), initial=1, widget=forms.NumberInput(attrs={"step": "0.01"}))
    scenario = forms.ModelChoiceField(
        label=_("Scenario"),
        queryset=Scenario.objects.none(),
        required=False,
        empty_label=_("None"),
        help_text=_("A case text shown above the question; several questions may share it."),
    )
    new_scenario_title = forms.CharField(label=_("Or a new scenario: its title"), required=False)
    new_scenario_text = forms.CharField(
        label=_("The new scenario's case text"), required=False, widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"})
    )
    # No input of its own: carries the problems of the choice rows as a whole.
    choices = forms.Field(label=_("Choices"), required=False, widget=forms.HiddenInput)
    is_true = forms.ChoiceField(
        label=_("True or false: the statement is"),
        choices=[("true", _("True")), ("false", _("False"))],
        required=False,
        widget=forms.RadioSelect,
    )
    numeric_answer = forms.DecimalField(
        label=_("Answer"), required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    numeric_tolerance = forms.DecimalField(
        label=_("Tolerance"),
        required=False,
        initial=0,
        help_text=_("Answers this far from the answer, either way, count as right."),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    accepted_answers = LinesField(
        label=_("Accepted answers"),
        required=False,
        help_text=_("One a line. Case, accents and spacing do not matter."),
    )
    explanation = forms.CharField(
        label=_("Explanation"),
        required=False,
        help_text=_("Shown with the feedback."),
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
    )
    competency = forms.ChoiceField(label=_("Competency"), choices=_competency_choices, required=False)
    topic = forms.CharField(
        label=_("Topic"), required=False, help_text=_("A pool can draw questions by competency or by topic.")
    )

    # The parts of the form (fieldsets) each kind uses besides the text, points, scenario and tags.
    KIND_PARTS = {
        "choices": (Question.Kind.SINGLE, Question.Kind.MULTIPLE),
        "is_true": (Question.Kind.TRUE_FALSE,),
        "numeric": (Question.Kind.NUMERIC,),
        "short_text": (Question.Kind.SHORT_TEXT,),
    }

    def __init__(self, *args, bank: QuestionBank, choice_count: int = CHOICE_ROWS, **kwargs):
        super().__init__(*args, **kwargs)
        self.choice_count = max(CHOICE_ROWS, min(choice_count, MAX_CHOICES))
        self.fields["choice_count"] = forms.IntegerField(required=False, widget=forms.HiddenInput)
        self.initial["choice_count"] = self.choice_count
        model_choice_field(self, "scenario").queryset = bank.scenarios.order_by("title", "pk")
        for number in range(1, self.choice_count + 1):
            self.fields[f"choice_text_{number}"] = forms.CharField(
                label=_("Choice %(number)d") % {"number": number},
                required=False,
                widget=forms.TextInput(attrs={"dir": "auto"}),
            )
            self.fields[f"choice_correct_{number}"] = forms.BooleanField(
                label=_("Choice %(number)d is correct") % {"number": number}, required=False
            )
            self.fields[f"choice_weight_{number}"] = _credit_field(
                _("Choice %(number)d credit (%%)") % {"number": number}
            )
        self.add_partial_rows(PARTIAL_ROWS)

    @staticmethod
    def rows_wanted(data: Mapping[str, Any], *, one_more: bool = False) -> int:
        """How many choice rows a posted form had (its ``choice_count``, or the highest row
        sent, for rows added by the script), plus one for "add another choice"."""
        numbers = [CHOICE_ROWS]
        count = str(data.get("choice_count", ""))
        if count.isdigit():
            numbers.append(int(count))
        for name in data:
            if name.startswith("choice_text_") and name.removeprefix("choice_text_").isdigit():
                numbers.append(int(name.removeprefix("choice_text_")))
        return min(max(numbers) + (1 if one_more else 0), MAX_CHOICES)

    @property
    def can_add_choice(self) -> bool:
        return self.choice_count < MAX_CHOICES

    @property
    def max_choices(self) -> int:
        return MAX_CHOICES

    def chosen_kind(self) -> str:
        """The kind the page shows the parts of: the posted one, else the initial one."""
        kind = self.data.get("kind") if self.is_bound else self.initial.get("kind")
        return kind if kind in Question.Kind.values else ""

    def parts(self) -> dict[str, bool]:
        """Each part of ``KIND_PARTS``: whether the chosen kind uses it (the others are hidden)."""
        kind = self.chosen_kind()
        return {part: kind in kinds for part, kinds in self.KIND_PARTS.items()}

    def part_kinds(self) -> dict[str, str]:
        """Each part's kinds, space-separated, for the script that shows the parts as the kind changes."""
        return {part: " ".join(kinds) for part, kinds in self.KIND_PARTS.items()}

    def choice_rows(self) -> list[dict]:
        """The bound fields of each choice row, for the template."""
        return [
            {
                "number": number,
                "text": self[f"choice_text_{number}"],
                "correct": self[f"choice_correct_{number}"],
                "weight": self[f"choice_weight_{number}"],
            }
            for number in range(1, self.choice_count + 1)
        ]

    def _choices(self, kind: str) -> list[dict]:
        data = self.cleaned_data
        if kind == Question.Kind.TRUE_FALSE:
            is_true = data.get("is_true")
            return [{"text": "True", "correct": is_true == "true"}, {"text": "False", "correct": is_true == "false"}]
        if kind not in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
            return []
        choices = []
        for number in range(1, self.choice_count + 1):
            text, weight = data.get(f"choice_text_{number}") or "", data.get(f"choice_weight_{number}")
            if f"choice_weight_{number}" in self.errors:
                weight = NOT_A_NUMBER  # "Enter a number." is on the field; the rules say "not a number"
            if not text:
                if weight is not None:
                    self.add_error(f"choice_text_{number}", _("Write the choice, or clear its credit."))
                continue
            choice = {"text": text, "correct": bool(data.get(f"choice_correct_{number}"))}
            if weight is not None:
                choice["weight"] = weight
            choices.append(choice)
        return choices

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        kind = data.get("kind")
        if kind is None:
            return data
        if kind == Question.Kind.TRUE_FALSE and not data.get("is_true"):
            self.add_error("is_true", _("Say whether the statement is true or false."))
        title, text = data.get("new_scenario_title", ""), data.get("new_scenario_text", "")
        if (title or text) and data.get("scenario") is not None:
            self.add_error("scenario", _("Pick a scenario or describe a new one, not both."))
        data["choices"] = self._choices(kind)
        data["numeric_partial_answers"] = self.partial_answers() if kind == Question.Kind.NUMERIC else []
        question = {
            "kind": kind,
            "text": data.get("text", ""),
            "points": data.get("points"),
            "competency": data.get("competency", ""),
            "topic": data.get("topic", ""),
            "choices": data["choices"],
            "numeric_answer": data.get("numeric_answer") if kind == Question.Kind.NUMERIC else None,
            "numeric_tolerance": data.get("numeric_tolerance") or Decimal("0"),
            "numeric_partial_answers": data["numeric_partial_answers"],
            "accepted_answers": data.get("accepted_answers", []) if kind == Question.Kind.SHORT_TEXT else [],
        }
        if title or text:
            question["scenario"] = {"title": title, "text": text}
        # A new scenario is described by two fields; true or false is one radio group here,
        # two choices for the rules.
        fields = {"scenario": "new_scenario_title"}
        if kind == Question.Kind.TRUE_FALSE:
            fields["choices"] = "is_true"
        self.add_question_errors(question_errors(question), fields=fields)
        return data

    def question_arguments(self) -> dict:
        data = self.cleaned_data
        kind = data["kind"]
        return {
            "kind": kind,
            "text": data["text"],
            "points": data["points"],
            "choices": data["choices"],
            "explanation": data["explanation"],
            "competency": data["competency"],
            "topic": data["topic"],
            "numeric_answer": data["numeric_answer"] if kind == Question.Kind.NUMERIC else None,
            "numeric_tolerance": (data["numeric_tolerance"] or Decimal("0")) if kind == Question.Kind.NUMERIC else 0,
            "numeric_partial_answers": data["numeric_partial_answers"],
            "accepted_answers": data["accepted_answers"] if kind == Question.Kind.SHORT_TEXT else [],
        }

    def new_scenario(self) -> dict | None:
        title, text = self.cleaned_data["new_scenario_title"], self.cleaned_data["new_scenario_text"]
        return {"title": title, "text": text} if title or text else None


class QuestionKeyForm(_QuestionRulesMixin, _PartialAnswersMixin, forms.Form):
    """Correct a question's answer key, points and explanation (``services.question_correct``).

    The text, kind, choices' texts, scenario and tags stay as they are: attempts keep the
    question as they showed it. Only the fields of the question's kind are present; with
    ``attempts`` (how many attempts showed the question) above 0 a ``regrade`` box is
    offered. ``changes()`` gives ``question_correct``'s keywords.

    Single and multiple choice questions have a credit (%) beside each choice, numeric ones
    rows of answers for part of the points (one empty row more than they have, at least
    ``PARTIAL_ROWS``)."""

    credit_help = CREDIT_HELP

    points = forms.DecimalField(label=_("Points"), widget=forms.NumberInput(attrs={"step": "0.01"}))
    explanation = forms.CharField(
        label=_("Explanation"),
        required=False,
        help_text=_("Shown with the feedback."),
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
    )

    error_fields = {"correct_choices": "choices"}

    def __init__(
        self, data: Mapping[str, Any] | None = None, *, question: Question, attempts: int, **kwargs: Any
    ) -> None:
        self.question = question
        self.question_choices = list(question.choices.all())
        kind = question.kind
        correct = [str(choice.pk) for choice in self.question_choices if choice.is_correct]
        initial = {
            "points": question.points,
            "explanation": question.explanation,
            "numeric_answer": question.numeric_answer,
            "numeric_tolerance": question.numeric_tolerance,
            "accepted_answers": list(question.accepted_answers),
            "choices": correct if kind == Question.Kind.MULTIPLE else (correct[0] if correct else None),
        }
        super().__init__(data, initial=initial, **kwargs)
        if kind in CHOICE_KINDS:
            options = [(str(choice.pk), self._choice_label(choice)) for choice in self.question_choices]
            field: forms.ChoiceField
            if kind == Question.Kind.MULTIPLE:
                field = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple)
            else:
                field = forms.ChoiceField(widget=forms.RadioSelect)
            field.choices, field.required = options, False
            labels = {
                Question.Kind.SINGLE: _("Correct choice"),
                Question.Kind.MULTIPLE: _("Correct choices"),
                Question.Kind.TRUE_FALSE: _("The statement is"),
            }
            field.label = labels[Question.Kind(kind)]
            self.fields["choices"] = field
            if kind != Question.Kind.TRUE_FALSE:
                for choice in self.question_choices:
                    weight = _credit_field(_("Credit (%%): %(choice)s") % {"choice": choice.text})
                    weight.initial = None if choice.weight is None else _percent_text(choice.weight)
                    self.fields[f"choice_weight_{choice.pk}"] = weight
        elif kind == Question.Kind.NUMERIC:
            self.fields["numeric_answer"] = forms.DecimalField(
                label=_("Answer"), required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"})
            )
            self.fields["numeric_tolerance"] = forms.DecimalField(
                label=_("Tolerance"),
                required=False,
                help_text=_("Answers this far from the answer, either way, count as right."),
                widget=forms.TextInput(attrs={"inputmode": "decimal"}),
            )
            partial = list(question.numeric_partial_answers)
            self.add_partial_rows(min(max(PARTIAL_ROWS, len(partial) + 1), MAX_PARTIAL_ANSWERS), initial=partial)
        elif kind == Question.Kind.SHORT_TEXT:
            self.fields["accepted_answers"] = LinesField(
                label=_("Accepted answers"),
                required=False,
                help_text=_("One a line. Case, accents and spacing do not matter."),
            )
        if attempts:
            self.fields["regrade"] = forms.BooleanField(
                label=ngettext(
                    "Regrade the %(count)d attempt that showed this question",
                    "Regrade the %(count)d attempts that showed this question",
                    attempts,
                )
                % {"count": attempts},
                required=False,
                help_text=_("Without it, past attempts keep the result they had; new attempts use the new key."),
            )
        self.order_fields(
            ["choices", "numeric_answer", "numeric_tolerance", "numeric_partial_answers", "accepted_answers", "points"]
        )

    @property
    def has_credits(self) -> bool:
        """Whether the choices have a credit input each (single and multiple choice)."""
        return any(name.startswith("choice_weight_") for name in self.fields)

    def choice_rows(self) -> list[dict]:
        """Each choice's tick (a radio or checkbox of ``choices``) and credit field, for the template."""
        if not self.has_credits:
            return []
        return [
            {"option": option, "weight": self[f"choice_weight_{choice.pk}"]}
            for option, choice in zip(self["choices"], self.question_choices, strict=True)
        ]

    def grouped_fields(self) -> set[str]:
        """Fields shown inside the tables of choices and partial answers, not one by one."""
        return {name for name in self.fields if name.startswith(("choice_weight_", "partial_"))}

    def _choice_label(self, choice) -> str:
        # True/false choices are stored in English and translated when shown.
        return gettext(choice.text) if self.question.kind == Question.Kind.TRUE_FALSE else choice.text

    def changes(self) -> dict:
        """``question_correct``'s keywords for the fields on the form."""
        data = self.cleaned_data
        changes = {"points": data["points"], "explanation": data["explanation"]}
        if "choices" in self.fields:
            picked = data["choices"]
            changes["correct_choices"] = [
                int(pk) for pk in (picked if isinstance(picked, list) else [picked] if picked else [])
            ]
        if self.has_credits:
            changes["choice_weights"] = {
                choice.pk: data.get(f"choice_weight_{choice.pk}") for choice in self.question_choices
            }
        if "numeric_answer" in self.fields:
            changes["numeric_answer"] = data["numeric_answer"]
            changes["numeric_tolerance"] = data["numeric_tolerance"] or Decimal("0")
            changes["numeric_partial_answers"] = self.partial_answers()
        if "accepted_answers" in self.fields:
            changes["accepted_answers"] = data["accepted_answers"]
        return changes

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        changes = self.changes()
        correct = set(changes.get("correct_choices", (c.pk for c in self.question_choices if c.is_correct)))
        weights = changes.get("choice_weights", {})
        question = self.question
        self.add_question_errors(
            question_errors(
                {
                    "kind": question.kind,
                    "text": question.text,
                    "points": changes["points"],
                    "competency": question.competency,
                    "topic": question.topic,
                    "choices": [
                        {"text": c.text, "correct": c.pk in correct, "weight": weights.get(c.pk)}
                        for c in self.question_choices
                    ],
                    "numeric_answer": changes.get("numeric_answer", question.numeric_answer),
                    "numeric_tolerance": changes.get("numeric_tolerance", question.numeric_tolerance),
                    "numeric_partial_answers": changes.get("numeric_partial_answers", []),
                    "accepted_answers": changes.get("accepted_answers", question.accepted_answers),
                }
            )
        )
        return data
