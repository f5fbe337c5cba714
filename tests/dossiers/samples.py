"""Test data for submission tests: small real files of each type, and ready-to-submit drafts."""

from __future__ import annotations

import io
import itertools
import os
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter

from motcua.catalog import services as catalog_services
from motcua.catalog.models import ProcedureVersion
from motcua.core.models import Commune
from motcua.dossiers.models import Dossier
from motcua.dossiers.services import attachment_upload, dossier_draft_create, dossier_draft_update
from tests.catalog.factories import published_procedure
from tests.factories import UserFactory

WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
EXCEL_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
VALID_FORM = {"project_name": "Nhà máy xử lý nước thải Phước Hòa", "copies": 2}
_numbers = itertools.count(1)


def pdf_bytes(*, password: str | None = None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_bytes(kind: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 128, 0)).save(out, kind)
    return out.getvalue()


def noise_png(side: int = 500) -> bytes:
    """A PNG of random pixels: it does not compress, so its size is about side² × 3 bytes."""
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, "PNG")
    return out.getvalue()


def office_bytes(kind: str = "docx", *, bomb_mb: int = 0) -> bytes:
    main, part = (
        (WORD_MAIN, "word/document.xml") if kind == "docx" else (EXCEL_MAIN, "xl/workbook.xml")
    )
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        f'package/2006/content-types"><Override PartName="/{part}" ContentType="{main}"/></Types>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr(part, "<document/>" if not bomb_mb else "0" * (bomb_mb * 1024 * 1024))
    return out.getvalue()


def encrypted_office_bytes() -> bytes:
    """What Word writes for a password-protected document: an OLE compound file."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    return header + b"\x00" * 512 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 1024


def upload(name: str = "don-de-nghi.pdf", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes() if content is None else content)


def submission_procedure(*, reusable: bool = False, **options) -> ProcedureVersion:
    """A published procedure with two required documents (reusable from the data store if
    asked) and the catalogue's simple form (project_name, area_m2, copies)."""
    options.setdefault("documents", 2)
    version = published_procedure(publish=False, **options)
    if reusable:
        for document in version.documents.all():
            document.reusable_from_data_store = True
            catalog_services.required_document_save(actor=None, document=document)
    return catalog_services.procedure_publish(version=version, actor=None)


def citizen(**fields):
    """A citizen account with everything a dossier needs (call with administrative units)."""
    number = next(_numbers)
    fields.setdefault("personal_id", f"001090{number:06d}")
    fields.setdefault("phone", f"091{number:07d}")
    fields.setdefault("address", "Số 12 đường Lê Lợi")
    fields.setdefault("commune", Commune.objects.order_by("code").first())
    return UserFactory(**fields)


def complete_draft(version: ProcedureVersion, owner, *, form: dict | None = None) -> Dossier:
    """An online draft with the form filled in and one PDF per required document."""
    draft = dossier_draft_create(procedure_code=version.procedure.code, owner=owner, actor=owner)
    dossier_draft_update(
        dossier=draft,
        actor=owner,
        form_data=VALID_FORM if form is None else form,
        expected_version=draft.version,
    )
    for document in version.documents.all():
        attachment_upload(
            actor=owner, uploaded_file=upload(), required_document=document, dossier=draft
        )
    return draft
