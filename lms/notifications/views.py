"""The notification list: thin views over the selectors and services, the user's own rows only."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from lms.notifications import selectors, services

NOTIFICATIONS_PER_PAGE = 25


@login_required
@require_GET
def notification_list(request):
    notifications = Paginator(selectors.notification_list(user=request.user), NOTIFICATIONS_PER_PAGE)
    return render(request, "notifications/list.html", {"page": notifications.get_page(request.GET.get("page"))})


@login_required
@require_GET
def notification_open(request, pk: int):
    """Mark the notification read and follow its link (only a path on this site).

    A GET, so that the link in a notification's e-mail works after signing in; marking
    one's own notification read is harmless if a third-party page triggers it.
    """
    notification = get_object_or_404(selectors.notification_list(user=request.user), pk=pk)
    services.notifications_mark_read(user=request.user, notification_ids=[notification.pk])
    if notification.link and services.link_is_local(notification.link):
        return redirect(notification.link)
    return redirect("notification-list")


@login_required
@require_POST
def notifications_mark_all_read(request):
    services.notifications_mark_read(user=request.user)
    return redirect("notification-list")
