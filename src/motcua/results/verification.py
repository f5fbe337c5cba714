"""Verifying an uploaded PDF: is it an unaltered result issued by Motcua (its SHA-256 is in the
register of results) and is its signature valid (pyHanko against RESULT_TRUST_ROOTS, in an
isolated process with a size and time limit)? Every outcome is a verdict or a domain error with
a Vietnamese message, never a 500."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from motcua.core.errors import DomainError, InvalidInput
from motcua.core.ratelimit import Rate, ratelimit_enforce
from motcua.results.models import Result, ResultStatus
from motcua.results.pdfcheck import check_isolated
from motcua.results.selectors import result_find_by_sha256

# Where a PDF's header may start (some producers put bytes before it).
_HEADER_WINDOW = 1024


class UnverifiableFile(DomainError):
    """A PDF that cannot be checked: encrypted, unreadable, or too slow to read."""

    status = 422
    default_code = "unverifiable"


class Verdict:
    ISSUED = "issued"  # the exact file of a result in the register
    ALTERED = "altered"  # signed, but changed since (or a signature broken)
    SIGNED_NOT_ISSUED = "signed_not_issued"  # valid trusted signature, not in the register
    UNTRUSTED = "untrusted"  # intact signature of a certificate nobody here trusts
    UNSIGNED = "unsigned"  # no signature, not in the register


@dataclass(frozen=True)
class UploadVerdict:
    sha256: str
    verdict: str
    message: str
    result: Result | None = None
    signatures: list[dict[str, Any]] = field(default_factory=list)

    @property
    def signature_valid(self) -> bool:
        """Every signature intact, mathematically valid, trusted and covering the whole file."""
        return bool(self.signatures) and all(
            s["bottom_line"] and s["covers_whole_file"] for s in self.signatures
        )

    @property
    def is_issued(self) -> bool:
        return self.result is not None


def _moment(value: str | None) -> datetime | None:
    """The signing time a signature reports (ISO text from the checking process)."""
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def _trust_roots() -> list[bytes]:
    roots = []
    for name in settings.RESULT_TRUST_ROOTS:
        try:
            roots.append(Path(name).read_bytes())
        except OSError:
            continue
    return roots


def _issued_message(result: Result) -> str:
    base = _(
        "Đây là bản gốc, chưa bị sửa đổi, của %(kind)s số %(number)s do %(agency)s ban hành."
    ) % {
        "kind": result.get_kind_display().lower(),
        "number": result.number,
        "agency": result.agency.name,
    }
    if result.status == ResultStatus.REPLACED:
        replacement = getattr(result, "replacement", None)
        return (
            base
            + " "
            + (
                _("Kết quả này đã được thay thế bởi kết quả số %(number)s.")
                % {"number": replacement.number}
                if replacement
                else _("Kết quả này đã được thay thế.")
            )
        )
    if result.status == ResultStatus.REVOKED:
        return (
            base
            + " "
            + _("Kết quả này đã bị thu hồi: %(reason)s") % {"reason": result.revoked_reason}
        )
    return base + " " + _("Kết quả đang có hiệu lực.")


def _verdict_for(signatures: list[dict[str, Any]]) -> tuple[str, str]:
    if not signatures:
        return Verdict.UNSIGNED, _(
            "Tệp không có chữ ký số và không phải là kết quả do hệ thống ban hành."
        )
    if not all(s["intact"] and s["covers_whole_file"] for s in signatures):
        return Verdict.ALTERED, _(
            "Tệp đã bị sửa đổi sau khi ký: đây không phải bản gốc của kết quả đã ban hành."
        )
    if all(s["bottom_line"] for s in signatures):
        return Verdict.SIGNED_NOT_ISSUED, _(
            "Chữ ký số hợp lệ và thuộc tổ chức được tin cậy, nhưng tệp này không có trong sổ "
            "kết quả của hệ thống."
        )
    return Verdict.UNTRUSTED, _(
        "Tệp có chữ ký số nguyên vẹn nhưng chứng thư ký không thuộc tổ chức được tin cậy: không "
        "phải kết quả do hệ thống ban hành."
    )


def _read(uploaded: Any) -> bytes:
    if uploaded is None:
        raise InvalidInput(_("Vui lòng chọn tệp PDF cần kiểm tra."), field="file")
    limit = settings.RESULT_VERIFY_MAX_MB * 1024 * 1024
    size = getattr(uploaded, "size", None)
    if size is not None and size > limit:
        raise InvalidInput(
            _("Tệp lớn quá %(mb)s MB: không kiểm tra được.")
            % {"mb": settings.RESULT_VERIFY_MAX_MB},
            code="too_large",
            field="file",
        )
    data = uploaded.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput(
            _("Tệp lớn quá %(mb)s MB: không kiểm tra được.")
            % {"mb": settings.RESULT_VERIFY_MAX_MB},
            code="too_large",
            field="file",
        )
    if not data:
        raise InvalidInput(_("Tệp rỗng."), code="empty", field="file")
    if b"%PDF-" not in data[:_HEADER_WINDOW]:
        raise InvalidInput(
            _("Tệp không phải là PDF: chỉ kiểm tra được kết quả dạng PDF."),
            code="not_pdf",
            field="file",
        )
    return data


_ERRORS = {
    "encrypted": lambda: UnverifiableFile(
        _("Tệp PDF được mã hóa (đặt mật khẩu): không kiểm tra được chữ ký."),
        code="encrypted",
        field="file",
    ),
    "malformed": lambda: UnverifiableFile(
        _("Tệp PDF bị hỏng hoặc có cấu trúc không hợp lệ: không đọc được."),
        code="malformed_pdf",
        field="file",
    ),
    "timeout": lambda: UnverifiableFile(
        _("Kiểm tra tệp này mất quá nhiều thời gian nên đã dừng: tệp có cấu trúc bất thường."),
        code="verification_timeout",
        field="file",
    ),
}


def result_verify_upload(*, uploaded: Any, client: str | None) -> UploadVerdict:
    """The verdict on an uploaded file (a Django UploadedFile or any object with read()).
    Raises InvalidInput (400: missing, empty, too large, not a PDF), UnverifiableFile (422:
    encrypted, malformed, too slow) and TooManyRequests (429)."""
    ratelimit_enforce(
        scope="result_verify",
        key=client or "-",
        rates=[Rate.parse(rate) for rate in settings.RESULT_VERIFY_RATES],
        message=_("Bạn đã kiểm tra quá nhiều tệp. Vui lòng thử lại sau."),
    )
    data = _read(uploaded)
    sha256 = hashlib.sha256(data).hexdigest()
    result = result_find_by_sha256(sha256=sha256)
    report = check_isolated(data, _trust_roots(), seconds=settings.RESULT_VERIFY_TIMEOUT_SECONDS)
    error = report.get("error")
    if error and result is None:
        raise _ERRORS.get(error, _ERRORS["malformed"])()
    signatures = [
        {**signature, "signed_at_local": _moment(signature.get("signed_at"))}
        for signature in report.get("signatures", [])
    ]
    if result is not None:
        return UploadVerdict(
            sha256=sha256,
            verdict=Verdict.ISSUED,
            message=_issued_message(result),
            result=result,
            signatures=signatures,
        )
    verdict, message = _verdict_for(signatures)
    return UploadVerdict(sha256=sha256, verdict=verdict, message=message, signatures=signatures)
