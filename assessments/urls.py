from django.urls import path

from assessments.views import attempts, authoring, marking
from assessments.views import statistics as statistics_views

urlpatterns: list = []

# Taking assessments and grading them (assessments/views/attempts.py, marking.py) -------------
urlpatterns += [
    path("assessments/<int:pk>/", attempts.assessment_detail, name="assessment-detail"),
    path("assessments/<int:pk>/start/", attempts.assessment_start, name="assessment-start"),
    path("attempts/<int:pk>/", attempts.attempt_take, name="attempt-take"),
    path("attempts/<int:pk>/result/", attempts.attempt_result, name="attempt-result"),
    path("grading/", marking.grading_queue, name="grading-queue"),
    path("grading/answers/<int:pk>/", marking.answer_grade, name="answer-grade"),
    path("assessments/<int:pk>/allowances/new/", marking.allowance_new, name="allowance-new"),
]

# Measuring learning (assessments/views/statistics.py) -----------------------------------------
urlpatterns += [
    path("assessments/<int:pk>/statistics/", statistics_views.assessment_statistics, name="assessment-statistics"),
]

# Authoring: importing and exporting questions (assessments/views/authoring.py) ---------------
urlpatterns += [
    path("assessments/<int:pk>/questions/import/", authoring.questions_import, name="questions-import"),
    path("assessments/<int:pk>/questions/export.csv", authoring.questions_export, name="questions-export"),
]

# Authoring: assessments, questions and pools (assessments/views/authoring.py) -----------------
urlpatterns += [
    path("courses/<int:pk>/assessments/new/", authoring.assessment_create, name="assessment-create"),
    path("assessments/<int:pk>/settings/", authoring.assessment_edit, name="assessment-edit"),
    path("assessments/<int:pk>/publish/", authoring.assessment_publish, name="assessment-publish"),
    path("assessments/<int:pk>/questions/", authoring.question_list, name="assessment-questions"),
    path("assessments/<int:pk>/questions/new/", authoring.question_create, name="question-create"),
    path("assessments/<int:pk>/questions/<int:question_pk>/", authoring.question_edit, name="question-edit"),
    path(
        "assessments/<int:pk>/questions/<int:question_pk>/archive/",
        authoring.question_archive,
        name="question-archive",
    ),
    path("assessments/<int:pk>/pools/", authoring.pool_list, name="assessment-pools"),
    path("assessments/<int:pk>/pools/<int:pool_pk>/delete/", authoring.pool_delete, name="pool-delete"),
]
