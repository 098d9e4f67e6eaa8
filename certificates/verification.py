"""Public verification of certificates: look a code up, compare a PDF, record the check,
and limit how fast one client may check.

The page, the PDF upload and the API share one budget per client address (the client's
own behind the proxies in ``TRUSTED_PROXIES``, ``lms/addresses.py``;
``CERTIFICATE_VERIFY_RATE``, for example ``"60/minute,600/day"``), kept in the default
cache so that every web process counts together. Malformed and unknown codes count too:
a stream of them is what enumeration looks like. A refused request is not recorded, so
a client that keeps hammering cannot fill the table either.

The address itself is never stored, in the cache or the database: only a keyed hash of
it (HMAC-SHA256 under a key derived from ``SECRET_KEY``). An IPv6 client is counted by
its /64 network, which one household or phone usually holds whole.
"""

import hashlib
import math
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.utils.crypto import salted_hmac

from certificates.codes import code_normalise
from certificates.models import Certificate, Verification
from lms import counters
from lms.addresses import address_group, client_address

PDF_MAX_BYTES = settings.CERTIFICATE_PDF_MAX_BYTES  # the request as a whole: lms/request_body.py
PDF_MAGIC = b"%PDF-"
_PERIODS = {"s": 1, "m": 60, "h": 60 * 60, "d": 24 * 60 * 60}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour|day|s|m|h|d)\s*$")


# Who is asking --------------------------------------------------------------------------


def client_key(request) -> str:
    """A keyed hash of the client's address (``lms.addresses``: behind the trusted proxies;
    its /64 network for IPv6); never the address."""
    address = address_group(client_address(request))
    return salted_hmac("certificates.verification.client", address, algorithm="sha256").hexdigest()


# How fast -------------------------------------------------------------------------------


def verify_rates(value: str | None = None) -> list[tuple[int, int]]:
    """``CERTIFICATE_VERIFY_RATE`` as (checks, seconds) pairs: ``"60/minute,600/day"``."""
    value = settings.CERTIFICATE_VERIFY_RATE if value is None else value
    rates = []
    for part in str(value).split(","):
        match = _RATE.match(part)
        if match is None or int(match.group(1)) < 1:
            raise ImproperlyConfigured(
                f"CERTIFICATE_VERIFY_RATE must be checks per period, such as '60/minute,600/day', not {value!r}."
            )
        rates.append((int(match.group(1)), _PERIODS[match.group(2)[0]]))
    return rates


def verification_throttle(*, client: str, now: float | None = None) -> int | None:
    """Count one check by ``client``; None when it is within every rate, else the seconds
    to wait before the next check is allowed.

    Each rate is a fixed window that opens at the client's first check (so a burst cannot
    straddle a clock boundary to double its budget) and closes on time however the client
    goes on (``lms.counters.hit``: atomic across processes, on every cache backend).
    """
    now = time.time() if now is None else now
    wait = 0.0
    for limit, period in verify_rates():
        count = counters.hit(f"certificate-verify:{client}:{period}", window=period, now=now)
        if count.value > limit:
            wait = max(wait, count.ends_at - now)
    return max(1, math.ceil(wait)) if wait > 0 else None


# What is checked ------------------------------------------------------------------------


@dataclass(frozen=True)
class Lookup:
    """A typed code and what it names: ``canonical`` None = malformed; ``certificate``
    None = unknown (or malformed)."""

    typed: str
    canonical: str | None
    certificate: Certificate | None

    @property
    def outcome(self) -> Verification.Outcome:
        if self.canonical is None:
            return Verification.Outcome.MALFORMED
        if self.certificate is None:
            return Verification.Outcome.UNKNOWN
        return Verification.Outcome.FOUND


def certificate_lookup(*, typed: str) -> Lookup:
    """The certificate a person's typed code names (lower case, spaces, I/L/O forgiven)."""
    canonical = code_normalise(typed)
    certificate = None
    if canonical is not None:
        certificate = Certificate.objects.filter(code=canonical).first()
    return Lookup(typed=typed, canonical=canonical, certificate=certificate)


def verification_record(*, lookup: Lookup, channel: str, client: str, outcome: str | None = None) -> Verification:
    """Keep one check: what was typed (at most 64 characters), what it found, the client hash."""
    return Verification.objects.create(
        code_entered=lookup.typed[:64],
        certificate=lookup.certificate,
        channel=channel,
        outcome=outcome or lookup.outcome,
        client=client,
    )


def pdf_matches(*, certificate: Certificate, upload) -> bool:
    """Whether the uploaded file is byte for byte the PDF issued (its SHA-256, read in chunks)."""
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    return digest.hexdigest() == certificate.pdf_sha256


class LimitedUploadHandler(FileUploadHandler):
    """Drops an uploaded file once it passes ``PDF_MAX_BYTES`` (so an oversize upload is
    neither kept in memory nor written to disk) and remembers that it did.

    Install it before the request body is read (``request.upload_handlers.insert(0, ...)``),
    which means before CSRF checking: the view is csrf_exempt and checks CSRF itself after.
    """

    def __init__(self, request=None, limit: int = PDF_MAX_BYTES):
        super().__init__(request)
        self.limit = limit
        self.was_too_large = False

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.was_too_large = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None


def service_number_ending(service_number: str) -> str:
    """The last characters of a holder's service number, shown beside the name so that two
    officers of the same name can be told apart without publishing the whole number: the
    last four, and never more than half of a short number."""
    number = service_number.strip()
    return number[-min(4, len(number) // 2) :] if len(number) >= 2 else ""
