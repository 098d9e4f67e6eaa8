from django.urls import path

from lms.notifications import apis

urlpatterns = [
    path("notifications/", apis.NotificationListApi.as_view(), name="api-notification-list"),
    path("notifications/read/", apis.NotificationReadApi.as_view(), name="api-notification-read"),
]
