"""The acknowledgement of a submitted dossier (giấy xác nhận nộp hồ sơ) as a PDF, made on demand
from an HTML template with WeasyPrint; its QR code opens the public lookup of the dossier."""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from motcua.catalog.models import Channel
from motcua.core.text import nfc
from motcua.dossiers.models import Dossier


def lookup_url(dossier: Dossier) -> str:
    """The public lookup page of a dossier, as printed in the QR code."""
    return f"{settings.SITE_URL.rstrip('/')}/tra-cuu/?{urlencode({'code': dossier.code})}"


def acknowledgement_context(dossier: Dossier) -> dict:
    version = dossier.procedure_version
    attachments = list(dossier.attachments.all())
    per_document = Counter(attachment.required_document_id for attachment in attachments)
    documents = [
        {"name": document.name, "files": per_document.get(document.pk, 0)}
        for document in version.documents.order_by("order", "id")
    ]
    others = per_document.get(None, 0)
    url = lookup_url(dossier)
    return {
        "dossier": dossier,
        "version": version,
        "agency": dossier.agency,
        "is_online": dossier.channel == Channel.ONLINE,
        "documents": documents,
        "other_files": others,
        "file_count": len(attachments),
        "lookup_url": url,
        "qr_data_uri": segno.make(url, error="m").svg_data_uri(scale=4, border=2),
        "submitted_at": timezone.localtime(dossier.submitted_at),
        "appointment_at": (
            timezone.localtime(dossier.appointment_at) if dossier.appointment_at else None
        ),
        "printed_at": timezone.localtime(),
    }


def acknowledgement_html(dossier: Dossier) -> str:
    # Vietnamese arrives composed and decomposed; NFC keeps stacked marks in place in the PDF.
    return nfc(render_to_string("dossiers/acknowledgement.html", acknowledgement_context(dossier)))


def acknowledgement_pdf(dossier: Dossier) -> bytes:
    from weasyprint import HTML  # heavy import, only where a PDF is made

    return HTML(string=acknowledgement_html(dossier), base_url=settings.SITE_URL).write_pdf()
