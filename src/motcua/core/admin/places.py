"""Admin for the places part of the shared kernel: provinces, communes and the pre-2025 mapping,
read-only because `motcua load_administrative_units` owns them (they come from the package)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from motcua.core.admin.audit import ReadOnlyModelAdmin
from motcua.core.models import Commune, LegacyCommune, Province
from motcua.core.places import name_filter


class NameSearchMixin:
    """The search box finds names typed without diacritics, in any word order, or a code."""

    search_fields = ("=code",)
    search_help_text = _("Gõ tên (có dấu hoặc không) hoặc mã.")
    name_column = "short_search_name"

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        if not search_term.strip():
            return queryset, False
        if search_term.strip().isdigit():
            return queryset.filter(code=search_term.strip()), False
        return name_filter(queryset, search_term, column=self.name_column), False


@admin.register(Province)
class ProvinceAdmin(NameSearchMixin, ReadOnlyModelAdmin):
    list_display = ("code", "name", "division_type", "commune_count")
    name_column = "search_name"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(commune_count=Count("communes"))

    @admin.display(description=_("số xã, phường, đặc khu"), ordering="commune_count")
    def commune_count(self, province: Province) -> int:
        return province.commune_count


@admin.register(Commune)
class CommuneAdmin(NameSearchMixin, ReadOnlyModelAdmin):
    list_display = ("code", "name", "division_type", "province")
    list_filter = ("division_type", "province")
    list_select_related = ("province",)
    fields = ("code", "name", "division_type", "province", "former_units")
    readonly_fields = ("former_units",)

    @admin.display(description=_("đơn vị cũ đã nhập vào"))
    def former_units(self, commune: Commune) -> str:
        return "; ".join(str(unit) for unit in commune.legacy_units.all()) or "—"


@admin.register(LegacyCommune)
class LegacyCommuneAdmin(NameSearchMixin, ReadOnlyModelAdmin):
    list_display = ("code", "name", "district_name", "province_name", "partly_merged", "successors")
    list_filter = ("partly_merged",)
    fields = ("code", "name", "district_name", "province_name", "partly_merged", "successors")
    readonly_fields = ("successors",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).prefetch_related("new_communes__province")

    @admin.display(description=_("đơn vị mới"))
    def successors(self, legacy: LegacyCommune) -> str:
        return "; ".join(str(commune) for commune in legacy.new_communes.all())
