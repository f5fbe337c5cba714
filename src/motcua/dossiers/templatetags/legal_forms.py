"""Template filters of the legal forms: numbers, money, dates and times written as Vietnamese
administrative documents write them (Decree 30/2020/NĐ-CP on document formatting)."""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

register = template.Library()


def _local(value: date | datetime) -> date | datetime:
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


@register.filter
def vn_number(value: int | None) -> str:
    """1234567 -> "1.234.567"."""
    if value is None or value == "":
        return ""
    return f"{int(value):,}".replace(",", ".")


@register.filter
def vn_money(value: int | None) -> str:
    """1234567 -> "1.234.567 đồng"."""
    if value is None or value == "":
        return ""
    return _("%(amount)s đồng") % {"amount": vn_number(value)}


@register.filter
def vn_date(value: date | datetime | None) -> str:
    """23/11/2026, in Vietnam's time."""
    return _local(value).strftime("%d/%m/%Y") if value else ""


@register.filter
def vn_long_date(value: date | datetime | None) -> str:
    """ "ngày 05 tháng 02 năm 2026", "ngày 23 tháng 11 năm 2026": a day below 10 and the months
    1 and 2 take a leading zero, as the formatting rules for administrative documents say."""
    if not value:
        return ""
    value = _local(value)
    month = f"{value.month:02d}" if value.month < 3 else str(value.month)
    return _("ngày %(day)s tháng %(month)s năm %(year)s") % {
        "day": f"{value.day:02d}",
        "month": month,
        "year": value.year,
    }


@register.filter
def vn_time(value: datetime | None) -> str:
    """ "15 giờ 30 phút"."""
    if not value:
        return ""
    value = _local(value)
    return _("%(hour)s giờ %(minute)s phút") % {
        "hour": f"{value.hour:02d}",
        "minute": f"{value.minute:02d}",
    }


@register.filter
def vn_datetime(value: datetime | None) -> str:
    """ "15 giờ 30 phút, ngày 23 tháng 11 năm 2026"."""
    if not value:
        return ""
    return f"{vn_time(value)}, {vn_long_date(value)}"
