from django.urls import path

from readiness import apis

urlpatterns = [
    path("readiness/summary/", apis.ReadinessSummaryApi.as_view(), name="api-readiness-summary"),
    path("readiness/units/<int:pk>/", apis.UnitReadinessApi.as_view(), name="api-readiness-unit"),
    path("readiness/snapshots/", apis.SnapshotListApi.as_view(), name="api-readiness-snapshots"),
    path("readiness/sync/", apis.ReadinessSyncApi.as_view(), name="api-readiness-sync"),
]
