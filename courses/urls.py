from django.urls import path

from courses.views import attachments, authoring, learning, reports, sessions

urlpatterns: list = []

# Trainees: catalogue, my courses, outline, lessons.
urlpatterns += [
    path("courses/", learning.course_catalogue, name="course-catalogue"),
    path("courses/<int:pk>/", learning.course_outline, name="course-outline"),
    path("courses/<int:pk>/self-enrol/", learning.course_self_enrol, name="course-self-enrol"),
    path("my/courses/", learning.my_courses, name="my-courses"),
    path("lessons/<int:pk>/", learning.lesson_detail, name="lesson-detail"),
    path("lessons/<int:pk>/complete/", learning.lesson_complete, name="lesson-complete"),
]

# Trainers and leaders: enrol a unit, course report.
urlpatterns += [
    path("courses/<int:pk>/enrol/", reports.course_enrol, name="course-enrol"),
    path("courses/<int:pk>/report/", reports.course_report, name="course-report"),
]

# Lesson attachments, for anyone who may read the lesson.
urlpatterns += [
    path("lessons/attachments/<int:pk>/", attachments.attachment_download, name="lesson-attachment"),
]

# Course authors (trainers and admins): courses, outline, lessons, attachments, co-authors.
urlpatterns += [
    path("author/", authoring.course_list, name="author-course-list"),
    path("author/courses/new/", authoring.course_create, name="author-course-create"),
    path("author/courses/<int:pk>/", authoring.course_edit, name="author-course-edit"),
    path("author/courses/<int:pk>/status/", authoring.course_status, name="author-course-status"),
    path("author/courses/<int:pk>/modules/", authoring.module_create, name="author-module-create"),
    path("author/courses/<int:pk>/authors/", authoring.author_add, name="author-author-add"),
    path("author/courses/<int:pk>/authors/<int:user_id>/remove/", authoring.author_remove, name="author-author-remove"),
    path("author/modules/<int:pk>/rename/", authoring.module_rename, name="author-module-rename"),
    path("author/modules/<int:pk>/move/", authoring.module_move, name="author-module-move"),
    path("author/modules/<int:pk>/archive/", authoring.module_archive, name="author-module-archive"),
    path("author/modules/<int:pk>/lessons/", authoring.lesson_create, name="author-lesson-create"),
    path("author/lessons/<int:pk>/", authoring.lesson_edit, name="author-lesson-edit"),
    path("author/lessons/<int:pk>/preview/", authoring.lesson_preview, name="author-lesson-preview"),
    path("author/lessons/<int:pk>/move/", authoring.lesson_move, name="author-lesson-move"),
    path("author/lessons/<int:pk>/archive/", authoring.lesson_archive, name="author-lesson-archive"),
    path("author/lessons/<int:pk>/attachments/", authoring.attachment_upload, name="author-attachment-upload"),
    path("author/attachments/<int:pk>/delete/", authoring.attachment_delete, name="author-attachment-delete"),
]

# In-person sessions: everyone signed in sees the list (scoped); trainers run sessions.
urlpatterns += [
    path("sessions/", sessions.session_list, name="session-list"),
    path("sessions/new/", sessions.session_create, name="session-create"),
    path("sessions/<int:pk>/", sessions.session_detail, name="session-detail"),
    path("sessions/<int:pk>/edit/", sessions.session_edit, name="session-edit"),
    path("sessions/<int:pk>/cancel/", sessions.session_cancel, name="session-cancel"),
    path("sessions/<int:pk>/register/", sessions.session_register, name="session-register"),
    path(
        "sessions/<int:pk>/registrations/<int:officer_id>/remove/",
        sessions.session_unregister,
        name="session-unregister",
    ),
    path("sessions/<int:pk>/attendance/", sessions.session_attendance, name="session-attendance"),
    path("sessions/<int:pk>/results/", sessions.session_results, name="session-results"),
]
