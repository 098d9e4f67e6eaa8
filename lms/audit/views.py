"""The audit trail page for admins, and its CSV: thin views over the selectors."""

import csv

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext, pgettext
from django.views.decorators.http import require_GET

from lms.audit import selectors
from lms.audit.actions import action_label
from lms.audit.forms import AuditFilterForm
from lms.audit.labels import target_names
from lms.audit.models import AuditEntry
from lms.spreadsheet import csv_cell

ENTRIES_PER_PAGE = 50
EXPORT_CHUNK = 1000


def _filtered(request) -> tuple[AuditFilterForm, QuerySet[AuditEntry]]:
    # The admin role is the superuser flag (organisations.services keeps the two equal);
    # lms reads the flag because it imports no domain app.
    if not request.user.is_superuser:
        raise PermissionDenied
    form = AuditFilterForm(request.GET, actions=selectors.audit_actions(), target_types=selectors.audit_target_types())
    # A filter that is not valid (an action no entry has, a period that ends before it
    # starts) shows its error and no entries, rather than every entry as if nothing had been asked.
    found = selectors.audit_entry_list(**form.cleaned_data) if form.is_valid() else AuditEntry.objects.none()
    return form, found


def _rows(entries: list[AuditEntry]) -> list[dict]:
    names = target_names(entries)
    return [
        {
            "entry": entry,
            "action": action_label(entry.action),
            "target_type": selectors.target_type_name(entry.target_type),
            # The name as it is now; the one recorded at the time for a record since deleted.
            "target_name": names.get((entry.target_type, entry.target_id), entry.target_label),
            "changes": selectors.entry_changes(entry),
        }
        for entry in entries
    ]


@login_required
@require_GET
def audit_entry_list(request):
    form, found = _filtered(request)
    entries = Paginator(found, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/entry_list.html",
        {"form": form, "page": entries, "rows": _rows(list(entries)), "query": query.urlencode()},
    )


@login_required
@require_GET
def audit_entry_export(request):
    """Every entry the filters select, as CSV (the same filters as the page, no paging)."""
    _form, found = _filtered(request)  # an invalid filter exports no entry, as the page shows none
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-trail.csv"'
    response["Cache-Control"] = "private, no-store"
    response.write("\ufeff")  # a byte-order mark, so spreadsheets read the names as UTF-8
    writer = csv.writer(response, lineterminator="\r\n")
    writer.writerow(
        [
            pgettext("date and time of a change", "When"),
            gettext("User name"),
            gettext("Who"),
            gettext("Action"),
            gettext("Action code"),
            gettext("Kind of record"),
            gettext("Record id"),
            gettext("Record"),
            gettext("Changes"),
            gettext("Reason"),
        ]
    )
    chunk: list[AuditEntry] = []
    for entry in found.iterator(chunk_size=EXPORT_CHUNK):
        chunk.append(entry)
        if len(chunk) == EXPORT_CHUNK:
            _write(writer, chunk)
            chunk = []
    _write(writer, chunk)
    return response


def _write(writer, entries: list[AuditEntry]) -> None:
    for row in _rows(entries):
        entry = row["entry"]
        writer.writerow(
            csv_cell(value)
            for value in (
                timezone.localtime(entry.created_at).isoformat(timespec="seconds"),
                entry.actor.username if entry.actor else "",
                (entry.actor.get_full_name() or entry.actor.username) if entry.actor else gettext("System"),
                row["action"],
                entry.action,
                row["target_type"],
                entry.target_id,
                row["target_name"],
                "; ".join(_change_text(change) for change in row["changes"]),
                entry.reason,
            )
        )


def _change_text(change: selectors.FieldChange) -> str:
    if change.is_unchanged:
        return f"{change.field}: {change.after} ({gettext('unchanged')})"
    before = gettext("(none)") if change.before is None else change.before  # a side that did not record it
    after = gettext("(none)") if change.after is None else change.after
    return f"{change.field}: {before} → {after}"
