from django.urls import path

from assessments import apis

urlpatterns = [
    path("assessments/", apis.AssessmentListApi.as_view(), name="api-assessment-list"),
    path("assessments/<int:pk>/", apis.AssessmentDetailApi.as_view(), name="api-assessment-detail"),
    path("assessments/<int:pk>/questions/", apis.QuestionCreateApi.as_view(), name="api-assessment-questions"),
    path("assessments/<int:pk>/publish/", apis.AssessmentPublishApi.as_view(), name="api-assessment-publish"),
    path("assessments/<int:pk>/attempts/", apis.AttemptStartApi.as_view(), name="api-assessment-attempts"),
    path("assessments/<int:pk>/allowances/", apis.AllowanceCreateApi.as_view(), name="api-assessment-allowances"),
    path("attempts/<int:pk>/", apis.AttemptDetailApi.as_view(), name="api-attempt-detail"),
    path("attempts/<int:pk>/answers/<int:question_id>/", apis.AnswerSaveApi.as_view(), name="api-attempt-answer-save"),
    path("attempts/<int:pk>/submit/", apis.AttemptSubmitApi.as_view(), name="api-attempt-submit"),
    path("answers/<int:pk>/grade/", apis.AnswerGradeApi.as_view(), name="api-answer-grade"),
    path("grading-queue/", apis.GradingQueueApi.as_view(), name="api-grading-queue"),
]

# Authoring: pools, corrections, archiving, import and export.
urlpatterns += [
    path("assessments/<int:pk>/pools/", apis.PoolListApi.as_view(), name="api-assessment-pools"),
    path("assessments/<int:pk>/pools/<int:pool_id>/", apis.PoolDeleteApi.as_view(), name="api-assessment-pool"),
    path("assessments/<int:pk>/questions/import/", apis.QuestionImportApi.as_view(), name="api-assessment-import"),
    path("assessments/<int:pk>/questions/export/", apis.QuestionExportApi.as_view(), name="api-assessment-export"),
    path("questions/<int:pk>/", apis.QuestionCorrectApi.as_view(), name="api-question-correct"),
    path("questions/<int:pk>/archive/", apis.QuestionArchiveApi.as_view(), name="api-question-archive"),
]
