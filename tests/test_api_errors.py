"""Errors of services become API answers in one place (``lms.api.exception_handler``): an
API calls a service and lets its ``ValidationError`` become a 400 with the messages by
field, and its ``PermissionDenied`` a 403 with the reason."""

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from organisations.selectors import officers_by_ids


def _answer(error: Exception):
    class ServiceCallingApi(APIView):
        authentication_classes = permission_classes = ()

        def post(self, request):
            raise error

    return ServiceCallingApi.as_view()(APIRequestFactory().post("/", {}, format="json"))


@pytest.mark.parametrize(
    ("error", "body"),
    [
        (ValidationError({"deadline": ["Must be in the future."]}), {"deadline": ["Must be in the future."]}),
        (
            ValidationError({NON_FIELD_ERRORS: ["The course is archived."], "unit": ["Outside your scope."]}),
            {"non_field_errors": ["The course is archived."], "unit": ["Outside your scope."]},
        ),
        (ValidationError("The session is full."), {"non_field_errors": ["The session is full."]}),
    ],
)
def test_a_services_validation_error_is_a_400_with_its_messages_by_field(error, body):
    response = _answer(error)

    assert (response.status_code, response.data) == (400, body)


def test_a_services_refusal_is_a_403_with_its_reason():
    response = _answer(PermissionDenied("Only the session's trainers record attendance."))

    assert response.status_code == 403
    assert response.data == {"detail": "Only the session's trainers record attendance."}


def test_a_refusal_without_a_reason_is_a_403_with_the_standard_one():
    response = _answer(PermissionDenied())

    assert response.status_code == 403
    assert response.data["detail"] == "You do not have permission to perform this action."


@pytest.mark.django_db
def test_ids_that_match_no_officer_are_named_on_the_officers_field():
    with pytest.raises(ValidationError) as refused:
        officers_by_ids(officer_ids=[999_998, 999_999])

    assert refused.value.message_dict == {"officers": ["Unknown officer(s): 999998, 999999."]}
