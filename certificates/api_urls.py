from django.urls import path

from certificates.apis import certificates, runs, verification

urlpatterns = [
    # Public verification, no login (before the paths that take any code)
    path("certificates/verify/<str:code>/", verification.CertificateVerifyApi.as_view(), name="api-certificate-verify"),
    # Listing, download, revocation and reissue
    path("certificates/", certificates.CertificateListApi.as_view(), name="api-certificate-list"),
    path("certificates/<str:code>/", certificates.CertificateDetailApi.as_view(), name="api-certificate-detail"),
    path("certificates/<str:code>/pdf/", certificates.CertificatePdfApi.as_view(), name="api-certificate-pdf"),
    path("certificates/<str:code>/revoke/", certificates.CertificateRevokeApi.as_view(), name="api-certificate-revoke"),
    path(
        "certificates/<str:code>/reissue/", certificates.CertificateReissueApi.as_view(), name="api-certificate-reissue"
    ),
    # Bulk runs: progress
    path("certificate-runs/<int:pk>/", runs.IssueRunProgressApi.as_view(), name="api-certificate-run"),
]
