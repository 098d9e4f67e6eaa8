"""The notifications API: the caller's own notifications, listed and marked read."""

import pytest
from django.utils.translation import gettext_lazy

from lms.notifications import services
from lms.notifications.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/notifications/"
READ = "/api/v1/notifications/read/"


@pytest.fixture
def owner():
    return UserFactory(username="owner", preferred_language="fr")


@pytest.fixture
def other():
    return UserFactory(username="other")


def _notify(user, text: str = "Courses", link: str = "/courses/1/") -> Notification:
    return services.notifications_send(users=[user], kind="test.kind", message=gettext_lazy(text), link=link)[0]


def _unread(user) -> set[int]:
    return set(Notification.objects.filter(user=user, read_at__isnull=True).values_list("pk", flat=True))


@pytest.mark.parametrize(("method", "path"), [("get", LIST), ("post", READ)])
def test_anonymous_is_401_and_nothing_changes(api_client, owner, method, path):
    notification = _notify(owner)

    response = getattr(api_client, method)(path, {})

    assert response.status_code == 401
    assert _unread(owner) == {notification.pk}


def test_the_list_holds_only_the_callers_own_newest_first(api_client, owner, other):
    older = _notify(owner, "Draft", link="")
    newer = _notify(owner, "Published")
    _notify(other, "Archived")
    services.notifications_mark_read(user=owner, notification_ids=[older.pk])
    older.refresh_from_db()
    api_client.force_authenticate(owner)

    response = api_client.get(LIST)

    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [
            {
                "id": newer.pk,
                "kind": "test.kind",
                "message": "Publié",
                "link": "/courses/1/",
                "created_at": newer.created_at.isoformat().replace("+00:00", "Z"),
                "read_at": None,
                "is_read": False,
            },
            {
                "id": older.pk,
                "kind": "test.kind",
                "message": "Brouillon",
                "link": "",
                "created_at": older.created_at.isoformat().replace("+00:00", "Z"),
                "read_at": older.read_at.isoformat().replace("+00:00", "Z"),
                "is_read": True,
            },
        ],
    }


@pytest.mark.parametrize(("unread", "expected"), [("true", ["Published"]), ("false", ["Published", "Draft"])])
def test_the_unread_filter(api_client, other, unread, expected):
    read = _notify(other, "Draft")
    _notify(other, "Published")
    services.notifications_mark_read(user=other, notification_ids=[read.pk])
    api_client.force_authenticate(other)

    response = api_client.get(LIST, {"unread": unread})

    assert [item["message"] for item in response.json()["results"]] == expected


def test_an_invalid_unread_filter_is_400(api_client, owner):
    api_client.force_authenticate(owner)

    response = api_client.get(LIST, {"unread": "perhaps"})

    assert response.status_code == 400
    assert set(response.json()) == {"unread"}


def test_the_list_is_paginated(api_client, owner):
    for _ in range(7):
        _notify(owner)
    api_client.force_authenticate(owner)

    response = api_client.get(LIST, {"page_size": 5, "page": 2})

    body = response.json()
    assert body["count"] == 7
    assert len(body["results"]) == 2
    assert body["next"] is None
    assert body["previous"] is not None


@pytest.mark.parametrize("count", [1, 40])
def test_the_list_runs_a_fixed_number_of_queries(api_client, owner, count, django_assert_max_num_queries):
    for _ in range(count):
        _notify(owner)
    api_client.force_authenticate(owner)

    with django_assert_max_num_queries(2):  # count, page
        response = api_client.get(LIST)

    assert response.json()["count"] == count


def test_read_marks_the_given_own_ids_and_ignores_another_persons(api_client, owner, other):
    first = _notify(owner)
    second = _notify(owner)
    theirs = _notify(other)
    api_client.force_authenticate(owner)

    response = api_client.post(READ, {"ids": [first.pk, theirs.pk, 999999]})

    assert response.status_code == 200
    assert response.json() == {"marked": 1}
    assert _unread(owner) == {second.pk}
    assert _unread(other) == {theirs.pk}


def test_read_without_ids_marks_all_own(api_client, owner, other):
    _notify(owner)
    _notify(owner)
    theirs = _notify(other)
    api_client.force_authenticate(owner)

    first = api_client.post(READ, {})
    again = api_client.post(READ, {})

    assert first.json() == {"marked": 2}
    assert again.json() == {"marked": 0}
    assert _unread(owner) == set()
    assert _unread(other) == {theirs.pk}


def test_read_with_an_empty_list_marks_nothing(api_client, owner):
    notification = _notify(owner)
    api_client.force_authenticate(owner)

    response = api_client.post(READ, {"ids": []})

    assert response.json() == {"marked": 0}
    assert _unread(owner) == {notification.pk}


@pytest.mark.parametrize(
    "body",
    # 2**63 does not fit a database key: it once escaped as an overflow (a 500).
    [{"ids": "all"}, {"ids": ["x"]}, {"ids": [0]}, {"ids": [2**63]}, {"ids": list(range(1, 1002))}],
)
def test_read_refuses_bad_ids_and_changes_nothing(api_client, owner, body):
    notification = _notify(owner)
    api_client.force_authenticate(owner)

    response = api_client.post(READ, body)

    assert response.status_code == 400
    assert set(response.json()) == {"ids"}
    assert _unread(owner) == {notification.pk}


def test_a_form_with_too_many_fields_is_a_json_400(api_client, owner):
    # Django refuses to parse past DATA_UPLOAD_MAX_NUMBER_FIELDS; it once answered its HTML page.
    notification = _notify(owner)
    api_client.force_authenticate(owner)

    response = api_client.post(READ, "&".join(["ids=1"] * 1001), content_type="application/x-www-form-urlencoded")

    assert response.status_code == 400
    assert response.json() == {"detail": "The request body is too large or has too many fields."}
    assert _unread(owner) == {notification.pk}
