"""Admin of payments: payments and the gateways' callbacks, read-only (services write them)."""

from django.contrib import admin

from motcua.payments.models import Payment, PaymentCallback


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PaymentCallbackInline(ReadOnlyMixin, admin.TabularInline):
    model = PaymentCallback
    fields = ("received_at", "source", "verified", "outcome", "answer_code", "reason")
    readonly_fields = fields
    extra = 0


@admin.register(Payment)
class PaymentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "order_ref",
        "dossier",
        "gateway",
        "amount",
        "status",
        "created_at",
        "paid_at",
        "needs_refund",
    )
    list_filter = ("status", "gateway", "needs_refund")
    search_fields = ("order_ref", "dossier__code", "transaction_ref", "receipt_no")
    list_select_related = ("dossier",)
    inlines = [PaymentCallbackInline]


@admin.register(PaymentCallback)
class PaymentCallbackAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "received_at",
        "gateway",
        "source",
        "order_ref",
        "verified",
        "outcome",
        "answer_code",
    )
    list_filter = ("outcome", "verified", "gateway", "source")
    search_fields = ("order_ref",)
