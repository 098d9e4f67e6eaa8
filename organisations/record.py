"""An officer's training record on their page, told by the apps that hold it.

Organisations sits below every app that trains, tests and certifies, so it cannot read
enrolments, attempts or certificates. Each of those apps offers the sections it holds
through ``settings.OFFICER_RECORD_SECTIONS`` (dotted paths to ``RecordSectionProvider``s,
resolved by a system check at start-up, ``organisations.checks``); the officer page shows
them in that order. A provider costs a fixed number of queries, whatever the length of the
record, so the page does too. Cells are text, formatted by the provider in the language of
the request, with a link where there is a page to go to.
"""

from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from organisations.models import Officer


@dataclass(frozen=True)
class RecordCell:
    text: str
    url: str = ""
    is_numeric: bool = False


@dataclass(frozen=True)
class RecordSection:
    """One table of the record: a heading, its columns and one row per item."""

    key: str  # stable, for the heading's id and for tests
    title: str
    headings: list[RecordCell]  # a numeric column's heading is aligned as its cells
    rows: list[list[RecordCell]] = field(default_factory=list)
    empty_text: str = ""


class RecordSectionProvider(Protocol):
    """What a path in ``settings.OFFICER_RECORD_SECTIONS`` names."""

    def __call__(self, *, officer: Officer) -> list[RecordSection]: ...


def officer_record_sections(*, officer: Officer) -> list[RecordSection]:
    """The sections of ``officer``'s training record from every provider, in settings order.
    The caller has checked that the viewer may see the officer's page."""
    sections: list[RecordSection] = []
    for path in settings.OFFICER_RECORD_SECTIONS:
        provider: RecordSectionProvider = import_string(path)
        sections.extend(provider(officer=officer))
    return sections
