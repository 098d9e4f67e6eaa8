"""Expiry (the nightly job marks only certificates past their date, one event each, once)
and refresher reminders (one notification per certificate within the notice window)."""

import datetime

import pytest
from django.utils import timezone

from certificates import services, tasks
from certificates.models import Certificate
from lms.audit.models import AuditEntry
from lms.events.models import Event
from lms.notifications.models import Notification
from tests.certificates.conftest import complete
from tests.factories import OfficerFactory, UserFactory

TODAY = datetime.date(2031, 6, 15)


def _day(offset: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=offset)


@pytest.fixture
def holders(tree, people):
    """Five users with an officer record in the north station (the trainee first)."""
    users = [people.trainee]
    for number in range(4):
        user = UserFactory(username=f"holder{number}")
        OfficerFactory(unit=tree.north_station, user=user)
        users.append(user)
    return users


@pytest.fixture
def dated(course, holders):
    """One certificate per holder, keyed by when it expires (None: it never does)."""
    completions = [complete(course, user) for user in holders]
    issued = services.certificates_issue(completion_ids=[c.pk for c in completions]).issued
    certificates = [issued[c.pk] for c in completions]
    keys = ["yesterday", "long_ago", "today", "tomorrow", "never"]
    dates = [_day(-1), _day(-400), _day(0), _day(1), None]
    for certificate, expires_on in zip(certificates, dates, strict=True):
        Certificate.objects.filter(pk=certificate.pk).update(expires_on=expires_on)
    Notification.objects.all().delete()
    return dict(zip(keys, certificates, strict=True))


def _statuses(dated) -> dict[str, str]:
    return {key: Certificate.objects.get(pk=c.pk).status for key, c in dated.items()}


@pytest.mark.django_db
def test_only_valid_certificates_past_their_date_expire_with_one_event_each(dated):
    count = services.certificates_expire(today=TODAY)

    assert count == 2
    assert _statuses(dated) == {
        "yesterday": "expired",
        "long_ago": "expired",
        "today": "valid",  # valid through its last day
        "tomorrow": "valid",
        "never": "valid",
    }
    events = Event.objects.filter(name="certificate.expired")
    assert sorted((event.payload["certificate_id"], event.payload["officer_id"]) for event in events) == sorted(
        (dated[key].pk, dated[key].officer_id) for key in ("yesterday", "long_ago")
    )
    expired = Certificate.objects.get(pk=dated["yesterday"].pk)
    assert expired.is_valid is False  # what verification reads
    assert expired.status_changed_at is not None
    assert expired.status_changed_by is None
    entries = AuditEntry.objects.filter(action="certificate.expire")
    assert sorted(entries.values_list("target_id", flat=True)) == sorted(
        [str(dated["yesterday"].pk), str(dated["long_ago"].pk)]
    )


@pytest.mark.django_db
def test_running_the_job_again_expires_nothing_more(dated):
    services.certificates_expire(today=TODAY)
    events = Event.objects.filter(name="certificate.expired").count()

    assert services.certificates_expire(today=TODAY) == 0
    assert Event.objects.filter(name="certificate.expired").count() == events == 2
    assert AuditEntry.objects.filter(action="certificate.expire").count() == 2


@pytest.mark.django_db
def test_a_revoked_or_superseded_certificate_past_its_date_keeps_its_status(people, dated):
    services.certificate_revoke(certificate=dated["yesterday"], actor=people.admin, reason="Fraud")
    new = services.certificate_reissue(certificate=dated["long_ago"], actor=people.admin, reason="Name")
    Certificate.objects.filter(pk=new.pk).update(expires_on=_day(30))

    assert services.certificates_expire(today=TODAY) == 0
    assert _statuses(dated)["yesterday"] == "revoked"
    assert _statuses(dated)["long_ago"] == "superseded"
    assert not Event.objects.filter(name="certificate.expired").exists()


@pytest.mark.django_db
def test_the_next_day_expires_what_expired_today(dated):
    services.certificates_expire(today=TODAY)

    assert services.certificates_expire(today=_day(1)) == 1
    assert _statuses(dated)["today"] == "expired"


@pytest.mark.django_db
def test_the_scheduled_task_expires_by_todays_date(dated, monkeypatch):
    localdate = timezone.localdate
    monkeypatch.setattr(timezone, "localdate", lambda value=None, *a: TODAY if value is None else localdate(value, *a))

    assert tasks.expire() == 2
    assert tasks.expire() == 0


# Refresher reminders -----------------------------------------------------------------------


@pytest.mark.django_db
def test_holders_within_the_notice_window_are_reminded_once(settings, dated, holders):
    settings.CERTIFICATE_REFRESHER_NOTICE_DAYS = 30
    Certificate.objects.filter(pk=dated["never"].pk).update(expires_on=_day(30))  # the window's last day
    Certificate.objects.filter(pk=dated["long_ago"].pk).update(expires_on=_day(31))  # just outside

    sent = services.refresher_reminders_send(today=TODAY)
    again = services.refresher_reminders_send(today=TODAY)

    assert (sent, again) == (3, 0)  # today, tomorrow, in 30 days; once each
    reminded = Notification.objects.filter(kind="certificate.refresher_due")
    assert sorted(reminded.values_list("user__username", flat=True)) == sorted(
        [holders[2].username, holders[3].username, holders[4].username]
    )
    notice = reminded.get(user=holders[3])
    assert notice.message == (
        "Your certificate for Human rights in policing expires on 16 June 2031: take the refresher course in time."
    )
    assert notice.link == f"/courses/{dated['tomorrow'].course_id}/"
    assert Certificate.objects.get(pk=dated["tomorrow"].pk).refresher_notified_at is not None
    assert Certificate.objects.get(pk=dated["yesterday"].pk).refresher_notified_at is None


@pytest.mark.django_db
def test_a_certificate_entering_the_window_later_is_reminded_then(settings, dated, holders):
    settings.CERTIFICATE_REFRESHER_NOTICE_DAYS = 30
    Certificate.objects.filter(pk=dated["never"].pk).update(expires_on=_day(40))

    services.refresher_reminders_send(today=TODAY)
    assert not Notification.objects.filter(user=holders[4]).exists()

    assert services.refresher_reminders_send(today=_day(10)) == 1
    assert Notification.objects.filter(user=holders[4], kind="certificate.refresher_due").count() == 1


@pytest.mark.django_db
def test_revoked_and_expired_certificates_get_no_reminder(people, settings, dated, holders):
    settings.CERTIFICATE_REFRESHER_NOTICE_DAYS = 30
    services.certificate_revoke(certificate=dated["tomorrow"], actor=people.admin, reason="Fraud")
    services.certificates_expire(today=TODAY)

    assert services.refresher_reminders_send(today=TODAY) == 1  # only "today" is still valid in the window
    assert list(
        Notification.objects.filter(kind="certificate.refresher_due").values_list("user__username", flat=True)
    ) == [holders[2].username]


@pytest.mark.django_db
def test_the_reminder_is_in_the_holders_language(settings, dated, holders):
    settings.CERTIFICATE_REFRESHER_NOTICE_DAYS = 30
    user = holders[3]
    user.preferred_language = "fr"
    user.save()

    services.refresher_reminders_send(today=TODAY)

    notice = Notification.objects.get(user=user, kind="certificate.refresher_due")
    assert "16 juin 2031" in notice.message
