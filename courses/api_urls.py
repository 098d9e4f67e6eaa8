from django.urls import path

from courses import apis

urlpatterns = [
    path("courses/", apis.CourseListApi.as_view(), name="api-course-list"),
    path("courses/<int:pk>/", apis.CourseDetailApi.as_view(), name="api-course-detail"),
    path("courses/<int:pk>/modules/", apis.ModuleCreateApi.as_view(), name="api-course-module-create"),
    path("courses/<int:pk>/publish/", apis.CoursePublishApi.as_view(), name="api-course-publish"),
    path("courses/<int:pk>/enrol/", apis.CourseEnrolApi.as_view(), name="api-course-enrol"),
    path("enrollments/", apis.EnrollmentListApi.as_view(), name="api-enrollment-list"),
    path("lessons/<int:pk>/complete/", apis.LessonCompleteApi.as_view(), name="api-lesson-complete"),
    path("modules/<int:pk>/lessons/", apis.LessonCreateApi.as_view(), name="api-module-lesson-create"),
    path("lessons/<int:pk>/", apis.LessonDetailApi.as_view(), name="api-lesson-detail"),
    # Authoring
    path("modules/<int:pk>/", apis.ModuleDetailApi.as_view(), name="api-module-detail"),
    path("courses/<int:pk>/modules/order/", apis.CourseModulesOrderApi.as_view(), name="api-course-modules-order"),
    path("modules/<int:pk>/lessons/order/", apis.ModuleLessonsOrderApi.as_view(), name="api-module-lessons-order"),
    path("modules/<int:pk>/archive/", apis.ModuleArchiveApi.as_view(), name="api-module-archive"),
    path("modules/<int:pk>/unarchive/", apis.ModuleUnarchiveApi.as_view(), name="api-module-unarchive"),
    path("lessons/<int:pk>/archive/", apis.LessonArchiveApi.as_view(), name="api-lesson-archive"),
    path("lessons/<int:pk>/unarchive/", apis.LessonUnarchiveApi.as_view(), name="api-lesson-unarchive"),
    path("courses/<int:pk>/submit/", apis.CourseSubmitApi.as_view(), name="api-course-submit"),
    path("courses/<int:pk>/return-to-draft/", apis.CourseReturnToDraftApi.as_view(), name="api-course-return-to-draft"),
    path("courses/<int:pk>/archive/", apis.CourseArchiveApi.as_view(), name="api-course-archive"),
    path("courses/<int:pk>/unarchive/", apis.CourseUnarchiveApi.as_view(), name="api-course-unarchive"),
    path("courses/<int:pk>/authors/", apis.CourseAuthorListApi.as_view(), name="api-course-authors"),
    path(
        "courses/<int:pk>/authors/<int:user_id>/", apis.CourseAuthorDeleteApi.as_view(), name="api-course-author-delete"
    ),
    path("lessons/<int:pk>/attachments/", apis.LessonAttachmentCreateApi.as_view(), name="api-lesson-attachments"),
    path("attachments/<int:pk>/", apis.LessonAttachmentDeleteApi.as_view(), name="api-attachment-delete"),
]

# In-person sessions
urlpatterns += [
    path("sessions/", apis.SessionListApi.as_view(), name="api-session-list"),
    path("sessions/<int:pk>/", apis.SessionDetailApi.as_view(), name="api-session-detail"),
    path("sessions/<int:pk>/cancel/", apis.SessionCancelApi.as_view(), name="api-session-cancel"),
    path("sessions/<int:pk>/registrations/", apis.SessionRegistrationsApi.as_view(), name="api-session-registrations"),
    path("sessions/<int:pk>/attendance/", apis.SessionAttendanceApi.as_view(), name="api-session-attendance"),
    path("sessions/<int:pk>/practicals/", apis.SessionPracticalsApi.as_view(), name="api-session-practicals"),
    path("sessions/<int:pk>/paper-scores/", apis.SessionPaperScoresApi.as_view(), name="api-session-paper-scores"),
]
