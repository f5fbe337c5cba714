"""Checking a report's photos, videos and documents: images and PDF through the dossiers'
content checks (dossiers/files.py), plus MP4 videos recognised by their `ftyp` box."""

from __future__ import annotations

import hashlib
import os
from typing import IO

from django.utils.translation import gettext as _

from motcua.core.errors import InvalidInput
from motcua.dossiers.files import CHUNK, CheckedFile, clean_name, file_check, max_file_bytes

FIELD = "photos"
MAX_FILES = 5
ALLOWED_CONTENT_TYPES = ("image/jpeg", "image/png", "application/pdf", "video/mp4")
ACCEPT = ".jpg,.jpeg,.png,.pdf,.mp4"
# ISO base media brands of MP4 files from phones and cameras.
_MP4_BRANDS = (b"isom", b"iso2", b"mp41", b"mp42", b"avc1", b"M4V ", b"3gp4", b"3gp5", b"dash")


def _refuse(name: str, reason: str, code: str) -> InvalidInput:
    return InvalidInput(
        _("Tệp “%(name)s” không được chấp nhận: %(reason)s") % {"name": name, "reason": reason},
        code=code,
        field=FIELD,
    )


def _is_mp4(head: bytes) -> bool:
    return len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in _MP4_BRANDS


def _check_mp4(handle: IO[bytes], name: str, size: int) -> CheckedFile:
    extension = os.path.splitext(name)[1].lower()
    if extension and extension not in (".mp4", ".m4v"):
        raise _refuse(
            name,
            _("tên tệp có đuôi %(extension)s nhưng nội dung là video MP4.")
            % {"extension": extension},
            "file_type_mismatch",
        )
    digest = hashlib.sha256()
    handle.seek(0)
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
    handle.seek(0)
    return CheckedFile(
        name=name if extension else clean_name(name + ".mp4"),
        content_type="video/mp4",
        size=size,
        sha256=digest.hexdigest(),
    )


def report_file_check(handle: IO[bytes], *, name: str, size: int | None = None) -> CheckedFile:
    """Check one file of a report; raise InvalidInput (field "photos") naming it and why."""
    shown = clean_name(name)
    if size is None:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
    handle.seek(0)
    head = handle.read(16)
    handle.seek(0)
    if _is_mp4(head) and 0 < size <= max_file_bytes():
        return _check_mp4(handle, shown, size)
    try:
        checked = file_check(handle, name=name, size=size)
    except InvalidInput as error:
        raise InvalidInput(error.message, code=error.code, field=FIELD) from None
    if checked.content_type not in ALLOWED_CONTENT_TYPES:
        raise _refuse(
            shown,
            _("phản ánh chỉ nhận ảnh JPEG, PNG, video MP4 hoặc tệp PDF."),
            "file_type_not_allowed",
        )
    return checked


def report_files_count_check(count: int) -> None:
    if count > MAX_FILES:
        raise InvalidInput(
            _("Mỗi lần gửi tối đa %(count)s tệp.") % {"count": MAX_FILES},
            code="too_many_files",
            field=FIELD,
        )
