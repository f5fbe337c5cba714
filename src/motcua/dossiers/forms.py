"""Forms of the submission pages: the applicant's details and the counter officer's start.

They check the shape of the input with the same rules as the services (services.applicant_clean)
so that every error shows next to its field; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from motcua.catalog.forms import form_data_from_post
from motcua.catalog.models import ApplicantKind, Channel
from motcua.core.errors import InvalidInput
from motcua.core.forms import AddressField
from motcua.dossiers.models import Dossier
from motcua.dossiers.services import MAX_DRAFT_TEXT, applicant_clean

APPLICANT_PREFIX = "applicant"
# The application form's inputs are named f-<field>, apart from the page's own inputs.
FORM_PREFIX = "f-"
# No real number is longer; a longer one is refused before it is converted.
_MAX_NUMBER_TEXT = 40


def form_data_from_page(schema: dict[str, Any], post) -> tuple[dict[str, Any], dict[str, list]]:
    """The application form read from the draft page (catalog.forms.form_data_from_post), after
    refusing values no field can hold: a pasted megabyte or a 5,000-digit number becomes an error
    next to its field instead of a crash. Returns (data, errors by field)."""
    errors: dict[str, list] = {}
    safe = post.copy()
    for name, prop in schema.get("properties", {}).items():
        key = f"{FORM_PREFIX}{name}"
        number = prop.get("type") in ("integer", "number")
        limit = _MAX_NUMBER_TEXT if number else MAX_DRAFT_TEXT
        if any(len(value) > limit for value in post.getlist(key)):
            errors[name] = [
                _("%(title)s quá dài (tối đa %(limit)s ký tự).")
                % {"title": prop.get("title") or name, "limit": limit}
            ]
            safe.pop(key)
    return form_data_from_post(schema, safe, prefix=FORM_PREFIX), errors


class ApplicantForm(forms.Form):
    """Who applies: prefilled from the account (online) and editable. Everything is optional
    while drafting; completeness is checked at submission."""

    name = forms.CharField(label=_("Họ và tên"), max_length=255, required=False)
    id_number = forms.CharField(
        label=_("Số định danh cá nhân"),
        max_length=20,
        required=False,
        help_text=_("12 chữ số, in trên thẻ căn cước."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Số điện thoại"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.CharField(
        label=_("Thư điện tử"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    address = forms.CharField(
        label=_("Địa chỉ (số nhà, đường, thôn, xóm)"),
        max_length=255,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    commune = AddressField(required=False)

    def __init__(self, *args: Any, kind: str = ApplicantKind.CITIZEN, **kwargs: Any):
        kwargs.setdefault("prefix", APPLICANT_PREFIX)
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind == ApplicantKind.ORGANISATION:
            self.fields["name"].label = _("Tên tổ chức, doanh nghiệp")
            self.fields["id_number"].label = _("Mã số thuế")
            self.fields["id_number"].help_text = _(
                "10 chữ số, hoặc 10 chữ số-3 chữ số đối với chi nhánh."
            )

    @classmethod
    def initial_from(cls, dossier: Dossier) -> dict[str, Any]:
        return {
            "name": dossier.applicant_name,
            "id_number": dossier.applicant_id_number,
            "phone": dossier.applicant_phone,
            "email": dossier.applicant_email,
            "address": dossier.applicant_address,
            "commune": dossier.applicant_commune,
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name in ("name", "id_number", "phone", "email", "address"):
            if name in cleaned:
                try:
                    applicant_clean({name: cleaned[name]}, kind=self.kind)
                except InvalidInput as error:
                    self.add_error(name, error.message)
        return cleaned

    def applicant(self) -> dict[str, Any]:
        """The cleaned details as services.applicant_clean takes them."""
        return {name: self.cleaned_data.get(name) for name in self.fields}


class CounterStartForm(forms.Form):
    """A receiving officer starts a dossier for someone at the desk or a letter from the post."""

    procedure = forms.ChoiceField(label=_("Thủ tục hành chính"))
    channel = forms.ChoiceField(
        label=_("Kênh nộp"),
        choices=[(Channel.COUNTER, Channel.COUNTER.label), (Channel.POST, Channel.POST.label)],
        initial=Channel.COUNTER,
        widget=forms.RadioSelect,
    )
    kind = forms.ChoiceField(
        label=_("Người nộp là"),
        choices=ApplicantKind.choices,
        initial=ApplicantKind.CITIZEN,
        widget=forms.RadioSelect,
    )
    account = forms.CharField(
        label=_("Tài khoản của người nộp (nếu có)"),
        max_length=20,
        required=False,
        help_text=_(
            "Số định danh cá nhân, mã số thuế hoặc số điện thoại: hồ sơ sẽ hiện trong mục "
            "“Hồ sơ của tôi” của người đó."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    link_account = forms.BooleanField(
        label=_("Gắn hồ sơ với tài khoản tìm thấy"), required=False, initial=True
    )

    def __init__(self, *args: Any, procedures: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["procedure"].choices = [("", _("— Chọn thủ tục —")), *procedures]
