from django.urls import path

from lms.audit import views

urlpatterns = [
    path("audit/", views.audit_entry_list, name="audit-entry-list"),
    path("audit/entries.csv", views.audit_entry_export, name="audit-entry-export"),
]
