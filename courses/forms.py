"""Forms of the course pages."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses import selectors
from courses.models import COMPETENCY_CODES, COMPETENCY_NAMES, Course, Lesson, TrainingSession, validate_practicals
from organisations.models import Officer, Organisation, Unit, User
from organisations.selectors import service_number_key

# Enrolling a unit or named officers (trainers) ------------------------------------------

MAX_SERVICE_NUMBER_LINES = 1000
INDENT = "\u00a0\u00a0"  # no-break spaces, which a <select> keeps


def _deadline_field() -> forms.DateField:
    return forms.DateField(
        label=_("Deadline (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The date by which the course should be completed."),
    )


class UnitChoiceField(forms.ModelChoiceField):  # unparametrised: not generic at run time
    """A unit, indented by depth so that the tree reads in a plain <select>."""

    def label_from_instance(self, obj: Unit) -> str:
        return f"{INDENT * obj.depth}{obj.name} ({obj.code})"


def _model_choice_field(form: forms.BaseForm, name: str) -> forms.ModelChoiceField[Any]:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)  # declared as one on the form
    return field


def _deadline_clean(value: datetime.date | None) -> datetime.date | None:
    if value is not None and value < timezone.localdate():
        raise ValidationError(_("The deadline cannot be in the past."), code="past")
    return value


class UnitEnrollmentForm(forms.Form):
    """A unit in the trainer's scope (all its active officers, below it too) and a deadline."""

    unit = UnitChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        help_text=_("Every active officer of this unit and of the units below it is enrolled."),
    )
    deadline = _deadline_field()

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choice_field(self, "unit").queryset = selectors.units_for_enrollment(user=user)

    def clean_deadline(self) -> datetime.date | None:
        return _deadline_clean(self.cleaned_data["deadline"])


class OfficerEnrollmentForm(forms.Form):
    """Service numbers, one a line; ``officers`` once valid. Any unknown, ambiguous or
    departed number is reported with its line number and nobody is enrolled."""

    service_numbers = forms.CharField(
        label=_("Service numbers"),
        widget=forms.Textarea(attrs={"rows": 8, "autocomplete": "off", "spellcheck": "false"}),
        help_text=_("One service number a line, as on the officer's badge."),
    )
    deadline = _deadline_field()

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.officers: list[Officer] = []

    def clean_service_numbers(self) -> str:
        lines = [
            (number, line.strip())
            for number, line in enumerate(self.cleaned_data["service_numbers"].splitlines(), start=1)
            if line.strip()
        ]
        if len(lines) > MAX_SERVICE_NUMBER_LINES:
            raise ValidationError(
                _("At most %(count)d service numbers at a time."),
                code="too_many",
                params={"count": MAX_SERVICE_NUMBER_LINES},
            )
        found = selectors.officers_for_enrollment_get(user=self.user, service_numbers=[text for _, text in lines])
        errors: list[ValidationError] = []
        officers: dict[int, Officer] = {}
        for line, text in lines:
            matches = found.get(service_number_key(text), [])
            params = {"line": line, "number": text}
            if not matches:
                message = _("Line %(line)d: no officer with service number %(number)s in your scope.")
                errors.append(ValidationError(message, code="unknown", params=params))
            elif len(matches) > 1:
                message = _("Line %(line)d: %(number)s is the service number of several officers.")
                errors.append(ValidationError(message, code="ambiguous", params=params))
            elif not matches[0].is_active:
                message = _("Line %(line)d: %(number)s no longer serves.")
                errors.append(ValidationError(message, code="inactive", params=params))
            else:
                officers[matches[0].pk] = matches[0]
        if errors:
            raise ValidationError(errors)
        self.officers = list(officers.values())
        return self.cleaned_data["service_numbers"]

    def clean_deadline(self) -> datetime.date | None:
        return _deadline_clean(self.cleaned_data["deadline"])


# Authoring (course authors) -------------------------------------------------------------
# Plain forms: the views hand ``cleaned_data`` to the services, which validate the model
# and own every write.


def _competency_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=_("Competencies developed"),
        required=False,
        choices=[(code, f"{COMPETENCY_NAMES.get(code, code)} ({code})") for code in COMPETENCY_CODES],
        widget=forms.CheckboxSelectMultiple,
    )


class LinesField(forms.CharField):
    """A list of strings entered one a line (blank lines ignored, each trimmed)."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]  # text in, a list of lines out
        return [line.strip() for line in (super().to_python(value) or "").splitlines() if line.strip()]


class CourseCreateForm(forms.Form):
    code = forms.CharField(
        label=_("Code"), max_length=30, help_text=_("Short and unique, e.g. COP-101. It cannot be changed later.")
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    competencies = _competency_field()


class CourseEditForm(forms.Form):
    """Every field an author edits (``services.COURSE_EDITABLE_FIELDS``); initial from ``course``."""

    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    estimated_hours = forms.DecimalField(
        label=_("Estimated hours"), required=False, min_value=0, max_digits=5, decimal_places=1
    )
    competencies = _competency_field()
    validity_months = forms.IntegerField(
        label=_("Validity (months)"),
        required=False,
        min_value=1,
        help_text=_("Empty when the course never needs a refresher."),
    )
    owner = forms.ModelChoiceField(label=_("Owning organisation"), required=False, queryset=Organisation.objects.none())
    translation_of = forms.ModelChoiceField(
        label=_("Translation of"), required=False, queryset=Course.objects.none(), help_text=_("The original course.")
    )
    is_self_enrollment_open = forms.BooleanField(label=_("Officers may enrol themselves"), required=False)
    is_sequential = forms.BooleanField(
        label=_("Modules unlock in order"),
        required=False,
        help_text=_("A module opens once the required lessons of the modules before it are done."),
    )
    requires_attendance = forms.BooleanField(label=_("Attendance at an in-person session is required"), required=False)
    required_practicals = LinesField(
        label=_("Required practicals"),
        required=False,
        help_text=_("Observed skills an officer must pass at a session, one a line (e.g. use of force)."),
    )

    def __init__(self, data: Mapping[str, Any] | None = None, *, course: Course, user: User, **kwargs: Any) -> None:
        initial = {
            name: getattr(course, f"{name}_id" if isinstance(field, forms.ModelChoiceField) else name)
            for name, field in self.base_fields.items()
        }
        super().__init__(data, initial=initial, **kwargs)
        _model_choice_field(self, "owner").queryset = Organisation.objects.order_by("acronym")
        _model_choice_field(self, "translation_of").queryset = selectors.course_list(user=user).exclude(pk=course.pk)

    def clean_required_practicals(self) -> list[str]:
        # The model's rule (at most 100 characters, each once), reported on this field.
        value = self.cleaned_data["required_practicals"]
        validate_practicals(value)
        return value


class ModuleTitleForm(forms.Form):
    title = forms.CharField(label=_("Module title"), max_length=200)


class LessonTitleForm(forms.Form):
    title = forms.CharField(label=_("Lesson title"), max_length=200)


class LessonEditForm(forms.Form):
    """The UN core lesson shape: aim, relevance, learning outcomes, duration, body, summary."""

    title = forms.CharField(label=_("Title"), max_length=200)
    aim = forms.CharField(label=_("Aim"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    relevance = forms.CharField(label=_("Relevance"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    learning_outcomes = forms.CharField(
        label=_("Learning outcomes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One a line: “Learners will explain / list / apply …”."),
    )
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), required=False, min_value=1)
    body = forms.CharField(
        label=_("Body"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text=_(
            "Markdown: ## for a heading, *italic*, **bold**, - for a list, [text](https://…) for a link, "
            "![description](attachment:12) for an image attached below (copy its reference from the list of "
            "attachments; the description is read out to people who cannot see the image)."
        ),
    )
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    video_url = forms.URLField(label=_("Video link"), required=False, assume_scheme="https")
    is_required = forms.BooleanField(
        label=_("Required to complete the course"),
        required=False,
        help_text=_("A change applies to officers who enrol after the next publication."),
    )

    def __init__(self, data: Mapping[str, Any] | None = None, *, lesson: Lesson, **kwargs: Any) -> None:
        initial = {name: getattr(lesson, name) for name in self.base_fields}
        super().__init__(data, initial=initial, **kwargs)
        # The lesson is written in its course's language, not necessarily the interface's.
        for name in ("title", "aim", "relevance", "learning_outcomes", "body", "summary"):
            self.fields[name].widget.attrs["dir"] = "auto"


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"))
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Required for an image: describe it, as this text is read out in its place."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("A PDF document or a PNG, JPEG or WebP image, at most %(size)s.") % {
            "size": filesizeformat(settings.LESSON_ATTACHMENT_MAX_BYTES)
        }


class AuthorAddForm(forms.Form):
    username = forms.CharField(label=_("User name of a trainer"), max_length=150)


# In-person sessions (trainers) ----------------------------------------------------------
# The services check the rules (scope, capacity, dates); these forms read the input.


class SessionForm(forms.Form):
    """Schedule (or, given ``session``, change) an in-person session; the course is fixed once scheduled."""

    course = forms.ModelChoiceField(label=_("Course"), queryset=Course.objects.none())
    unit = UnitChoiceField(
        label=_("Host unit"),
        queryset=Unit.objects.none(),
        help_text=_("Trainers whose scope covers this unit run the session."),
    )
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    start_time = forms.TimeField(
        label=_("Start time"), widget=forms.TimeInput(attrs={"type": "time"}), help_text=_("Local time at the place.")
    )
    end_time = forms.TimeField(label=_("End time"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    place = forms.CharField(
        label=_("Place"), max_length=200, help_text=_("Where people go, e.g. the station's briefing room.")
    )
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=1000)
    paper_test_max_score = forms.IntegerField(
        label=_("Paper test out of"),
        required=False,
        min_value=1,
        max_value=1000,
        help_text=_("Leave empty when the session has no paper test."),
    )

    def __init__(self, *args: Any, user: User, session: TrainingSession | None = None, **kwargs: Any) -> None:
        if session is not None:
            kwargs["initial"] = {
                "course": session.course_id,
                "unit": session.unit_id,
                "date": session.date,
                "start_time": session.start_time,
                "end_time": session.end_time,
                "place": session.place,
                "capacity": session.capacity,
                "paper_test_max_score": session.paper_test_max_score,
            }
        super().__init__(*args, **kwargs)
        course_field = _model_choice_field(self, "course")
        course_field.queryset = selectors.session_courses(user=user)
        if session is not None:
            course_field.queryset = Course.objects.filter(pk=session.course_id)
            course_field.disabled = True
        _model_choice_field(self, "unit").queryset = selectors.units_for_enrollment(user=user).filter(is_active=True)


class SessionFilterForm(forms.Form):
    UPCOMING, PAST = "upcoming", "past"

    when = forms.ChoiceField(label=_("When"), required=False, choices=[(UPCOMING, _("Upcoming")), (PAST, _("Past"))])
    course = forms.ModelChoiceField(
        label=_("Course"), required=False, queryset=Course.objects.none(), empty_label=_("All courses")
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choice_field(self, "course").queryset = (
            selectors.course_list(user=user).filter(sessions__isnull=False).distinct()
        )


class SessionUnitForm(forms.Form):
    unit = UnitChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        help_text=_("Every active officer of this unit and of the units below it is registered."),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choice_field(self, "unit").queryset = selectors.units_for_enrollment(user=user).filter(is_active=True)


class SessionOfficersForm(OfficerEnrollmentForm):
    """Officers by service number, one a line, as ``OfficerEnrolmentForm`` reads them (no deadline)."""

    deadline = None  # type: ignore[assignment]  # None removes the inherited field (Django forms)


class SessionCancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), required=False, max_length=1000)
