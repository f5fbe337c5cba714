"""The result document as a PDF: an HTML template per procedure (results/by_procedure/<code>.html,
else results/result.html), filled from the dossier with the official header of the legal forms,
and a QR code to its public verification page; WeasyPrint renders it and says where the box for
the signature stamp landed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import segno
from django.conf import settings
from django.template.loader import select_template
from django.urls import reverse
from django.utils import translation

from motcua.catalog.forms import form_fields
from motcua.core.text import nfc, search_key
from motcua.dossiers.forms_pdf import official_header, place_name, weasyprint_tools
from motcua.dossiers.models import Dossier
from motcua.results.models import ResultKind
from motcua.results.signing import StampBox

STAMP_ANCHOR = "signature-stamp"
# The number's symbol for each kind ("123/GCN-SNNMT"), as agencies abbreviate them.
KIND_SYMBOLS = {
    ResultKind.PERMIT: "GP",
    ResultKind.CERTIFICATE: "GCN",
    ResultKind.DECISION: "QĐ",
    ResultKind.NOTICE: "TB",
}
# How a procedure's "kết quả thực hiện" text starts, for each kind.
_KIND_WORDS = [
    ("giay phep", ResultKind.PERMIT),
    ("giay chung nhan", ResultKind.CERTIFICATE),
    ("quyet dinh", ResultKind.DECISION),
    ("van ban chap thuan", ResultKind.DECISION),
]
_NAME_STOP_WORDS = {"va", "tinh", "thanh", "pho"}
_PX_TO_PT = 0.75  # CSS pixels (1/96 in) to PDF points (1/72 in)


def result_kind_for(text: str) -> str:
    """The kind of result a procedure issues, read from its "kết quả thực hiện": the first
    kind named in it; a notice when none is."""
    key = search_key(text or "")
    found = [(key.find(words), kind) for words, kind in _KIND_WORDS if words in key]
    return min(found)[1] if found else ResultKind.NOTICE


def agency_symbol(name: str) -> str:
    """ "Sở Nông nghiệp và Môi trường tỉnh Lâm Đồng" -> "SNNMT": the initials of the agency's
    name up to its place, as in the number "123/GCN-SNNMT"."""
    initials = []
    for word in search_key(name).split():
        if word in {"tinh", "thanh"}:
            break
        if word not in _NAME_STOP_WORDS and word[0].isalnum():
            initials.append(word[0].upper())
    return "".join(initials)[:12] or "CQ"


def verify_url(token: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{reverse('results:verify', args=[token])}"


@dataclass(frozen=True)
class ResultDraft:
    """What a result says, before it is rendered and signed."""

    dossier: Dossier
    number: str
    kind: str
    title: str
    summary: str
    issued_at: datetime
    signer_name: str
    signer_title: str
    verify_token: str


def _form_lines(dossier: Dossier) -> list[dict[str, str]]:
    """The form's filled-in fields as label/value lines (tick boxes such as the declaration are
    not part of a result)."""
    template = getattr(dossier.procedure_version, "form_template", None)
    if template is None:
        return []
    lines = []
    for field in form_fields(template.schema, template.ui, data=dossier.form_data or {}):
        if field.widget == "checkbox":
            continue
        value = ", ".join(sorted(field.selected)) if field.widget == "checkboxes" else field.value
        if value:
            lines.append({"name": field.name, "label": field.label, "value": value})
    return lines


def result_context(draft: ResultDraft) -> dict[str, Any]:
    dossier = draft.dossier
    url = verify_url(draft.verify_token)
    lines = _form_lines(dossier)
    return {
        **official_header(dossier.agency, number=draft.number, issued_at=draft.issued_at),
        "dossier": dossier,
        "version": dossier.procedure_version,
        "draft": draft,
        "kind_label": ResultKind(draft.kind).label,
        "form_lines": lines,
        # The raw answers, for procedure templates that place each field themselves.
        "form": dossier.form_data if isinstance(dossier.form_data, dict) else {},
        "verify_url": url,
        "verify_qr": segno.make(url, error="m").svg_data_uri(scale=4, border=2),
        "stamp_anchor": STAMP_ANCHOR,
        "place": place_name(dossier.agency),
    }


def result_template_names(procedure_code: str) -> list[str]:
    return [f"results/by_procedure/{procedure_code}.html", "results/result.html"]


def result_pdf(draft: ResultDraft) -> tuple[bytes, StampBox]:
    """The unsigned PDF and the box (PDF points) where the template left room for the stamp."""
    from weasyprint import HTML  # heavy import, only where a PDF is made

    template = select_template(
        result_template_names(draft.dossier.procedure_version.procedure.code)
    )
    # A result is issued in Vietnamese, the language of the law, whatever the page language.
    with translation.override(settings.LANGUAGE_CODE):
        html = nfc(template.render(result_context(draft)))
    font_config, url_fetcher = weasyprint_tools()
    document = HTML(string=html, base_url=settings.SITE_URL, url_fetcher=url_fetcher).render(
        font_config=font_config
    )
    stamp = None
    for index, page in enumerate(document.pages):
        anchor = page.anchors.get(STAMP_ANCHOR)
        if anchor is not None:
            x1, y1, x2, y2 = anchor
            height = page.height
            stamp = StampBox(
                page=index,
                box=(
                    x1 * _PX_TO_PT,
                    (height - y2) * _PX_TO_PT,
                    x2 * _PX_TO_PT,
                    (height - y1) * _PX_TO_PT,
                ),
            )
    if stamp is None:
        from motcua.results.signing import default_stamp_box

        stamp = default_stamp_box()
    return document.write_pdf(), stamp
