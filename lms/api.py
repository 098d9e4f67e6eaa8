"""API conventions shared by every app's endpoints."""

import logging
import re

from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ParseError, PermissionDenied, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from lms.request_body import BodyRefused, refusal_response


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def validation_messages(error: DjangoValidationError) -> dict[str, list[str]]:
    """A Django ``ValidationError`` as DRF's body: messages by field, those of no field
    (``__all__``, or an error without fields) under ``non_field_errors``."""
    if not hasattr(error, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: error.messages}
    return {
        (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): messages
        for field, messages in error.message_dict.items()
    }


def exception_handler(error, context):
    """DRF's, with the errors of services translated once for every API.

    A service's ``ValidationError`` is a 400 with its messages by field (``non_field_errors``
    for the rest) and its ``PermissionDenied`` a 403 with its reason, so an API only parses,
    calls and shapes; one that maps errors to its own fields (rows of a bulk request) still
    catches them itself. For a body Django refuses to read, JSON where Django would answer
    its HTML error page: a body over its endpoint's limit or a file part where none is taken
    (``lms.request_body``: 413 or 400), too many fields or files (400). It is still logged
    where Django logs it, for the security log, in one line."""
    if isinstance(error, DjangoValidationError):
        error = ValidationError(validation_messages(error))
    elif isinstance(error, DjangoPermissionDenied):
        error = PermissionDenied(str(error) or None)
    if isinstance(error, BodyRefused):
        logging.getLogger(f"django.security.{type(error).__name__}").error(str(error))
        return refusal_response(context["request"], error)
    if isinstance(error, (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)):
        logging.getLogger(f"django.security.{type(error).__name__}").error(str(error))
        error = ParseError(_("The request body is too large or has too many fields."))
    return drf_exception_handler(error, context)


# The largest id a database key (64-bit, signed) holds. Django guards a lookup of one
# larger id by primary key, not one by foreign key or among many (``pk__in``): there it
# overflows (a 500), so ids from requests are bounded before they reach a query.
MAX_OBJECT_ID = 2**63 - 1


# The largest values of PostgreSQL's smallint and integer columns (SQLite takes any):
# a count stored in a PositiveSmallIntegerField or PositiveIntegerField is bounded by
# them in its serializer, or PostgreSQL refuses it with an error (a 500).
SMALLINT_MAX = 2**15 - 1
INTEGER_MAX = 2**31 - 1


class ObjectIdField(serializers.IntegerField):
    """An object's id in a request: a positive integer up to ``MAX_OBJECT_ID``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_OBJECT_ID)
        super().__init__(**kwargs)


def object_id_query_parameter(request, name: str, message: str) -> int | None:
    """The id in query parameter ``name``, or None when it is absent or empty; anything
    else than ASCII digits up to ``MAX_OBJECT_ID`` is a 400 with ``message``."""
    value = request.query_params.get(name)
    if not value:
        return None
    if not re.fullmatch(r"[0-9]+", value) or int(value) > MAX_OBJECT_ID:
        raise ValidationError({name: [message]})
    return int(value)


@extend_schema_field({"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$", "example": "08:30"})
class HourMinuteField(serializers.TimeField):
    """A time of day given as ``HH:MM``. OpenAPI's ``time`` format would promise seconds
    and an offset from UTC, which a local time such as a session's start has not."""

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%H:%M")
        super().__init__(**kwargs)


# Output fields (a CharField underneath: drf-spectacular would add the format of a
# URLField or EmailField to the schema, which an empty string does not meet).
@extend_schema_field({"type": "string", "anyOf": [{"format": "uri"}, {"maxLength": 0}]})
class BlankableUrlField(serializers.CharField):
    """A link that may be left empty ("" rather than null, as Django stores it)."""


@extend_schema_field({"type": "string", "anyOf": [{"format": "email"}, {"maxLength": 0}]})
class BlankableEmailField(serializers.CharField):
    """An e-mail address that may be empty: officers without one sign in with a slip."""


# Error bodies as DRF renders them: ``{"detail": ...}`` for authentication, permission,
# not-found, parse and throttling errors; a field -> messages object, or a list of
# messages, for a validation error. Views name them in ``extend_schema`` by reference.
ERROR_DETAIL = {"$ref": "#/components/schemas/ErrorDetail"}
VALIDATION_ERROR = {"$ref": "#/components/schemas/ValidationError"}
DETAIL_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
VALIDATION_ERROR_SCHEMA = {
    "oneOf": [
        {"type": "object", "additionalProperties": {}},
        {"type": "array", "items": {"type": "string"}},
    ]
}


def _error_response(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def document_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: state the error responses every operation can
    give, which views do not repeat in their ``extend_schema``:

    - 400 where the operation changes something (invalid input, malformed JSON, a state
      that refuses the change) or reads query parameters;
    - 401 and 403 where it needs a signed-in user (no or a bad token; a role or scope that
      does not allow it);
    - 404 where it names an object in its path, or takes a page number;
    - 413 and 415 where it reads a body (one larger than the operation accepts,
      ``lms.request_body``; one sent in a media type it does not read).

    A response an operation documents itself is kept, except that DRF's validation error
    is added to its own 400: the operation's serializer may refuse the input first.
    """
    result.setdefault("components", {}).setdefault("schemas", {}).update(
        ErrorDetail=DETAIL_SCHEMA, ValidationError=VALIDATION_ERROR_SCHEMA
    )
    for operations in result["paths"].values():
        for method, operation in operations.items():
            parameters = operation.get("parameters", [])
            errors = {}
            if method != "get" or any(p["in"] == "query" for p in parameters):
                errors["400"] = _error_response("Invalid input.", VALIDATION_ERROR)
            if operation.get("security") and {} not in operation["security"]:
                errors["401"] = _error_response("Not signed in, or the token is unknown or expired.", ERROR_DETAIL)
                errors["403"] = _error_response("The user's role or scope does not allow this.", ERROR_DETAIL)
            if any(p["in"] == "path" or p["name"] == "page" for p in parameters):
                errors["404"] = _error_response("No such object in the user's scope, or no such page.", ERROR_DETAIL)
            if "requestBody" in operation:
                errors["413"] = _error_response("The body is larger than this operation accepts.", ERROR_DETAIL)
                errors["415"] = _error_response("The body is not in a media type this operation reads.", ERROR_DETAIL)
            for code, response in errors.items():
                operation["responses"].setdefault(code, response)
            for media in operation["responses"].get("400", {}).get("content", {}).values():
                if media["schema"] != VALIDATION_ERROR:
                    media["schema"] = {"anyOf": [media["schema"], VALIDATION_ERROR]}
    return result
