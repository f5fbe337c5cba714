"""The answer form of a request from another agency."""

from django import forms
from django.utils.translation import gettext_lazy as _

from motcua.integrations.services import ANSWER_MAX_LENGTH


class TransferAnswerForm(forms.Form):
    note = forms.CharField(
        label=_("Nội dung trả lời"),
        help_text=_("Kết quả phần việc của cơ quan bạn; cơ quan gửi sẽ tiếp tục giải quyết hồ sơ."),
        max_length=ANSWER_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": _("Vui lòng nhập nội dung trả lời."),
            "max_length": _("Nội dung trả lời dài tối đa %(limit_value)s ký tự."),
        },
    )

    def __init__(self, *args, transfer_id: int, **kwargs):
        # One form per request on the page: ids must not repeat.
        kwargs.setdefault("auto_id", f"id_transfer_{transfer_id}_%s")
        super().__init__(*args, **kwargs)
