"""Admin of the AQI side: the QCVN limit values (editable, audited) and the air-quality alerts
(read only). Computed indices are not in the admin: they are rewritten from the measurements."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from motcua.monitoring.aqi_services import threshold_save
from motcua.monitoring.models import Alert, Threshold


class ThresholdForm(forms.ModelForm):
    class Meta:
        model = Threshold
        fields = ["parameter", "averaging_period", "limit_value", "source", "is_active"]

    def clean_limit_value(self):
        value = self.cleaned_data["limit_value"]
        if value is None or value <= 0:
            raise forms.ValidationError(_("Giá trị giới hạn phải lớn hơn 0."))
        return value


@admin.register(Threshold)
class ThresholdAdmin(admin.ModelAdmin):
    form = ThresholdForm
    list_display = ("parameter", "averaging_period", "limit_value", "source", "is_active")
    list_filter = ("averaging_period", "is_active")
    list_select_related = ("parameter",)

    def save_model(self, request, obj, form, change):
        threshold_save(actor=request.user, threshold=obj, changed_fields=form.changed_data)


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = (
        "station",
        "kind",
        "parameter",
        "period",
        "value",
        "limit",
        "started_at",
        "ended_at",
        "acknowledged_by",
    )
    list_filter = ("kind", "period", ("ended_at", admin.EmptyFieldListFilter))
    list_select_related = ("station", "parameter", "acknowledged_by")
    search_fields = ("station__code", "station__name")
    date_hierarchy = "started_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
