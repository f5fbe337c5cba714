"""Admin for the audit part of the shared kernel: the audit log, readable and filterable, never
editable (nobody may add, change or delete an entry, superusers included)."""

from __future__ import annotations

import json

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from motcua.core.models import AuditEntry


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """Rows that only the application writes: the admin shows them and nothing else."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyModelAdmin):
    list_display = (
        "sequence",
        "occurred_at",
        "actor_label",
        "action",
        "object_type",
        "object_label",
        "ip",
    )
    list_display_links = ("sequence", "occurred_at")
    list_filter = ("action", "object_type", ("actor", admin.RelatedOnlyFieldListFilter))
    date_hierarchy = "occurred_at"
    search_fields = ("=object_id", "object_label", "=request_id")
    search_help_text = _("Tìm theo mã đối tượng, tên đối tượng hoặc mã yêu cầu (request id).")
    list_per_page = 50
    # Counting a long log on every page costs more than the number is worth.
    show_full_result_count = False
    fieldsets = (
        (None, {"fields": ("sequence", "occurred_at", "actor_label", "action")}),
        (_("Đối tượng"), {"fields": ("object_type", "object_id", "object_label")}),
        (_("Thay đổi"), {"fields": ("changes_pretty",)}),
        (_("Nguồn"), {"fields": ("request_id", "ip")}),
        (_("Chuỗi mã băm"), {"fields": ("previous_hash", "entry_hash")}),
    )
    readonly_fields = ("changes_pretty",)

    @admin.display(description=_("thay đổi"))
    def changes_pretty(self, entry: AuditEntry) -> str:
        text = json.dumps(entry.changes, indent=2, ensure_ascii=False, sort_keys=True)
        return format_html('<pre class="audit-changes">{}</pre>', text)
