from django.urls import path

from organisations import apis

urlpatterns = [
    path("auth/token/", apis.TokenObtainApi.as_view(), name="api-token"),
    path("auth/activate/", apis.AccountActivateApi.as_view(), name="api-account-activate"),
    path("auth/tokens/", apis.ApiTokenListApi.as_view(), name="api-token-list"),
    path("auth/tokens/<int:pk>/", apis.ApiTokenDetailApi.as_view(), name="api-token-detail"),
    path("me/", apis.MeApi.as_view(), name="api-me"),
    path("units/", apis.UnitListApi.as_view(), name="api-unit-list"),
    path("units/<int:pk>/", apis.UnitDetailApi.as_view(), name="api-unit-detail"),
    path("officers/", apis.OfficerListApi.as_view(), name="api-officer-list"),
    path("officers/import/", apis.OfficerImportApi.as_view(), name="api-officer-import"),
    path("officers/<int:pk>/", apis.OfficerDetailApi.as_view(), name="api-officer-detail"),
    path(
        "officers/<int:pk>/activation-code/",
        apis.OfficerActivationCodeApi.as_view(),
        name="api-officer-activation-code",
    ),
]
