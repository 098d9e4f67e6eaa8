"""Sending notifications: one row per active recipient in their own language, e-mail once
through the outbox after commit, marking read only one's own."""

import datetime

import pytest
from django.core import mail
from django.db import transaction
from django.utils.translation import gettext_lazy

from lms.events.models import Delivery, Event
from lms.events.services import deliveries_run_pending, delivery_run
from lms.notifications import handlers, services
from lms.notifications.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Translated in locale/fr and locale/ar already, so the test needs no new catalogue entry.
MESSAGE = gettext_lazy("Unknown competency code(s): %(codes)s.")


def _send(users, **overrides) -> list[Notification]:
    arguments = {"users": users, "kind": "test.kind", "message": MESSAGE, "params": {"codes": "XYZ"}, "link": "/x/"}
    return services.notifications_send(**(arguments | overrides))


def test_each_recipient_reads_the_message_in_their_own_language():
    french = UserFactory(username="fr", preferred_language="fr")
    arabic = UserFactory(username="ar", preferred_language="ar")
    english = UserFactory(username="en", preferred_language="en")
    unset = UserFactory(username="unset", preferred_language="")

    _send([french, arabic, english, unset])

    assert dict(Notification.objects.values_list("user__username", "message")) == {
        "fr": "Code(s) de compétence inconnu(s)\u00a0: XYZ.",
        "ar": "رموز كفاءات غير معروفة: XYZ.",
        "en": "Unknown competency code(s): XYZ.",
        "unset": "Unknown competency code(s): XYZ.",
    }


def test_a_localised_date_parameter_is_written_in_each_recipients_language():
    users = [UserFactory(username=language, preferred_language=language) for language in ("fr", "ar", "en")]

    _send(users, params={"codes": services.localised_date(datetime.date(2027, 1, 15))})

    assert dict(Notification.objects.values_list("user__username", "message")) == {
        "fr": "Code(s) de compétence inconnu(s)\u00a0: 15 janvier 2027.",
        "ar": "رموز كفاءات غير معروفة: 15 يناير 2027.",
        "en": "Unknown competency code(s): 15 January 2027.",
    }


def test_a_message_without_params_is_taken_as_it_is():
    user = UserFactory(username="plain")

    _send([user], message=gettext_lazy("Courses"), params=None)

    assert Notification.objects.get().message == "Courses"


def test_inactive_users_are_skipped():
    active = UserFactory(username="active", email="active@example.org")
    inactive = UserFactory(username="inactive", email="inactive@example.org", is_active=False)

    written = _send([active, inactive])

    assert [notification.user for notification in written] == [active]
    assert list(Notification.objects.values_list("user__username", flat=True)) == ["active"]
    assert [event.payload for event in Event.objects.all()] == [{"notification_ids": [written[0].pk]}]


def test_nobody_to_notify_writes_nothing(django_assert_num_queries):
    inactive = UserFactory(username="inactive", is_active=False)

    with django_assert_num_queries(0):
        assert _send([inactive]) == []


@pytest.mark.parametrize(
    "link", ["https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)"]
)
def test_a_link_off_the_site_is_refused(link):
    user = UserFactory(username="someone")

    with pytest.raises(ValueError, match="links to a path on this site"):
        _send([user], link=link)

    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("link", "is_local"),
    [
        ("/courses/7/", True),
        ("/notifications/?page=2", True),
        ("", False),
        ("courses/7/", False),
        ("//evil.example/", False),
        ("/\\evil.example", False),
        ("https://evil.example/", False),
        ("\x01/evil", False),
    ],
)
def test_link_is_local(link, is_local):
    assert services.link_is_local(link) is is_local


def test_one_insert_and_one_event_per_recipient_with_an_address_whatever_the_number(django_assert_num_queries):
    users = [UserFactory(username=f"user{n}", email=f"user{n}@example.org") for n in range(40)]
    users += [UserFactory(username=f"no.mail{n}") for n in range(10)]

    # Notifications, events and deliveries: one insert each.
    with django_assert_num_queries(3):
        written = _send(users)

    assert Notification.objects.count() == 50
    assert sorted(event.payload["notification_ids"][0] for event in Event.objects.all()) == sorted(
        notification.pk for notification in written if notification.user.email
    )
    assert Delivery.objects.filter(handler="lms.notifications.handlers.notification_email").count() == 40


def test_users_without_an_address_get_no_event():
    user = UserFactory(username="no.mail", email="")

    _send([user])

    assert Notification.objects.count() == 1
    assert not Event.objects.exists()


def test_no_event_when_e_mail_is_switched_off(settings):
    settings.NOTIFICATIONS_EMAIL = False
    user = UserFactory(username="someone", email="someone@example.org")

    _send([user])

    assert Notification.objects.count() == 1
    assert not Event.objects.exists()


def test_the_e_mail_goes_out_once_however_often_the_event_is_delivered():
    user = UserFactory(username="someone", email="someone@example.org")
    notification = _send([user])[0]
    delivery = Delivery.objects.get()

    first = deliveries_run_pending()
    again = delivery_run(delivery_id=delivery.pk)
    handlers.notification_email(Event.objects.get())  # a second delivery of the same event

    assert (first, again) == (1, False)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["someone@example.org"]
    assert message.subject == "Unknown competency code(s): XYZ."
    assert message.body == (
        "Unknown competency code(s): XYZ.\n\n"
        f"http://127.0.0.1:8000/notifications/{notification.pk}/open/\n\n"
        "All your notifications: http://127.0.0.1:8000/notifications/"
    )
    notification.refresh_from_db()
    assert notification.emailed_at is not None
    assert notification.read_at is None


def test_an_e_mail_without_a_link_points_to_the_list_only(settings):
    settings.PUBLIC_BASE_URL = "https://lms.example.org"
    user = UserFactory(username="someone", email="someone@example.org")
    _send([user], link="")

    deliveries_run_pending()

    assert mail.outbox[0].body == (
        "Unknown competency code(s): XYZ.\n\nAll your notifications: https://lms.example.org/notifications/"
    )


def test_the_e_mail_is_in_the_recipients_language():
    user = UserFactory(username="someone", email="someone@example.org", preferred_language="fr")
    _send([user])

    deliveries_run_pending()

    assert mail.outbox[0].subject == "Code(s) de compétence inconnu(s)\u00a0: XYZ."


def test_the_mail_is_handed_to_the_broker_on_commit(django_capture_on_commit_callbacks):
    user = UserFactory(username="someone", email="someone@example.org")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _send([user])

    assert len(callbacks) == 1
    assert Delivery.objects.get().dispatched_at is not None


def test_nothing_is_mailed_when_the_change_rolls_back(django_capture_on_commit_callbacks):
    user = UserFactory(username="someone", email="someone@example.org")

    def change_that_fails() -> None:
        with transaction.atomic():
            _send([user])
            raise RuntimeError("the change being reported failed")

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError, match="being reported failed"):
        change_that_fails()

    assert callbacks == []
    assert deliveries_run_pending() == 0
    assert mail.outbox == []
    assert not Notification.objects.exists()
    assert not Event.objects.exists()


def test_a_user_deactivated_before_the_mail_goes_out_gets_none():
    user = UserFactory(username="someone", email="someone@example.org")
    notification = _send([user])[0]
    user.is_active = False
    user.save()

    deliveries_run_pending()

    assert mail.outbox == []
    notification.refresh_from_db()
    assert notification.emailed_at is None


def test_a_failed_mail_is_retried_by_the_outbox(monkeypatch):
    user = UserFactory(username="someone", email="someone@example.org")
    notification = _send([user])[0]

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("SMTP server down")

    monkeypatch.setattr(services, "send_mail", refuse)
    assert deliveries_run_pending() == 0
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.PENDING, 1)
    notification.refresh_from_db()
    assert notification.emailed_at is None

    monkeypatch.undo()
    assert delivery_run(delivery_id=delivery.pk) is True
    assert len(mail.outbox) == 1


def test_mark_read_touches_only_the_users_own_notifications():
    owner = UserFactory(username="owner")
    other = UserFactory(username="other")
    own = _send([owner, owner])
    theirs = _send([other])[0]

    marked = services.notifications_mark_read(user=owner, notification_ids=[own[0].pk, theirs.pk])

    assert marked == 1
    assert set(Notification.objects.filter(read_at__isnull=False).values_list("pk", flat=True)) == {own[0].pk}


def test_mark_read_without_ids_marks_all_own_unread_and_counts_only_those():
    owner = UserFactory(username="owner")
    other = UserFactory(username="other")
    first, _second = _send([owner, owner])
    _send([other])
    services.notifications_mark_read(user=owner, notification_ids=[first.pk])
    first.refresh_from_db()

    marked = services.notifications_mark_read(user=owner)

    assert marked == 1
    assert Notification.objects.filter(user=owner, read_at__isnull=True).count() == 0
    assert Notification.objects.filter(user=other, read_at__isnull=True).count() == 1
    assert Notification.objects.get(pk=first.pk).read_at == first.read_at
