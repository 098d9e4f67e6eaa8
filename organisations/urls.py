from django.contrib.auth import views as auth_views
from django.urls import path

from organisations import views

urlpatterns = [
    path("", views.home, name="home"),
    path("i18n/setlang/", views.language_set, name="set_language"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("units/", views.unit_list, name="unit-list"),
    path("units/<int:pk>/", views.unit_detail, name="unit-detail"),
    path("units/<int:pk>/activation-slips/", views.unit_activation_slips, name="unit-activation-slips"),
    path("officers/<int:pk>/", views.officer_detail, name="officer-detail"),
    path("officers/<int:pk>/transfer/", views.officer_transfer, name="officer-transfer"),
    path("officers/<int:pk>/leave/", views.officer_leave, name="officer-leave"),
    path("officers/<int:pk>/account-status/", views.officer_account_status, name="officer-account-status"),
    path("officers/<int:pk>/activation-code/", views.officer_activation_code, name="officer-activation-code"),
    path("officers/<int:pk>/activation-slip/", views.officer_activation_slip, name="officer-activation-slip"),
    path("accounts/activate/", views.activate, name="activate"),
    path("accounts/password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("accounts/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("accounts/reset/done/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("account/", views.account, name="account"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("account/tokens/<int:pk>/revoke/", views.account_token_revoke, name="account-token-revoke"),
    path("roster/import/", views.roster_import, name="roster-import"),
]
