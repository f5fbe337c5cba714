"""Password rules with messages in Vietnamese where Django's own catalogue has none."""

from django.contrib.auth import password_validation
from django.utils.translation import gettext as _


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    # Django's Vietnamese catalogue lacks this plural message: it would show in English.
    def get_error_message(self) -> str:
        return _("Mật khẩu quá ngắn: cần ít nhất {n} ký tự.").format(n=self.min_length)

    def get_help_text(self) -> str:
        return _("Mật khẩu phải có ít nhất {n} ký tự.").format(n=self.min_length)
