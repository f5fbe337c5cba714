"""Admin for the calendar part of the shared kernel: overrides and the year view."""

from __future__ import annotations

import calendar as month_calendar
from dataclasses import dataclass

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from motcua.core.calendar import FIRST_YEAR, LAST_YEAR, DayInfo, DayKind, WorkingCalendar
from motcua.core.errors import DomainError
from motcua.core.models import CalendarOverride
from motcua.core.services import (
    calendar_override_check,
    calendar_override_create,
    calendar_override_delete,
    calendar_override_update,
)

WEEKDAYS = [
    (_("T2"), _("Thứ Hai")),
    (_("T3"), _("Thứ Ba")),
    (_("T4"), _("Thứ Tư")),
    (_("T5"), _("Thứ Năm")),
    (_("T6"), _("Thứ Sáu")),
    (_("T7"), _("Thứ Bảy")),
    (_("CN"), _("Chủ Nhật")),
]
# A short visible mark per kind of day, so that the grid does not speak by colour alone.
DAY_MARKS = {
    DayKind.WORKING: "",
    DayKind.WEEKEND: "",
    DayKind.HOLIDAY: _("Lễ"),
    DayKind.DAY_OFF: _("Nghỉ"),
    DayKind.MAKEUP: _("Bù"),
}


class CalendarOverrideForm(forms.ModelForm):
    # Vietnamese write day/month/year: 04/03/2026 is 4 March, never 3 April.
    date = forms.DateField(
        label=_("ngày"),
        input_formats=["%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d"],
        widget=AdminDateWidget,
        help_text=_("Ngày/tháng/năm, ví dụ 04/03/2026."),
    )

    class Meta:
        model = CalendarOverride
        fields = ["date", "kind", "reason"]

    def clean(self) -> dict:
        cleaned = super().clean()
        if all(cleaned.get(name) for name in ("date", "kind", "reason")):
            try:
                calendar_override_check(
                    day=cleaned["date"],
                    kind=cleaned["kind"],
                    reason=cleaned["reason"],
                    override=self.instance if self.instance.pk else None,
                )
            except DomainError as error:
                self.add_error(error.field if error.field in self.fields else None, error.message)
        return cleaned


class YearFilter(admin.SimpleListFilter):
    title = _("năm")
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        years = model_admin.get_queryset(request).dates("date", "year", order="DESC")
        return [(str(day.year), str(day.year)) for day in years]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(date__year=int(value))
        return queryset


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Năm"), min_value=FIRST_YEAR, max_value=LAST_YEAR)


@dataclass(frozen=True)
class DayCell:
    info: DayInfo
    mark: str


@dataclass(frozen=True)
class MonthGrid:
    number: int
    weeks: list[list[DayCell | None]]
    special_days: list[DayInfo]


def _cell(info: DayInfo) -> DayCell:
    return DayCell(info=info, mark=str(DAY_MARKS[info.kind]))


def year_grid(year: int, *, calendar: WorkingCalendar, language: str) -> list[MonthGrid]:
    """Twelve month grids (weeks from Monday) and, per month, the days that are not ordinary."""
    weeks_of = month_calendar.Calendar(firstweekday=0).monthdatescalendar
    months = []
    for month in range(1, 13):
        weeks = [
            [
                _cell(calendar.describe(day, language=language)) if day.month == month else None
                for day in week
            ]
            for week in weeks_of(year, month)
        ]
        special = [cell.info for week in weeks for cell in week if cell is not None and cell.mark]
        months.append(MonthGrid(number=month, weeks=weeks, special_days=special))
    return months


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    form = CalendarOverrideForm
    list_display = ["date", "weekday", "kind", "reason", "created_at"]
    list_filter = ["kind", YearFilter]
    search_fields = ["reason"]
    ordering = ["-date"]

    @admin.display(description=_("thứ"), ordering="date")
    def weekday(self, obj: CalendarOverride) -> str:
        return str(WEEKDAYS[obj.date.weekday()][1])

    def get_urls(self) -> list:
        year_view = self.admin_site.admin_view(self.year_view)
        return [path("year/", year_view, name="core_calendaroverride_year"), *super().get_urls()]

    def save_model(
        self, request: HttpRequest, obj: CalendarOverride, form: forms.Form, change: bool
    ) -> None:
        values = {name: form.cleaned_data[name] for name in ("kind", "reason")}
        if change:
            calendar_override_update(
                actor=request.user, override=obj, day=form.cleaned_data["date"], **values
            )
        else:
            created = calendar_override_create(
                actor=request.user, day=form.cleaned_data["date"], **values
            )
            obj.pk, obj.created_at = created.pk, created.created_at

    def delete_model(self, request: HttpRequest, obj: CalendarOverride) -> None:
        calendar_override_delete(actor=request.user, override=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for override in queryset:
            calendar_override_delete(actor=request.user, override=override)

    def year_view(self, request: HttpRequest) -> HttpResponse:
        """Which days of a year are working days, and why (GET ?year=2026)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = YearForm(request.GET if "year" in request.GET else None)
        year = form.cleaned_data["year"] if form.is_valid() else timezone.localdate().year
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Lịch làm việc năm %(year)s") % {"year": year},
            "form": form,
            "year": year,
            "previous_year": year - 1 if year > FIRST_YEAR else None,
            "next_year": year + 1 if year < LAST_YEAR else None,
            "months": year_grid(year, calendar=WorkingCalendar.load(), language=get_language()),
            "weekdays": WEEKDAYS,
            "legend": [(kind, DAY_MARKS[kind]) for kind in DayKind],
            "today": timezone.localdate(),
        }
        status = 400 if form.is_bound and not form.is_valid() else 200
        return TemplateResponse(
            request, "admin/core/calendaroverride/year.html", context, status=status
        )
