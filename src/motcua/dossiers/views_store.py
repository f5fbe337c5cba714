"""Pages of the personal data store: "Kho dữ liệu của tôi", the public share links, and the
counter's certification of a dossier's attachment."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from motcua.core.errors import DomainError, NotFound
from motcua.dossiers.models import StoredDocument
from motcua.dossiers.selectors_store import (
    store_document_get_own,
    store_documents_of,
    store_link_get_own,
    store_links_active,
    store_result_states,
    store_share_get,
)
from motcua.dossiers.store import (
    SHARE_DAYS_DEFAULT,
    attachment_certify,
    store_document_delete,
    store_share_create,
    store_share_open,
    store_share_revoke,
)
from motcua.dossiers.views_workspace import staff_required
from motcua.dossiers.workspace import workspace_dossier_get

PAGE_SIZE = 30
SHARE_DAYS = (1, 3, 7, 14, 30)
# The new link is shown once, on the page the owner is sent back to, then forgotten.
_NEW_LINK = "store_new_link"


def _file_response(document: StoredDocument) -> FileResponse:
    try:
        handle = document.file.open("rb")
    except OSError:
        raise NotFound(_("Tệp không còn trên máy chủ."), field="file") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _back(pk: int | None = None) -> HttpResponse:
    anchor = f"#document-{pk}" if pk else ""
    return redirect(reverse("dossiers:store") + anchor)


@login_required
@require_GET
def my_store(request: HttpRequest) -> HttpResponse:
    """/kho-du-lieu/: the owner's documents with their type, issuer, dates, validity and hash;
    download, share links and deletion of their own uploads."""
    paginator = Paginator(store_documents_of(owner=request.user), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    documents = list(page.object_list)
    links = store_links_active(owner=request.user, documents=documents)
    results = store_result_states(documents=documents)
    today = timezone.localdate()
    rows = [
        {
            "document": document,
            "links": links.get(document.pk, []),
            "result": results.get(document.result_id),
            "valid": document.is_valid_on(today),
        }
        for document in documents
    ]
    share_days = [
        (days, ngettext("%(days)s ngày", "%(days)s ngày", days) % {"days": days})
        for days in SHARE_DAYS
    ]
    return render(
        request,
        "dossiers/store/list.html",
        {
            "rows": rows,
            "page": page,
            "page_range": paginator.get_elided_page_range(page.number),
            "new_link": request.session.pop(_NEW_LINK, None),
            "share_days": share_days,
            "share_days_default": SHARE_DAYS_DEFAULT,
        },
    )


@login_required
@require_GET
def my_store_download(request: HttpRequest, pk: int) -> FileResponse:
    """/kho-du-lieu/<id>/tai-ve/: the owner downloads one of their documents."""
    return _file_response(store_document_get_own(user=request.user, pk=pk))


@login_required
@require_POST
def my_store_share(request: HttpRequest, pk: int) -> HttpResponse:
    """POST /kho-du-lieu/<id>/chia-se/: a new share link, shown once on the store page."""
    try:
        document = store_document_get_own(user=request.user, pk=pk)
        link, token = store_share_create(
            owner=request.user, document=document, days=request.POST.get("days")
        )
    except DomainError as error:
        messages.error(request, error.message)
        return _back(pk)
    request.session[_NEW_LINK] = {
        "document": document.pk,
        "title": document.title,
        "url": request.build_absolute_uri(reverse("dossiers:store-shared", args=[token])),
        "expires_at": timezone.localtime(link.expires_at).strftime("%H:%M %d/%m/%Y"),
    }
    return _back(pk)


@login_required
@require_POST
def my_store_share_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """POST /kho-du-lieu/chia-se/<id>/thu-hoi/: the link stops working now."""
    link = store_link_get_own(user=request.user, pk=pk)
    store_share_revoke(owner=request.user, link=link)
    messages.success(
        request,
        _("Đã thu hồi liên kết chia sẻ của “%(title)s”.") % {"title": link.document.title},
    )
    return _back(link.document_id)


@login_required
@require_http_methods(["GET", "POST"])
def my_store_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """/kho-du-lieu/<id>/xoa/: asks first (GET), then removes one of the owner's uploads."""
    document = store_document_get_own(user=request.user, pk=pk)
    if request.method == "GET":
        return render(request, "dossiers/store/delete.html", {"document": document})
    try:
        store_document_delete(owner=request.user, document=document)
    except DomainError as error:
        messages.error(request, error.message)
        return _back(pk)
    messages.success(request, _("Đã xóa “%(title)s” khỏi kho dữ liệu.") % {"title": document.title})
    return _back()


def _public(response: HttpResponse) -> HttpResponse:
    # The token is in the address: never cached, indexed or passed on as a referrer.
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
def shared(request: HttpRequest, token: str) -> HttpResponse:
    """/chia-se/<token>/: what the shared document is and until when it can be downloaded."""
    link = store_share_get(token=token)
    return _public(
        render(
            request,
            "dossiers/store/shared.html",
            {"link": link, "document": link.document, "token": token},
        )
    )


@require_GET
def shared_download(request: HttpRequest, token: str) -> FileResponse:
    """/chia-se/<token>/tai-ve/: the download, counted on the link."""
    return _public(_file_response(store_share_open(token=token)))


@staff_required
@require_POST
def attachment_certify_view(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """POST /can-bo/ho-so/<code>/tep/<id>/chung-thuc/: the receiving officer certifies the
    e-copy of a paper document checked against its original."""
    dossier = workspace_dossier_get(user=request.user, code=code)
    attachment = dossier.attachments.select_related("required_document").filter(pk=pk).first()
    if attachment is None:
        raise NotFound(_("Không tìm thấy tệp này."), field="file")
    attachment.dossier = dossier
    try:
        attachment_certify(
            officer=request.user,
            attachment=attachment,
            issuer=request.POST.get("issuer", ""),
            issued_on=request.POST.get("issued_on", ""),
            valid_until=request.POST.get("valid_until", ""),
        )
    except DomainError as error:
        messages.error(
            request,
            _("Chưa chứng thực được “%(name)s”: %(reason)s")
            % {"name": attachment.original_name, "reason": error.message},
        )
    else:
        messages.success(
            request,
            _("Đã chứng thực bản điện tử “%(name)s” và lưu vào kho dữ liệu của người nộp.")
            % {"name": attachment.original_name},
        )
    return redirect(reverse("dossiers:workspace-dossier", args=[dossier.code]) + "#files-title")
