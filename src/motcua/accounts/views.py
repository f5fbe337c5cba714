"""Account pages: login, registration, verification, password reset, profile, two-factor, the
staff home and the entry to VNeID (OpenID Connect). Rules live in services."""

from __future__ import annotations

from base64 import b32encode
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login

from motcua.accounts.forms import (
    ChangePasswordForm,
    CitizenRegistrationForm,
    CodeForm,
    EmailResetForm,
    LoginForm,
    NewPasswordForm,
    OrganisationRegistrationForm,
    PhoneResetForm,
    PhoneResetRequestForm,
    ProfileForm,
    TwoFactorTokenForm,
    add_domain_error,
)
from motcua.accounts.middleware import OTP_REQUIRED_SESSION_KEY, two_factor_pending
from motcua.accounts.models import Role, User, VerificationCode
from motcua.accounts.oidc import ProviderUnavailable, authorization_request
from motcua.accounts.selectors import (
    identity_provider_enabled,
    is_staff_user,
    staff_roles,
    user_has_two_factor,
)
from motcua.accounts.services import (
    otp_device_check,
    password_changed_record,
    password_reset_code_send,
    password_reset_with_code,
    totp_device_confirm,
    totp_device_disable,
    totp_device_start,
    user_profile_update,
    user_register,
    verification_code_confirm,
    verification_code_send,
)
from motcua.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied

OIDC_SESSION_KEY = "motcua_oidc"
PHONE_RESET_SESSION_KEY = "motcua_password_reset_phone"
LOGIN_BACKEND = "motcua.accounts.backends.EmailOrPhoneBackend"


def home_url_for(user) -> str:
    """Where a user lands after logging in: staff on their desk, others on their profile."""
    return reverse("accounts:staff-home") if is_staff_user(user) else reverse("accounts:profile")


def _safe_next(request: HttpRequest, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return candidate if allowed else default


def _with_language(response: HttpResponse, language: str) -> HttpResponse:
    """Remember the account's language in the cookie that LocaleMiddleware reads."""
    if language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE or "Lax",
            secure=settings.LANGUAGE_COOKIE_SECURE,
        )
    return response


def _account(request: HttpRequest) -> User:
    # A fresh row: services compare versions and must not hold the lazy request.user wrapper.
    return User.objects.select_related("agency").get(pk=request.user.pk)


# --- Login ----------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return home_url_for(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["identity_provider"] = identity_provider_enabled()
        return context

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        if two_factor_pending(self.request):
            query = urlencode({"next": self.get_success_url()})
            response = redirect(f"{reverse('accounts:two-factor-verify')}?{query}")
        return _with_language(response, form.get_user().preferred_language)


@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of a staff login with two-factor on."""
    next_url = _safe_next(request, home_url_for(request.user))
    if not two_factor_pending(request):
        return redirect(next_url)
    form = TwoFactorTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = otp_device_check(
                user=request.user, token=form.cleaned_data["token"], field="token"
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            otp_login(request, device)
            return redirect(next_url)
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": next_url})


# --- Registration and verification ----------------------------------------------------------


@sensitive_post_parameters("password1", "password2")
def register(request: HttpRequest, kind: str = User.Kind.CITIZEN) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(home_url_for(request.user))
    is_citizen = kind == User.Kind.CITIZEN
    form_class = CitizenRegistrationForm if is_citizen else OrganisationRegistrationForm
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = user_register(
                kind=kind,
                full_name=data["full_name"],
                password=data["password1"],
                email=data["email"],
                phone=data["phone"],
                personal_id=data.get("personal_id", ""),
                tax_code=data.get("tax_code", ""),
                date_of_birth=data.get("date_of_birth"),
                address=data["address"],
            )
        except DomainError as exc:
            if exc.field == "password":
                exc.field = "password1"
            add_domain_error(form, exc)
        else:
            auth_login(request, user, backend=LOGIN_BACKEND)
            messages.success(
                request,
                _("Đăng ký thành công. Hãy nhập mã xác thực đã gửi tới thư điện tử / điện thoại."),
            )
            return redirect("accounts:verify")
    return render(request, "accounts/register.html", {"form": form, "is_citizen": is_citizen})


_CHANNELS = {
    "email": VerificationCode.Purpose.VERIFY_EMAIL,
    "phone": VerificationCode.Purpose.VERIFY_PHONE,
}


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """Enter the codes sent to one's e-mail and phone, or ask for new ones."""
    user = _account(request)
    forms = {channel: CodeForm(prefix=channel) for channel in _CHANNELS}
    if request.method == "POST":
        action, _sep, channel = request.POST.get("action", "").partition(":")
        purpose = _CHANNELS.get(channel)
        if purpose is not None and action == "resend":
            try:
                verification_code_send(user=user, purpose=purpose)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Đã gửi mã mới."))
            return redirect("accounts:verify")
        if purpose is not None and action == "confirm":
            form = forms[channel] = CodeForm(request.POST, prefix=channel)
            if form.is_valid():
                try:
                    verification_code_confirm(
                        user=user, purpose=purpose, code=form.cleaned_data["code"]
                    )
                except DomainError as exc:
                    form.add_error("code", exc.message)
                else:
                    messages.success(request, _("Xác thực thành công."))
                    return redirect("accounts:verify")
    channels = [
        {
            "name": channel,
            "label": _("Thư điện tử") if channel == "email" else _("Số điện thoại"),
            "target": user.email if channel == "email" else user.phone,
            "verified_at": user.email_verified_at if channel == "email" else user.phone_verified_at,
            "form": forms[channel],
        }
        for channel in _CHANNELS
        if (user.email if channel == "email" else user.phone)
    ]
    return render(
        request,
        "accounts/verify.html",
        {"channels": channels, "next_url": home_url_for(user)},
    )


# --- Password reset -------------------------------------------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    form_class = EmailResetForm
    success_url = reverse_lazy("accounts:password-reset-done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = NewPasswordForm
    success_url = reverse_lazy("accounts:password-reset-complete")

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        password_changed_record(user=form.user)
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = ChangePasswordForm
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        password_changed_record(user=form.user)
        messages.success(self.request, _("Đã đổi mật khẩu."))
        return response


def password_reset_sms(request: HttpRequest) -> HttpResponse:
    """Reset by SMS code, for accounts that have a phone but no e-mail."""
    form = PhoneResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            phone = password_reset_code_send(phone=form.cleaned_data["phone"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            request.session[PHONE_RESET_SESSION_KEY] = phone
            return redirect("accounts:password-reset-sms-confirm")
    return render(request, "accounts/password_reset_sms.html", {"form": form})


@sensitive_post_parameters("new_password1", "new_password2", "code")
def password_reset_sms_confirm(request: HttpRequest) -> HttpResponse:
    phone = request.session.get(PHONE_RESET_SESSION_KEY)
    if not phone:
        return redirect("accounts:password-reset-sms")
    form = PhoneResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            password_reset_with_code(
                phone=phone,
                code=form.cleaned_data["code"],
                new_password=form.cleaned_data["new_password1"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            del request.session[PHONE_RESET_SESSION_KEY]
            messages.success(request, _("Đã đặt lại mật khẩu. Mời bạn đăng nhập."))
            return redirect("accounts:login")
    return render(
        request, "accounts/password_reset_sms_confirm.html", {"form": form, "phone": phone}
    )


# --- Profile and staff home -----------------------------------------------------------------


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = _account(request)
    initial = {
        "full_name": user.full_name,
        "email": user.email,
        "phone": user.phone,
        "address": user.address,
        "commune": user.commune,
        "preferred_language": user.preferred_language,
        "version": user.version,
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user_profile_update(
                user=user,
                expected_version=data["version"],
                full_name=data["full_name"],
                address=data["address"],
                commune=data["commune"],
                preferred_language=data["preferred_language"],
                email=data["email"],
                phone=data["phone"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Đã lưu thông tin tài khoản."))
            return _with_language(redirect("accounts:profile"), user.preferred_language)
    context = {
        "account": user,
        "form": form,
        "is_staff_member": is_staff_user(user),
        "two_factor_enabled": user_has_two_factor(user),
        "needs_verification": (user.email and not user.email_verified_at)
        or (user.phone and not user.phone_verified_at),
    }
    return render(request, "accounts/profile.html", context)


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    """A staff member's start page: their agency, units and roles."""
    if not is_staff_user(request.user):
        raise PermissionDenied(_("Trang này chỉ dành cho cán bộ."))
    user = _account(request)
    roles = list(staff_roles(user))
    units = list({role.unit.pk: role.unit for role in roles}.values())
    role_codes = {role.role for role in roles}
    context = {
        "account": user,
        "roles": roles,
        "units": units,
        "two_factor_enabled": user_has_two_factor(user),
        "receives_dossiers": Role.RECEIVING_OFFICER in role_codes,
        "operates_monitoring": Role.MONITORING_OPERATOR in role_codes,
    }
    return render(request, "accounts/staff_home.html", context)


# --- Two-factor set-up ----------------------------------------------------------------------


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = _account(request)
    enabled = user_has_two_factor(user)
    form = TwoFactorTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        try:
            if enabled:
                totp_device_disable(user=user, token=token)
            else:
                device = totp_device_confirm(user=user, token=token)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            if enabled:
                request.session[OTP_REQUIRED_SESSION_KEY] = False
                messages.success(request, _("Đã tắt xác thực hai bước."))
            else:
                otp_login(request, device)
                request.session[OTP_REQUIRED_SESSION_KEY] = True
                messages.success(request, _("Đã bật xác thực hai bước."))
            return redirect("accounts:two-factor-setup")
    context = {"form": form, "enabled": enabled}
    if not enabled:
        device = totp_device_start(user=user)
        context["qr_data_uri"] = segno.make(device.config_url, error="m").svg_data_uri(
            scale=5, border=2
        )
        context["secret"] = b32encode(device.bin_key).decode().rstrip("=")
    return render(request, "accounts/two_factor_setup.html", context)


# --- VNeID (OpenID Connect) -----------------------------------------------------------------


def vneid_login(request: HttpRequest) -> HttpResponse:
    provider = identity_provider_enabled()
    if provider is None:
        raise NotFound(_("Chưa cấu hình đăng nhập bằng VNeID."))
    redirect_uri = request.build_absolute_uri(reverse("accounts:vneid-callback"))
    try:
        auth_request = authorization_request(provider, redirect_uri=redirect_uri)
    except ProviderUnavailable as exc:
        messages.error(request, exc.message)
        return redirect("accounts:login")
    request.session[OIDC_SESSION_KEY] = {
        "provider": provider.pk,
        "state": auth_request.state,
        "nonce": auth_request.nonce,
        "code_verifier": auth_request.code_verifier,
        "next": _safe_next(request, ""),
    }
    return redirect(auth_request.url)


def vneid_callback(request: HttpRequest) -> HttpResponse:
    pending = request.session.pop(OIDC_SESSION_KEY, None)
    state = request.GET.get("state", "")
    if not pending or not state or not constant_time_compare(state, pending["state"]):
        raise InvalidInput(
            _("Phiên đăng nhập VNeID không hợp lệ hoặc đã hết hạn. Vui lòng thử lại."),
            code="invalid_state",
            field="state",
        )
    if request.GET.get("error"):
        messages.error(request, _("VNeID không cho phép đăng nhập. Vui lòng thử lại."))
        return redirect("accounts:login")
    return render(request, "accounts/vneid_pending.html")
