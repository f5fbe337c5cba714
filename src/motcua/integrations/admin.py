"""Read-only admin of inter-agency transfers and national portal messages, for operators looking
into failures."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from motcua.integrations.models import InterAgencyTransfer, NationalSyncMessage
from motcua.integrations.national import national_sync_resend


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


@admin.register(NationalSyncMessage)
class NationalSyncMessageAdmin(admin.ModelAdmin):
    list_display = ("dossier", "kind", "status", "attempts", "created_at", "sent_at")
    list_filter = ("status", "kind")
    search_fields = ("dossier__code",)
    list_select_related = ("dossier",)
    date_hierarchy = "created_at"
    readonly_fields = ("last_error",)
    actions = ["resend"]

    # Messages change only through integrations/national.py (audited).
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Gửi lại"), permissions=["view"])
    def resend(self, request, queryset) -> None:
        count = 0
        for message in queryset.filter(status=NationalSyncMessage.Status.FAILED):
            national_sync_resend(actor=request.user, message=message)
            count += 1
        self.message_user(
            request,
            ngettext(
                "Đã đưa %(count)d thông điệp vào hàng chờ gửi lại.",
                "Đã đưa %(count)d thông điệp vào hàng chờ gửi lại.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
