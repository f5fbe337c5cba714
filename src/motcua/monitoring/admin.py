"""Admin of monitoring: stations (register, edit, rotate the ingestion key), parameters and
operational alerts. Stations are saved through the services (audit log, key hashing)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from motcua.core.errors import DomainError
from motcua.monitoring.models import OperationalAlert, Parameter, Station
from motcua.monitoring.selectors import station_list_visible_to
from motcua.monitoring.services import (
    check_station_values,
    station_admin_save,
    station_rotate_key,
)

# The key issued while saving, for the answer page of the same request only (never stored).
_NEW_KEY_ATTRIBUTE = "_motcua_new_station_key"


class StationAdminForm(forms.ModelForm):
    class Meta:
        model = Station
        fields = [
            "code",
            "name",
            "kind",
            "status",
            "owner",
            "agency",
            "latitude",
            "longitude",
            "address",
            "province",
            "commune",
            "parameters",
            "reporting_interval_minutes",
        ]

    def _post_clean(self):
        super()._post_clean()
        if self._errors:
            return  # the field errors say enough
        try:
            check_station_values(self.instance)
        except DomainError as error:
            field = error.field if error.field in self.fields else None
            self.add_error(field, error.message)


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    form = StationAdminForm
    list_display = ("code", "name", "kind", "status", "owner", "last_seen_at", "key_prefix")
    list_filter = ("status", "kind", "province")
    search_fields = ("code", "name", "owner")
    filter_horizontal = ("parameters",)
    raw_id_fields = ("province", "commune")
    autocomplete_fields = ["agency"]
    readonly_fields = ("key_prefix", "key_rotated_at", "last_seen_at")
    actions = ["rotate_keys"]
    fieldsets = (
        (None, {"fields": ("code", "name", "kind", "status", "owner", "agency")}),
        (
            _("Vị trí"),
            {"fields": ("latitude", "longitude", "address", "province", "commune")},
        ),
        (_("Số liệu"), {"fields": ("parameters", "reporting_interval_minutes", "last_seen_at")}),
        (_("Khóa gửi số liệu"), {"fields": ("key_prefix", "key_rotated_at")}),
    )

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk__in=station_list_visible_to(user=request.user).values("pk"))

    def save_model(self, request, obj, form, change):
        key = station_admin_save(
            actor=request.user, station=obj, changed_fields=form.changed_data, created=not change
        )
        setattr(request, _NEW_KEY_ATTRIBUTE, key)

    def response_add(self, request, obj, post_url_continue=None):
        key = getattr(request, _NEW_KEY_ATTRIBUTE, "")
        if not key:
            return super().response_add(request, obj, post_url_continue)
        return self._keys_page(request, [(obj, key)], _("Trạm đã được đăng ký"))

    @admin.action(description=_("Đổi khóa gửi số liệu của các trạm đã chọn"))
    def rotate_keys(self, request, queryset):
        issued = [
            (station, station_rotate_key(actor=request.user, station=station))
            for station in queryset.order_by("code")
        ]
        return self._keys_page(request, issued, _("Khóa mới đã được cấp"))

    def _keys_page(self, request, issued, title):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "issued": issued,
        }
        response = TemplateResponse(request, "admin/monitoring/station/keys.html", context)
        response["Cache-Control"] = "no-store"  # the key must not stay in any cache
        return response

    def has_delete_permission(self, request, obj=None):
        # Retire a station instead: deleting it would delete its measurements.
        return False


@admin.register(Parameter)
class ParameterAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "unit",
        "valid_min",
        "valid_max",
        "spike_threshold",
        "decimal_places",
    )
    search_fields = ("code", "name", "name_en")

    def get_readonly_fields(self, request, obj=None):
        # Stations send the code and unit: changing them would break every station's data.
        return ("code", "unit") if obj else ()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OperationalAlert)
class OperationalAlertAdmin(admin.ModelAdmin):
    list_display = ("station", "kind", "message", "opened_at", "resolved_at")
    list_filter = ("kind", "resolved_at")
    list_select_related = ("station",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# The AQI side's admin (limit values, air-quality alerts) lives in its own module.
from motcua.monitoring import admin_aqi  # noqa: E402, F401
