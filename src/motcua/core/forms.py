"""The address picker every form uses: province, then commune, with search by name.

`AddressField` cleans to a `Commune` (its province follows). Its widget shows a province
<select>, a search box and a commune <select>; with JavaScript, HTMX reloads the commune options
from `core:commune-options` when the province or the search text changes. Without JavaScript the
form still works: submitting it (or pressing "Tải danh sách") re-renders the communes of the
chosen province, and a name typed in the search box is resolved on the server.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from motcua.core.models import Commune, Province
from motcua.core.places import commune_list, commune_search, province_list

# How many search results the commune list shows; a longer list means "type more".
SEARCH_OPTIONS = 50


@dataclass(frozen=True)
class AddressInput:
    """What the browser sent for one address field."""

    province: str = ""
    q: str = ""
    commune: str = ""
    refresh: bool = False


@dataclass(frozen=True)
class CommuneOptions:
    """The commune <option>s for a province and/or a search text."""

    communes: list[Commune]
    placeholder: str
    with_province: bool  # label options "Xã A — Tỉnh B" when the list spans provinces
    status: str  # read out to screen-reader users when the list changes


def commune_options(*, province_code: str = "", q: str = "") -> CommuneOptions:
    """The communes to offer: the search results (within the province, if one is chosen), or
    all communes of the chosen province, or none. Unknown codes give an empty list, never an
    error: this feeds a form that validates on its own."""
    province = Province.objects.filter(code=province_code).first() if province_code else None
    if q.strip():
        communes = commune_search(
            q, province_code=province.code if province else None, limit=SEARCH_OPTIONS
        )
        if communes:
            placeholder = gettext("— Chọn trong %(count)s kết quả —") % {"count": len(communes)}
            status = gettext("Tìm thấy %(count)s xã, phường, đặc khu.") % {"count": len(communes)}
        else:
            placeholder = gettext("— Không tìm thấy, hãy gõ tên khác —")
            status = gettext("Không tìm thấy xã, phường, đặc khu nào.")
        return CommuneOptions(communes, placeholder, province is None, status)
    if province is not None:
        communes = list(commune_list(province.code))
        return CommuneOptions(
            communes,
            gettext("— Chọn xã, phường, đặc khu —"),
            False,
            gettext("Đã tải %(count)s xã, phường, đặc khu của %(province)s.")
            % {"count": len(communes), "province": province.name},
        )
    return CommuneOptions(
        [], gettext("— Chọn tỉnh, thành phố trước hoặc gõ tên để tìm —"), False, ""
    )


class AddressWidget(forms.Widget):
    """Province <select>, search box and commune <select> in one fieldset."""

    template_name = "core/places/address_widget.html"
    use_fieldset = True
    # The three inputs post under "<name>_province", "<name>_q", "<name>_commune".
    parts = ("province", "q", "commune")

    def value_from_datadict(self, data, files, name) -> AddressInput:
        return AddressInput(
            province=str(data.get(f"{name}_province", "")).strip(),
            q=str(data.get(f"{name}_q", "")).strip()[:100],
            commune=str(data.get(f"{name}_commune", "")).strip(),
            refresh=f"{name}_refresh" in data,
        )

    def value_omitted_from_data(self, data, files, name) -> bool:
        return not any(f"{name}_{part}" in data for part in self.parts)

    def id_for_label(self, id_: str) -> str:
        # The field's label is the fieldset's legend; each input has its own <label>.
        return ""

    def use_required_attribute(self, initial) -> bool:
        # The server checks; a browser-required commune would block the search-only submit.
        return False

    @staticmethod
    def _as_input(value: Any) -> AddressInput:
        if isinstance(value, AddressInput):
            return value
        if isinstance(value, Commune):
            return AddressInput(province=value.province_id, commune=value.code)
        if value:
            commune = Commune.objects.filter(code=str(value)).only("province_id").first()
            if commune is not None:
                return AddressInput(province=commune.province_id, commune=commune.code)
        return AddressInput()

    def get_context(self, name: str, value: Any, attrs: dict | None) -> dict:
        context = super().get_context(name, None, attrs)
        chosen = self._as_input(value)
        widget = context["widget"]
        base_id = widget["attrs"].pop("id", None) or f"id_{name}"
        options = commune_options(province_code=chosen.province, q=chosen.q)
        communes = options.communes
        if chosen.commune and chosen.commune not in {commune.code for commune in communes}:
            # Keep the user's choice visible when the search text no longer finds it; a commune
            # of another province is dropped, so that the error asks for a new choice.
            kept = Commune.objects.select_related("province").filter(code=chosen.commune)
            if chosen.province:
                kept = kept.filter(province_id=chosen.province)
            communes = [*kept, *communes]
        widget.update(
            {
                "options_url": reverse("core:commune-options"),
                "hx_vals": json.dumps({"field": name}),
                "provinces": [(p.code, p.name) for p in province_list()],
                "options": options,
                "communes": communes,
                "province": {"name": f"{name}_province", "id": f"{base_id}_province"},
                "q": {"name": f"{name}_q", "id": f"{base_id}_q"},
                "commune": {"name": f"{name}_commune", "id": f"{base_id}_commune"},
                "refresh_name": f"{name}_refresh",
                "chosen": chosen,
                # BoundField names the error list "<id>_error"; each input points to it.
                "error_id": f"{base_id}_error" if widget["attrs"].get("aria-invalid") else "",
            }
        )
        return context


class AddressField(forms.Field):
    """A commune chosen through its province; cleans to a `Commune` (or None when optional)."""

    widget = AddressWidget
    default_error_messages = {
        "required": gettext_lazy("Chọn tỉnh, thành phố và xã, phường, đặc khu."),
        "commune_required": gettext_lazy("Chọn xã, phường, đặc khu của %(province)s."),
        "refresh": gettext_lazy(
            "Đã tải danh sách xã, phường, đặc khu của %(province)s: hãy chọn một."
        ),
        "invalid_province": gettext_lazy("Tỉnh, thành phố: mã “%(code)s” không có trong danh mục."),
        "invalid_commune": gettext_lazy(
            "Xã, phường, đặc khu: mã “%(code)s” không có trong danh mục."
        ),
        "commune_not_in_province": gettext_lazy(
            "Xã, phường, đặc khu: %(commune)s không thuộc %(province)s; hãy chọn lại."
        ),
        "no_match": gettext_lazy(
            "Xã, phường, đặc khu: không tìm thấy tên “%(q)s”%(where)s; hãy gõ tên khác."
        ),
        "ambiguous": gettext_lazy(
            "Xã, phường, đặc khu: có nhiều nơi tên “%(q)s”; hãy chọn một trong danh sách."
        ),
    }

    def __init__(self, *, label=None, **kwargs):
        super().__init__(label=label or gettext_lazy("Địa chỉ hành chính"), **kwargs)

    def widget_attrs(self, widget) -> dict:
        attrs = super().widget_attrs(widget)
        if self.required:
            attrs["aria-required"] = "true"
        return attrs

    def _error(self, kind: str, **params) -> ValidationError:
        return ValidationError(self.error_messages[kind], code=kind, params=params)

    def clean(self, value: Any) -> Commune | None:
        chosen = AddressWidget._as_input(value)
        province = None
        if chosen.province:
            province = Province.objects.filter(code=chosen.province).first()
            if province is None:
                raise self._error("invalid_province", code=chosen.province[:20])
        if chosen.refresh and province is not None:
            raise self._error("refresh", province=province.name)
        if chosen.commune:
            commune = Commune.objects.select_related("province").filter(code=chosen.commune).first()
            if commune is None:
                raise self._error("invalid_commune", code=chosen.commune[:20])
            if province is not None and commune.province_id != province.code:
                raise self._error(
                    "commune_not_in_province", commune=commune.name, province=province.name
                )
            return commune
        if chosen.q:
            matches = commune_search(
                chosen.q, province_code=province.code if province else None, limit=2
            )
            if len(matches) == 1:
                return matches[0]
            if not matches:
                where = gettext(" ở %(province)s") % {"province": province.name} if province else ""
                raise self._error("no_match", q=chosen.q, where=where)
            raise self._error("ambiguous", q=chosen.q)
        if province is not None:
            raise self._error("commune_required", province=province.name)
        if self.required:
            raise self._error("required")
        return None

    def has_changed(self, initial: Any, data: Any) -> bool:
        before = AddressWidget._as_input(initial).commune
        return before != AddressWidget._as_input(data).commune
