"""Admin of dossiers: read-mostly. A dossier changes only through its services and lifecycle,
so the admin lists, searches and shows dossiers with their files and history, and edits nothing."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from motcua.core.text import search_key
from motcua.dossiers.models import Attachment, Dossier, DossierEvent
from motcua.dossiers.selectors import dossier_list_visible_to


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AttachmentInline(_ReadOnlyInline):
    model = Attachment
    fields = [
        "download",
        "required_document",
        "content_type",
        "size",
        "sha256",
        "uploaded_by",
        "uploaded_at",
        "is_digitized",
        "is_reused",
        "reused_from",
    ]
    readonly_fields = fields

    @admin.display(description=_("tệp"))
    def download(self, attachment: Attachment) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("dossiers:attachment", args=[attachment.pk]),
            attachment.original_name,
        )


class DossierEventInline(_ReadOnlyInline):
    model = DossierEvent
    fields = ["occurred_at", "action", "from_status", "to_status", "actor", "note", "is_public"]
    readonly_fields = fields
    ordering = ["occurred_at", "pk"]


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "status",
        "agency",
        "channel",
        "applicant_name",
        "submitted_at",
        "appointment_at",
    ]
    list_filter = ["status", "channel", "agency"]
    search_fields = ["code", "applicant_name", "applicant_id_number"]
    list_select_related = ["agency"]
    date_hierarchy = "submitted_at"
    ordering = ["-submitted_at", "-pk"]
    inlines = [AttachmentInline, DossierEventInline]
    fieldsets = [
        (None, {"fields": ["code", "status", "channel", "procedure_version", "agency", "version"]}),
        (
            _("Người nộp"),
            {
                "fields": [
                    "owner",
                    "created_by",
                    "applicant_kind",
                    "applicant_name",
                    "applicant_id_number",
                    "applicant_phone",
                    "applicant_email",
                    "applicant_address",
                    "applicant_commune",
                ]
            },
        ),
        (_("Tờ khai"), {"fields": ["form_data"]}),
        (
            _("Thời điểm"),
            {
                "fields": [
                    "created_at",
                    "updated_at",
                    "submitted_at",
                    "received_at",
                    "appointment_at",
                    "finished_at",
                    "returned_at",
                ]
            },
        ),
    ]
    readonly_fields = [name for _title, options in fieldsets for name in options["fields"]]

    def get_queryset(self, request):
        # The same visibility as everywhere else: staff see their agencies' dossiers.
        return dossier_list_visible_to(user=request.user).select_related(
            "agency", "procedure_version__procedure"
        )

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        key = search_key(search_term)
        if key:
            # Names without diacritics too ("nguyen van a" finds "Nguyễn Văn A").
            results |= queryset.filter(search_text__contains=key)
        return results, may_have_duplicates

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
