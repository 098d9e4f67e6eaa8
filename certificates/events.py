"""Events certificates writes; readiness subscribes to the certificate's changes
(``settings.LMS_EVENT_HANDLERS``). See ``lms.events.types`` for the contract."""

from typing import TypedDict

from lms.events.types import EventType


class CertificateChanged(TypedDict):
    """A certificate was issued, revoked, superseded or expired: its holder's unit counts again."""

    certificate_id: int
    officer_id: int


class RunChunkQueued(TypedDict):
    """A share of a bulk issue run for one worker to take (``certificates.runs``)."""

    run_id: int
    item_ids: list[int]


CERTIFICATE_ISSUED = EventType[CertificateChanged]("certificate.issued")
CERTIFICATE_REVOKED = EventType[CertificateChanged]("certificate.revoked")
CERTIFICATE_SUPERSEDED = EventType[CertificateChanged]("certificate.superseded")
CERTIFICATE_EXPIRED = EventType[CertificateChanged]("certificate.expired")
RUN_CHUNK_QUEUED = EventType[RunChunkQueued]("certificate.run_chunk_queued")
