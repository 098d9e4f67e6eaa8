"""Fuzz every operation of the OpenAPI schema as each role, in-process (Schemathesis).

Every operation x role (anonymous, trainee, trainer, leader, admin) sends generated
requests, valid and invalid, over the seeded demo, writes included (the test's transaction
rolls them back). No answer may be a 5xx, and each must be documented: its status code,
content type, headers and body schema.

Examples are derived from the test's name (``derandomize``), so CI sees the same requests
every run, and bounded to keep both CI databases well inside their time. ``FUZZ_EXAMPLES``
raises their number for a longer hunt on a workstation.
"""

import os
import re

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from assessments.models import Answer, Assessment, Attempt, Pool, Question
from certificates.models import Certificate, IssueRun
from courses.models import Course, Lesson, LessonAttachment, Module, TrainingSession
from organisations.models import ApiToken, Officer, Unit, User
from organisations.tokens import api_token_issue

SCHEMA = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
ROLES = {
    "anonymous": None,
    "trainee": "demo.trainee",
    "trainer": "demo.trainer",
    "leader": "demo.leader",
    "admin": "demo.admin",
}

# Path parameters are drawn half from the schema and half from the seeded demo, so that
# operations on one object reach their views with objects that exist.
OBJECTS = {
    "units": Unit,
    "officers": Officer,
    "courses": Course,
    "modules": Module,
    "lessons": Lesson,
    "attachments": LessonAttachment,
    "sessions": TrainingSession,
    "assessments": Assessment,
    "pools": Pool,
    "attempts": Attempt,
    "answers": Answer,
    "questions": Question,
    "certificate-runs": IssueRun,
    "tokens": ApiToken,
}
PARAMETER_OBJECTS = {"pool_id": Pool, "question_id": Question, "user_id": User}


def existing_values(path: str, name: str) -> list:
    if name == "code":
        return list(Certificate.objects.order_by("pk").values_list("code", flat=True)[:20])
    segment = path.split("{" + name + "}")[0].rstrip("/").rsplit("/", 1)[-1]
    model = PARAMETER_OBJECTS.get(name) or OBJECTS[segment]
    return list(model.objects.order_by("pk").values_list("pk", flat=True)[:20])


@SCHEMA.hook
def flatmap_path_parameters(context, path_parameters):
    if not path_parameters:
        return st.just(path_parameters)
    path = context.operation.path
    existing = {name: existing_values(path, name) for name in path_parameters}
    if not all(existing.values()):
        return st.just(path_parameters)
    drawn = {name: st.sampled_from(values) for name, values in existing.items()}
    return st.one_of(st.just(path_parameters), st.fixed_dictionaries(drawn))


@SCHEMA.hook
def filter_path_parameters(context, path_parameters):
    """A value that Django's URL converters refuse (``<int:pk>`` takes digits, ``<str:code>``
    no slash) never reaches the operation: Django answers its own HTML 404 page."""
    return all(
        re.fullmatch(r"[^/]+" if name == "code" else r"[0-9]+", str(value))
        for name, value in (path_parameters or {}).items()
    )


@pytest.fixture
def app():
    """Django's WSGI handler inside the test's transaction: like Django's test client, it
    must not close the connection at the start and end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=ROLES)
def headers(request, seeded):
    username = ROLES[request.param]
    if username is None:
        return {}
    _token, key = api_token_issue(user=User.objects.get(username=username), name="fuzz")
    return {"Authorization": f"Token {key}"}


# Only generated examples: the explicit ones (Schemathesis' coverage phase) come by the
# dozen per operation, unbounded by max_examples, and were not filtered by the hook above.
@SCHEMA.parametrize()
@settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "10")),
    derandomize=True,
    deadline=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, app, headers):
    case.call_and_validate(app=app, headers=headers, checks=CHECKS)
