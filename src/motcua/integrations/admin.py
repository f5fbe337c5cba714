"""Read-only admin of inter-agency transfers, for operators looking into failures."""

from django.contrib import admin

from motcua.integrations.models import InterAgencyTransfer


@admin.register(InterAgencyTransfer)
class InterAgencyTransferAdmin(admin.ModelAdmin):
    list_display = ("dossier", "adapter", "target_agency", "status", "attempts", "created_at")
    list_filter = ("status", "adapter")
    search_fields = ("dossier__code", "external_ref")
    list_select_related = ("dossier", "target_agency")
    date_hierarchy = "created_at"

    # Transfers change only through integrations/services.py (audited); "Gửi lại" is on
    # /can-bo/lien-thong/.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
