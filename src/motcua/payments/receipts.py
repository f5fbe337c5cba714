"""The receipt (biên lai thu phí, lệ phí) of a paid payment as a PDF, made on demand from an HTML
template in the official layout of the one-stop forms (WeasyPrint), with the amount in words."""

from __future__ import annotations

from typing import Any

import segno
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.errors import NotFound
from motcua.dossiers.forms_pdf import pdf_render, place_name
from motcua.dossiers.pdf import lookup_url
from motcua.payments.gateways import gateway_classes
from motcua.payments.models import Payment, PaymentStatus

_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_SCALES = ("", "nghìn", "triệu", "tỷ", "nghìn tỷ", "triệu tỷ")


def _group_words(number: int, *, leading: bool) -> list[str]:
    """Words of 0..999; a group after the first always says its hundreds ("không trăm")."""
    hundreds, tens, units = number // 100, number // 10 % 10, number % 10
    words: list[str] = []
    if hundreds or not leading:
        words += [_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units and words:
            words += ["lẻ", _DIGITS[units]]
        elif units:
            words.append(_DIGITS[units])
        return words
    words += ["mười"] if tens == 1 else [_DIGITS[tens], "mươi"]
    if units == 5:
        words.append("lăm")
    elif units == 1 and tens > 1:
        words.append("mốt")
    elif units == 4 and tens > 1:
        words.append("tư")
    elif units:
        words.append(_DIGITS[units])
    return words


def amount_in_words(amount: int) -> str:
    """150000 -> "Một trăm năm mươi nghìn đồng", as receipts write the sum ("Bằng chữ")."""
    if amount < 0 or amount >= 1000 ** len(_SCALES):
        raise ValueError(amount)
    if amount == 0:
        return "Không đồng"
    groups = []
    while amount:
        groups.append(amount % 1000)
        amount //= 1000
    words: list[str] = []
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            continue
        words += _group_words(group, leading=not words)
        if _SCALES[index]:
            words.append(_SCALES[index])
    text = " ".join(words) + " đồng"
    return text[0].upper() + text[1:]


def receipt_context(payment: Payment) -> dict[str, Any]:
    if payment.status != PaymentStatus.PAID:
        raise NotFound(_("Giao dịch chưa được thanh toán nên chưa có biên lai."), field="order_ref")
    dossier = payment.dossier
    agency = dossier.agency
    url = lookup_url(dossier)
    gateway = gateway_classes().get(payment.gateway)
    return {
        "agency": agency,
        "parent_name": agency.parent.name.upper() if agency.parent_id else "",
        "agency_name": agency.name.upper(),
        "number": payment.receipt_no or payment.order_ref,
        "place": place_name(agency),
        "issued_at": timezone.localtime(payment.paid_at),
        "dossier": dossier,
        "version": dossier.procedure_version,
        "payment": payment,
        "method": _("Tiền mặt tại bộ phận một cửa")
        if payment.is_cash
        else (gateway.label if gateway else payment.gateway),
        "paid_at": timezone.localtime(payment.paid_at),
        "in_words": amount_in_words(payment.amount),
        "lookup_url": url,
        "qr_data_uri": segno.make(url, error="m").svg_data_uri(scale=4, border=2),
    }


def receipt_pdf(payment: Payment) -> bytes:
    return pdf_render("payments/receipt.html", receipt_context(payment))
