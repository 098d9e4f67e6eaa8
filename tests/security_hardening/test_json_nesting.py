"""JSON nested deeper than any document the project reads is a 400 that says so, never a
500 with a traceback (lms.request_body.BoundedJSONDecoder: DRF's parser, the admin's JSON
fields)."""

import json

import pytest

from courses import services
from lms.request_body import JSON_MAX_DEPTH, BoundedJSONDecoder, JSONTooDeep

pytestmark = pytest.mark.django_db

TOO_DEEP = {"detail": "The JSON is nested more than 64 levels deep."}
UNCLOSED = "[" * 20_000
CLOSED = "[" * 20_000 + "]" * 20_000


def nested(depth: int) -> str:
    """An object whose ``ids`` holds lists ``depth - 1`` deep (so ``depth`` in all)."""
    return json.dumps({"ids": json.loads("[" * (depth - 1) + "]" * (depth - 1))})


ENDPOINTS = {
    "anonymous: token": (None, "post", "/api/v1/auth/token/"),
    "anonymous: activation": (None, "post", "/api/v1/auth/activate/"),
    "trainer: new course": ("trainer_north", "post", "/api/v1/courses/"),
    "trainee: notifications read": ("trainee", "post", "/api/v1/notifications/read/"),
    "admin: a course's change": ("admin", "patch", "/api/v1/courses/{course}/"),
}


@pytest.fixture
def logged(caplog):
    caplog.set_level("DEBUG")
    return caplog


@pytest.mark.parametrize("body", [UNCLOSED, CLOSED, nested(JSON_MAX_DEPTH + 1)], ids=["unclosed", "closed", "65"])
@pytest.mark.parametrize(("who", "method", "path"), ENDPOINTS.values(), ids=ENDPOINTS.keys())
def test_json_nested_too_deep_is_a_400_without_a_traceback(api_client, people, logged, who, method, path, body):
    course = services.course_create(creator=people.trainer_north, code="COP-101", title="Policing", summary="")
    if who is not None:
        api_client.force_authenticate(getattr(people, who))

    response = getattr(api_client, method)(path.format(course=course.pk), body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == TOO_DEEP
    assert [record.getMessage() for record in logged.records if record.exc_info] == []
    assert [record.getMessage() for record in logged.records if record.levelname in ("ERROR", "CRITICAL")] == []


def test_json_64_levels_deep_reaches_the_view(api_client, people):
    api_client.force_authenticate(people.trainee)

    response = api_client.post("/api/v1/notifications/read/", nested(JSON_MAX_DEPTH), content_type="application/json")

    assert response.status_code == 400
    assert response.json() != TOO_DEEP
    assert set(response.json()) == {"ids"}


def test_malformed_json_is_still_drfs_parse_error(api_client):
    response = api_client.post("/api/v1/auth/token/", '{"username": ', content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"detail": "JSON parse error - Expecting value: line 1 column 14 (char 13)"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[]", []),
        ('{"a": [1, {"b": 2}]}', {"a": [1, {"b": 2}]}),
        ("[" * 64 + "]" * 64, json.loads("[" * 64 + "]" * 64)),
    ],
)
def test_the_decoder_reads_what_is_not_too_deep(text, expected):
    assert json.loads(text, cls=BoundedJSONDecoder) == expected


@pytest.mark.parametrize("text", [UNCLOSED, CLOSED, "[" * 65 + "]" * 65, '{"a": ' * 65 + "1" + "}" * 65])
def test_the_decoder_refuses_what_is_too_deep(text):
    with pytest.raises(JSONTooDeep) as refused:
        json.loads(text, cls=BoundedJSONDecoder)

    assert refused.value.msg == "The JSON is nested more than 64 levels deep."
    assert isinstance(refused.value, ValueError)  # what callers of json already catch


def test_the_admins_json_field_answers_a_form_error(client, tree, people, logged):
    client.force_login(people.admin)
    service = tree.service

    response = client.post(
        f"/admin/organisations/policeservice/{service.pk}/change/",
        {"code": service.code, "name": "Renamed", "country": service.country, "area_level_names": CLOSED},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"area_level_names": ["Enter a valid JSON."]}
    service.refresh_from_db()
    assert (service.name, service.area_level_names) == (tree.service.name, tree.service.area_level_names)
    assert [record.getMessage() for record in logged.records if record.exc_info] == []
