"""The catalogue's search and filter form (a GET form that works without JavaScript)."""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.utils.translation import gettext_lazy as _

from motcua.accounts.models import Agency
from motcua.catalog.models import AgencyLevel, Field
from motcua.catalog.selectors import MAX_QUERY_LENGTH, CatalogFilters

SERVICE_LEVELS = [
    ("4", _("Mức 4 – toàn trình")),
    ("3", _("Mức 3 – một phần")),
    ("2", _("Mức 2")),
    ("1", _("Mức 1")),
]


class CatalogFilterForm(forms.Form):
    q = forms.CharField(label=_("Tìm thủ tục"), required=False, max_length=MAX_QUERY_LENGTH)
    field = forms.ChoiceField(label=_("Lĩnh vực"), required=False)
    agency = forms.ChoiceField(label=_("Cơ quan thực hiện"), required=False)
    level = forms.ChoiceField(label=_("Mức độ"), required=False)
    agency_level = forms.ChoiceField(label=_("Cấp thực hiện"), required=False)

    def __init__(self, data, *, fields: Iterable[Field], agencies: Iterable[Agency]):
        super().__init__(data)
        everything = [("", _("Tất cả"))]
        self.fields["field"].choices = everything + [
            (field.code, field.display_name) for field in fields
        ]
        self.fields["agency"].choices = everything + [
            (agency.code, agency.name) for agency in agencies
        ]
        self.fields["level"].choices = everything + SERVICE_LEVELS
        self.fields["agency_level"].choices = everything + list(AgencyLevel.choices)
        for name, message in (
            ("field", _("Lĩnh vực đã chọn không có trong danh mục.")),
            ("agency", _("Cơ quan đã chọn không có trong danh mục.")),
            ("level", _("Mức độ phải là 1, 2, 3 hoặc 4.")),
            ("agency_level", _("Cấp thực hiện không hợp lệ.")),
        ):
            self.fields[name].error_messages["invalid_choice"] = message
        self.fields["q"].error_messages["max_length"] = _(
            "Từ khóa tìm kiếm không được dài quá %(limit_value)d ký tự."
        )

    def filters(self) -> CatalogFilters:
        """The valid parts of what was asked; a part with an error is ignored (and shown)."""
        self.is_valid()
        values = self.cleaned_data
        level = values.get("level")
        return CatalogFilters(
            query=values.get("q", "") or "",
            field=values.get("field", "") or "",
            agency=values.get("agency", "") or "",
            level=int(level) if level else None,
            agency_level=values.get("agency_level", "") or "",
        )

    @property
    def is_filtered(self) -> bool:
        filters = self.filters()
        return bool(
            filters.query
            or filters.field
            or filters.agency
            or filters.level
            or filters.agency_level
        )
