"""API of signed results: public verification by token (the QR code) and by uploaded file."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import File, Router, Schema
from ninja.files import UploadedFile
from pydantic import Field as SchemaField

from motcua.core.middleware import client_ip
from motcua.core.schemas import ErrorSchema
from motcua.results.documents import verify_url
from motcua.results.models import Result
from motcua.results.selectors import holder_name_masked, result_get_by_token
from motcua.results.verification import result_verify_upload

router = Router(tags=["results"])


class ResultPublicOut(Schema):
    number: str
    kind: str = SchemaField(description="permit, certificate, decision hoặc notice.")
    kind_label: str
    title: str
    agency_code: str
    agency_name: str
    issued_at: datetime
    holder: str = SchemaField(description="Tên người được cấp, che một phần.")
    status: str = SchemaField(description="valid, replaced hoặc revoked.")
    status_label: str
    sha256: str = SchemaField(description="SHA-256 của tệp PDF đã ký, như đã lưu.")
    signer_name: str
    signer_title: str
    signed_at: datetime
    signature_level: str
    certificate_subject: str
    certificate_issuer: str
    certificate_serial: str
    certificate_fingerprint: str
    replaced_by: str | None = SchemaField(None, description="Số kết quả thay thế.")
    replaces: str | None = SchemaField(None, description="Số kết quả được thay thế.")
    revoked_at: datetime | None = None
    revoked_reason: str = ""
    verify_url: str


class SignatureOut(Schema):
    signer: str
    signed_at: str | None
    intact: bool = SchemaField(description="Nội dung được ký chưa bị thay đổi.")
    trusted: bool = SchemaField(description="Chứng thư thuộc tổ chức được tin cậy.")
    covers_whole_file: bool
    valid: bool = SchemaField(description="Hợp lệ toàn bộ: nguyên vẹn, tin cậy, phủ cả tệp.")


class VerifyOut(Schema):
    sha256: str
    verdict: str = SchemaField(
        description="issued, altered, signed_not_issued, untrusted hoặc unsigned."
    )
    message: str
    issued: bool = SchemaField(description="Đúng là bản gốc, chưa sửa đổi, của một kết quả.")
    signature_valid: bool
    signatures: list[SignatureOut]
    result: ResultPublicOut | None = None


def _public(result: Result) -> dict[str, Any]:
    replacement = getattr(result, "replacement", None)
    return {
        "number": result.number,
        "kind": result.kind,
        "kind_label": str(result.get_kind_display()),
        "title": result.title,
        "agency_code": result.agency.code,
        "agency_name": result.agency.name,
        "issued_at": result.issued_at,
        "holder": holder_name_masked(result.holder_name),
        "status": result.status,
        "status_label": str(result.get_status_display()),
        "sha256": result.sha256,
        "signer_name": result.signer_name,
        "signer_title": result.signer_title,
        "signed_at": result.signed_at,
        "signature_level": result.signature_level,
        "certificate_subject": result.certificate_subject,
        "certificate_issuer": result.certificate_issuer,
        "certificate_serial": result.certificate_serial,
        "certificate_fingerprint": result.certificate_fingerprint,
        "replaced_by": replacement.number if replacement else None,
        "replaces": result.replaces.number if result.replaces_id else None,
        "revoked_at": result.revoked_at,
        "revoked_reason": result.revoked_reason,
        "verify_url": verify_url(result.verify_token),
    }


@router.get(
    "/results/verify/{token}",
    response={200: ResultPublicOut, 404: ErrorSchema},
    auth=None,
    summary="Xác minh kết quả theo mã QR",
    description=(
        "Thông tin công khai của một kết quả theo mã xác minh in trong mã QR: cơ quan ban hành, "
        "số, ngày, tên người được cấp (che một phần), tình trạng (valid, replaced, revoked) và "
        "SHA-256 của tệp gốc. Mã không đúng trả lời 404."
    ),
)
def verify_token(request: HttpRequest, token: str):
    return _public(result_get_by_token(token=token))


@router.post(
    "/results/verify",
    response={200: VerifyOut, 400: ErrorSchema, 422: ErrorSchema, 429: ErrorSchema},
    auth=None,
    summary="Kiểm tra một tệp PDF kết quả",
    description=(
        "Gửi multipart/form-data với trường `file` (PDF, tối đa RESULT_VERIFY_MAX_MB MB). Trả "
        "lời tệp có phải bản gốc chưa sửa đổi của một kết quả đã ban hành (so SHA-256) và chữ "
        "ký số có hợp lệ không (kiểm tra với các tổ chức chứng thực được tin cậy). 400: thiếu "
        "tệp, tệp rỗng, quá lớn hoặc không phải PDF; 422: PDF mã hóa, hỏng hoặc đọc quá lâu; "
        "429: quá số lần kiểm tra cho phép."
    ),
)
def verify_file(request: HttpRequest, file: File[UploadedFile | None] = None):
    verdict = result_verify_upload(uploaded=file, client=client_ip(request))
    return {
        "sha256": verdict.sha256,
        "verdict": verdict.verdict,
        "message": verdict.message,
        "issued": verdict.is_issued,
        "signature_valid": verdict.signature_valid,
        "signatures": [
            {
                "signer": s["signer_common_name"] or s["signer"],
                "signed_at": s["signed_at"],
                "intact": s["intact"],
                "trusted": s["trusted"],
                "covers_whole_file": s["covers_whole_file"],
                "valid": s["bottom_line"] and s["covers_whole_file"],
            }
            for s in verdict.signatures
        ],
        "result": _public(verdict.result) if verdict.result else None,
    }
