from django.urls import path

from certificates.views import gradebook, holders, runs, verification

urlpatterns = [
    # Holders and staff (certificates/views/holders.py)
    path("certificates/", holders.my_certificates, name="my-certificates"),
    path("certificates/transcript.pdf", holders.transcript_download, name="certificate-transcript"),
    path("certificates/<str:code>/", holders.certificate_detail, name="certificate-detail"),
    path("certificates/<str:code>/revoke/", holders.certificate_revoke, name="certificate-revoke"),
    path("certificates/<str:code>/reissue/", holders.certificate_reissue, name="certificate-reissue"),
    path("courses/<int:pk>/certificates/", holders.course_certificates, name="course-certificates"),
    # The course gradebook (certificates/views/gradebook.py)
    path("courses/<int:pk>/gradebook/", gradebook.course_gradebook_page, name="course-gradebook"),
    # Public verification, no login (certificates/views/verification.py)
    path("verify/", verification.verify_start, name="certificate-verify"),
    path("verify/<str:code>/", verification.verify_certificate, name="certificate-verify-detail"),
    # Bulk issue and reissue (certificates/views/runs.py)
    path("courses/<int:pk>/certificates/issue/", runs.issue_run_create, name="certificate-run-create"),
    path("certificate-runs/<int:pk>/", runs.issue_run_detail, name="certificate-run-detail"),
    path("certificate-runs/<int:pk>/retry/", runs.issue_run_retry, name="certificate-run-retry"),
]
