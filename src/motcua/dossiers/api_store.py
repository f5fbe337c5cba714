"""API of the personal data store: the caller's documents and share links."""

from __future__ import annotations

import math
from datetime import date, datetime

from django.core.paginator import Paginator
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field as SchemaField

from motcua.accounts.auth import session_or_token
from motcua.core.errors import InvalidInput
from motcua.core.schemas import ErrorSchema
from motcua.dossiers.models import StoredDocument
from motcua.dossiers.selectors_store import store_document_get_own, store_documents_of
from motcua.dossiers.store import SHARE_DAYS_DEFAULT, SHARE_DAYS_MAX, store_share_create

router = Router(tags=["store"])
PAGE_SIZE = 50


class StoredDocumentOut(Schema):
    id: int
    kind: str = SchemaField(description="result, certified_copy hoặc upload.")
    kind_label: str
    document_type: str
    title: str
    issuer: str
    issued_on: date | None
    valid_until: date | None
    is_valid: bool = SchemaField(description="Còn giá trị hôm nay (chưa quá `valid_until`).")
    name: str
    content_type: str
    size: int = SchemaField(description="Dung lượng (byte).")
    sha256: str
    source_dossier: str | None = SchemaField(description="Mã hồ sơ nguồn, nếu có.")
    result_id: int | None
    certified_at: datetime | None
    created_at: datetime
    deletable: bool = SchemaField(description="Chỉ giấy tờ tự nộp mới xóa được.")
    download_url: str = SchemaField(description="Tải tệp (cần đăng nhập).")


class StoredDocumentPage(Schema):
    items: list[StoredDocumentOut]
    count: int
    page: int
    pages: int
    page_size: int


class StoreListQuery(Schema):
    page: int = SchemaField(1, ge=1, le=100_000)


class ShareIn(Schema):
    days: int = SchemaField(
        SHARE_DAYS_DEFAULT,
        ge=1,
        le=SHARE_DAYS_MAX,
        description=f"Số ngày liên kết còn dùng được (1–{SHARE_DAYS_MAX}).",
    )


class ShareOut(Schema):
    id: int
    url: str = SchemaField(description="Liên kết tải công khai; chỉ trả về một lần.")
    expires_at: datetime


def _document_out(document: StoredDocument, *, today: date) -> dict:
    return {
        "id": document.pk,
        "kind": document.kind,
        "kind_label": document.get_kind_display(),
        "document_type": document.document_type,
        "title": document.title,
        "issuer": document.issuer,
        "issued_on": document.issued_on,
        "valid_until": document.valid_until,
        "is_valid": document.is_valid_on(today),
        "name": document.original_name,
        "content_type": document.content_type,
        "size": document.size,
        "sha256": document.sha256,
        "source_dossier": document.source_dossier.code if document.source_dossier else None,
        "result_id": document.result_id,
        "certified_at": document.certified_at,
        "created_at": document.created_at,
        "deletable": document.deletable,
        "download_url": reverse("dossiers:store-download", args=[document.pk]),
    }


@router.get(
    "/store/documents",
    response={200: StoredDocumentPage, 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema},
    auth=session_or_token,
    summary="Kho dữ liệu của tôi",
    description=(
        "Giấy tờ trong kho dữ liệu điện tử của người gọi, mới nhất trước: kết quả giải quyết "
        "trả trực tuyến, bản sao điện tử có chứng thực, giấy tờ đã nộp được tiếp nhận."
    ),
)
def store_documents(request: HttpRequest, query: Query[StoreListQuery]):
    paginator = Paginator(store_documents_of(owner=request.auth), PAGE_SIZE)
    pages = max(1, math.ceil(paginator.count / PAGE_SIZE))
    if query.page > pages:
        raise InvalidInput(
            _("Trang %(page)s không tồn tại: kết quả chỉ có %(pages)s trang.")
            % {"page": query.page, "pages": pages},
            field="page",
        )
    today = timezone.localdate()
    return {
        "items": [
            _document_out(document, today=today)
            for document in paginator.page(query.page).object_list
        ],
        "count": paginator.count,
        "page": query.page,
        "pages": pages,
        "page_size": PAGE_SIZE,
    }


@router.post(
    "/store/documents/{document_id}/share",
    response={
        201: ShareOut,
        400: ErrorSchema,
        401: ErrorSchema,
        403: ErrorSchema,
        404: ErrorSchema,
    },
    auth=session_or_token,
    summary="Tạo liên kết chia sẻ một giấy tờ",
    description=(
        "Tạo liên kết công khai, có thời hạn, để người khác tải giấy tờ. Liên kết chỉ trả về "
        "một lần (máy chủ chỉ lưu mã băm); chủ giấy tờ thu hồi được trên trang Kho dữ liệu. "
        "Giấy tờ không phải của người gọi trả 404."
    ),
)
def store_document_share(request: HttpRequest, document_id: int, payload: ShareIn):
    document = store_document_get_own(user=request.auth, pk=document_id)
    link, token = store_share_create(owner=request.auth, document=document, days=payload.days)
    return Status(
        201,
        {
            "id": link.pk,
            "url": request.build_absolute_uri(reverse("dossiers:store-shared", args=[token])),
            "expires_at": link.expires_at,
        },
    )
