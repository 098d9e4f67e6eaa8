"""Pages for trainers: the essay grading queue, grading one answer, granting an allowance."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from assessments import permissions, selectors, services
from assessments.forms import AllowanceForm, AnswerGradeForm
from organisations import selectors as organisation_selectors
from organisations.models import Role
from organisations.permissions import AuthenticatedHttpRequest

ANSWERS_PER_PAGE = 25


def _require_trainer(user) -> None:
    if not organisation_selectors.user_roles(user).has(Role.TRAINER, Role.ADMIN):
        raise PermissionDenied


def _snapshot_question(attempt, question_id: int) -> dict:
    return next((q for q in attempt.snapshot if q["id"] == question_id), {"text": "", "points": "0"})


def _course_filter(request: AuthenticatedHttpRequest) -> int | None:
    """The queue's ``course`` query parameter as an id; anything else means every course."""
    value = request.GET.get("course", "")
    return int(value) if value.isdigit() else None


@login_required
def grading_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Essays awaiting a grader within the trainer's scope, oldest submission first;
    ``?course=<id>`` keeps one course's. The filter lists only courses with essays waiting."""
    _require_trainer(request.user)
    course_id = _course_filter(request)
    queue = selectors.grading_queue(user=request.user, course_id=course_id)
    page = Paginator(queue, ANSWERS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        {"answer": answer, "question": _snapshot_question(answer.attempt, answer.question_id)}
        for answer in page.object_list
    ]
    context = {
        "page": page,
        "rows": rows,
        "courses": selectors.grading_queue_courses(user=request.user),
        "course_id": course_id,
        "query": f"course={course_id}" if course_id else "",
    }
    return render(request, "assessments/grading_queue.html", context)


def _form_errors_from(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, field_messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, field_messages)
    else:
        form.add_error(None, error)


@login_required
@require_http_methods(["GET", "POST"])
def answer_grade(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Grade one essay: points (0 to the question's) and a comment; back to the queue."""
    _require_trainer(request.user)
    answer = selectors.answer_for_grading_get(user=request.user, answer_id=pk)
    if answer is None:
        raise Http404
    question = _snapshot_question(answer.attempt, answer.question_id)
    maximum = Decimal(question["points"])
    initial = {"points": answer.points, "comment": answer.comment}
    form = AnswerGradeForm(request.POST or None, initial=initial, maximum=maximum)
    if request.method == "POST" and form.is_valid():
        try:
            services.answer_grade(
                answer=answer,
                actor=request.user,
                points=form.cleaned_data["points"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            _form_errors_from(form, error)
        else:
            return _after_grading(request, answer=answer)
    if not permissions.answer_key_visible(
        user=request.user, assessment=answer.attempt.assessment, attempt=answer.attempt
    ):
        question = {**question, "explanation": ""}
    course_id = _course_filter(request)
    context = {
        "query": f"course={course_id}" if course_id else "",
        "answer": answer,
        "attempt": answer.attempt,
        "question": question,
        "maximum": maximum,
        "form": form,
    }
    return render(request, "assessments/answer_grade.html", context)


def _after_grading(request: AuthenticatedHttpRequest, *, answer) -> HttpResponse:
    """On to the next essay waiting (in the course the grader filtered by, if any); back to
    the queue, saying so, when none is left."""
    course_id = _course_filter(request)
    following = selectors.grading_queue_next(user=request.user, after=answer, course_id=course_id)
    query = f"?course={course_id}" if course_id else ""
    if following is not None:
        messages.success(request, gettext("The grade is saved. Here is the next essay."))
        return redirect(reverse("answer-grade", args=[following.pk]) + query)
    if course_id is not None:
        messages.success(request, gettext("The grade is saved. All essays of this course are graded."))
    else:
        messages.success(request, gettext("The grade is saved. All graded: no essay is waiting."))
    return redirect("grading-queue")


@login_required
@require_http_methods(["GET", "POST"])
def allowance_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Grant one officer (``?officer=<id>``) an exception on the assessment, with a reason."""
    _require_trainer(request.user)
    assessment = permissions.access_assessment(user=request.user, assessment_id=pk)
    officer_id = request.GET.get("officer", "")
    if not officer_id.isdigit():
        raise Http404
    officer = get_object_or_404(organisation_selectors.officer_list(user=request.user), pk=int(officer_id))
    form = AllowanceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.allowance_grant(assessment=assessment, officer=officer, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_errors_from(form, error)
        else:
            messages.success(request, gettext("The allowance is granted."))
            return redirect("assessment-detail", pk=assessment.pk)
    return render(
        request, "assessments/allowance_form.html", {"assessment": assessment, "officer": officer, "form": form}
    )
