"""The certificates' part of an officer's training record (``settings.OFFICER_RECORD_SECTIONS``):
every certificate with its status and expiry. One query."""

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext

from certificates.models import Certificate
from organisations.models import Officer
from organisations.record import RecordCell, RecordSection


def officer_record_sections(*, officer: Officer) -> list[RecordSection]:
    certificates = Certificate.objects.filter(officer=officer).order_by("-issued_at", "-pk")
    rows = [
        [
            RecordCell(certificate.course_title, url=reverse("certificate-detail", args=[certificate.code])),
            RecordCell(certificate.get_status_display()),
            RecordCell(date_format(certificate.issued_at, "SHORT_DATE_FORMAT")),
            RecordCell(date_format(certificate.expires_on, "SHORT_DATE_FORMAT") if certificate.expires_on else "—"),
            RecordCell(certificate.code),
        ]
        for certificate in certificates
    ]
    return [
        RecordSection(
            key="certificates",
            title=gettext("Certificates"),
            headings=[
                RecordCell(gettext("Course")),
                RecordCell(gettext("Status")),
                RecordCell(gettext("Issued on")),
                RecordCell(gettext("Expires on")),
                RecordCell(gettext("Code")),
            ],
            rows=rows,
            empty_text=gettext("No certificate."),
        )
    ]
