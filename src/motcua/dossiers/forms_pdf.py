"""The legal forms of the one-stop desk as PDFs – forms 01 to 04 of Circular 01/2018/TT-VPCP
(kept by Circular 03/2025), the process control sheet and the register (form 06) – made from
HTML templates with WeasyPrint; each dossier form carries its code and a QR code to the lookup."""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Any

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from motcua.accounts.models import Agency
from motcua.core.errors import NotFound
from motcua.core.text import nfc
from motcua.dossiers.models import (
    ApologyLetter,
    AttachmentKind,
    Dossier,
    DossierEvent,
    SupplementRequest,
)
from motcua.dossiers.pdf import lookup_url
from motcua.dossiers.registers import (
    REGISTER_PDF_MAX_ROWS,
    RegisterFilters,
    RegisterRow,
    control_sheet_rows,
)

LEGAL_FORMS = ("01", "02", "03", "04")
# The symbol after the number ("Số: .../TNHS"), as one-stop desks abbreviate each form's name
# (practice; the circular leaves it to the agency).
NUMBER_SYMBOLS = {
    "01": "TNHS",
    "02": "YCBS",
    "03": "TCTN",
    "04": "XLHL",
    "control": "KSQT",
}
_PROVINCE_PREFIXES = ("Thành phố ", "Tỉnh ")
_thread_tools = threading.local()


def weasyprint_tools():
    """This thread's font configuration and URL fetcher, made once and reused by every PDF
    it renders (making them costs ~60 ms a render; Pango font maps are not thread-safe)."""
    tools = getattr(_thread_tools, "tools", None)
    if tools is None:
        from weasyprint.text.fonts import FontConfiguration
        from weasyprint.urls import URLFetcher

        # The forms embed their images as data: URIs; nothing else is ever fetched, so text
        # that slipped into the HTML can neither read local files nor reach the network.
        tools = _thread_tools.tools = (FontConfiguration(), URLFetcher(allowed_protocols={"data"}))
    return tools


def pdf_render(template: str, context: dict[str, Any]) -> bytes:
    """A PDF from a template of dossiers/forms/ or dossiers/registers/."""
    from weasyprint import HTML  # heavy import, only where a PDF is made

    # A legal form is issued in Vietnamese, the language of the law, whatever the page language.
    with translation.override(settings.LANGUAGE_CODE):
        # Vietnamese arrives composed and decomposed; NFC keeps stacked marks in place.
        html = nfc(render_to_string(template, context))
    font_config, url_fetcher = weasyprint_tools()
    return HTML(string=html, base_url=settings.SITE_URL, url_fetcher=url_fetcher).write_pdf(
        font_config=font_config
    )


def place_name(agency: Agency) -> str:
    """ "Lâm Đồng" for the place line ("Lâm Đồng, ngày ..."): the agency's province, else its
    commune's or its parent's; "" when none is known."""
    province = agency.province
    if province is None and agency.commune_id:
        province = agency.commune.province
    if province is None and agency.parent_id:
        province = agency.parent.province
    if province is None:
        return ""
    name = province.name
    for prefix in _PROVINCE_PREFIXES:
        if name.startswith(prefix):
            return name.removeprefix(prefix)
    return name


def official_header(agency: Agency, *, number: str, issued_at) -> dict[str, Any]:
    """The official header: parent and agency (upper case) left, the national motto right,
    the number under the agency and the place and date under the motto."""
    return {
        "agency": agency,
        "parent_name": agency.parent.name.upper() if agency.parent_id else "",
        "agency_name": agency.name.upper(),
        "number": number,
        "place": place_name(agency),
        "issued_at": timezone.localtime(issued_at) if issued_at else None,
    }


def _dossier_context(dossier: Dossier, *, form: str, issued_at, suffix: str = "") -> dict:
    url = lookup_url(dossier)
    return {
        **official_header(
            dossier.agency,
            number=f"{dossier.code}{suffix}/{NUMBER_SYMBOLS[form]}",
            issued_at=issued_at,
        ),
        "dossier": dossier,
        "version": dossier.procedure_version,
        "lookup_url": url,
        "qr_data_uri": segno.make(url, error="m").svg_data_uri(scale=4, border=2),
    }


def _event(dossier: Dossier, action: str) -> DossierEvent | None:
    return (
        dossier.events.filter(action=action)
        .select_related("actor")
        .order_by("-occurred_at", "-pk")
        .first()
    )


def _name(user) -> str:
    return (user.full_name or user.get_username()) if user is not None else ""


# --- Form 01: Giấy tiếp nhận hồ sơ và hẹn trả kết quả -----------------------------------------


def form01_context(dossier: Dossier) -> dict[str, Any]:
    if dossier.received_at is None:
        raise NotFound(
            _("Hồ sơ chưa được tiếp nhận nên chưa có giấy tiếp nhận và hẹn trả kết quả."),
            field="form",
        )
    receive = _event(dossier, "receive")
    files: dict[int | None, list[str]] = defaultdict(list)
    for attachment in dossier.attachments.filter(kind=AttachmentKind.DOCUMENT).order_by(
        "uploaded_at", "pk"
    ):
        files[attachment.required_document_id].append(attachment.original_name)
    version = dossier.procedure_version
    documents = [
        {
            "name": document.name,
            "originals": document.originals,
            "copies": document.copies,
            "files": files.get(document.pk, []),
        }
        for document in version.documents.order_by("order", "id")
    ]
    fees = [
        {"name": fee.name, "amount": fee.amount_for(dossier.form_data), "note": fee.unit}
        for fee in version.fees.order_by("order", "id")
    ]
    return {
        **_dossier_context(dossier, form="01", issued_at=dossier.received_at),
        "documents": documents,
        "other_files": files.get(None, []),
        "fees": fees,
        "received_at": timezone.localtime(dossier.received_at),
        "promised_at": dossier.promised_at,
        "officer": _name(receive.actor) if receive else "",
    }


def form01_pdf(dossier: Dossier) -> bytes:
    return pdf_render("dossiers/forms/form01.html", form01_context(dossier))


# --- Form 02: Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ --------------------------------------


def form02_context(dossier: Dossier, *, number: int | None = None) -> dict[str, Any]:
    """Form 02 of the supplement request `number` ("lần"), the latest one when None."""
    requests = SupplementRequest.objects.filter(dossier=dossier).select_related("requested_by")
    request = (
        requests.filter(number=number).first()
        if number is not None
        else requests.order_by("-number").first()
    )
    if request is None:
        raise NotFound(_("Hồ sơ không có phiếu yêu cầu bổ sung này."), field="lan")
    items = [
        {"name": str(item.get("name") or ""), "reason": str(item.get("reason") or "")}
        for item in (request.items if isinstance(request.items, list) else [])
        if isinstance(item, dict)
    ]
    online_url = ""
    if dossier.owner_id:
        path = reverse("dossiers:mine-detail", kwargs={"code": dossier.code})
        online_url = f"{settings.SITE_URL.rstrip('/')}{path}"
    return {
        **_dossier_context(
            dossier, form="02", issued_at=request.requested_at, suffix=f"-{request.number}"
        ),
        "request": request,
        "items": items,
        "officer": _name(request.requested_by),
        "online_url": online_url,
        "in_processing": request.stage == SupplementRequest.Stage.PROCESSING,
    }


def form02_pdf(dossier: Dossier, *, number: int | None = None) -> bytes:
    return pdf_render("dossiers/forms/form02.html", form02_context(dossier, number=number))


# --- Form 03: Phiếu từ chối tiếp nhận giải quyết hồ sơ --------------------------------------


def form03_context(dossier: Dossier) -> dict[str, Any]:
    refusal = _event(dossier, "refuse")
    if refusal is None:
        raise NotFound(_("Hồ sơ không bị từ chối tiếp nhận."), field="form")
    data = refusal.data if isinstance(refusal.data, dict) else {}
    listed = data.get("reasons")
    reasons = [
        str(reason).strip()
        for reason in (listed if isinstance(listed, list) else [])
        if isinstance(reason, str | int | float) and str(reason).strip()
    ]
    note = refusal.note.strip()
    if not reasons and note:
        reasons, note = [line.strip() for line in note.splitlines() if line.strip()], ""
    return {
        **_dossier_context(dossier, form="03", issued_at=refusal.occurred_at),
        "reasons": reasons,
        "note": note if note not in reasons else "",
        "officer": _name(refusal.actor),
        "submitted_at": dossier.submitted_at,
    }


def form03_pdf(dossier: Dossier) -> bytes:
    return pdf_render("dossiers/forms/form03.html", form03_context(dossier))


# --- Form 04: Phiếu xin lỗi và hẹn lại ngày trả kết quả -------------------------------------


def form04_context(dossier: Dossier) -> dict[str, Any]:
    apology = (
        ApologyLetter.objects.filter(dossier=dossier).select_related("issued_by", "unit").first()
    )
    if apology is None:
        raise NotFound(_("Hồ sơ chưa có phiếu xin lỗi và hẹn lại ngày trả kết quả."), field="form")
    return {
        **_dossier_context(dossier, form="04", issued_at=apology.issued_at),
        "apology": apology,
        "received_at": dossier.received_at or dossier.submitted_at,
        "officer": _name(apology.issued_by),
    }


def form04_pdf(dossier: Dossier) -> bytes:
    return pdf_render("dossiers/forms/form04.html", form04_context(dossier))


def legal_form_pdf(*, dossier: Dossier, form: str, number: int | None = None) -> bytes:
    """Form `form` ("01".."04") of a dossier; NotFound when it does not exist (yet)."""
    if form == "01":
        return form01_pdf(dossier)
    if form == "02":
        return form02_pdf(dossier, number=number)
    if form == "03":
        return form03_pdf(dossier)
    if form == "04":
        return form04_pdf(dossier)
    raise NotFound(_("Không có mẫu phiếu này."), field="form")


# --- Process control sheet and register -----------------------------------------------------


def control_sheet_pdf(dossier: Dossier) -> bytes:
    context = _dossier_context(dossier, form="control", issued_at=timezone.now())
    return pdf_render(
        "dossiers/forms/control_sheet.html",
        {
            **context,
            "rows": control_sheet_rows(dossier=dossier),
            "receipt_number": f"{dossier.code}/{NUMBER_SYMBOLS['01']}",
        },
    )


def register_pdf(*, filters: RegisterFilters, rows: list[RegisterRow]) -> bytes:
    """Form 06 on A4 landscape; callers keep `rows` under REGISTER_PDF_MAX_ROWS."""
    return pdf_render(
        "dossiers/registers/register_pdf.html",
        {
            **official_header(filters.agency, number="", issued_at=timezone.now()),
            "filters": filters,
            "rows": rows[:REGISTER_PDF_MAX_ROWS],
        },
    )
