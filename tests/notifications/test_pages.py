"""The notification list page, following a notification, marking all read, and the count in
the navigation: each person sees and changes only their own."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext_lazy

from lms.notifications import services
from lms.notifications.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST = "/notifications/"
MARK_ALL = "/notifications/read/"
PAGE_QUERY_LIMIT = 8


@pytest.fixture
def owner():
    return UserFactory(username="owner")


@pytest.fixture
def other():
    return UserFactory(username="other")


def _notify(user, text: str = "Courses", link: str = "/courses/1/") -> Notification:
    return services.notifications_send(users=[user], kind="test.kind", message=gettext_lazy(text), link=link)[0]


def _unread(user) -> set[int]:
    return set(Notification.objects.filter(user=user, read_at__isnull=True).values_list("pk", flat=True))


@pytest.mark.parametrize(("method", "path"), [("get", LIST), ("post", MARK_ALL), ("get", "/notifications/{pk}/open/")])
def test_anonymous_is_sent_to_sign_in_and_nothing_changes(client, owner, method, path):
    notification = _notify(owner)

    response = getattr(client, method)(path.format(pk=notification.pk))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert _unread(owner) == {notification.pk}


def test_the_list_shows_only_ones_own_newest_first_with_unread_marked(client, owner, other):
    older = _notify(owner, "Draft", link="")
    newer = _notify(owner, "Published")
    _notify(other, "Archived")
    services.notifications_mark_read(user=owner, notification_ids=[older.pk])
    client.force_login(owner)

    response = client.get(LIST)

    assert response.status_code == 200
    assert [notification.message for notification in response.context["page"]] == ["Published", "Draft"]
    body = response.content.decode()
    assert "Archived" not in body
    assert body.count('class="notification notification-unread"') == 1
    assert body.count('<span class="badge">Unread</span>') == 1
    assert f'<a href="/notifications/{newer.pk}/open/">Published</a>' in body
    assert f"/notifications/{older.pk}/open/" not in body  # no link to follow
    assert f'action="{MARK_ALL}"' in body


def test_the_list_is_paginated(client, owner):
    for _ in range(30):
        _notify(owner)
    client.force_login(owner)

    first = client.get(LIST)
    second = client.get(LIST, {"page": 2})

    assert len(first.context["page"]) == 25
    assert len(second.context["page"]) == 5
    assert 'href="?page=2"' in first.content.decode()


def test_an_empty_list_says_so_and_offers_no_button(client, owner):
    client.force_login(owner)

    body = client.get(LIST).content.decode()

    assert "You have no notifications." in body
    assert MARK_ALL not in body


@pytest.mark.parametrize("count", [1, 60])
def test_the_list_runs_a_fixed_number_of_queries(client, owner, count, django_assert_max_num_queries):
    for _ in range(count):
        _notify(owner)
    client.force_login(owner)

    with django_assert_max_num_queries(PAGE_QUERY_LIMIT):
        response = client.get(LIST)

    assert response.status_code == 200


def test_following_a_notification_marks_it_read_and_goes_to_its_link(client, owner):
    followed = _notify(owner, link="/courses/7/?tab=lessons")
    untouched = _notify(owner)
    client.force_login(owner)

    response = client.get(f"/notifications/{followed.pk}/open/")

    assert response.status_code == 302
    assert response["Location"] == "/courses/7/?tab=lessons"
    assert _unread(owner) == {untouched.pk}


def test_following_a_notification_without_a_link_goes_to_the_list(client, owner):
    notification = _notify(owner, link="")
    client.force_login(owner)

    response = client.get(f"/notifications/{notification.pk}/open/")

    assert response["Location"] == LIST
    assert _unread(owner) == set()


@pytest.mark.parametrize("link", ["https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:x"])
def test_an_off_site_link_is_never_followed(client, owner, link):
    # Only a bug or a hand-edited row could hold such a link: the service refuses them.
    notification = _notify(owner, link="")
    Notification.objects.filter(pk=notification.pk).update(link=link)
    client.force_login(owner)

    response = client.get(f"/notifications/{notification.pk}/open/")

    assert response.status_code == 302
    assert response["Location"] == LIST


def test_another_persons_notification_is_404_and_stays_unread(client, owner, other):
    theirs = _notify(other)
    client.force_login(owner)

    response = client.get(f"/notifications/{theirs.pk}/open/")

    assert response.status_code == 404
    assert _unread(other) == {theirs.pk}


def test_mark_all_as_read_marks_only_ones_own(client, owner, other):
    _notify(owner)
    _notify(owner)
    theirs = _notify(other)
    client.force_login(owner)

    response = client.post(MARK_ALL)

    assert response.status_code == 302
    assert response["Location"] == LIST
    assert _unread(owner) == set()
    assert _unread(other) == {theirs.pk}


def test_mark_all_as_read_refuses_a_get(client, owner):
    notification = _notify(owner)
    client.force_login(owner)

    response = client.get(MARK_ALL)

    assert response.status_code == 405
    assert _unread(owner) == {notification.pk}


def test_the_navigation_shows_the_unread_count_with_a_label(client, owner, other):
    for _ in range(3):
        _notify(owner)
    read = _notify(owner)
    services.notifications_mark_read(user=owner, notification_ids=[read.pk])
    _notify(other)
    client.force_login(owner)

    body = client.get(LIST).content.decode()

    assert '<a href="/notifications/" aria-label="Notifications, 3 unread">Notifications (3)</a>' in body


def test_the_navigation_shows_no_count_when_all_is_read(client, owner):
    client.force_login(owner)

    body = client.get(LIST).content.decode()

    assert '<a href="/notifications/" aria-label="Notifications, 0 unread">Notifications</a>' in body


def test_the_unread_count_is_one_query_and_none_for_anonymous(client, owner):
    _notify(owner)

    with CaptureQueriesContext(connection) as anonymous:
        client.get("/accounts/login/")
    client.force_login(owner)
    with CaptureQueriesContext(connection) as signed_in:
        client.get(LIST)

    def counts(queries) -> int:
        return sum(
            'FROM "notifications_notification"' in query["sql"] and "COUNT(" in query["sql"] for query in queries
        )

    assert counts(anonymous.captured_queries) == 0
    # The paginator's count, and the navigation's.
    assert counts(signed_in.captured_queries) == 2
