"""Results in the admin: read-only (a result changes only through results/services.py)."""

from django.contrib import admin

from motcua.results.models import Result


@admin.register(Result)
class ResultAdmin(admin.ModelAdmin):
    list_display = ("number", "kind", "agency", "dossier", "issued_at", "status", "signer_name")
    list_filter = ("status", "kind", "agency")
    search_fields = ("number", "dossier__code", "sha256", "verify_token")
    list_select_related = ("agency", "dossier")
    date_hierarchy = "issued_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
