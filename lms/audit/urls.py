from django.urls import path

from lms.audit import views

urlpatterns = [
    path("audit/", views.audit_entry_list, name="audit-entry-list"),
]
