"""Pages of accounts: login, registration, verification, password reset, profile, staff home."""

from django.contrib.auth import views as auth_views
from django.urls import path

from motcua.accounts import views
from motcua.accounts.models import User

app_name = "accounts"
urlpatterns = [
    path("dang-nhap/", views.LoginView.as_view(), name="login"),
    path("dang-nhap/ma-xac-thuc/", views.two_factor_verify, name="two-factor-verify"),
    path("dang-nhap/vneid/", views.vneid_login, name="vneid-login"),
    path("dang-nhap/vneid/callback/", views.vneid_callback, name="vneid-callback"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("dang-ky/", views.register, name="register"),
    path(
        "dang-ky/to-chuc/",
        views.register,
        {"kind": User.Kind.ORGANISATION},
        name="register-organisation",
    ),
    path("xac-thuc/", views.verify, name="verify"),
    path("quen-mat-khau/", views.PasswordResetView.as_view(), name="password-reset"),
    path(
        "quen-mat-khau/da-gui/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password-reset-done",
    ),
    path("quen-mat-khau/sms/", views.password_reset_sms, name="password-reset-sms"),
    path(
        "quen-mat-khau/sms/nhap-ma/",
        views.password_reset_sms_confirm,
        name="password-reset-sms-confirm",
    ),
    path(
        "dat-lai-mat-khau/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "dat-lai-mat-khau/xong/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password-reset-complete",
    ),
    path("tai-khoan/", views.profile, name="profile"),
    path("tai-khoan/doi-mat-khau/", views.PasswordChangeView.as_view(), name="password-change"),
    path("tai-khoan/xac-thuc-hai-buoc/", views.two_factor_setup, name="two-factor-setup"),
    path("can-bo/", views.staff_home, name="staff-home"),
]
