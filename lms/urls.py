from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from lms.health import healthz

# A refused request body (lms/request_body.py) answers its own status and message.
handler400 = "lms.request_body.bad_request"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("organisations.api_urls")),
    path("api/v1/", include("courses.api_urls")),
    path("api/v1/", include("assessments.api_urls")),
    path("api/v1/", include("certificates.api_urls")),
    path("api/v1/", include("lms.notifications.api_urls")),
    path("api/v1/", include("readiness.api_urls")),
    path("", include("organisations.urls")),
    path("", include("courses.urls")),
    path("", include("assessments.urls")),
    path("", include("certificates.urls")),
    path("", include("lms.notifications.urls")),
    path("", include("lms.audit.urls")),
    path("", include("readiness.urls")),
]
