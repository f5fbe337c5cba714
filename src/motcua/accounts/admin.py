"""Admin of accounts: users with their roles, agencies, units, access grants, API tokens and
identity providers. Agencies, units and grants are saved through the services (audit log)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.utils.translation import gettext_lazy as _

from motcua.accounts.models import (
    Agency,
    AgencyAccessGrant,
    ApiToken,
    IdentityProvider,
    StaffRole,
    Unit,
    User,
)
from motcua.accounts.selectors import (
    agency_list_visible_to,
    sees_all_agencies,
    staff_list_visible_to,
    unit_list_visible_to,
)
from motcua.accounts.services import (
    access_grant_create,
    access_grant_revoke,
    agency_create,
    agency_update,
    api_token_revoke,
    staff_role_grant,
    staff_role_revoke,
    unit_create,
    unit_update,
    user_admin_delete,
    user_admin_save,
)


def _scoped(request, queryset, visible):
    """Superusers and ministry administrators see everything; others their agencies only."""
    if sees_all_agencies(request.user):
        return queryset
    return queryset.filter(pk__in=visible(user=request.user).values("pk"))


class VersionedAdminForm(forms.ModelForm):
    """Carries the version the editor opened, so that a stale save answers 409."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version


class StaffRoleInline(admin.TabularInline):
    model = StaffRole
    extra = 0
    autocomplete_fields = ["unit"]


class MotcuaUserCreationForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "kind", "full_name", "email", "phone", "agency")


class MotcuaUserChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = MotcuaUserChangeForm
    add_form = MotcuaUserCreationForm
    inlines = [StaffRoleInline]
    list_display = ("username", "full_name", "kind", "agency", "email", "phone", "is_active")
    list_filter = ("kind", "is_staff", "is_superuser", "is_active", "agency")
    list_select_related = ("agency",)
    search_fields = ("username", "full_name", "email", "phone", "personal_id", "tax_code")
    ordering = ("username",)
    autocomplete_fields = ["agency"]
    raw_id_fields = ("province", "commune")
    readonly_fields = ("last_login", "date_joined", "email_verified_at", "phone_verified_at")
    fieldsets = (
        (None, {"fields": ("username", "password", "kind", "full_name")}),
        (
            _("Định danh và liên hệ"),
            {
                "fields": (
                    "personal_id",
                    "tax_code",
                    "date_of_birth",
                    "email",
                    "email_verified_at",
                    "phone",
                    "phone_verified_at",
                    "address",
                    "province",
                    "commune",
                    "preferred_language",
                )
            },
        ),
        (_("Công tác"), {"fields": ("agency",)}),
        (
            _("Quyền"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Thời điểm"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "kind",
                    "full_name",
                    "email",
                    "phone",
                    "agency",
                    "password1",
                    "password2",
                ),
            },
        ),
    )

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if sees_all_agencies(request.user):
            return queryset
        # Agency administrators manage their own staff; citizens' accounts stay with superusers.
        return queryset.filter(pk__in=staff_list_visible_to(user=request.user).values("pk"))

    # Every edit made here goes through the services, so that the audit log records it.
    def save_model(self, request, obj, form, change):
        user_admin_save(
            actor=request.user, user=obj, changed_fields=form.changed_data, created=not change
        )

    def delete_model(self, request, obj):
        user_admin_delete(actor=request.user, user=obj)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            user_admin_delete(actor=request.user, user=user)

    def save_formset(self, request, form, formset, change):
        if formset.model is not StaffRole:
            return super().save_formset(request, form, formset, change)
        staff_roles = formset.save(commit=False)
        for staff_role in formset.deleted_objects:
            staff_role_revoke(actor=request.user, staff_role=staff_role)
        for staff_role in staff_roles:
            if staff_role.pk:
                # A role is given or taken back, never edited in place.
                staff_role_revoke(
                    actor=request.user, staff_role=StaffRole.objects.get(pk=staff_role.pk)
                )
            staff_role_grant(
                actor=request.user, user=form.instance, unit=staff_role.unit, role=staff_role.role
            )
        return None


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    form = VersionedAdminForm
    list_display = ("code", "name", "kind", "parent", "is_active")
    list_filter = ("kind", "is_active")
    list_select_related = ("parent",)
    search_fields = ("code", "name")
    autocomplete_fields = ["parent"]
    raw_id_fields = ("province", "commune")
    readonly_fields = ("version",)
    fieldsets = (
        (None, {"fields": ("code", "name", "name_en", "kind", "parent", "is_active")}),
        (
            _("Liên hệ"),
            {"fields": ("address", "province", "commune", "phone", "email")},
        ),
        (
            _("Giờ làm việc"),
            {"fields": ("morning_start", "morning_end", "afternoon_start", "afternoon_end")},
        ),
        (None, {"fields": ("version", "expected_version")}),
    )

    def get_queryset(self, request):
        return _scoped(request, super().get_queryset(request), agency_list_visible_to)

    def save_model(self, request, obj, form, change):
        names = [name for name in form.changed_data if name != "expected_version"]
        values = {name: form.cleaned_data[name] for name in names}
        if change:
            agency = agency_update(
                actor=request.user,
                agency=Agency.objects.get(pk=obj.pk),
                expected_version=form.cleaned_data["expected_version"] or obj.version,
                **values,
            )
        else:
            data = form.cleaned_data
            details = {
                name: data[name] for name in names if name not in ("code", "name", "kind", "parent")
            }
            agency = agency_create(
                actor=request.user,
                code=data["code"],
                name=data["name"],
                kind=data["kind"],
                parent=data.get("parent"),
                **details,
            )
        obj.pk, obj.version = agency.pk, agency.version

    def delete_model(self, request, obj):
        messages.error(request, _("Không xóa cơ quan: hãy đánh dấu ngừng hoạt động."))

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    form = VersionedAdminForm
    list_display = ("code", "name", "agency", "is_one_stop_desk", "is_active")
    list_filter = ("is_one_stop_desk", "is_active", "agency")
    list_select_related = ("agency",)
    search_fields = ("code", "name", "agency__code", "agency__name")
    autocomplete_fields = ["agency"]
    fields = (
        "agency",
        "code",
        "name",
        "name_en",
        "is_one_stop_desk",
        "is_active",
        "expected_version",
    )

    def get_queryset(self, request):
        return _scoped(request, super().get_queryset(request), unit_list_visible_to)

    def get_readonly_fields(self, request, obj=None):
        # A unit's code and agency are referenced by roles and dossiers: fixed once created.
        return ("agency", "code") if obj else ()

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            names = [
                n for n in form.changed_data if n not in ("expected_version", "agency", "code")
            ]
            unit = unit_update(
                actor=request.user,
                unit=Unit.objects.select_related("agency").get(pk=obj.pk),
                expected_version=data["expected_version"] or obj.version,
                **{name: data[name] for name in names},
            )
        else:
            unit = unit_create(
                actor=request.user,
                agency=data["agency"],
                code=data["code"],
                name=data["name"],
                name_en=data.get("name_en", ""),
                is_one_stop_desk=data.get("is_one_stop_desk", False),
            )
        obj.pk, obj.version = unit.pk, unit.version

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AgencyAccessGrant)
class AgencyAccessGrantAdmin(admin.ModelAdmin):
    list_display = ("user", "agency", "reason", "granted_by", "created_at", "expires_at")
    list_select_related = ("user", "agency", "granted_by")
    search_fields = ("user__username", "user__full_name", "agency__code", "agency__name")
    autocomplete_fields = ["user", "agency"]
    fields = ("user", "agency", "reason", "expires_at")

    def has_change_permission(self, request, obj=None):
        # A grant is given or taken back, never edited: both leave an audit entry.
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        grant = access_grant_create(
            actor=request.user,
            user=data["user"],
            agency=data["agency"],
            reason=data["reason"],
            expires_at=data.get("expires_at"),
        )
        obj.pk = grant.pk

    def delete_model(self, request, obj):
        access_grant_revoke(actor=request.user, grant=obj)

    def delete_queryset(self, request, queryset):
        for grant in queryset.select_related("user", "agency"):
            access_grant_revoke(actor=request.user, grant=grant)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "created_at", "expires_at", "last_used_at", "revoked_at")
    list_select_related = ("user",)
    list_filter = ("revoked_at",)
    search_fields = ("user__username", "user__full_name")
    readonly_fields = ("user", "created_at", "expires_at", "last_used_at", "revoked_at")
    exclude = ("key_hash",)
    actions = ["revoke"]

    @admin.action(description=_("Thu hồi các mã đã chọn"))
    def revoke(self, request, queryset):
        for token in queryset:
            api_token_revoke(token=token, actor=request.user)
        messages.success(request, _("Đã thu hồi."))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class IdentityProviderForm(forms.ModelForm):
    client_secret = forms.CharField(
        label=_("client secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Để trống để giữ giá trị đang lưu."),
    )

    class Meta:
        model = IdentityProvider
        fields = ("name", "issuer_url", "client_id", "client_secret", "scopes", "enabled")

    def clean_client_secret(self) -> str:
        # The secret is never sent back to the browser; an empty field keeps the stored one.
        return self.cleaned_data["client_secret"] or self.instance.client_secret


@admin.register(IdentityProvider)
class IdentityProviderAdmin(admin.ModelAdmin):
    form = IdentityProviderForm
    list_display = ("name", "issuer_url", "client_id", "enabled")
