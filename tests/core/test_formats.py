"""Dates are typed and shown day first, as Vietnamese officials write them."""

from datetime import date

from django import forms
from django.utils import translation


class _DateForm(forms.Form):
    day = forms.DateField()


def test_vietnamese_date_input_is_day_first():
    with translation.override("vi"):
        form = _DateForm(data={"day": "04/03/2026"})
        assert form.is_valid()
        assert form.cleaned_data["day"] == date(2026, 3, 4)
