"""API of dossiers: upload, submit (idempotent), list and read dossiers; back-office actions."""

import math
import re
from datetime import datetime
from typing import Annotated, Any

from django.core.paginator import Paginator
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Header, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import BaseModel, ConfigDict
from pydantic import Field as SchemaField

from motcua.accounts.auth import session_or_token
from motcua.accounts.selectors import is_staff_user
from motcua.core.errors import InvalidInput
from motcua.core.middleware import client_ip
from motcua.core.schemas import ErrorSchema
from motcua.dossiers.backoffice import dossier_act
from motcua.dossiers.models import Attachment, Dossier
from motcua.dossiers.selectors import (
    dossier_attachments,
    dossier_get_visible_to,
    dossier_history_for,
    dossier_list_own,
)
from motcua.dossiers.services import attachment_upload, body_fingerprint, dossier_submit_online
from motcua.dossiers.tracking import dossier_lookup

router = Router(tags=["dossiers"])


# --- Submission: files and dossiers of the caller -------------------------------------------

PAGE_SIZE = 20
_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,100}")


class FileOut(Schema):
    id: int
    name: str
    size: int = SchemaField(description="Dung lượng (byte).")
    sha256: str
    content_type: str


class AttachmentRef(Schema):
    file_id: int = SchemaField(ge=1, le=2**62, description="id trả về từ POST /files.")
    required_document_id: int | None = SchemaField(
        None,
        ge=1,
        le=2**62,
        description="id thành phần hồ sơ của thủ tục (GET /procedures/{code}).",
    )


class ApplicantIn(Schema):
    """Thông tin người nộp khác với tài khoản (để trống: lấy từ tài khoản)."""

    name: str | None = SchemaField(None, max_length=255)
    id_number: str | None = SchemaField(None, max_length=20, description="Số định danh hoặc MST.")
    phone: str | None = SchemaField(None, max_length=20)
    email: str | None = SchemaField(None, max_length=254)
    address: str | None = SchemaField(None, max_length=255)
    commune: str | None = SchemaField(None, max_length=5, description="Mã xã, phường (5 chữ số).")


class DossierIn(Schema):
    procedure_code: str = SchemaField(max_length=32, description="Mã thủ tục, ví dụ 1.012756.")
    form_data: dict[str, Any] = SchemaField(
        default_factory=dict, description="Nội dung tờ khai theo JSON Schema của thủ tục."
    )
    attachments: list[AttachmentRef] = SchemaField(default_factory=list, max_length=100)
    applicant: ApplicantIn | None = None


class NamedRef(Schema):
    code: str
    name: str


class ApplicantOut(Schema):
    kind: str
    name: str
    id_number: str
    phone: str
    email: str
    address: str
    commune: str | None


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    sha256: str
    content_type: str
    required_document_id: int | None
    is_digitized: bool
    is_reused: bool
    reused_from: str
    url: str = SchemaField(description="Tải tệp (cần đăng nhập).")


class EventOut(Schema):
    occurred_at: datetime
    action: str
    from_status: str
    to_status: str


class DossierSummaryOut(Schema):
    code: str
    status: str
    status_label: str
    national_status_code: int | None
    channel: str
    procedure: NamedRef
    agency: NamedRef
    submitted_at: datetime | None
    appointment_at: datetime | None = SchemaField(
        description="Hạn giải quyết theo luật (dời theo thời gian tạm dừng)."
    )
    promised_at: datetime | None = SchemaField(
        description="Ngày hẹn trả đang có hiệu lực: ngày hẹn mới của phiếu xin lỗi (mẫu 04) nếu có."
    )
    version: int = SchemaField(description="Phiên bản hồ sơ, gửi kèm khi thực hiện thao tác.")


class DossierOut(DossierSummaryOut):
    procedure_version: int
    applicant: ApplicantOut
    form_data: dict[str, Any]
    received_at: datetime | None
    finished_at: datetime | None
    returned_at: datetime | None
    attachments: list[AttachmentOut]
    events: list[EventOut]
    acknowledgement_url: str


class DossierPage(Schema):
    items: list[DossierSummaryOut]
    count: int
    page: int
    pages: int
    page_size: int


class DossierListQuery(Schema):
    page: int = SchemaField(1, ge=1, le=100_000)


def _file_out(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "name": attachment.original_name,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "content_type": attachment.content_type,
    }


def _summary_out(dossier: Dossier) -> dict[str, Any]:
    version = dossier.procedure_version
    return {
        "code": dossier.code,
        "status": dossier.status,
        "status_label": dossier.get_status_display(),
        "national_status_code": dossier.national_status_code,
        "channel": dossier.channel,
        "procedure": {"code": version.procedure.code, "name": version.name},
        "agency": {"code": dossier.agency.code, "name": dossier.agency.name},
        "submitted_at": dossier.submitted_at,
        "appointment_at": dossier.appointment_at,
        "promised_at": dossier.promised_at,
        "version": dossier.version,
    }


def _dossier_out(dossier: Dossier, *, user) -> dict[str, Any]:
    events = dossier.events.order_by("occurred_at", "pk")
    if not is_staff_user(user):
        events = events.filter(is_public=True)
    return {
        **_summary_out(dossier),
        "procedure_version": dossier.procedure_version.number,
        "applicant": {
            "kind": dossier.applicant_kind,
            "name": dossier.applicant_name,
            "id_number": dossier.applicant_id_number,
            "phone": dossier.applicant_phone,
            "email": dossier.applicant_email,
            "address": dossier.applicant_address,
            "commune": dossier.applicant_commune_id,
        },
        "form_data": dossier.form_data,
        "received_at": dossier.received_at,
        "finished_at": dossier.finished_at,
        "returned_at": dossier.returned_at,
        "attachments": [
            {
                **_file_out(attachment),
                "required_document_id": attachment.required_document_id,
                "is_digitized": attachment.is_digitized,
                "is_reused": attachment.is_reused,
                "reused_from": attachment.reused_from,
                "url": reverse("dossiers:attachment", args=[attachment.pk]),
            }
            for attachment in dossier_attachments(dossier=dossier)
        ],
        "events": [
            {
                "occurred_at": event.occurred_at,
                "action": event.action,
                "from_status": event.from_status,
                "to_status": event.to_status,
            }
            for event in events
        ],
        "acknowledgement_url": reverse("dossiers:acknowledgement", args=[dossier.code]),
    }


@router.post(
    "/files",
    response={201: FileOut, 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema},
    auth=session_or_token,
    summary="Tải lên một tệp đính kèm",
    description=(
        "Gửi multipart/form-data với trường `file`. Nhận PDF, JPEG, PNG, DOCX, XLSX (kiểm tra "
        "theo nội dung, không theo tên); tệp mã hóa, đặt mật khẩu, sai loại hoặc quá giới hạn "
        'dung lượng bị từ chối (400, field "file"). Tệp không được gắn vào hồ sơ trong 24 giờ '
        "sẽ bị xóa."
    ),
)
def file_upload(request: HttpRequest, file: File[UploadedFile | None] = None):
    if file is None:
        raise InvalidInput(
            _("Thiếu tệp: gửi tệp trong trường “file” (multipart/form-data)."), field="file"
        )
    attachment = attachment_upload(actor=request.auth, uploaded_file=file)
    return Status(201, _file_out(attachment))


@router.post(
    "/dossiers",
    response={
        200: DossierOut,
        201: DossierOut,
        400: ErrorSchema,
        401: ErrorSchema,
        403: ErrorSchema,
        404: ErrorSchema,
        409: ErrorSchema,
    },
    auth=session_or_token,
    summary="Nộp hồ sơ trực tuyến",
    description=(
        "Tạo và nộp hồ sơ trong một lần: tờ khai và các tệp đã tải lên bằng POST /files. Trả "
        "201 kèm mã hồ sơ. Với tiêu đề `Idempotency-Key`, gửi lại cùng khóa và cùng nội dung "
        "trả 200 với chính hồ sơ đã tạo; cùng khóa mà khác nội dung trả 409. Lỗi dữ liệu trả "
        "400 với `field`: applicant.<trường>, form.<trường>, documents.<id>, "
        "attachments.<thứ tự>.file_id..."
    ),
)
def dossier_create(
    request: HttpRequest,
    payload: DossierIn,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="Khóa do bên gọi tạo (1–100 ký tự ASCII), để gửi lại an toàn.",
        ),
    ] = None,
):
    key = (idempotency_key or "").strip()
    if idempotency_key is not None and not _IDEMPOTENCY_KEY.fullmatch(key):
        raise InvalidInput(
            _("Idempotency-Key phải gồm 1 đến 100 ký tự ASCII in được, không có khoảng trắng."),
            field="Idempotency-Key",
        )
    body = payload.model_dump()
    result = dossier_submit_online(
        actor=request.auth,
        procedure_code=payload.procedure_code,
        form_data=payload.form_data,
        attachments=[(ref.file_id, ref.required_document_id) for ref in payload.attachments],
        applicant=(
            {name: value for name, value in body["applicant"].items() if value is not None}
            if payload.applicant
            else None
        ),
        idempotency_key=key,
        body_sha256=body_fingerprint(body) if key else "",
    )
    dossier = dossier_get_visible_to(user=request.auth, code=result.dossier.code)
    return Status(201 if result.created else 200, _dossier_out(dossier, user=request.auth))


@router.get(
    "/dossiers",
    response={200: DossierPage, 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema},
    auth=session_or_token,
    summary="Hồ sơ của tôi",
    description="Các hồ sơ đã nộp của người gọi (chủ hồ sơ hoặc người tiếp nhận), mới nhất trước.",
)
def dossier_list(request: HttpRequest, query: Query[DossierListQuery]):
    dossiers = dossier_list_own(user=request.auth)
    paginator = Paginator(dossiers, PAGE_SIZE)
    pages = max(1, math.ceil(paginator.count / PAGE_SIZE))
    if query.page > pages:
        raise InvalidInput(
            _("Trang %(page)s không tồn tại: kết quả chỉ có %(pages)s trang.")
            % {"page": query.page, "pages": pages},
            field="page",
        )
    return {
        "items": [_summary_out(dossier) for dossier in paginator.page(query.page).object_list],
        "count": paginator.count,
        "page": query.page,
        "pages": pages,
        "page_size": PAGE_SIZE,
    }


@router.get(
    "/dossiers/{code}",
    response={200: DossierOut, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema},
    auth=session_or_token,
    summary="Xem một hồ sơ",
    description=(
        "Cho chủ hồ sơ, người tiếp nhận và cán bộ được xem hồ sơ của cơ quan; người khác nhận "
        "404 như với mã không tồn tại."
    ),
)
def dossier_detail(request: HttpRequest, code: str):
    dossier = dossier_get_visible_to(user=request.auth, code=code)
    return _dossier_out(dossier, user=request.auth)


# --- Public lookup (tracking) ---------------------------------------------------------------


class LookupEventOut(Schema):
    occurred_at: datetime
    action: str
    action_label: str
    status: str
    status_label: str
    national_status_code: int | None


class LookupOut(Schema):
    code: str
    status: str
    status_label: str
    national_status_code: int | None
    procedure_code: str
    procedure_name: str
    agency_code: str
    agency_name: str
    current_unit: str | None
    applicant_initials: str
    submitted_at: datetime | None
    received_at: datetime | None
    appointment_at: datetime | None
    finished_at: datetime | None
    returned_at: datetime | None
    events: list[LookupEventOut]


@router.get(
    "/lookup",
    response={200: LookupOut, 400: ErrorSchema, 404: ErrorSchema, 429: ErrorSchema},
    summary="Tra cứu tình trạng hồ sơ",
    description=(
        "Tra cứu công khai theo mã hồ sơ và số điện thoại đã khai khi nộp (hoặc 4 số cuối số "
        "định danh cá nhân, mã số thuế). Trả về trạng thái, đơn vị đang xử lý, ngày hẹn trả và "
        "các bước xử lý công khai; về người nộp chỉ có tên viết tắt. Mã sai và số điện thoại "
        "sai đều trả lời 404 như nhau. Giới hạn số lần tra cứu theo địa chỉ IP và theo mã hồ "
        "sơ: vượt giới hạn trả lời 429 kèm Retry-After (giây)."
    ),
    auth=None,
)
def lookup(
    request: HttpRequest,
    code: Annotated[str, Query(description="Mã hồ sơ, ví dụ H56.14-261001-0001")] = "",
    phone: Annotated[str, Query(description="Số điện thoại của người nộp")] = "",
    id_last4: Annotated[str, Query(description="4 số cuối số định danh hoặc mã số thuế")] = "",
) -> JsonResponse:
    result = dossier_lookup(code=code, phone=phone, id_last4=id_last4, client=client_ip(request))
    return JsonResponse(result.as_json(), headers={"Cache-Control": "no-store"})


# --- Back office: actions and history -------------------------------------------------------


class ActionIn(BaseModel):
    """Một thao tác trên hồ sơ. Các trường khác tùy thao tác (ví dụ `reasons`, `items`,
    `assignee`, `step`, `note`, `amount`, `method`, `new_appointment_at`, `score`)."""

    # A plain pydantic model: ninja's Schema drops fields it does not declare, and each
    # action has its own (they are checked, with their field names, by the engine).
    model_config = ConfigDict(extra="allow")

    action: str = SchemaField(
        max_length=50,
        description=(
            "receive, request_supplement, refuse, assign, forward, return_to_step, consult, "
            "answer_consultation, inspect, transfer, pause, resume, stop, withdraw, supplement, "
            "finish, return_result, apologize, rate"
        ),
    )
    version: int = SchemaField(
        ge=0, le=2**31, description="Phiên bản hồ sơ người gọi đang xem (GET trả về)."
    )


class ActionOut(Schema):
    code: str
    status: str
    status_label: str
    national_status_code: int | None
    version: int
    current_unit: str | None
    assignee: str | None
    appointment_at: datetime | None
    step_due_at: datetime | None


class HistoryEventOut(Schema):
    occurred_at: datetime
    action: str
    action_label: str
    from_status: str
    to_status: str
    status_label: str
    actor: str | None
    note: str
    data: dict[str, Any]


@router.post(
    "/dossiers/{code}/actions",
    response={
        200: ActionOut,
        400: ErrorSchema,
        401: ErrorSchema,
        403: ErrorSchema,
        404: ErrorSchema,
        409: ErrorSchema,
    },
    auth=session_or_token,
    summary="Thực hiện một thao tác xử lý hồ sơ",
    description=(
        "Một bước chuyển của hồ sơ cho người dùng đã xác thực. 400 khi thao tác không được "
        "phép ở trạng thái, bước hiện tại hoặc thiếu trường bắt buộc (trường `field` chỉ ra "
        "trường lỗi); 403 khi vai trò, đơn vị không được phép; 409 khi `version` đã cũ (người "
        "khác vừa xử lý)."
    ),
)
def dossier_action(request: HttpRequest, code: str, body: ActionIn):
    dossier = dossier_get_visible_to(user=request.auth, code=code)
    payload = {
        key: value for key, value in body.model_dump().items() if key not in {"action", "version"}
    }
    dossier = dossier_act(
        actor=request.auth,
        dossier=dossier,
        action=body.action,
        payload=payload,
        version=body.version,
    )
    dossier = dossier_get_visible_to(user=request.auth, code=dossier.code)
    return {
        "code": dossier.code,
        "status": dossier.status,
        "status_label": str(dossier.get_status_display()),
        "national_status_code": dossier.national_status_code,
        "version": dossier.version,
        "current_unit": dossier.current_unit.name if dossier.current_unit_id else None,
        "assignee": dossier.assignee.full_name if dossier.assignee_id else None,
        "appointment_at": dossier.promised_at,
        "step_due_at": dossier.step_due_at,
    }


@router.get(
    "/dossiers/{code}/history",
    response={200: list[HistoryEventOut], 401: ErrorSchema, 404: ErrorSchema},
    auth=session_or_token,
    summary="Diễn biến xử lý hồ sơ",
    description=(
        "Các sự kiện của hồ sơ theo thời gian. Cán bộ của cơ quan thấy mọi sự kiện; chủ hồ sơ "
        "thấy các sự kiện công khai, không có ghi chú nội bộ."
    ),
)
def dossier_history(request: HttpRequest, code: str):
    dossier = dossier_get_visible_to(user=request.auth, code=code)
    return dossier_history_for(dossier=dossier, user=request.auth)
