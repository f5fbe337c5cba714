"""Forms of the account pages. They check the shape of the input; the rules are in services."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _

from motcua.core.errors import DomainError
from motcua.core.forms import AddressField


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's error next to the field it names (or on top of the form)."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def _email_field() -> forms.CharField:
    return forms.CharField(
        label=_("Thư điện tử"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


def _phone_field(help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=_("Số điện thoại di động"),
        required=False,
        max_length=20,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


class LoginForm(auth_forms.AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "Tên đăng nhập hoặc mật khẩu không đúng. Lưu ý: sau %(limit)s lần sai, việc đăng nhập "
            "tạm bị khóa."
        ),
        "inactive": _("Tài khoản này đã bị khóa. Vui lòng liên hệ cơ quan quản lý."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("Tên đăng nhập")
        self.fields["username"].help_text = _(
            "Số định danh cá nhân, mã số thuế, thư điện tử, số điện thoại "
            "hoặc tên đăng nhập cán bộ."
        )
        self.fields["username"].widget.attrs["autocomplete"] = "username"
        self.fields["password"].label = _("Mật khẩu")

    def get_invalid_login_error(self) -> forms.ValidationError:
        return forms.ValidationError(
            self.error_messages["invalid_login"],
            code="invalid_login",
            params={"limit": settings.AXES_FAILURE_LIMIT},
        )


_PASSWORD_HELP = _("Ít nhất 8 ký tự, không toàn chữ số, không quá giống thông tin cá nhân.")


class _PasswordPairMixin(forms.Form):
    password1 = forms.CharField(
        label=_("Mật khẩu"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_PASSWORD_HELP,
    )
    password2 = forms.CharField(
        label=_("Nhập lại mật khẩu"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_password2(self) -> str:
        first, second = self.cleaned_data.get("password1"), self.cleaned_data.get("password2")
        if first and second and first != second:
            raise forms.ValidationError(_("Hai lần nhập mật khẩu không giống nhau."))
        return second


class CitizenRegistrationForm(_PasswordPairMixin):
    full_name = forms.CharField(label=_("Họ và tên"), max_length=255)
    personal_id = forms.CharField(
        label=_("Số định danh cá nhân"),
        max_length=20,
        help_text=_("12 chữ số, in trên thẻ căn cước."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    date_of_birth = forms.DateField(
        label=_("Ngày sinh"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    email = _email_field()
    phone = _phone_field(_("Nhập thư điện tử hoặc số điện thoại, hoặc cả hai."))
    address = forms.CharField(label=_("Địa chỉ"), required=False, max_length=255)
    field_order = [
        "full_name",
        "personal_id",
        "date_of_birth",
        "email",
        "phone",
        "address",
        "password1",
        "password2",
    ]


class OrganisationRegistrationForm(_PasswordPairMixin):
    full_name = forms.CharField(label=_("Tên tổ chức, doanh nghiệp"), max_length=255)
    tax_code = forms.CharField(
        label=_("Mã số thuế"),
        max_length=20,
        help_text=_("10 chữ số, hoặc 10 chữ số-3 chữ số đối với chi nhánh."),
    )
    email = _email_field()
    phone = _phone_field(_("Nhập thư điện tử hoặc số điện thoại, hoặc cả hai."))
    address = forms.CharField(label=_("Địa chỉ trụ sở"), required=False, max_length=255)
    field_order = ["full_name", "tax_code", "email", "phone", "address", "password1", "password2"]


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Mã xác thực"),
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Họ và tên / tên tổ chức"), max_length=255)
    email = _email_field()
    phone = _phone_field(_("Đổi thư điện tử hoặc số điện thoại thì cần xác thực lại."))
    commune = AddressField(label=_("Tỉnh, thành phố và xã, phường, đặc khu"), required=False)
    address = forms.CharField(
        label=_("Số nhà, đường, thôn, tổ dân phố"), required=False, max_length=255
    )
    preferred_language = forms.ChoiceField(label=_("Ngôn ngữ"), choices=settings.LANGUAGES)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class TwoFactorTokenForm(forms.Form):
    token = forms.CharField(
        label=_("Mã 6 chữ số trong ứng dụng xác thực"),
        max_length=10,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )


class PhoneResetRequestForm(forms.Form):
    phone = forms.CharField(
        label=_("Số điện thoại di động của tài khoản"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


class PhoneResetForm(CodeForm):
    new_password1 = forms.CharField(
        label=_("Mật khẩu mới"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_PASSWORD_HELP,
    )
    new_password2 = forms.CharField(
        label=_("Nhập lại mật khẩu mới"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_new_password2(self) -> str:
        first = self.cleaned_data.get("new_password1")
        second = self.cleaned_data.get("new_password2")
        if first and second and first != second:
            raise forms.ValidationError(_("Hai lần nhập mật khẩu không giống nhau."))
        return second


class EmailResetForm(auth_forms.PasswordResetForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("Thư điện tử của tài khoản")


class NewPasswordForm(auth_forms.SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("Mật khẩu mới")
        self.fields["new_password2"].label = _("Nhập lại mật khẩu mới")
        self.error_messages = {
            **self.error_messages,
            "password_mismatch": _("Hai lần nhập mật khẩu không giống nhau."),
        }


class ChangePasswordForm(auth_forms.PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("Mật khẩu hiện tại")
        self.fields["new_password1"].label = _("Mật khẩu mới")
        self.fields["new_password2"].label = _("Nhập lại mật khẩu mới")
        self.error_messages = {
            **self.error_messages,
            "password_mismatch": _("Hai lần nhập mật khẩu không giống nhau."),
            "password_incorrect": _("Mật khẩu hiện tại không đúng."),
        }
