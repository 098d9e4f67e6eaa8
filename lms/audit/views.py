"""The audit trail page for admins: a thin view over the selectors."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from lms.audit import selectors
from lms.audit.forms import AuditFilterForm
from lms.audit.models import AuditEntry

ENTRIES_PER_PAGE = 50


@login_required
@require_GET
def audit_entry_list(request):
    # The admin role is the superuser flag (organisations.services keeps the two equal);
    # lms reads the flag because it imports no domain app.
    if not request.user.is_superuser:
        raise PermissionDenied
    form = AuditFilterForm(request.GET, actions=selectors.audit_actions(), target_types=selectors.audit_target_types())
    # A filter that is not valid (an action no entry has) shows its error and no entries,
    # rather than every entry as if nothing had been asked.
    found = selectors.audit_entry_list(**form.cleaned_data) if form.is_valid() else AuditEntry.objects.none()
    entries = Paginator(found, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        {
            "entry": entry,
            "target_type": selectors.target_type_name(entry.target_type),
            "changes": selectors.entry_changes(entry),
        }
        for entry in entries
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/entry_list.html",
        {"form": form, "page": entries, "rows": rows, "query": query.urlencode()},
    )
