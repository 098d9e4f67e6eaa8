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
]
