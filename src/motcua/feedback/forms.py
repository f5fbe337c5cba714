"""Forms of the public report page, the follow-up page, the hotline and the officers' actions.
They only shape input; the rules are in services.py, whose errors are put back on the field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from motcua.accounts.models import Unit
from motcua.accounts.selectors import unit_list_visible_to
from motcua.core.errors import DomainError
from motcua.core.forms import AddressField
from motcua.feedback.files import ACCEPT
from motcua.feedback.models import Category, Status

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None) -> list:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's error on its field when the form has it, else above the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


class ReportForm(forms.Form):
    """What a citizen tells; the hotline form adds nothing but drops the challenge."""

    category = forms.ModelChoiceField(
        label=_("Lĩnh vực"),
        queryset=Category.objects.filter(is_active=True),
        empty_label=_("— Chọn lĩnh vực —"),
    )
    description = forms.CharField(
        label=_("Nội dung phản ánh"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Việc gì, ở đâu, từ bao giờ; càng cụ thể càng dễ xử lý."),
    )
    commune = AddressField(label=_("Nơi xảy ra"), required=False)
    address = forms.CharField(label=_("Địa chỉ cụ thể (số nhà, đường, thôn)"), required=False)
    latitude = forms.CharField(
        label=_("Vĩ độ"),
        required=False,
        help_text=_("Chọn điểm trên bản đồ, dùng vị trí của bạn, hoặc nhập số."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    longitude = forms.CharField(
        label=_("Kinh độ"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    occurred_at = forms.DateTimeField(
        label=_("Thời điểm xảy ra"),
        required=False,
        widget=DATETIME_INPUT,
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M", "%d/%m/%Y"],
    )
    photos = MultipleFileField(
        label=_("Ảnh, video (JPEG, PNG, MP4, PDF; tối đa 5 tệp)"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ACCEPT}),
    )
    is_anonymous = forms.BooleanField(
        label=_("Gửi ẩn danh (không để lại họ tên, số điện thoại)"), required=False
    )
    reporter_name = forms.CharField(label=_("Họ và tên"), required=False, max_length=255)
    reporter_phone = forms.CharField(label=_("Số điện thoại"), required=False, max_length=20)
    reporter_email = forms.CharField(label=_("Thư điện tử"), required=False, max_length=254)


class PublicReportForm(ReportForm):
    challenge_token = forms.CharField(widget=forms.HiddenInput)
    challenge_answer = forms.CharField(label=_("Câu hỏi kiểm tra"), max_length=10)


class HotlineForm(ReportForm):
    reporter_phone = forms.CharField(label=_("Số điện thoại người gọi"), max_length=20)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        del self.fields["is_anonymous"]
        self.fields["reporter_name"].label = _("Họ và tên người gọi (nếu cho biết)")


class FollowForm(forms.Form):
    code = forms.CharField(label=_("Mã phản ánh"), max_length=20)
    secret = forms.CharField(label=_("Mã bí mật"), max_length=20)


class AddInfoForm(forms.Form):
    text = forms.CharField(
        label=_("Thông tin bổ sung"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    photos = MultipleFileField(
        label=_("Ảnh, video bổ sung"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ACCEPT}),
    )


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Mức độ hài lòng"),
        coerce=int,
        choices=[
            (5, _("5 – Rất hài lòng")),
            (4, _("4 – Hài lòng")),
            (3, _("3 – Bình thường")),
            (2, _("2 – Chưa hài lòng")),
            (1, _("1 – Rất không hài lòng")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Nhận xét"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class StaffFilterForm(forms.Form):
    q = forms.CharField(label=_("Mã hoặc nội dung"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Trạng thái"),
        required=False,
        choices=[("", _("Tất cả")), ("open", _("Đang mở")), *Status.choices],
    )
    due = forms.ChoiceField(
        label=_("Thời hạn"),
        required=False,
        choices=[("", _("Tất cả")), ("due_soon", _("Sắp đến hạn")), ("overdue", _("Quá hạn"))],
    )
    category = forms.ModelChoiceField(
        label=_("Lĩnh vực"),
        required=False,
        queryset=Category.objects.all(),
        empty_label=_("Tất cả"),
    )
    unit = forms.ModelChoiceField(
        label=_("Đơn vị"), required=False, queryset=Unit.objects.none(), empty_label=_("Tất cả")
    )
    awaiting = forms.BooleanField(label=_("Chỉ trả lời chờ lãnh đạo duyệt"), required=False)
    channel = forms.ChoiceField(
        label=_("Kênh"),
        required=False,
        choices=[
            ("", _("Tất cả")),
            ("web", _("Cổng thông tin")),
            ("hotline", _("Đường dây nóng")),
            ("open311", _("Hệ thống khác (Open311)")),
        ],
    )

    def __init__(self, *args: Any, user, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = unit_list_visible_to(user=user).filter(is_active=True)
