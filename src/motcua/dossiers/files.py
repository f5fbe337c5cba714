"""Checking an uploaded file before it becomes an attachment: its type read from the content
(never from the name), encryption, size limits, and a clean original name.

Accepted: PDF, JPEG, PNG, DOCX and XLSX. DOCX and XLSX are ZIP packages whose
`[Content_Types].xml` declares the main part of a Word document or an Excel workbook; they are
read with `zipfile` after a check of the sizes that the archive declares, so that a small file
that would inflate to gigabytes (a zip bomb) is refused without being inflated. A password-
protected Office file is not a ZIP at all but an OLE compound file holding an
`EncryptedPackage` stream; it is refused, as is an encrypted PDF.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from motcua.core.errors import InvalidInput
from motcua.core.text import nfc

MB = 1024 * 1024
FIELD = "file"
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class FileType:
    content_type: str
    label: str  # what a person calls it, in messages
    extensions: tuple[str, ...]  # the first one is added to a name that has none


PDF = FileType("application/pdf", "PDF", (".pdf",))
JPEG = FileType("image/jpeg", gettext_noop("ảnh JPEG"), (".jpg", ".jpeg"))
PNG = FileType("image/png", gettext_noop("ảnh PNG"), (".png",))
DOCX = FileType(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    gettext_noop("văn bản Word (DOCX)"),
    (".docx",),
)
XLSX = FileType(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    gettext_noop("bảng tính Excel (XLSX)"),
    (".xlsx",),
)
ALLOWED_TYPES = (PDF, JPEG, PNG, DOCX, XLSX)
ALLOWED_EXTENSIONS = frozenset(ext for kind in ALLOWED_TYPES for ext in kind.extensions)
# For the file input's `accept` attribute: a hint to the browser, the server decides.
ACCEPT = ",".join(sorted(ALLOWED_EXTENSIONS))

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_ZIP_MAGIC = b"PK\x03\x04"
# The main part's content type in [Content_Types].xml; the macro-enabled variants (docm, xlsm)
# declare other types and are therefore refused.
_WORD_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_EXCEL_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
# Zip-bomb guards: what an honest office document never exceeds.
ZIP_MAX_ENTRIES = 5000
ZIP_MAX_RATIO = 100  # declared uncompressed size / compressed size, per entry and overall
ZIP_MAX_UNCOMPRESSED = 200 * MB
_CONTENT_TYPES_MAX = MB


def max_file_bytes() -> int:
    return settings.DOSSIER_MAX_FILE_MB * MB


def max_total_bytes() -> int:
    return settings.DOSSIER_MAX_TOTAL_MB * MB


def _refuse(name: str, reason: str, *, code: str) -> InvalidInput:
    return InvalidInput(
        _("Tệp “%(name)s” không được chấp nhận: %(reason)s") % {"name": name, "reason": reason},
        code=code,
        field=FIELD,
    )


def clean_name(raw: str | None) -> str:
    """The uploader's file name as shown and used for downloads: NFC, without any folder part
    or control characters, at most 255 characters (the extension kept)."""
    name = nfc(str(raw or "")).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    # Lone surrogates cannot be stored; drop anything that is not valid UTF-8.
    name = name.encode("utf-8", "ignore").decode("utf-8")
    if len(name) > 255:
        stem, ext = os.path.splitext(name)
        name = stem[: 255 - len(ext[:20])] + ext[:20]
    return name or _("tep-dinh-kem")


def _size_text(size: int) -> str:
    if size >= MB:
        return f"{size / MB:.1f} MB".replace(".", ",")
    return f"{max(1, round(size / 1024))} KB"


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed every check: what to store about it."""

    name: str
    content_type: str
    size: int
    sha256: str


def file_check(handle: IO[bytes], *, name: str, size: int | None = None) -> CheckedFile:
    """Check one uploaded file; raise InvalidInput (field "file") naming the file and the
    reason. Reads the file (seeking back to the start when done)."""
    shown = clean_name(name)
    if size is None:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
    if size <= 0:
        raise _refuse(shown, _("tệp rỗng (0 byte)."), code="file_empty")
    if size > max_file_bytes():
        raise _refuse(
            shown,
            _("dung lượng %(size)s vượt quá giới hạn %(limit)s MB mỗi tệp.")
            % {"size": _size_text(size), "limit": settings.DOSSIER_MAX_FILE_MB},
            code="file_too_large",
        )
    handle.seek(0)
    head = handle.read(8192)
    handle.seek(0)
    kind = _detect(handle, head, shown)
    extension = os.path.splitext(shown)[1].lower()
    if extension and extension not in kind.extensions:
        raise _refuse(
            shown,
            _(
                "tên tệp có đuôi %(extension)s nhưng nội dung là %(kind)s. Hãy chọn đúng tệp, "
                "hoặc đặt lại tên cho đúng loại."
            )
            % {"extension": extension, "kind": _(kind.label)},
            code="file_type_mismatch",
        )
    if not extension:
        shown = clean_name(shown + kind.extensions[0])
    digest = hashlib.sha256()
    handle.seek(0)
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
    handle.seek(0)
    return CheckedFile(
        name=shown, content_type=kind.content_type, size=size, sha256=digest.hexdigest()
    )


def _detect(handle: IO[bytes], head: bytes, name: str) -> FileType:
    if b"%PDF-" in head[:1024]:
        _check_pdf(handle, name)
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        _check_image(handle, name, "JPEG")
        return JPEG
    if head.startswith(_PNG_MAGIC):
        _check_image(handle, name, "PNG")
        return PNG
    if head.startswith(_ZIP_MAGIC):
        return _check_office(handle, name)
    if head.startswith(_OLE_MAGIC):
        if _contains(handle, _ENCRYPTED_PACKAGE):
            raise _refuse(
                name,
                _("tệp Office được đặt mật khẩu. Hãy gỡ mật khẩu rồi tải lên lại."),
                code="file_encrypted",
            )
        raise _refuse(
            name,
            _(
                "định dạng Office cũ (.doc, .xls) không được nhận. Hãy lưu lại thành DOCX, "
                "XLSX hoặc PDF."
            ),
            code="file_type_not_allowed",
        )
    raise _refuse(
        name,
        _(
            "chỉ nhận tệp PDF, ảnh JPEG, PNG, văn bản DOCX hoặc bảng tính XLSX (kiểm tra theo "
            "nội dung tệp)."
        ),
        code="file_type_not_allowed",
    )


def _contains(handle: IO[bytes], needle: bytes) -> bool:
    handle.seek(0)
    tail = b""
    while chunk := handle.read(CHUNK):
        if needle in tail + chunk:
            handle.seek(0)
            return True
        tail = chunk[-len(needle) :]
    handle.seek(0)
    return False


def _check_pdf(handle: IO[bytes], name: str) -> None:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    handle.seek(0)
    try:
        reader = PdfReader(handle, strict=False)
        encrypted = reader.is_encrypted
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError):
        encrypted = None
    except RecursionError:
        encrypted = None
    handle.seek(0)
    if encrypted is None:
        raise _refuse(
            name, _("tệp PDF bị hỏng, không đọc được. Hãy xuất lại tệp PDF."), code="file_damaged"
        )
    if encrypted:
        raise _refuse(
            name,
            _("tệp PDF được mã hóa hoặc đặt mật khẩu. Hãy gỡ mật khẩu rồi tải lên lại."),
            code="file_encrypted",
        )


def _check_image(handle: IO[bytes], name: str, expected: str) -> None:
    from PIL import Image

    handle.seek(0)
    try:
        with Image.open(handle) as image:
            image_format = image.format
            image.verify()
    except Exception:  # Pillow raises many kinds of error for a broken image
        image_format = None
    handle.seek(0)
    if image_format != expected:
        raise _refuse(name, _("ảnh bị hỏng hoặc quá lớn, không đọc được."), code="file_damaged")


def _check_office(handle: IO[bytes], name: str) -> FileType:
    handle.seek(0)
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _refuse(name, _("tệp nén bị hỏng, không đọc được."), code="file_damaged") from None
    with archive:
        entries = archive.infolist()
        if len(entries) > ZIP_MAX_ENTRIES:
            raise _bomb(name)
        compressed = sum(entry.compress_size for entry in entries)
        uncompressed = sum(entry.file_size for entry in entries)
        if (
            uncompressed > ZIP_MAX_UNCOMPRESSED
            or uncompressed > ZIP_MAX_RATIO * max(compressed, 1) + MB
        ):
            raise _bomb(name)
        for entry in entries:
            if entry.flag_bits & 0x1:
                raise _refuse(
                    name,
                    _("tệp có phần bị mã hóa. Hãy gỡ mật khẩu rồi tải lên lại."),
                    code="file_encrypted",
                )
            if entry.file_size > ZIP_MAX_RATIO * max(entry.compress_size, 1) + MB:
                raise _bomb(name)
        names = {entry.filename for entry in entries}
        content_types = (
            _read_limited(archive, "[Content_Types].xml")
            if ("[Content_Types].xml" in names)
            else b""
        )
    handle.seek(0)
    if _WORD_MAIN in content_types and any(n.startswith("word/") for n in names):
        return DOCX
    if _EXCEL_MAIN in content_types and any(n.startswith("xl/") for n in names):
        return XLSX
    raise _refuse(
        name,
        _(
            "tệp nén không phải văn bản DOCX hay bảng tính XLSX (tệp .zip, .docm, .xlsm... "
            "không được nhận)."
        ),
        code="file_type_not_allowed",
    )


def _bomb(name: str) -> InvalidInput:
    return _refuse(
        name,
        _("tệp nén có kích thước giải nén bất thường (nghi ngờ “bom nén”)."),
        code="file_suspicious",
    )


def _read_limited(archive: zipfile.ZipFile, member: str) -> bytes:
    try:
        with archive.open(member) as part:
            return part.read(_CONTENT_TYPES_MAX)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError):
        return b""


def total_check(*, name: str, current_total: int, adding: int) -> None:
    """Refuse a file that would take the dossier's files over DOSSIER_MAX_TOTAL_MB."""
    if current_total + adding > max_total_bytes():
        raise _refuse(
            clean_name(name),
            _(
                "tổng dung lượng các tệp của hồ sơ sẽ là %(total)s, vượt giới hạn %(limit)s MB "
                "mỗi hồ sơ."
            )
            % {"total": _size_text(current_total + adding), "limit": settings.DOSSIER_MAX_TOTAL_MB},
            code="dossier_too_large",
        )
