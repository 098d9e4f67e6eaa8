"""Pages for trainers and leaders: enrolling a unit or named officers, and the course report."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_http_methods

from courses import selectors, services
from courses.forms import OfficerEnrollmentForm, UnitEnrollmentForm
from courses.models import Course
from courses.selectors import confirmations
from lms.spreadsheet import csv_cell
from organisations.models import Role, User
from organisations.permissions import AuthenticatedHttpRequest
from organisations.selectors import unit_list, user_roles

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).


def _course_or_404(user: User, pk: int) -> Course:
    course = selectors.course_get(user=user, course_id=pk)
    if course is None:
        raise Http404
    return course


@login_required
@require_http_methods(["GET", "POST"])
def course_enrol(request: AuthenticatedHttpRequest, pk: int):
    """Enrol a unit in the trainer's scope (its whole subtree), or officers by service number.

    Trainers and admins; ``?unit=`` preselects a unit, 404 outside the trainer's scope. A unit
    is enrolled only once confirmed: its valid form first shows how many officers in how
    many units will be enrolled (and how many already are), with a button that posts it
    again with ``confirm=1``.
    """
    if not user_roles(request.user).has(Role.TRAINER, Role.ADMIN):
        raise PermissionDenied
    course = _course_or_404(request.user, pk)
    initial = {}
    if request.GET.get("unit"):
        unit = selectors.unit_for_enrollment_get(user=request.user, unit_id=_int_or_404(request.GET["unit"]))
        if unit is None:
            raise Http404
        initial["unit"] = unit.pk
    action = request.POST.get("action") if request.method == "POST" else None
    unit_form = UnitEnrollmentForm(
        request.POST if action == "unit" else None, user=request.user, prefix="unit", initial=initial
    )
    officer_form = OfficerEnrollmentForm(
        request.POST if action == "officers" else None, user=request.user, prefix="officers"
    )
    forms: dict[str, UnitEnrollmentForm | OfficerEnrollmentForm] = {"unit": unit_form, "officers": officer_form}
    form = forms.get(action or "")
    if form is not None and course.is_published and form.is_valid():
        if isinstance(form, UnitEnrollmentForm) and request.POST.get("confirm") != "1":
            summary = confirmations.unit_enrollment_summary(course=course, unit=form.cleaned_data["unit"])
            context = {"course": course, "unit_form": unit_form, "unit_summary": summary}
            return render(request, "courses/reports/enrol.html", context)
        try:
            if isinstance(form, UnitEnrollmentForm):
                count = services.enrollments_create_for_unit(
                    course=course,
                    unit=form.cleaned_data["unit"],
                    actor=request.user,
                    deadline=form.cleaned_data["deadline"],
                )
            else:
                count = services.enrollments_create(
                    course=course, officers=form.officers, actor=request.user, deadline=form.cleaned_data["deadline"]
                )
        except (PermissionDenied, ValidationError) as error:
            form.add_error(None, " ".join(getattr(error, "messages", None) or [str(error)]))
        else:
            message = ngettext(
                "%(count)d officer enrolled (officers already enrolled are left as they were).",
                "%(count)d officers enrolled (officers already enrolled are left as they were).",
                count,
            )
            messages.success(request, message % {"count": count})
            return redirect("course-report", pk=course.pk)
    context = {"course": course, "unit_form": unit_form, "officer_form": officer_form}
    return render(request, "courses/reports/enrol.html", context)


def _int_or_404(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise Http404 from None


@login_required
def course_report(request: AuthenticatedHttpRequest, pk: int):
    """Enrolled, not started, in progress and completed by unit and sex, within the viewer's
    scope (trainers and leaders; admins everything); ``?unit=`` drills down into a unit of
    the scope (404 outside it), ``?format=csv`` downloads the table."""
    if not user_roles(request.user).has(*selectors.STAFF_ROLES):
        raise PermissionDenied
    course = _course_or_404(request.user, pk)
    unit = None
    if request.GET.get("unit"):
        unit = unit_list(user=request.user).filter(pk=_int_or_404(request.GET["unit"])).first()
        if unit is None:
            raise Http404
    report = selectors.course_report(user=request.user, course=course, unit=unit)
    if request.GET.get("format") == "csv":
        return _report_csv(course, report)
    total = report.total
    sex_rows = [(gettext("Women"), total.women), (gettext("Men"), total.men), (gettext("Total"), total.everyone)]
    context = {
        "course": course,
        "unit": unit,
        "report": report,
        "sex_rows": sex_rows,
        "staff_links": selectors.course_staff_links(user=request.user, course=course),
    }
    return render(request, "courses/reports/report.html", context)


def _row_label(row: selectors.ReportRow) -> str:
    if row.unit is None:
        return gettext("Total")
    if row.is_direct:
        return gettext("%(unit)s (directly)") % {"unit": row.unit.name}
    return row.unit.name


def _report_csv(course: Course, report: selectors.CourseReport) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slugify(course.code) or "course"}-report.csv"'
    response.write("\ufeff")  # spreadsheets then read the file as UTF-8
    writer = csv.writer(response, lineterminator="\r\n")
    writer.writerow(
        [
            gettext("Unit code"),
            gettext("Unit"),
            gettext("Enrolled"),
            gettext("Not started"),
            gettext("In progress"),
            gettext("Completed"),
            gettext("Completed (%)"),
            gettext("Women enrolled"),
            gettext("Women completed"),
            gettext("Men enrolled"),
            gettext("Men completed"),
        ]
    )
    for row in [*report.rows, report.total]:
        everyone = row.everyone
        writer.writerow(
            csv_cell(value)
            for value in (
                row.unit.code if row.unit is not None else "",
                _row_label(row),
                everyone.enrolled,
                everyone.not_started,
                everyone.in_progress,
                everyone.completed,
                "" if everyone.completed_percent is None else everyone.completed_percent,
                row.women.enrolled,
                row.women.completed,
                row.men.enrolled,
                row.men.completed,
            )
        )
    return response
