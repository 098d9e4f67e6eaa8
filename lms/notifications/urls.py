from django.urls import path

from lms.notifications import views

urlpatterns = [
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/read/", views.notifications_mark_all_read, name="notifications-mark-all-read"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification-open"),
]
