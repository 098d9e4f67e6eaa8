"""What a request may send: bodies bounded before they are read, JSON bounded in depth.

Every request may send at most ``REQUEST_BODY_MAX_BYTES``; the upload endpoints named in
``UPLOAD_ENDPOINTS`` (URL name -> the setting of the largest file each takes, such as
``ROSTER_IMPORT_MAX_BYTES``) that file plus ``UPLOAD_FORM_BYTES`` for the form around it
(boundaries, other fields, the CSRF token). These settings are the one place that knows
each endpoint's limit. They hold:

- on the header: ``RequestBodyLimitMiddleware.process_view`` answers a ``Content-Length``
  over the limit with 413 before a byte is read. It runs before the CSRF check (the first
  reader of a form) and the view;
- on the stream: Django reads no more than ``Content-Length`` announces (whatever a client
  sends beyond it is never read). A chunked body has no length, and Django would read it
  as empty: the middleware reads it here, and stops with 413 as soon as it passes the limit;
- on file parts: ``BodyLimitUploadHandler`` (first in ``FILE_UPLOAD_HANDLERS``) refuses a
  file part on an endpoint that takes none before any handler keeps a byte of it (400), and
  stops reading once the files passed the endpoint's limit (413);
- in time: a body that comes slowly, or never, holds a sync worker until gunicorn's timeout
  (``gunicorn.conf.py``, ``WEB_TIMEOUT_SECONDS``) replaces it; the TLS proxy in front
  receives bodies whole, with its own size and time limits (README, deployment).

A refusal is JSON under ``/api/`` (``{"detail": ...}``, as DRF answers) and a short page
elsewhere: from the middleware, from ``lms.api.exception_handler`` for DRF views, and from
``bad_request`` (the URLconf's ``handler400``) for pages, where Django turns the upload
handler's exception into a response. The views' own size checks stay as a second line, and
word the refusal of a file a little over its limit.

JSON from requests is parsed by ``BoundedJSONDecoder``: a document nested more than
``JSON_MAX_DEPTH`` deep is refused as invalid JSON instead of recursing until Python stops
(a ``RecursionError``, which would be a 500).
"""

import json
import logging
import tempfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.core.files.uploadhandler import FileUploadHandler
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.urls import Resolver404, resolve
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import gettext
from django.views import defaults

API_PREFIX = "/api/"
# How much of a chunked body is read at a time.
_CHUNK_BYTES = 64 * 1024


# Limits ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BodyLimit:
    """The most a request's body may hold, and the largest file it may carry (None: no file)."""

    body_bytes: int
    file_bytes: int | None


def body_limit(request) -> BodyLimit:
    """The limit of the endpoint ``request`` is for (``UPLOAD_ENDPOINTS`` by URL name, else
    ``REQUEST_BODY_MAX_BYTES``), once per request."""
    limit = getattr(request, "body_limit", None)
    if limit is not None:
        return limit
    match = request.resolver_match
    if match is None:
        try:
            match = resolve(request.path_info, getattr(request, "urlconf", None))
        except Resolver404:
            match = None
    setting = settings.UPLOAD_ENDPOINTS.get(match.view_name) if match is not None else None
    file_bytes = getattr(settings, setting) if setting is not None else None
    body_bytes = settings.REQUEST_BODY_MAX_BYTES
    if file_bytes is not None:
        body_bytes = max(body_bytes, file_bytes + settings.UPLOAD_FORM_BYTES)
    request.body_limit = BodyLimit(body_bytes=body_bytes, file_bytes=file_bytes)
    return request.body_limit


# Refusals --------------------------------------------------------------------------------


class BodyRefused(Exception):
    """A body that is not read (further): ``status_code``, a heading and a message for people."""

    status_code = 400

    def __init__(self, heading: str, message: str):
        super().__init__(message)
        self.heading = heading
        self.message = message


class RequestBodyTooLarge(BodyRefused, RequestDataTooBig):
    """The body is (or became, while it was read) larger than its endpoint's limit.

    A ``RequestDataTooBig``, so that Django treats it as it treats its own size limit: a
    suspicious operation, logged to ``django.security``, and ``request.POST`` left empty.
    """

    status_code = 413

    def __init__(self, limit: BodyLimit):
        if limit.file_bytes is None:
            message = gettext("The request is larger than %(size)s, the most accepted here.") % {
                "size": filesizeformat(limit.body_bytes)
            }
        else:
            message = gettext("The file is larger than %(size)s, the most accepted here.") % {
                "size": filesizeformat(limit.file_bytes)
            }
        super().__init__(gettext("Too large"), message)


class FilePartRefused(BodyRefused, TooManyFilesSent):
    """A file part sent to an endpoint that takes no file (it is allowed none)."""

    def __init__(self):
        super().__init__(gettext("Not accepted"), gettext("No file is accepted here."))


def refusal_response(request, refusal: BodyRefused) -> HttpResponse:
    """JSON under ``/api/`` (DRF's error shape), else a short page; ``refusal.status_code``."""
    if request.path_info.startswith(API_PREFIX):
        return JsonResponse({"detail": refusal.message}, status=refusal.status_code)
    context = {"heading": refusal.heading, "message": refusal.message}
    return render(request, "request_refused.html", context, status=refusal.status_code)


def bad_request(request, exception=None):
    """The URLconf's ``handler400``: Django's, except for a refused body (see above)."""
    if isinstance(exception, BodyRefused):
        return refusal_response(request, exception)
    return defaults.bad_request(request, exception)


class WithoutTraceback(logging.Filter):
    """Logs a refused body in one line: Django logs a suspicious operation with its
    traceback, which for a refusal says nothing the message does not (``LOGGING``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        return True


# The header and the stream ---------------------------------------------------------------


def _announced_length(request) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0  # as Django reads it: no body


def _is_chunked(request) -> bool:
    # The WSGI server marks an input it ends itself (gunicorn does); else reading a body of
    # unknown length could wait for ever, and Django reads none.
    return (
        not request.META.get("CONTENT_LENGTH")
        and "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        and bool(request.META.get("wsgi.input_terminated"))
    )


class RequestBodyLimitMiddleware(MiddlewareMixin):
    """Holds every request to its endpoint's ``body_limit`` before its body is read.

    Listed before ``CsrfViewMiddleware``, whose ``process_view`` reads a form's body: this
    ``process_view`` runs first, once the URL is resolved (its name picks the limit).
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        limit = body_limit(request)
        if _announced_length(request) > limit.body_bytes:
            return refusal_response(request, RequestBodyTooLarge(limit))
        if _is_chunked(request):
            return self._chunked_body_read(request, limit)
        return None

    def _chunked_body_read(self, request, limit: BodyLimit) -> HttpResponse | None:
        """Read a chunked body up to the limit into a spooled file (memory up to
        ``FILE_UPLOAD_MAX_MEMORY_SIZE``, then the temporary folder) and give it to Django
        with its length; a 413 as soon as it passes the limit, the rest unread."""
        source = request.META["wsgi.input"]
        spool = tempfile.SpooledTemporaryFile(  # noqa: SIM115 (the view reads it: closed in process_response)
            max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE, dir=settings.FILE_UPLOAD_TEMP_DIR
        )
        size = 0
        while chunk := source.read(min(_CHUNK_BYTES, limit.body_bytes + 1 - size)):
            size += len(chunk)
            if size > limit.body_bytes:
                spool.close()
                return refusal_response(request, RequestBodyTooLarge(limit))
            spool.write(chunk)
        spool.seek(0)
        request.META["CONTENT_LENGTH"] = str(size)
        # WSGIRequest reads its body from _stream, made from CONTENT_LENGTH when the request
        # was built (so empty for a chunked body).
        # django-stubs type LimitedStream's stream as BytesIO; Django reads any binary file.
        request._stream = LimitedStream(spool, size)  # type: ignore[arg-type]  # a spooled file is a binary file
        request.body_spool = spool
        return None

    def process_response(self, request, response):
        spool = getattr(request, "body_spool", None)
        if spool is not None:
            spool.close()
        return response


# File parts ------------------------------------------------------------------------------


class BodyLimitUploadHandler(FileUploadHandler):
    """First of ``FILE_UPLOAD_HANDLERS``: refuses a file part where the endpoint takes no
    file before a later handler keeps any of it (memory or a temporary file), and stops
    reading file data once the request's files passed the endpoint's body limit. Raising
    (rather than ``StopUpload``) stops Django reading and keeps the view from running on a
    part of the form."""

    def __init__(self, request=None):
        super().__init__(request)
        self.received = 0

    def _limit(self) -> BodyLimit:
        if self.request is None:
            return BodyLimit(body_bytes=settings.REQUEST_BODY_MAX_BYTES, file_bytes=None)
        return body_limit(self.request)

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        if self._limit().file_bytes is None:
            raise FilePartRefused

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        limit = self._limit()
        if self.received > limit.body_bytes:
            raise RequestBodyTooLarge(limit)
        return raw_data

    def file_complete(self, file_size):
        return None


# JSON ------------------------------------------------------------------------------------

# Deeper than any document this project reads (a few levels), far from Python's recursion limit.
JSON_MAX_DEPTH = 64


class JSONTooDeep(json.JSONDecodeError):
    """A JSON document nested more than ``JSON_MAX_DEPTH`` deep (``msg`` says so)."""


def json_depth_exceeds(value, limit: int) -> bool:
    """Whether ``value`` (parsed JSON) nests lists and objects more than ``limit`` deep;
    without recursion, so that the check cannot fail the way the parser did."""
    stack = [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class BoundedJSONDecoder(json.JSONDecoder):
    """The standard decoder, refusing a document nested more than ``JSON_MAX_DEPTH`` deep
    with a ``json.JSONDecodeError`` (``JSONTooDeep``), which DRF's parser and Django's form
    field answer as invalid input, where Python's recursion limit would have been a 500."""

    def decode(self, s, *args, **kwargs):
        message = gettext("The JSON is nested more than %(depth)d levels deep.") % {"depth": JSON_MAX_DEPTH}
        try:
            value = super().decode(s, *args, **kwargs)
        except RecursionError:
            raise JSONTooDeep(message, s, 0) from None
        # A document with fewer brackets than the limit cannot nest deeper: most skip the walk.
        if s.count("[") + s.count("{") > JSON_MAX_DEPTH and json_depth_exceeds(value, JSON_MAX_DEPTH):
            raise JSONTooDeep(message, s, 0)
        return value
