"""A course's gradebook for trainers, leaders and admins: one row per enrolled officer in
the viewer's scope (``certificates.gradebook``), filtered by unit and status, as a page or
a CSV of the same rows. Linked from the course report (``selectors.course_staff_links``)."""

import csv
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from certificates.gradebook import GradebookRow, GradebookStatus, course_gradebook
from certificates.models import Certificate
from certificates.views.holders import UnitChoiceField
from courses import selectors as course_selectors
from courses.models import Course
from lms.spreadsheet import csv_cell
from organisations.models import Unit, User
from organisations.permissions import AuthenticatedHttpRequest
from organisations.selectors import unit_list, user_roles

STATUS_LABELS = {
    GradebookStatus.NOT_STARTED: _("Not started"),
    GradebookStatus.IN_PROGRESS: _("In progress"),
    GradebookStatus.COMPLETED: _("Completed"),
}


class GradebookFilterForm(forms.Form):
    unit = UnitChoiceField(label=_("Unit"), required=False, queryset=Unit.objects.none(), empty_label=_("All units"))
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *STATUS_LABELS.items()]
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, UnitChoiceField)  # declared above
        unit_field.queryset = unit_list(user=user)


def access_course_gradebook(*, user: User, course_id: int) -> Course:
    """The course, for trainers, leaders and admins who see it (403 for anyone else, 404
    for a course they do not see)."""
    if not user_roles(user).has(*course_selectors.STAFF_ROLES):
        raise PermissionDenied
    course = course_selectors.course_get(user=user, course_id=course_id)
    if course is None:
        raise Http404
    return course


@login_required
@require_GET
def course_gradebook_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """``?unit=`` (a unit of the viewer's scope, 404 otherwise) and ``?status=`` filter;
    ``?format=csv`` downloads the rows shown."""
    course = access_course_gradebook(user=request.user, course_id=pk)
    form = GradebookFilterForm(request.GET or None, user=request.user)
    unit, status = None, None
    if form.is_bound:
        if not form.is_valid():
            raise Http404
        unit = form.cleaned_data["unit"]
        status = GradebookStatus(form.cleaned_data["status"]) if form.cleaned_data["status"] else None
    rows = course_gradebook(user=request.user, course=course, unit=unit, status=status)
    if request.GET.get("format") == "csv":
        return _gradebook_csv(course, rows)
    query = request.GET.copy()
    query.pop("format", None)
    context = {
        "course": course,
        "form": form,
        "rows": [(row, STATUS_LABELS[row.status], _certificate_status_label(row)) for row in rows],
        "query": query.urlencode(),
    }
    return render(request, "certificates/gradebook.html", context)


def _score(score: Decimal) -> str:
    """A best score to two decimals at most, with a full stop whatever the language (a
    spreadsheet reads the column as numbers): "80", "81.82"."""
    return f"{score.quantize(Decimal('0.01')).normalize():f}"


def _certificate_status_label(row: GradebookRow) -> str:
    if row.certificate_status is None:
        return ""
    return str(Certificate.Status(row.certificate_status).label)


def _gradebook_csv(course: Course, rows: list[GradebookRow]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slugify(course.code) or "course"}-gradebook.csv"'
    response.write("\ufeff")  # spreadsheets then read the file as UTF-8
    writer = csv.writer(response, lineterminator="\r\n")
    writer.writerow(
        [
            gettext("Service number"),
            gettext("Family name"),
            gettext("Given name"),
            gettext("Unit code"),
            gettext("Unit"),
            gettext("Status"),
            gettext("Progress (%)"),
            gettext("Last activity"),
            gettext("Attempts"),
            gettext("Best score (%)"),
            gettext("Certificate"),
            gettext("Certificate status"),
            gettext("Certificate expires on"),
        ]
    )
    for row in rows:
        writer.writerow(
            csv_cell(value)
            for value in (
                row.officer.service_number,
                row.officer.family_name,
                row.officer.given_name,
                row.unit.code,
                row.unit.name,
                str(STATUS_LABELS[row.status]),
                row.progress,
                row.last_activity.isoformat(timespec="minutes") if row.last_activity else "",
                row.attempts,
                "" if row.best_score is None else _score(row.best_score),
                row.certificate_code or "",
                _certificate_status_label(row),
                row.certificate_expires_on.isoformat() if row.certificate_expires_on else "",
            )
        )
    return response
