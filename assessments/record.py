"""The assessments' part of an officer's training record (``settings.OFFICER_RECORD_SECTIONS``):
submitted attempts with their scores. One query."""

from django.utils.formats import date_format, localize
from django.utils.translation import gettext

from assessments.models import Attempt
from organisations.models import Officer
from organisations.record import RecordCell, RecordSection


def _score(attempt: Attempt) -> str:
    if attempt.score is None:
        return gettext("Awaiting grading") if attempt.status == Attempt.Status.PENDING_REVIEW else "—"
    result = gettext("passed") if attempt.is_passed else gettext("not passed")
    return gettext("%(score)s%% (%(result)s)") % {"score": localize(attempt.score.normalize()), "result": result}


def officer_record_sections(*, officer: Officer) -> list[RecordSection]:
    attempts = (
        Attempt.objects.filter(officer=officer)
        .exclude(status=Attempt.Status.IN_PROGRESS)
        .select_related("assessment__course")
        .order_by("-submitted_at", "-pk")
    )
    rows = [
        [
            RecordCell(attempt.assessment.title),
            RecordCell(attempt.assessment.course.title),
            RecordCell(str(attempt.number), is_numeric=True),
            RecordCell(date_format(attempt.submitted_at, "SHORT_DATE_FORMAT") if attempt.submitted_at else "—"),
            RecordCell(_score(attempt)),
        ]
        for attempt in attempts
    ]
    return [
        RecordSection(
            key="attempts",
            title=gettext("Assessments"),
            headings=[
                RecordCell(gettext("Assessment")),
                RecordCell(gettext("Course")),
                RecordCell(gettext("Attempt"), is_numeric=True),
                RecordCell(gettext("Submitted on")),
                RecordCell(gettext("Score")),
            ],
            rows=rows,
            empty_text=gettext("No assessment submitted."),
        )
    ]
