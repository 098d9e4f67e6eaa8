"""Reminders of approaching enrolment deadlines: once per enrolment, only in-progress ones
due within the window, in each officer's language; the daily task that sends them."""

import datetime
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.utils import timezone

from courses import services, tasks
from courses.models import Enrollment
from courses.services import notifications as reminder_services
from lms.events.models import Event
from lms.notifications.models import Notification
from tests.factories import OfficerFactory, UserFactory

TODAY = datetime.date(2027, 1, 10)
KIND = "course.deadline_approaching"


def _enrol(course, actor, *, deadline, officer=None, user=None, unit=None) -> Enrollment:
    if officer is None:
        officer = OfficerFactory(unit=unit, user=user)
    services.enrollments_create(course=course, officers=[officer], actor=actor, deadline=deadline)
    return Enrollment.objects.get(course=course, officer=officer)


def _reminded() -> dict[str, str]:
    return dict(Notification.objects.filter(kind=KIND).values_list("user__username", "message"))


def _in(days: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=days)


@pytest.fixture
def enrol(people, tree, published_course):
    """Enrol a new officer of the northern station, with an account named ``username``."""

    def enrol(username: str, deadline, **user_fields) -> Enrollment:
        user = UserFactory(username=username, **user_fields)
        return _enrol(published_course, people.trainer_north, deadline=deadline, user=user, unit=tree.north_station)

    return enrol


def test_in_progress_enrollments_due_within_the_window_are_reminded_once(people, tree, published_course, enrol):
    trainee = _enrol(published_course, people.trainer_north, deadline=_in(5), officer=tree.north_officers[0])
    due_today = enrol("due.today", TODAY)
    last_day = enrol("last.day", _in(7))
    enrol("too.far", _in(8))
    enrol("overdue", _in(-1))
    enrol("no.deadline", None)
    completed = enrol("completed", _in(2))
    Enrollment.objects.filter(pk=completed.pk).update(status=Enrollment.Status.COMPLETED)

    first = services.enrollment_deadline_reminders_send(today=TODAY, days_ahead=7)
    second = services.enrollment_deadline_reminders_send(today=TODAY, days_ahead=7)

    assert (first, second) == (3, 0)
    assert _reminded() == {
        "trainee": "Reminder: complete Community-oriented policing by 15 January 2027.",
        "due.today": "Reminder: complete Community-oriented policing by 10 January 2027.",
        "last.day": "Reminder: complete Community-oriented policing by 17 January 2027.",
    }
    assert set(Notification.objects.filter(kind=KIND).values_list("link", flat=True)) == {
        f"/courses/{published_course.pk}/"
    }
    assert set(Enrollment.objects.filter(deadline_reminded_at__isnull=False)) == {trainee, due_today, last_day}


def test_the_window_defaults_to_the_setting(settings, enrol):
    settings.DEADLINE_REMINDER_DAYS = 2
    enrol("in.two.days", _in(2))
    enrol("in.three.days", _in(3))

    sent = services.enrollment_deadline_reminders_send(today=TODAY)

    assert sent == 1
    assert set(_reminded()) == {"in.two.days"}


def test_the_default_window_is_a_week():
    assert settings.DEADLINE_REMINDER_DAYS == 7


def test_the_reminder_is_in_the_officers_language(enrol):
    enrol("french", _in(5), preferred_language="fr")
    enrol("arabic", _in(5), preferred_language="ar")

    services.enrollment_deadline_reminders_send(today=TODAY)

    reminded = _reminded()
    assert "15 janvier 2027" in reminded["french"]
    assert "15 يناير 2027" in reminded["arabic"]


def test_officers_who_left_or_cannot_sign_in_are_not_reminded_and_not_marked(people, tree, published_course, enrol):
    left = enrol("left", _in(3))
    disabled = enrol("disabled", _in(3), is_active=False)
    no_account = _enrol(published_course, people.trainer_north, deadline=_in(3), unit=tree.north_station)
    left.officer.is_active = False
    left.officer.save()

    sent = services.enrollment_deadline_reminders_send(today=TODAY)

    assert sent == 0
    assert not Notification.objects.filter(kind=KIND).exists()
    assert not Enrollment.objects.filter(
        pk__in=[left.pk, disabled.pk, no_account.pk], deadline_reminded_at__isnull=False
    )


def test_an_officer_who_gets_an_account_later_is_reminded_then(people, tree, published_course):
    officer = OfficerFactory(unit=tree.north_station)
    enrollment = _enrol(published_course, people.trainer_north, deadline=_in(3), officer=officer)
    services.enrollment_deadline_reminders_send(today=TODAY)
    officer.user = UserFactory(username="activated")
    officer.save()

    sent = services.enrollment_deadline_reminders_send(today=_in(1))

    assert sent == 1
    assert set(_reminded()) == {"activated"}
    enrollment.refresh_from_db()
    assert enrollment.deadline_reminded_at is not None


def test_each_course_and_deadline_gets_its_own_message(people, tree, published_course, enrol):
    other_course = services.course_create(creator=people.trainer_north, code="HR-101", title="Human rights")
    module = services.module_create(course=other_course, title="Basics")
    services.lesson_create(module=module, title="Arrest", body="Rights on arrest.")
    services.course_publish(course=other_course, actor=people.trainer_north)
    first = enrol("first", _in(1))
    _enrol(other_course, people.trainer_north, deadline=_in(2), officer=first.officer)
    enrol("second", _in(2))

    sent = services.enrollment_deadline_reminders_send(today=TODAY)

    assert sent == 3
    assert sorted(Notification.objects.filter(kind=KIND).values_list("user__username", "message")) == [
        ("first", "Reminder: complete Community-oriented policing by 11 January 2027."),
        ("first", "Reminder: complete Human rights by 12 January 2027."),
        ("second", "Reminder: complete Community-oriented policing by 12 January 2027."),
    ]


def test_reminders_to_officers_with_an_address_are_e_mailed(enrol):
    enrol("with.mail", _in(3), email="with.mail@example.org")
    enrol("without.mail", _in(3))
    Event.objects.all().delete()

    services.enrollment_deadline_reminders_send(today=TODAY)

    reminder = Notification.objects.get(kind=KIND, user__username="with.mail")
    assert [event.payload for event in Event.objects.all()] == [{"notification_ids": [reminder.pk]}]


def test_many_enrollments_are_reminded_in_batches(monkeypatch, enrol):
    # Patched where the reminder loop looks it up, not on the package's re-export.
    monkeypatch.setattr(reminder_services, "DEADLINE_REMINDER_BATCH_SIZE", 2)
    for number in range(5):
        enrol(f"officer{number}", _in(number))

    sent = services.enrollment_deadline_reminders_send(today=TODAY)

    assert sent == 5
    assert len(_reminded()) == 5
    assert not Enrollment.objects.filter(deadline_reminded_at__isnull=True).exists()


@pytest.mark.parametrize("count", [1, 60])
def test_a_run_takes_a_fixed_number_of_queries(people, tree, published_course, count, django_assert_max_num_queries):
    officers = [OfficerFactory(unit=tree.north_station, user=UserFactory(username=f"o{n}")) for n in range(count)]
    services.enrollments_create(course=published_course, officers=officers, actor=people.trainer_north, deadline=_in(3))

    # savepoint, select, notifications, update, release; then the empty select that ends it
    with django_assert_max_num_queries(8):
        sent = services.enrollment_deadline_reminders_send(today=TODAY)

    assert sent == count


# The task


def test_a_worker_finds_the_task_under_its_scheduled_name():
    # A fresh process, because this module's import of courses.tasks registers it here.
    script = (
        "import django; django.setup()\n"
        "from lms.celery import app\n"
        "app.loader.import_default_modules()\n"  # what a worker does at start: autodiscovery
        "print('courses.deadline_reminders' in app.tasks)\n"
    )
    environment = os.environ | {"DJANGO_SETTINGS_MODULE": "lms.settings.test"}

    found = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env=environment,
        cwd=settings.BASE_DIR,
    )

    assert found.stdout.strip() == "True"
    assert tasks.deadline_reminders.name == "courses.deadline_reminders"
    assert settings.CELERY_BEAT_SCHEDULE["deadline-reminders"]["task"] == "courses.deadline_reminders"


def test_the_task_reminds_from_the_local_date_and_is_idempotent(people, tree, published_course):
    today = timezone.localdate()
    _enrol(
        published_course,
        people.trainer_north,
        deadline=today + datetime.timedelta(days=1),
        officer=tree.north_officers[0],
    )

    first = tasks.deadline_reminders()
    second = tasks.deadline_reminders()

    assert (first, second) == (1, 0)
    assert Notification.objects.filter(kind=KIND, user=people.trainee).count() == 1
