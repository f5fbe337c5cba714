"""Admin of the procedure catalogue: fields, procedures and their versions, with the form-schema
editor and its live preview. Every change goes through catalog/services.py; a published version
is shown read-only (a change is a new version: "Tạo phiên bản mới", then "Công bố")."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.catalog import services
from motcua.catalog.forms import form_render, form_schema_parse, form_schema_problems
from motcua.catalog.models import (
    ApplicantKind,
    Channel,
    Fee,
    Field,
    FormTemplate,
    PaymentStage,
    Procedure,
    ProcedureVersion,
    RequiredDocument,
)
from motcua.core.errors import DomainError


def _report(request: HttpRequest, error: DomainError) -> None:
    messages.error(request, error.message)


@admin.register(Field)
class FieldAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "sort_order"]
    search_fields = ["code", "name", "name_en"]

    def save_model(self, request, obj, form, change):
        services.field_save(field=obj, actor=request.user)


class VersionInline(admin.TabularInline):
    """The versions of a procedure, read-only: each opens in its own page."""

    model = ProcedureVersion
    fields = ["number", "name", "status", "published_at"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False
    ordering = ["-number"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _revise(modeladmin, request: HttpRequest, procedures: list[Procedure]) -> None:
    for procedure in procedures:
        try:
            version = services.procedure_revise(procedure=procedure, actor=request.user)
        except DomainError as error:
            _report(request, error)
            continue
        url = reverse("admin:catalog_procedureversion_change", args=[version.pk])
        messages.success(
            request,
            format_html(
                _(
                    "Đã tạo bản nháp phiên bản {number} của thủ tục {code}: "
                    '<a href="{url}">sửa bản nháp</a>.'
                ),
                number=version.number,
                code=procedure.code,
                url=url,
            ),
        )


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ["code", "current_name", "field", "current_number", "is_active"]
    list_filter = ["field", "is_active"]
    search_fields = ["code", "search_document"]
    list_select_related = ["field", "current_version"]
    actions = ["revise"]

    def get_inlines(self, request, obj=None):
        return [VersionInline] if obj is not None else []

    def get_fields(self, request, obj=None):
        return (
            ["code", "field", "is_active"]
            if obj is None
            else ["code", "field", "is_active", "current_version"]
        )

    def get_readonly_fields(self, request, obj=None):
        return ["code", "current_version"] if obj is not None else []

    @admin.display(description=gettext_lazy("tên (phiên bản đang áp dụng)"))
    def current_name(self, procedure: Procedure) -> str:
        return procedure.current_version.name if procedure.current_version else "—"

    @admin.display(description=gettext_lazy("phiên bản"))
    def current_number(self, procedure: Procedure) -> str:
        return str(procedure.current_version.number) if procedure.current_version else "—"

    def save_model(self, request, obj, form, change):
        if change:
            current = Procedure.objects.get(pk=obj.pk)
            services.procedure_update(
                actor=request.user,
                procedure=current,
                field=form.cleaned_data["field"],
                is_active=form.cleaned_data["is_active"],
            )
        else:
            created = services.procedure_create(
                actor=request.user, code=obj.code, field=form.cleaned_data["field"]
            )
            obj.pk = created.pk

    @admin.action(description=gettext_lazy("Tạo phiên bản mới"))
    def revise(self, request, queryset: QuerySet[Procedure]):
        _revise(self, request, list(queryset))


class _DraftOnlyInline:
    """Documents and fees of a published version are read-only, like the version itself."""

    extra = 0

    def _editable(self, obj: ProcedureVersion | None) -> bool:
        return obj is None or obj.is_editable

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


class RequiredDocumentInline(_DraftOnlyInline, admin.StackedInline):
    model = RequiredDocument
    fields = [
        ("name", "order"),
        "name_en",
        ("originals", "copies", "is_required", "reusable_from_data_store"),
        "template",
        "note",
    ]


class FeeInline(_DraftOnlyInline, admin.TabularInline):
    model = Fee
    fields = ["name", "name_en", "amount", "unit", "quantity_field", "note", "order"]


class SchemaEditor(forms.Textarea):
    """A JSON textarea that asks the server for a preview of the form as the administrator
    types: HTMX posts the schema and UI hints to the preview view, which answers the rendered
    form or the schema's problems into the preview area (shown under the schema)."""

    template_name = "catalog/admin/schema_editor.html"

    def __init__(self, *, rows: int, with_preview_area: bool):
        super().__init__(attrs={"rows": rows, "cols": 100, "spellcheck": "false"})
        self.with_preview_area = with_preview_area

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].update(
            {
                "hx-post": reverse("admin:catalog_procedureversion_form_preview"),
                "hx-trigger": "input changed delay:500ms"
                + (", load" if self.with_preview_area else ""),
                "hx-target": "#schema-preview",
                "hx-params": "form_schema,form_ui,csrfmiddlewaretoken",
            }
        )
        context["with_preview_area"] = self.with_preview_area
        return context


def _pretty(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


class ProcedureVersionForm(forms.ModelForm):
    channels = forms.MultipleChoiceField(
        label=gettext_lazy("cách thức nộp"),
        choices=Channel.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    applicant_kinds = forms.MultipleChoiceField(
        label=gettext_lazy("đối tượng thực hiện"),
        choices=ApplicantKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    # Optional in the post (older scripts and forms do not send it): the version keeps its own.
    payment_stage = forms.ChoiceField(
        label=gettext_lazy("thời điểm nộp phí"),
        choices=PaymentStage.choices,
        required=False,
        help_text=gettext_lazy(
            "Người nộp trả phí, lệ phí khi nộp hồ sơ hay trước khi nhận kết quả."
        ),
    )
    form_schema = forms.CharField(
        label=gettext_lazy("biểu mẫu (JSON Schema 2020-12)"),
        required=False,
        widget=SchemaEditor(rows=18, with_preview_area=True),
        help_text=gettext_lazy(
            "Mỗi trường cần “title”; hỗ trợ string (date, email, maxLength, pattern, enum), "
            "integer, number (minimum, maximum), boolean và array các lựa chọn."
        ),
    )
    form_ui = forms.CharField(
        label=gettext_lazy("gợi ý hiển thị (JSON)"),
        required=False,
        widget=SchemaEditor(rows=5, with_preview_area=False),
        help_text=gettext_lazy('Ví dụ: {"order": ["ten_du_an"], "widgets": {"mo_ta": "textarea"}}'),
    )

    class Meta:
        model = ProcedureVersion
        fields = ["procedure", *services.VERSION_CONTENT_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        form = (
            FormTemplate.objects.filter(version=self.instance).first() if self.instance.pk else None
        )
        if form is not None:
            self.initial["form_schema"] = _pretty(form.schema)
            self.initial["form_ui"] = _pretty(form.ui)
        if self.instance.pk and "procedure" in self.fields:
            self.fields["procedure"].disabled = True

    def clean_payment_stage(self) -> str:
        return self.cleaned_data.get("payment_stage") or self.instance.payment_stage

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and not self.instance.is_editable:
            raise forms.ValidationError(
                _("Phiên bản đã công bố không được sửa; hãy tạo phiên bản mới.")
            )
        try:
            schema = form_schema_parse(cleaned.get("form_schema", ""), field_name="form_schema")
            ui = form_schema_parse(cleaned.get("form_ui", ""), field_name="form_ui")
        except DomainError as error:
            self.add_error(error.field, error.message)
            return cleaned
        if schema:
            for problem in form_schema_problems(schema, ui):
                self.add_error("form_schema", problem)
        cleaned["form_schema_value"], cleaned["form_ui_value"] = schema, ui
        return cleaned


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(admin.ModelAdmin):
    form = ProcedureVersionForm
    list_display = ["procedure", "number", "name", "status", "service_level", "published_at"]
    list_filter = ["status", "service_level", "agency_level", "procedure__field"]
    search_fields = ["procedure__code", "name", "name_en"]
    list_select_related = ["procedure"]
    inlines = [RequiredDocumentInline, FeeInline]
    actions = ["revise", "publish"]

    class Media:
        js = ["vendor/htmx/htmx.min.js", "catalog/admin-preview.js"]
        css = {"all": ["catalog/catalog.css"]}

    _content_fieldsets = [
        (None, {"fields": ["procedure", "name", "name_en"]}),
        (
            gettext_lazy("Cơ quan, mức độ, thời hạn"),
            {
                "fields": [
                    ("agency", "agency_level"),
                    ("service_level", "online_scope"),
                    ("processing_time", "processing_time_unit"),
                    "processing_time_note",
                    "channels",
                    "applicant_kinds",
                    "result_type",
                ]
            },
        ),
        (
            gettext_lazy("Nội dung"),
            {"fields": ["conditions", "steps", "legal_basis", "fee_note", "payment_stage"]},
        ),
    ]

    def get_fieldsets(self, request, obj=None):
        if obj is not None and not obj.is_editable:
            return [
                (
                    None,
                    {
                        "fields": [
                            "procedure",
                            "number",
                            "status",
                            "published_at",
                            "name",
                            "name_en",
                        ]
                    },
                ),
                *self._content_fieldsets[1:],
                (gettext_lazy("Biểu mẫu"), {"fields": ["form_schema_display", "form_ui_display"]}),
            ]
        return [
            *self._content_fieldsets,
            (gettext_lazy("Biểu mẫu điện tử"), {"fields": ["form_schema", "form_ui"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not obj.is_editable:
            return [
                "procedure",
                "number",
                "status",
                "published_at",
                "form_schema_display",
                "form_ui_display",
                *services.VERSION_CONTENT_FIELDS,
            ]
        return []

    def has_delete_permission(self, request, obj=None):
        # Versions are history: a dossier may point to any of them.
        return False

    @admin.display(description=gettext_lazy("biểu mẫu (JSON Schema)"))
    def form_schema_display(self, version: ProcedureVersion) -> str:
        form = FormTemplate.objects.filter(version=version).first()
        return format_html("<pre>{}</pre>", _pretty(form.schema)) if form else "—"

    @admin.display(description=gettext_lazy("gợi ý hiển thị"))
    def form_ui_display(self, version: ProcedureVersion) -> str:
        form = FormTemplate.objects.filter(version=version).first()
        return format_html("<pre>{}</pre>", _pretty(form.ui)) if form else "—"

    def get_urls(self):
        return [
            path(
                "form-preview/",
                self.admin_site.admin_view(self.form_preview_view),
                name="catalog_procedureversion_form_preview",
            ),
            *super().get_urls(),
        ]

    def form_preview_view(self, request: HttpRequest) -> HttpResponse:
        """The form as an applicant will see it, or the schema's problems in Vietnamese."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not (self.has_change_permission(request) or self.has_add_permission(request)):
            return HttpResponse(status=403)
        context: dict[str, Any] = {"problems": [], "form_html": ""}
        try:
            schema = form_schema_parse(
                request.POST.get("form_schema", ""), field_name="form_schema"
            )
            ui = form_schema_parse(request.POST.get("form_ui", ""), field_name="form_ui")
        except DomainError as error:
            context["problems"] = [error.message]
        else:
            if schema:
                context["problems"] = form_schema_problems(schema, ui)
                if not context["problems"]:
                    context["form_html"] = form_render(schema, ui, prefix="preview-")
        return render(request, "catalog/admin/form_preview.html", context)

    def save_model(self, request, obj, form, change):
        content = {
            name: form.cleaned_data[name]
            for name in services.VERSION_CONTENT_FIELDS
            if name in form.cleaned_data
        }
        if change:
            version = services.procedure_version_update(
                actor=request.user,
                version=ProcedureVersion.objects.select_related("procedure").get(pk=obj.pk),
                **{name: value for name, value in content.items() if name in form.changed_data},
            )
        else:
            version = services.procedure_version_create(
                actor=request.user, procedure=form.cleaned_data["procedure"], **content
            )
            obj.pk, obj.number = version.pk, version.number
        schema = form.cleaned_data.get("form_schema_value")
        if schema:
            services.form_template_save(
                actor=request.user,
                version=version,
                schema=schema,
                ui=form.cleaned_data.get("form_ui_value") or {},
            )

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for deleted in formset.deleted_objects:
            if isinstance(deleted, Fee):
                services.fee_delete(actor=request.user, fee=deleted)
            else:
                services.required_document_delete(actor=request.user, document=deleted)
        for instance in instances:
            if isinstance(instance, Fee):
                services.fee_save(actor=request.user, fee=instance)
            else:
                services.required_document_save(actor=request.user, document=instance)
        formset.save_m2m()

    @admin.action(description=gettext_lazy("Tạo phiên bản mới"))
    def revise(self, request, queryset: QuerySet[ProcedureVersion]):
        procedures = {version.procedure_id: version.procedure for version in queryset}
        _revise(self, request, list(procedures.values()))

    @admin.action(description=gettext_lazy("Công bố"))
    def publish(self, request, queryset: QuerySet[ProcedureVersion]):
        for version in queryset.select_related("procedure"):
            try:
                services.procedure_publish(version=version, actor=request.user)
            except DomainError as error:
                _report(request, error)
                continue
            messages.success(
                request,
                _("Đã công bố phiên bản %(number)s của thủ tục %(code)s.")
                % {"number": version.number, "code": version.procedure.code},
            )
