"""Reactions to lower apps' events (subscribed in ``settings.LMS_EVENT_HANDLERS``)."""

from certificates.events import RUN_CHUNK_QUEUED
from certificates.runs import issue_run_chunk_process
from certificates.services import certificates_issue
from courses.events import COURSE_COMPLETED
from lms.events.models import Event


class IssueFailed(Exception):
    """Raised so the outbox retries the delivery with backoff, then shows it to admins as failed."""


def certificate_issue_on_completion(event: Event) -> None:
    """``course.completed`` -> the completion's certificate (idempotent: issued at most once)."""
    completion_id = COURSE_COMPLETED.payload_of(event)["completion_id"]
    result = certificates_issue(completion_ids=[completion_id])
    if completion_id in result.failed:
        raise IssueFailed(f"Completion {completion_id}: {result.failed[completion_id]}")


def issue_run_chunk(event: Event) -> None:
    """``certificate.run_chunk_queued`` -> issue (or reissue) one chunk of a bulk run (idempotent:
    a chunk delivered again finds its items settled)."""
    chunk = RUN_CHUNK_QUEUED.payload_of(event)
    issue_run_chunk_process(run_id=chunk["run_id"], item_ids=chunk["item_ids"])
