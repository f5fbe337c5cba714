"""The filter form of the statistics pages: agency, period (from, to) and child agencies."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.accounts.models import Agency
from motcua.core.errors import DomainError, PermissionDenied
from motcua.reports.periods import QUICK_CHOICES, Period, period_check, quick_period
from motcua.reports.selectors import report_agencies_visible_to, report_default_agency


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": gettext_lazy("Hãy chọn ngày."),
            "invalid": gettext_lazy("Ngày không hợp lệ; hãy nhập theo dạng ngày/tháng/năm."),
        },
    )


class StatisticsFilterForm(forms.Form):
    """A GET form whose parameter names are the API's (agency, from, to, include_children).
    Without parameters it shows this month of the user's own agency."""

    agency = forms.ChoiceField(
        label=gettext_lazy("Cơ quan"),
        error_messages={
            "invalid_choice": gettext_lazy("Bạn không được xem số liệu của cơ quan này.")
        },
    )
    include_children = forms.BooleanField(
        label=gettext_lazy("Cộng cả các cơ quan cấp dưới"), required=False
    )

    def __init__(self, data, *, user, today: date | None = None, with_period: bool = True):
        today = today or timezone.localdate()
        self.agencies = {agency.code: agency for agency in report_agencies_visible_to(user=user)}
        default = report_default_agency(user=user)
        if default is None:
            raise PermissionDenied(_("Chỉ cán bộ của cơ quan mới xem được báo cáo thống kê."))
        values = {"agency": data.get("agency") or default.code}
        if data.get("include_children"):
            values["include_children"] = data.get("include_children")
        if with_period:
            month = quick_period("month", today=today)
            values["from"] = data.get("from") or month.start.isoformat()
            values["to"] = data.get("to") or month.end.isoformat()
        super().__init__(values)
        self.fields["agency"].choices = [
            (agency.code, f"{agency.name} ({agency.code})") for agency in self.agencies.values()
        ]
        if with_period:
            # "from" is a Python keyword: these two fields are added by name.
            self.fields["from"] = _date_field(_("Từ ngày"))
            self.fields["to"] = _date_field(_("Đến ngày (tính cả ngày này)"))
            self.order_fields(["agency", "from", "to", "include_children"])
        self.quick_links = [
            (key, label, quick_period(key, today=today)) for key, label in QUICK_CHOICES
        ]

    def clean(self):
        values = super().clean()
        if "from" in self.fields and values.get("from") and values.get("to"):
            try:
                values["period"] = period_check(start=values["from"], end=values["to"])
            except DomainError as error:
                self.add_error(error.field if error.field in self.fields else None, error.message)
        return values

    @property
    def chosen_agency(self) -> Agency:
        return self.agencies[self.cleaned_data["agency"]]

    @property
    def period(self) -> Period:
        return self.cleaned_data["period"]
