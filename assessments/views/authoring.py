"""Pages for course authors: a new assessment and publishing it, its questions (list, add,
correct, archive), its pools, and importing questions into its bank or exporting them as CSV.

Only the course's authors and admins who are not enrolled in it
(``permissions.authoring_check``); someone who can see the assessment but not edit it gets
a 403 saying why, someone who cannot see it a 404.
"""

from collections import Counter

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments import permissions, selectors, services
from assessments.forms import AssessmentForm, PoolForm, QuestionForm, QuestionKeyForm, competency_label
from assessments.importers.bank_csv import bank_csv_export, bank_csv_parse
from assessments.importers.gift import ImportProblems, gift_parse
from assessments.models import Assessment, Choice, Pool, Question, QuestionBank
from courses.models import Module
from courses.selectors import course_get
from organisations.permissions import AuthenticatedHttpRequest

IMPORT_MAX_BYTES = settings.QUESTION_IMPORT_MAX_BYTES  # the request as a whole: lms/request_body.py
QUESTIONS_PER_PAGE = 50


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


def _settings_form(request: AuthenticatedHttpRequest, course, assessment: Assessment | None = None) -> AssessmentForm:
    others = Assessment.objects.filter(course=course, is_pretest=False).order_by("pk")
    if assessment is not None:
        others = others.exclude(pk=assessment.pk)
    return AssessmentForm(
        request.POST or None,
        modules=Module.objects.filter(course=course, is_archived=False).order_by("order", "pk"),
        banks=QuestionBank.objects.filter(course=course).order_by("title", "pk"),
        others=others,
        assessment=assessment,
        fixed=None if assessment is None else services.assessment_fixed_fields(assessment),
    )


@login_required
@require_http_methods(["GET", "POST"])
def assessment_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A new draft assessment of the course ``pk`` (its final assessment or a module's
    quiz), with a new question bank or a shared one of the course, optionally drawing a
    number of its questions by tag (a pool); the author adds questions next, then publishes it."""
    course = course_get(user=request.user, course_id=pk)
    if course is None:
        raise Http404
    permissions.authoring_check(user=request.user, course=course)
    form = _settings_form(request, course)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                assessment = services.assessment_create(course=course, actor=request.user, **form.settings())
                if pool := form.pool():
                    try:
                        services.pool_set(assessment=assessment, actor=request.user, **pool)
                    except ValidationError as error:
                        form.add_pool_errors(error)
                        raise
        except ValidationError as error:
            if not form.errors:
                form.add_service_errors(error)
        else:
            messages.success(
                request, gettext("The assessment is created as a draft. Add its questions, then publish it.")
            )
            return redirect("assessment-questions", pk=assessment.pk)
    return render(request, "assessments/assessment_form.html", {"course": course, "form": form, "assessment": None})


@login_required
@require_http_methods(["GET", "POST"])
def assessment_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The assessment's settings (``services.assessment_update``); those fixed now (after
    publishing, after the first attempt) are shown with the reason and cannot change."""
    assessment = permissions.access_assessment_for_edit(user=request.user, assessment_id=pk)
    form = _settings_form(request, assessment.course, assessment)
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_update(assessment=assessment, actor=request.user, **form.settings())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, gettext("The settings are saved."))
            return redirect("assessment-questions", pk=assessment.pk)
    context = {"course": assessment.course, "form": form, "assessment": assessment}
    return render(request, "assessments/assessment_form.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def assessment_publish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Open the assessment to the course's trainees (refused while it has no live question)."""
    assessment = permissions.access_assessment_for_edit(user=request.user, assessment_id=pk)
    try:
        services.assessment_publish(assessment=assessment, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, gettext("The assessment is published: enrolled trainees can take it."))
    return redirect("assessment-questions", pk=assessment.pk)


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
        limit = settings.QUESTION_IMPORT_MAX_QUESTIONS
        return (bank_csv_parse(text, max_questions=limit) if is_csv else gift_parse(text, max_questions=limit)), []
    except ImportProblems as error:
        where = gettext("row %(number)d: %(message)s") if is_csv else gettext("line %(number)d: %(message)s")
        return [], [where % {"number": number, "message": message} for number, message in error.problems]


@login_required
@require_http_methods(["GET", "POST"])
def questions_import(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Upload a GIFT or CSV file: every question is added to the bank, or none and every problem is listed."""
    assessment = permissions.access_assessment_for_edit(user=request.user, assessment_id=pk)
    form = QuestionImportForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        questions, problems = _parse(form.cleaned_data["file"], form.cleaned_data["format"])
        if not problems:
            try:
                created = services.questions_import(bank=assessment.bank, questions=questions, actor=request.user)
            except ValidationError as error:
                problems = services.questions_import_messages(error)
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
def questions_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The bank's live questions as CSV, in the format the import reads back."""
    assessment = permissions.access_assessment_for_edit(user=request.user, assessment_id=pk)
    response = HttpResponse("\ufeff" + bank_csv_export(assessment.bank), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="assessment-{assessment.pk}-questions.csv"'
    return response


# Questions and pools ---------------------------------------------------------------------
# The same people as the import: the course's authors and admins (403 for others who see the
# assessment, 404 for those who do not). The questions are those of the assessment's bank.


def _bank_question(assessment: Assessment, question_pk: int) -> Question:
    question = (
        Question.objects.filter(bank_id=assessment.bank_id, pk=question_pk)
        .select_related("scenario")
        .prefetch_related("choices")
        .first()
    )
    if question is None:
        raise Http404
    return question


@login_required
@require_GET
def question_list(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The questions of the assessment's bank (live ones first), a page at a time, with
    links to edit each, add one, import, export and the pools; which of them give partial
    credit (credits per choice, numeric answers for part of the points), never the key
    itself. Three queries of its own however many questions: the counts, the page, the pools."""
    assessment = permissions.access_assessment_for_edit(user=request.user, assessment_id=pk)
    bank_questions = Question.objects.filter(bank_id=assessment.bank_id)
    counts = bank_questions.aggregate(
        live=Count("pk", filter=Q(is_archived=False)), archived=Count("pk", filter=Q(is_archived=True))
    )
    questions = (
        bank_questions.select_related("scenario")
        .annotate(has_credits=Exists(Choice.objects.filter(question=OuterRef("pk"), weight__isnull=False)))
        .order_by("is_archived", "pk")
    )
    paginator = Paginator(questions, QUESTIONS_PER_PAGE)
    paginator.count = counts["live"] + counts["archived"]  # known already: spares the paginator's COUNT
    page = paginator.get_page(request.GET.get("page"))
    page_questions = list(page.object_list)
    for question in page_questions:
        setattr(question, "competency_label", competency_label(question.competency))  # noqa: B010 (not a field)
    context = {
        "assessment": assessment,
        "questions": page_questions,
        "page": page,
        "live_count": counts["live"],
        "archived_count": counts["archived"],
        "pool_count": assessment.pools.count(),
    }
    return render(request, "assessments/question_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def question_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Add one question to the assessment's bank (with a new scenario if described).

    Without a kind (``?kind=``) the page asks for one first; then it shows the form with
    that kind's parts (the script shows the parts as the kind changes; without it, "Change
    the kind" comes back with the parts of the kind picked). "Add another choice" comes
    back with one more choice row; neither saves. "Add it and another" comes back to an
    empty form of the same kind."""
    assessment = permissions.access_assessment_for_edit(user=request.user, assessment_id=pk)
    kinds = Question.Kind.values
    if request.method == "GET":
        kind = request.GET.get("kind", "")
        if kind not in kinds:
            context = {"assessment": assessment, "kinds": Question.Kind.choices, "question": None, "step": "kind"}
            return render(request, "assessments/question_form.html", context)
        form = QuestionForm(initial={"kind": kind}, bank=assessment.bank)
    elif request.POST.get("then") in ("kind", "add-choice"):
        # Only the page changes: the form comes back as typed, without checking it.
        one_more = request.POST["then"] == "add-choice"
        form = QuestionForm(
            initial=request.POST.dict(),
            bank=assessment.bank,
            choice_count=QuestionForm.rows_wanted(request.POST, one_more=one_more),
        )
    else:
        form = QuestionForm(request.POST, bank=assessment.bank, choice_count=QuestionForm.rows_wanted(request.POST))
        if form.is_valid():
            try:
                with transaction.atomic():
                    scenario = form.cleaned_data["scenario"]
                    if new_scenario := form.new_scenario():
                        scenario = services.scenario_create(bank=assessment.bank, actor=request.user, **new_scenario)
                    services.question_create(
                        bank=assessment.bank, actor=request.user, scenario=scenario, **form.question_arguments()
                    )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, gettext("The question is added."))
                if request.POST.get("then") == "another":
                    return redirect(
                        reverse("question-create", args=[assessment.pk]) + "?kind=" + form.cleaned_data["kind"]
                    )
                return redirect("assessment-questions", pk=assessment.pk)
    context = {"assessment": assessment, "form": form, "question": None, "step": "form"}
    return render(request, "assessments/question_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def question_edit(request: AuthenticatedHttpRequest, pk: int, question_pk: int) -> HttpResponse:
    """Correct a question's answer key, points and explanation; optionally regrade the
    attempts that showed it (``services.question_correct`` then ``attempts_regrade``)."""
    assessment = permissions.access_assessment_for_edit(user=request.user, assessment_id=pk)
    question = _bank_question(assessment, question_pk)
    attempts = selectors.attempts_showing(question=question).count()
    form = QuestionKeyForm(request.POST or None, question=question, attempts=attempts)
    if request.method == "POST" and form.is_valid():
        regrade = form.cleaned_data.get("regrade", False)
        try:
            with transaction.atomic():
                services.question_correct(question=question, actor=request.user, **form.changes())
                changed = services.attempts_regrade(question=question, actor=request.user) if regrade else 0
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            parts = [gettext("The answer key is saved.")]
            if regrade:
                parts.append(
                    ngettext(
                        "%(count)d attempt that showed the question was regraded.",
                        "%(count)d attempts that showed the question were regraded.",
                        attempts,
                    )
                    % {"count": attempts}
                )
                parts.append(
                    ngettext("%(count)d result changed.", "%(count)d results changed.", changed) % {"count": changed}
                )
            elif attempts:
                parts.append(gettext("Past attempts keep their results."))
            messages.success(request, " ".join(parts))
            return redirect("assessment-questions", pk=assessment.pk)
    context = {
        "assessment": assessment,
        "form": form,
        "question": question,
        "attempts": attempts,
        "competency": competency_label(question.competency),
    }
    return render(request, "assessments/question_form.html", context)


@login_required
@require_POST
def question_archive(request: AuthenticatedHttpRequest, pk: int, question_pk: int) -> HttpResponse:
    """Never draw the question again; attempts that showed it keep it."""
    assessment = permissions.access_assessment_for_edit(user=request.user, assessment_id=pk)
    question = _bank_question(assessment, question_pk)
    services.question_archive(question=question, actor=request.user)
    messages.success(request, gettext("The question is archived: new attempts no longer draw it."))
    return redirect("assessment-questions", pk=assessment.pk)


def _pool_rows(assessment: Assessment, pools: list[Pool]) -> list[dict]:
    """Each pool with how many live questions of the bank carry its tag (one query)."""
    if not pools:
        return []
    counts = Question.objects.filter(bank_id=assessment.bank_id, is_archived=False).aggregate(
        **{f"pool_{pool.pk}": Count("pk", filter=Q(competency=pool.tag) | Q(topic=pool.tag)) for pool in pools}
    )
    return [{"pool": pool, "live": counts[f"pool_{pool.pk}"]} for pool in pools]


def _bank_tags(assessment: Assessment) -> list[dict]:
    """The competencies and topics of the bank's live questions, with how many carry each (one query)."""
    tags: Counter[str] = Counter()
    live = Question.objects.filter(bank_id=assessment.bank_id, is_archived=False)
    for competency, topic in live.values_list("competency", "topic"):
        tags.update({competency, topic} - {""})
    return [{"tag": tag, "count": count} for tag, count in sorted(tags.items())]


@login_required
@require_http_methods(["GET", "POST"])
def pool_list(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The assessment's pools; set one (a tag and how many questions to draw) or remove one."""
    assessment = permissions.access_assessment_for_edit(user=request.user, assessment_id=pk)
    form = PoolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pool = services.pool_set(assessment=assessment, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request,
                ngettext(
                    "Each new attempt draws %(count)d question tagged %(tag)s.",
                    "Each new attempt draws %(count)d questions tagged %(tag)s.",
                    pool.count,
                )
                % {"count": pool.count, "tag": pool.tag},
            )
            return redirect("assessment-pools", pk=assessment.pk)
    pools = list(assessment.pools.order_by("tag", "pk"))
    context = {
        "assessment": assessment,
        "form": form,
        "rows": _pool_rows(assessment, pools),
        "tags": _bank_tags(assessment),
    }
    return render(request, "assessments/pool_list.html", context)


@login_required
@require_POST
def pool_delete(request: AuthenticatedHttpRequest, pk: int, pool_pk: int) -> HttpResponse:
    assessment = permissions.access_assessment_for_edit(user=request.user, assessment_id=pk)
    pool = assessment.pools.filter(pk=pool_pk).first()
    if pool is None:
        raise Http404
    pool.assessment = assessment
    services.pool_delete(pool=pool, actor=request.user)
    messages.success(request, gettext("The pool of %(tag)s is removed.") % {"tag": pool.tag})
    return redirect("assessment-pools", pk=assessment.pk)
