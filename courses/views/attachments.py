"""The file of a lesson attachment, served only to people who may read the lesson."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.views.decorators.http import require_safe

from courses import selectors
from courses.models import LessonAttachment
from organisations.permissions import AuthenticatedHttpRequest

# The stored file is only ever what the type check let in, and it is served as that type
# with sniffing off; should a browser still render it as a document, the policy below leaves
# it no script, no style from elsewhere and no origin (GitHub serves raw files the same way).
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


@login_required
@require_safe
def attachment_download(request: AuthenticatedHttpRequest, pk: int):
    """An image inline, a document as a download; 404 for anyone who may not read the
    lesson, 403 for a trainee whose enrolment keeps its module closed (``lesson_is_locked``)."""
    attachment = selectors.attachment_get(user=request.user, attachment_id=pk)
    if attachment is None:
        raise Http404
    if attachment.is_locked:
        raise PermissionDenied(selectors.LESSON_LOCKED_MESSAGE)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(
        handle,
        content_type=attachment.content_type,
        as_attachment=attachment.kind != LessonAttachment.Kind.IMAGE,
        filename=attachment.download_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Private: only this person's browser keeps it. A stored file never changes (a new
    # upload is a new attachment), so an hour of reuse spares slow links.
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response
