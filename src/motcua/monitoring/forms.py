"""Forms of the operations view: CSV upload and an operator's invalidate/restore of hours."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from motcua.monitoring.models import Parameter, Station

CSV_MAX_BYTES = 10 * 1024 * 1024


class CsvUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp CSV"),
        help_text=_(
            "Các cột: station, parameter, time, value, period (tùy chọn: unit). Mã hóa UTF-8; "
            "phân tách bằng dấu phẩy hoặc dấu chấm phẩy. Tối đa 10 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > CSV_MAX_BYTES:
            raise forms.ValidationError(_("Tệp quá lớn: tối đa 10 MB."))
        return upload


class ReviewForm(forms.Form):
    """Invalidate or restore the hours of [start, end) of one parameter (or all)."""

    ACTIONS = [
        ("invalidate", _("Loại bỏ (không tính vào AQI)")),
        ("restore", _("Khôi phục (tính vào AQI)")),
    ]
    action = forms.ChoiceField(label=_("Thao tác"), choices=ACTIONS)
    parameter = forms.ModelChoiceField(
        label=_("Thông số"),
        queryset=Parameter.objects.none(),
        required=False,
        empty_label=_("Tất cả thông số"),
    )
    start = forms.DateTimeField(
        label=_("Từ (giờ Việt Nam)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    end = forms.DateTimeField(
        label=_("Đến trước (giờ Việt Nam)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    reason = forms.CharField(label=_("Lý do"), max_length=500, widget=forms.Textarea({"rows": 2}))

    def __init__(self, *args, station: Station, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parameter"].queryset = station.parameters.all()

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", _("Thời điểm kết thúc phải sau thời điểm bắt đầu."))
        return data
