"""Administration of report categories, routing rules, Open311 keys, and a read-only view of
reports (changes go through the staff pages, so that every one is an event)."""

import secrets

from django.contrib import admin, messages
from django.utils.translation import gettext as _

from motcua.core.audit import audit_record
from motcua.feedback.models import ApiKey, Category, Report, ReportEvent, RoutingRule
from motcua.feedback.services import api_key_create


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "service_code", "group", "deadline_days", "is_active", "order")
    list_filter = ("group", "is_active")
    search_fields = ("name", "service_code", "keywords")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="report_category_change" if change else "report_category_create",
            obj=obj,
            changes={name: str(form.cleaned_data.get(name)) for name in form.changed_data},
        )


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("__str__", "category", "province", "commune", "agency", "unit", "is_active")
    list_filter = ("is_active", "category")
    autocomplete_fields = ("province", "commune", "agency", "unit")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="report_routing_change" if change else "report_routing_create",
            obj=obj,
            changes={name: str(form.cleaned_data.get(name)) for name in form.changed_data},
        )


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "is_active", "created_at", "last_used_at")
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at")
    fields = ("name", "is_active", "prefix", "key_hash", "created_at", "last_used_at")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        raw = secrets.token_urlsafe(24)
        created = api_key_create(name=obj.name, raw_key=raw, actor=request.user)
        obj.pk = created.pk
        messages.warning(
            request,
            _("Khóa API của %(name)s (chỉ hiện một lần, hãy lưu lại): %(key)s")
            % {"name": created.name, "key": raw},
        )


class ReportEventInline(admin.TabularInline):
    model = ReportEvent
    extra = 0
    can_delete = False
    fields = ("occurred_at", "action", "from_status", "to_status", "actor", "note")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("code", "category", "status", "channel", "agency", "unit", "due_at")
    list_filter = ("status", "channel", "category")
    search_fields = ("code",)
    inlines = [ReportEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
