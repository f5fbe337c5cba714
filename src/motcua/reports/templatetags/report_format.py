"""Template filters of the statistics pages: rates as percentages, ages in days."""

from datetime import timedelta

from django import template
from django.template.defaultfilters import floatformat

register = template.Library()


@register.filter
def percent(rate: float | None) -> str:
    """0.6667 -> "66,7 %" (in the page's number format); "—" when there is no rate."""
    if rate is None:
        return "—"
    return f"{floatformat(rate * 100, 1)} %"


@register.filter
def days(age: timedelta | None) -> str:
    """An age in days with one decimal, "—" when unknown."""
    if age is None:
        return "—"
    return floatformat(age.total_seconds() / 86400, 1)
