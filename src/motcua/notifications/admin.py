"""Admin of notifications: the outbox, read-only, with each delivery attempt."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from motcua.notifications.models import Notification, NotificationAttempt


class ReadOnlyMixin:
    """The outbox is written by services and the worker only; people look."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class NotificationAttemptInline(ReadOnlyMixin, admin.TabularInline):
    model = NotificationAttempt
    fields = ("started_at", "finished_at", "outcome", "error")
    readonly_fields = fields
    extra = 0


@admin.register(Notification)
class NotificationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "event",
        "channel",
        "recipient_name",
        "recipient_address",
        "dossier_code",
        "status",
        "attempts",
    )
    list_filter = ("status", "channel", "event", "language")
    search_fields = ("dossier_code", "recipient_address", "recipient_name")
    date_hierarchy = "created_at"
    inlines = [NotificationAttemptInline]
    fields = (
        "event",
        "channel",
        "language",
        "recipient_name",
        "recipient_address",
        "user",
        "dossier_code",
        "subject",
        "shown_body",
        "status",
        "attempts",
        "last_error",
        "idempotency_key",
        "created_at",
        "sent_at",
        "delivered_at",
        "read_at",
    )
    readonly_fields = fields

    @admin.display(description=_("nội dung"))
    def shown_body(self, notification: Notification) -> str:
        return notification.shown_body
