"""Pages for bulk runs: the form that starts one for a course, and the run's progress.

Starting a run: the course's authors, trainers (for officers within their trainer scope)
and admins; a course the user cannot see is a 404, one they see but may not issue is a 403.
A run's page and its retry: the run's requester, the course's authors and admins (404 for
anyone else). The progress page refreshes itself while the run is under way (a meta
refresh inside ``noscript``, which the reader can turn off); with JavaScript,
static/js/certificate-run.js polls the JSON endpoint instead.
"""

import datetime
from typing import Any, TypedDict

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timesince import timesince
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from certificates import runs
from certificates.models import IssueRun
from certificates.permissions import access_course_to_issue, access_issue_run
from courses.models import Course, TrainingSession
from organisations.permissions import AuthenticatedHttpRequest

REFRESH_SECONDS = 5
# A run whose chunks wait and nothing has moved for this long says workers may not be running.
STALL_SECONDS = 120
FAILURES_SHOWN = 100
RUNS_SHOWN = 10


class SessionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: TrainingSession) -> str:
        return f"{date_format(obj.date, 'SHORT_DATE_FORMAT')}, {obj.place}"


class IssueRunForm(forms.Form):
    kind = forms.ChoiceField(label=_("What to do"), choices=IssueRun.Kind.choices, initial=IssueRun.Kind.ISSUE)
    session = SessionChoiceField(
        label=_("Session"),
        queryset=TrainingSession.objects.none(),
        required=False,
        empty_label=_("Everyone who completed the course"),
        help_text=_("Only the officers registered for this session."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=255,
        required=False,
        help_text=_("Required to reissue (for example, a corrected name); recorded on the old certificates."),
    )

    def __init__(self, *args: Any, course: Course, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        session_field = self.fields["session"]
        assert isinstance(session_field, SessionChoiceField)  # declared above
        session_field.queryset = runs.issue_run_sessions(course=course)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None  # Form.clean returns cleaned_data
        if cleaned.get("kind") == IssueRun.Kind.REISSUE and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", gettext("Give the reason for reissuing."))
        return cleaned


def _form_errors(form: forms.Form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


@login_required
@require_http_methods(["GET", "POST"])
def issue_run_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The form that starts a run for the course, with the user's recent runs of it."""
    course = access_course_to_issue(user=request.user, course_id=pk)
    form = IssueRunForm(request.POST if request.method == "POST" else None, course=course)
    if request.method == "POST" and form.is_valid():
        try:
            run = runs.issue_run_create(course=course, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            return redirect("certificate-run-detail", pk=run.pk)
    recent = list(runs.issue_run_list(user=request.user, course=course)[:RUNS_SHOWN])
    return render(request, "certificates/run_form.html", {"course": course, "form": form, "recent": recent})


@login_required
@require_GET
def issue_run_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The run's progress: a bar with its percentage, the counts, and the failures."""
    run = access_issue_run(user=request.user, run_id=pk)
    progress = runs.issue_run_progress(run)
    failures = list(runs.issue_run_failures(run)[:FAILURES_SHOWN]) if progress.failed else []
    is_live = not progress.is_finished and request.GET.get("refresh") != "off"
    context = {
        "run": run,
        "progress": progress,
        "failures": failures,
        "failures_hidden": progress.failed - len(failures),
        "is_live": is_live,
        "refresh_seconds": REFRESH_SECONDS,
        "work": None if progress.is_finished else _work_state(run, progress),
    }
    return render(request, "certificates/run_detail.html", context)


class Moment(TypedDict):
    iso: str  # for ``<time datetime>``
    text: str


def _moment(value: datetime.datetime, *, now: datetime.datetime) -> Moment:
    """A time as the page shows it, in the site's time zone: the time alone on the day it is,
    else the date too; ``iso`` for ``<time datetime>``."""
    local = timezone.localtime(value)
    same_day = local.date() == timezone.localtime(now).date()
    text = date_format(local, "TIME_FORMAT" if same_day else "SHORT_DATETIME_FORMAT")
    return Moment(iso=local.isoformat(), text=text)


def _duration(since: datetime.datetime, *, now: datetime.datetime) -> str:
    """How long ago, in words ("3 minutes", "1 hour, 5 minutes"); "under a minute" before the first."""
    if (now - since).total_seconds() < 60:
        return gettext("under a minute")
    return timesince(since, now)


def _work_state(run: IssueRun, progress: runs.RunProgress) -> dict[str, object]:
    """What an unfinished run waits for, from its chunks' deliveries (one query):

    - ``is_queued``: no chunk finished (or was tried) since the oldest waiting one was
      queued, so it waits for a worker ``since`` (the run's start, or the retry's);
    - else it is issuing, ``settled`` of ``progress.total``, the last chunk done at ``last_done``;
    - ``retrying``/``next_attempt``: chunks backing off after a failure; ``failed``: chunks
      the outbox gave up on (an admin retries the failed delivery);
    - ``still_for``: set when nothing has moved for ``STALL_SECONDS`` while chunks wait
      (workers, or the beat that re-sends what the broker lost, may not be running).
    """
    now = timezone.now()
    activity = runs.issue_run_activity(run)
    since = activity.queued_at or run.created_at
    moved_at = activity.moved_at(run)
    has_waiting_chunks = activity.waiting or not activity.failed  # no delivery found: items still wait
    is_stalled = has_waiting_chunks and (now - moved_at).total_seconds() >= STALL_SECONDS
    return {
        "waiting": activity.waiting,
        "is_queued": not activity.has_started and not activity.retrying,
        "since": _moment(since, now=now),
        "waited": _duration(since, now=now),
        "settled": progress.total - progress.pending,
        "last_done": _moment(activity.last_done_at, now=now) if activity.last_done_at else None,
        "retrying": activity.retrying,
        "next_attempt": (
            _moment(activity.next_attempt_at, now=now) if activity.retrying and activity.next_attempt_at else None
        ),
        "failed": activity.failed,
        "max_attempts": settings.OUTBOX_MAX_ATTEMPTS,
        "still_for": _duration(moved_at, now=now) if is_stalled else "",
    }


@login_required
@require_POST
def issue_run_retry(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Queue the run's failed items again."""
    run = access_issue_run(user=request.user, run_id=pk)
    count = runs.issue_run_retry(run=run, actor=request.user)
    if count:
        messages.success(
            request,
            ngettext("%(count)d certificate queued again.", "%(count)d certificates queued again.", count)
            % {"count": count},
        )
    else:
        messages.info(request, gettext("Nothing failed: there is nothing to retry."))
    return redirect("certificate-run-detail", pk=run.pk)
