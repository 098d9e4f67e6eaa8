"""Pages for trainees: an assessment, taking an attempt, and its result.

Nothing here puts the answer key in HTML that ``permissions.answer_key_visible`` does not
allow: questions reach the templates only through ``selectors.question_for_display``.
"""

import datetime
import math
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from assessments import permissions, selectors, services
from assessments.forms import AttemptForm, field_name
from assessments.models import Assessment, Attempt
from courses import selectors as course_selectors
from organisations.permissions import AuthenticatedHttpRequest
from organisations.selectors import user_roles


def _feedback_note(attempt: Attempt) -> str:
    """When the answers and explanations become visible to the owner, in a sentence."""
    policy = attempt.assessment.feedback_policy
    if policy == Assessment.FeedbackPolicy.NEVER:
        return gettext("The answers are not shown for this assessment; only your score is.")
    if policy == Assessment.FeedbackPolicy.AFTER_CLOSE:
        closes_at = attempt.assessment.closes_at
        if closes_at is None:
            return gettext("The answers will be shown once the assessment closes.")
        return gettext("The answers will be shown after the assessment closes on %(date)s.") % {
            "date": formats.date_format(timezone.localtime(closes_at), "DATETIME_FORMAT")
        }
    return gettext("The answers will be shown once your attempt is submitted.")


def _key_note() -> str:
    return gettext("The answers and the key are for the officer, their trainers and the course's authors.")


@login_required
def assessment_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The assessment as a trainee sees it: rules, their attempts, and Start or Continue."""
    assessment = permissions.access_assessment(user=request.user, assessment_id=pk)
    officer = user_roles(request.user).officer
    context: dict = {
        "assessment": assessment,
        "officer": officer,
        "can_edit": course_selectors.course_is_editable(user=request.user, course=assessment.course),
    }
    if officer is not None:
        attempts = selectors.own_attempts(assessment=assessment, officer=officer)
        terms = selectors.allowance_terms(assessment=assessment, officer=officer)
        allowed = None if assessment.max_attempts is None else assessment.max_attempts + terms["extra_attempts"]
        open_attempt = next((a for a in attempts if a.status == Attempt.Status.IN_PROGRESS), None)
        last_submitted = max((a.submitted_at for a in attempts if a.submitted_at), default=None)
        next_start = None
        if assessment.cooldown_minutes and last_submitted:
            next_start = last_submitted + datetime.timedelta(minutes=assessment.cooldown_minutes)
            if next_start <= timezone.now():
                next_start = None
        closes_at = terms["closes_at"]
        context.update(
            attempts=attempts,
            attempts_used=len(attempts),
            attempts_allowed=allowed,
            open_attempt=open_attempt,
            next_start=next_start,
            closes_at=closes_at,
            is_closed=closes_at is not None and timezone.now() >= closes_at,
            time_limit=assessment.time_limit_minutes + terms["extra_minutes"]
            if assessment.time_limit_minutes
            else None,
            can_start=open_attempt is None and (allowed is None or len(attempts) < allowed),
        )
    return render(request, "assessments/assessment_detail.html", context)


@login_required
@require_POST
def assessment_start(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Start (or continue) an attempt; a refusal comes back as a message."""
    assessment = permissions.access_assessment(user=request.user, assessment_id=pk)
    try:
        attempt = services.attempt_start(assessment=assessment, user=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("assessment-detail", pk=assessment.pk)
    return redirect("attempt-take", pk=attempt.pk)


def _minutes_left(attempt: Attempt, now: datetime.datetime) -> int | None:
    if attempt.deadline is None:
        return None
    return max(0, math.ceil((attempt.deadline - now).total_seconds() / 60))


@login_required
@require_http_methods(["GET", "POST"])
def attempt_take(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The whole attempt as one plain form: "Save" keeps the answers, "Submit" grades them."""
    attempt = permissions.access_attempt_to_take(user=request.user, attempt_id=pk)
    if attempt.status != Attempt.Status.IN_PROGRESS:
        return redirect("attempt-result", pk=attempt.pk)
    questions = [selectors.question_for_display(q, with_key=False) for q in attempt.snapshot]
    saved = {question_id: answer.response for question_id, answer in selectors.attempt_answers(attempt).items()}
    now = timezone.now()
    is_late = attempt.deadline is not None and now > attempt.deadline + services.DEADLINE_GRACE
    form = AttemptForm(request.POST or None, questions=questions, saved=saved)
    if request.method == "POST" and form.is_valid():
        unanswered = _unanswered(form, questions) if "submit" in request.POST else []
        if unanswered and "confirm" not in request.POST and not is_late:
            # Ask once before grading blanks; the answers given are saved first, so going
            # back (or losing the connection) loses nothing.
            try:
                _answers_save(attempt=attempt, user=request.user, form=form)
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                return _submit_confirmation(request, attempt=attempt, form=form, unanswered=unanswered, now=now)
        elif "submit" in request.POST:
            try:
                attempt = services.attempt_submit(attempt=attempt, user=request.user, answers=form.responses())
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, gettext("Your attempt is submitted."))
                return redirect("attempt-result", pk=attempt.pk)
        elif not is_late:
            try:
                _answers_save(attempt=attempt, user=request.user, form=form)
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, gettext("Your answers are saved."))
                return redirect("attempt-take", pk=attempt.pk)
        else:
            messages.error(request, gettext("The time is up: answers can no longer be saved. Submit the attempt."))
    context = {
        "attempt": attempt,
        "assessment": attempt.assessment,
        "form": form,
        "items": form.items(),
        "minutes_left": _minutes_left(attempt, now),
        "is_late": is_late,
    }
    return render(request, "assessments/attempt_take.html", context)


def _answers_save(*, attempt: Attempt, user, form: AttemptForm) -> None:
    for question_id, response in form.responses():
        services.answer_save(attempt=attempt, user=user, question_id=question_id, response=response)


def _unanswered(form: AttemptForm, questions: list[dict]) -> list[dict]:
    """The questions left blank in the submitted form (a valid one), with their numbers."""
    blank = []
    for number, question in enumerate(questions, start=1):
        value = form.cleaned_data.get(field_name(question["id"]))
        if not (value.strip() if isinstance(value, str) else value):
            blank.append({"number": number, "id": question["id"]})
    return blank


def _submit_confirmation(
    request: AuthenticatedHttpRequest, *, attempt: Attempt, form: AttemptForm, unanswered: list[dict], now
) -> HttpResponse:
    """ "3 questions are unanswered. Submit anyway?": a page that works without JavaScript.
    It posts the answers again (hidden) with ``confirm``, so submitting grades exactly what
    was given; "Go back" reopens the attempt, whose answers are saved."""
    count = len(unanswered)
    context = {
        "attempt": attempt,
        "assessment": attempt.assessment,
        "question": ngettext(
            "%(count)s question is unanswered. Submit anyway?",
            "%(count)s questions are unanswered. Submit anyway?",
            count,
        )
        % {"count": count},
        "unanswered": unanswered,
        "hidden": [(name, value) for name in form.fields for value in request.POST.getlist(name)],
        "minutes_left": _minutes_left(attempt, now),
        "is_late": False,
    }
    return render(request, "assessments/attempt_confirm.html", context)


def _response_shown(question: dict, response: dict | None) -> dict:
    """What the owner answered, as text: the chosen choices' texts or the text written."""
    if not response:
        return {"choices": [], "text": ""}
    if question["kind"] in ("single", "multiple", "true_false"):
        chosen = set(response.get("choices") or [])
        return {"choices": [c["text"] for c in question["choices"] if c["id"] in chosen], "text": ""}
    return {"choices": [], "text": response.get("text") or ""}


@login_required
def attempt_result(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Score and pass for whoever may see the attempt; the answers, the key and the
    explanations only for those ``permissions.answer_key_visible`` allows (the owner once
    the feedback policy allows; the officer's trainers, the authors and admins)."""
    attempt = permissions.access_attempt(user=request.user, attempt_id=pk)
    is_own = permissions.is_own_attempt(user=request.user, attempt=attempt)
    if is_own and attempt.status == Attempt.Status.IN_PROGRESS:
        return redirect("attempt-take", pk=attempt.pk)
    with_key = permissions.answer_key_visible(user=request.user, assessment=attempt.assessment, attempt=attempt)
    rows = []
    if with_key:
        answers = selectors.attempt_answers(attempt)
        for number, question in enumerate(attempt.snapshot, start=1):
            shown = selectors.question_for_display(question, with_key=True)
            answer = answers.get(question["id"])
            rows.append(
                {
                    "number": number,
                    "question": shown,
                    "given": _response_shown(shown, answer.response if answer else None),
                    "right_choices": [c["text"] for c in shown["choices"] if c.get("correct")],
                    "credits": [(c["text"], c["weight"]) for c in shown["choices"] if c.get("weight") is not None],
                    "answer": answer,
                    "points": answer.points if answer and answer.points is not None else None,
                    "max_points": Decimal(question["points"]),
                }
            )
    context = {
        "attempt": attempt,
        "assessment": attempt.assessment,
        "is_own": is_own,
        "with_key": with_key,
        "rows": rows,
        "feedback_note": "" if with_key else _feedback_note(attempt) if is_own else _key_note(),
    }
    return render(request, "assessments/attempt_result.html", context)
