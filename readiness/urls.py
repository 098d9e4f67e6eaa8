from django.urls import path

from readiness import views

urlpatterns = [
    path("readiness/", views.readiness_overview, name="readiness-overview"),
    path("readiness/units/<int:pk>/", views.readiness_unit, name="readiness-unit"),
]

# Profiles, joint assessments, handover decisions and the briefing PDF (R3) ----------------
from readiness import views_admin  # noqa: E402

urlpatterns += [
    path("readiness/manage/", views_admin.profile_list, name="readiness-profiles"),
    path("readiness/manage/profiles/new/", views_admin.profile_create, name="readiness-profile-create"),
    path("readiness/manage/profiles/<int:pk>/", views_admin.profile_detail, name="readiness-profile"),
    path(
        "readiness/manage/profiles/<int:pk>/requirements/new/",
        views_admin.requirement_edit,
        name="readiness-requirement-add",
    ),
    path(
        "readiness/manage/profiles/<int:pk>/requirements/<str:code>/",
        views_admin.requirement_edit,
        name="readiness-requirement-edit",
    ),
    path(
        "readiness/manage/profiles/<int:pk>/requirements/<str:code>/delete/",
        views_admin.requirement_delete,
        name="readiness-requirement-delete",
    ),
    path("readiness/units/<int:pk>/assessments/", views_admin.joint_assessments, name="readiness-assessments"),
    path("readiness/units/<int:pk>/handover/", views_admin.handover_decisions, name="readiness-handover"),
    path(
        "readiness/units/<int:pk>/handover/<int:decision_pk>/approve/",
        views_admin.handover_decision_approve,
        name="readiness-handover-approve",
    ),
    path("readiness/units/<int:pk>/briefing.pdf", views_admin.briefing_download, name="readiness-briefing"),
]
