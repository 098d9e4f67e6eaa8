"""Pages for course authors: import questions into an assessment's bank, export them as CSV.

Only the course's authors and admins (``courses.selectors.course_is_editable``); someone
who can see the assessment but not edit it gets a 403, someone who cannot see it a 404.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from assessments import selectors, services
from assessments.bank_csv import bank_csv_export, bank_csv_parse
from assessments.gift import ImportProblems, gift_parse
from assessments.models import Assessment
from courses.selectors import course_is_editable

IMPORT_MAX_BYTES = 5 * 1024 * 1024


class QuestionImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("GIFT (.gift, .txt) or CSV (.csv), UTF-8, at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".gift,.txt,.csv", "aria-describedby": "id_file-help"}),
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[("auto", _("From the file name")), ("gift", _("GIFT")), ("csv", _("CSV"))],
        initial="auto",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            raise ValidationError(_("The file is larger than 5 MB."))
        return upload


def _editable_assessment(request, pk: int) -> Assessment:
    assessment = selectors.assessment_get(user=request.user, assessment_id=pk)
    if assessment is None:
        raise Http404
    if not course_is_editable(user=request.user, course=assessment.course):
        raise PermissionDenied
    return assessment


def _parse(upload, chosen: str) -> tuple[list[dict], list[str]]:
    """The questions of the uploaded file, or every problem found as a sentence."""
    is_csv = chosen == "csv" or (chosen == "auto" and upload.name.lower().endswith(".csv"))
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [
            gettext("The file is not UTF-8 text. Save it as UTF-8 (in a spreadsheet: CSV UTF-8) and try again.")
        ]
    try:
        return (bank_csv_parse(text) if is_csv else gift_parse(text)), []
    except ImportProblems as error:
        where = gettext("row %(number)d: %(message)s") if is_csv else gettext("line %(number)d: %(message)s")
        return [], [where % {"number": number, "message": message} for number, message in error.problems]


@login_required
@require_http_methods(["GET", "POST"])
def questions_import(request, pk: int):
    """Upload a GIFT or CSV file: every question is added to the bank, or none and every problem is listed."""
    assessment = _editable_assessment(request, pk)
    form = QuestionImportForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        questions, problems = _parse(form.cleaned_data["file"], form.cleaned_data["format"])
        if not problems:
            try:
                created = services.questions_import(bank=assessment.bank, questions=questions, actor=request.user)
            except ValidationError as error:
                problems = [
                    gettext("question %(number)d: %(message)s") % {"number": int(index) + 1, "message": message}
                    for index, messages_ in sorted(error.message_dict.items(), key=lambda item: int(item[0]))
                    for message in messages_
                ]
            else:
                count = len(created)
                messages.success(
                    request,
                    ngettext("%(count)d question imported.", "%(count)d questions imported.", count) % {"count": count},
                )
                return redirect("assessment-detail", pk=assessment.pk)
    context = {"assessment": assessment, "form": form, "problems": problems}
    return render(request, "assessments/bank_import.html", context, status=400 if problems else 200)


@login_required
@require_GET
def questions_export(request, pk: int):
    """The bank's live questions as CSV, in the format the import reads back."""
    assessment = _editable_assessment(request, pk)
    response = HttpResponse("\ufeff" + bank_csv_export(assessment.bank), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="assessment-{assessment.pk}-questions.csv"'
    return response
