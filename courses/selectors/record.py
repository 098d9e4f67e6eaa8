"""The courses' part of an officer's training record (``settings.OFFICER_RECORD_SECTIONS``):
enrolments with progress, and the in-person sessions they were registered for. Three queries."""

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.formats import date_format, localize
from django.utils.translation import gettext

from courses.models import Enrollment, LessonProgress, SessionRegistration
from courses.selectors.learning import enrollments_progress
from organisations.models import Officer
from organisations.record import RecordCell, RecordSection


def officer_record_sections(*, officer: Officer) -> list[RecordSection]:
    enrollments = (
        Enrollment.objects.filter(officer=officer)
        .select_related("course", "release")
        .prefetch_related(
            Prefetch(
                "lesson_progress", queryset=LessonProgress.objects.only("enrollment_id", "lesson_id"), to_attr="done"
            )
        )
        .order_by("-enrolled_at", "-pk")
    )
    found = list(enrollments)
    progresses = enrollments_progress(
        enrollments=found,
        completed={enrollment.pk: [item.lesson_id for item in vars(enrollment)["done"]] for enrollment in found},
    )
    enrollment_rows = []
    for enrollment in found:
        progress = progresses[enrollment.pk]
        enrollment_rows.append(
            [
                RecordCell(enrollment.course.title, url=reverse("course-outline", args=[enrollment.course_id])),
                RecordCell(enrollment.get_status_display()),
                RecordCell(gettext("%(percent)s%%") % {"percent": progress}, is_numeric=True),
                RecordCell(date_format(enrollment.enrolled_at, "SHORT_DATE_FORMAT")),
                RecordCell(
                    date_format(enrollment.completed_at, "SHORT_DATE_FORMAT") if enrollment.completed_at else "—"
                ),
            ]
        )
    registrations = (
        SessionRegistration.objects.filter(officer=officer)
        .select_related("session__course")
        .order_by("-session__date", "-pk")
    )
    session_rows = [
        [
            RecordCell(
                date_format(registration.session.date, "SHORT_DATE_FORMAT"),
                url=reverse("session-detail", args=[registration.session_id]),
            ),
            RecordCell(registration.session.course.title),
            RecordCell(registration.session.place),
            RecordCell(registration.get_attendance_display()),
            RecordCell(
                "—" if registration.paper_score is None else localize(registration.paper_score.normalize()),
                is_numeric=True,
            ),
        ]
        for registration in registrations
    ]
    return [
        RecordSection(
            key="enrolments",
            title=gettext("Courses"),
            headings=[
                RecordCell(gettext("Course")),
                RecordCell(gettext("Status")),
                RecordCell(gettext("Progress"), is_numeric=True),
                RecordCell(gettext("Enrolled on")),
                RecordCell(gettext("Completed on")),
            ],
            rows=enrollment_rows,
            empty_text=gettext("Not enrolled in any course."),
        ),
        RecordSection(
            key="sessions",
            title=gettext("In-person sessions"),
            headings=[
                RecordCell(gettext("Date")),
                RecordCell(gettext("Course")),
                RecordCell(gettext("Place")),
                RecordCell(gettext("Attendance")),
                RecordCell(gettext("Paper test"), is_numeric=True),
            ],
            rows=session_rows,
            empty_text=gettext("Not registered for any session."),
        ),
    ]
