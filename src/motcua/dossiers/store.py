"""The personal data store's rules (SPEC §6): what lands in a person's store and when, the
counter's certified e-copies, share links and the owner's deletions.

What lands there
    - an applicant's own uploads, when an officer accepts the dossier ("receive" hook);
    - results returned electronically ("return_result" hook with method "electronic"): the
      results app's signed results when it has some for the dossier, else the dossier's result
      attachments; the results app may also call `store_add_result` itself;
    - e-copies that a receiving officer certified against the paper original
      (`attachment_certify`), signed as the officer's unit.
A file that already exists (an attachment, a result) is referenced by its storage name, never
copied; the same content is kept once per owner (SHA-256). Stored documents are hidden, never
deleted, so the files they reference stay (dossiers/services._file_release checks them).
"""

from __future__ import annotations

import hashlib
import io
import secrets
from datetime import date, datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from motcua.accounts.models import Role, StaffRole, User
from motcua.accounts.selectors import user_has_role
from motcua.core.audit import audit_record
from motcua.core.calendar import VIETNAM
from motcua.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from motcua.core.text import search_key
from motcua.dossiers.models import (
    Attachment,
    AttachmentKind,
    Dossier,
    ReturnMethod,
    Status,
    StoredDocument,
    StoredKind,
    StoreShareLink,
    stored_document_path,
)
from motcua.dossiers.models_store import REUSED_PREFIX, share_token_hash
from motcua.dossiers.selectors_store import SHARE_GONE_MESSAGE, store_share_get
from motcua.dossiers.services import text_check

SHARE_DAYS_DEFAULT = 7
SHARE_DAYS_MAX = 30
CERTIFY_REASON = gettext_noop("Chứng thực bản sao điện tử từ bản chính")
# Dossiers whose papers the desk no longer handles: nothing to certify there.
_NOT_CERTIFIABLE = frozenset({Status.DRAFT, Status.REFUSED, Status.WITHDRAWN})
_MM = 72 / 25.4


def _storage():
    return StoredDocument._meta.get_field("file").storage


def _localdate(moment: datetime | None) -> date | None:
    return timezone.localtime(moment, VIETNAM).date() if moment else None


def _pdf_name(title: str, fallback: str) -> str:
    """ "Giấy phép số 12/GP" -> "giay-phep-so-12-gp.pdf": a download name any system accepts."""
    slug = "-".join("".join(ch if ch.isalnum() else " " for ch in search_key(title)).split())
    return f"{slug[:80].strip('-') or fallback}.pdf"


def _check_owner(owner: User | None) -> None:
    if owner is None or owner.kind not in (User.Kind.CITIZEN, User.Kind.ORGANISATION):
        raise InvalidInput(
            _("Kho dữ liệu điện tử chỉ dành cho tài khoản công dân, tổ chức."), field="owner"
        )


# --- Adding documents --------------------------------------------------------------------------


def _active_same(owner: User, *, sha256: str, result_id: int | None) -> StoredDocument | None:
    if result_id is not None:
        found = StoredDocument.objects.filter(result_id=result_id).first()
        if found is not None:
            return found
    return StoredDocument.objects.filter(
        owner=owner, sha256=sha256, deleted_at__isnull=True
    ).first()


def _upgrade(existing: StoredDocument, values: dict[str, Any], *, actor) -> StoredDocument:
    """The same content arrives as a result after it was stored as an upload (an applicant sent
    the agency's own file): it becomes the result, which the owner can no longer delete."""
    if existing.kind != StoredKind.UPLOAD or values["kind"] != StoredKind.RESULT:
        return existing
    changed = {}
    for name in ("kind", "title", "document_type", "issuer", "issued_on", "valid_until"):
        if values.get(name) not in (None, "") and getattr(existing, name) != values[name]:
            changed[name] = [str(getattr(existing, name)), str(values[name])]
            setattr(existing, name, values[name])
    existing.result_id = values.get("result_id")
    existing.document_type_key = search_key(existing.document_type)[:500]
    existing.save()
    audit_record(actor=actor, action="store.upgrade", obj=existing, changes=changed)
    return existing


def _add(*, owner: User, values: dict[str, Any], actor, content: bytes | None = None):
    """Store one document for `owner` once: the same result or the same content again returns
    the stored one. `values` holds the row's fields, `file` an existing storage name unless
    `content` is given (then written under a random name)."""
    _check_owner(owner)
    existing = _active_same(owner, sha256=values["sha256"], result_id=values.get("result_id"))
    if existing is not None:
        with transaction.atomic():
            return _upgrade(existing, values, actor=actor)
    written = ""
    if content is not None:
        written = _storage().save(stored_document_path(None, ""), ContentFile(content))
        values["file"] = written
    values["document_type_key"] = search_key(values.get("document_type", ""))[:500]
    try:
        with transaction.atomic():
            document = StoredDocument.objects.create(owner=owner, **values)
            audit_record(
                actor=actor,
                action="store.add",
                obj=document,
                changes={
                    "owner": owner.pk,
                    "kind": document.kind,
                    "sha256": document.sha256,
                    "dossier": document.source_dossier_id,
                    "result": document.result_id,
                },
            )
    except IntegrityError:
        # A concurrent request stored the same content first: that row is the answer.
        if written:
            _storage().delete(written)
        existing = _active_same(owner, sha256=values["sha256"], result_id=values.get("result_id"))
        if existing is None:
            raise
        return existing
    except BaseException:
        if written:
            _storage().delete(written)
        raise
    return document


def store_add_result(
    *,
    owner: User,
    dossier: Dossier | None,
    content: bytes,
    title: str,
    issuer: str,
    result_id: int | None = None,
    issued_on: date | None = None,
    valid_until: date | None = None,
    document_type: str = "",
    original_name: str = "",
    actor: User | None = None,
) -> StoredDocument:
    """Put a result returned electronically (a signed PDF) into its holder's store; the same
    result (`result_id`) or the same bytes again return the stored document. The file is
    written before the row: if the caller's transaction rolls back later, the file stays behind
    without a row."""
    if not content:
        raise InvalidInput(_("Tệp kết quả rỗng."), field="content")
    title = text_check(title, field="title", max_length=500) or _("Kết quả giải quyết")
    is_pdf = content[:5] == b"%PDF-"
    return _add(
        owner=owner,
        actor=actor,
        content=content,
        values={
            "kind": StoredKind.RESULT,
            "document_type": text_check(
                document_type or title, field="document_type", max_length=500
            ),
            "title": title,
            "issuer": text_check(issuer, field="issuer", max_length=255),
            "issued_on": issued_on or timezone.localdate(),
            "valid_until": valid_until,
            "original_name": (original_name or _pdf_name(title, "ket-qua"))[:255],
            "content_type": "application/pdf" if is_pdf else "application/octet-stream",
            "size": len(content),
            "sha256": hashlib.sha256(content).hexdigest(),
            "source_dossier": dossier,
            "result_id": result_id,
        },
    )


def _from_attachment(attachment: Attachment, *, kind: str, **values: Any) -> dict[str, Any]:
    name = attachment.required_document.name if attachment.required_document_id else ""
    return {
        "kind": kind,
        "document_type": name,
        "title": name or attachment.original_name,
        "file": attachment.file.name,
        "original_name": attachment.original_name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "source_dossier": attachment.dossier,
        "source_attachment": attachment,
        **values,
    }


def store_add_upload(*, owner: User, attachment: Attachment, actor: User | None) -> StoredDocument:
    """Keep an applicant's accepted upload in their store (the same content once)."""
    return _add(
        owner=owner, actor=actor, values=_from_attachment(attachment, kind=StoredKind.UPLOAD)
    )


def _result_values(result) -> dict[str, Any]:
    return {
        "kind": StoredKind.RESULT,
        "document_type": result.title,
        "title": f"{result.title} số {result.number}"[:500],
        "issuer": result.agency.name[:255],
        "issued_on": _localdate(result.issued_at),
        "file": result.file.name,
        "original_name": _pdf_name(f"ket qua {result.number}", f"ket-qua-{result.pk}"),
        "content_type": "application/pdf",
        "size": result.size,
        "sha256": result.sha256,
        "source_dossier_id": result.dossier_id,
        "result_id": result.pk,
    }


def store_keep_signed_result(*, owner: User, result, actor) -> StoredDocument:
    """Keep a signed result of the results app (its stored file) in its owner's store, once."""
    return _add(owner=owner, actor=actor, values=_result_values(result))


def _signed_results(dossier: Dossier) -> list:
    """The dossier's valid signed results, when the results app is installed."""
    try:
        from motcua.results.selectors import result_list_for_dossier
    except ImportError:
        return []
    return [
        result
        for result in result_list_for_dossier(dossier=dossier)
        if getattr(result, "status", "valid") == "valid"
    ]


# --- Back-office hooks (registered in dossiers/apps.py) ------------------------------------------


def store_collect_uploads(ctx) -> None:
    """After "receive": the applicant's own uploads are accepted, so they join their store. A
    file the applicant took from the store is there already; a scan made at the counter waits
    for an officer to certify it."""
    dossier: Dossier = ctx.dossier
    if dossier.owner_id is None:
        return
    attachments = (
        Attachment.objects.filter(
            dossier=dossier, kind=AttachmentKind.DOCUMENT, uploaded_by_id=dossier.owner_id
        )
        .exclude(reused_from__startswith=REUSED_PREFIX)
        .select_related("required_document", "dossier")
        .order_by("pk")
    )
    for attachment in attachments:
        store_add_upload(owner=dossier.owner, attachment=attachment, actor=ctx.user)


def store_collect_results(ctx) -> None:
    """After "return_result" electronically: the results land in the applicant's store."""
    dossier: Dossier = ctx.dossier
    if dossier.return_method != ReturnMethod.ELECTRONIC or dossier.owner_id is None:
        return
    results = _signed_results(dossier)
    if results:
        for result in results:
            store_keep_signed_result(owner=dossier.owner, result=result, actor=ctx.user)
        return
    attachments = Attachment.objects.filter(
        dossier=dossier, kind=AttachmentKind.RESULT
    ).select_related("required_document", "dossier")
    for attachment in attachments.order_by("pk"):
        values = _from_attachment(
            attachment,
            kind=StoredKind.RESULT,
            title=(dossier.result_summary or attachment.original_name)[:500],
            document_type=dossier.procedure_version.result_type or dossier.procedure_version.name,
            issuer=dossier.agency.name[:255],
            issued_on=_localdate(dossier.finished_at or ctx.at),
        )
        _add(owner=dossier.owner, actor=ctx.user, values=values)


# --- Digitization at the counter -----------------------------------------------------------------


def _date(value: Any, *, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise InvalidInput(
            _("Ngày không hợp lệ: nhập theo dạng ngày/tháng/năm."), field=field
        ) from None


def _as_pdf(attachment: Attachment) -> bytes:
    """The attachment as a PDF to sign: a PDF as is, a scanned image on a page of its own."""
    try:
        with attachment.file.open("rb") as handle:
            data = handle.read()
    except OSError:
        raise NotFound(_("Tệp không còn trên máy chủ."), field="file") from None
    if attachment.content_type == "application/pdf":
        return data
    if attachment.content_type not in ("image/jpeg", "image/png"):
        raise InvalidInput(
            _("Chỉ chứng thực được bản quét dạng PDF hoặc ảnh JPEG, PNG."),
            code="not_certifiable",
            field="file",
        )
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        page = image.convert("RGB")
        # Printed size: the image fills an A4 page (8.27 × 11.69 in) in its longer direction.
        resolution = max(page.width / 8.27, page.height / 11.69, 1.0)
        out = io.BytesIO()
        page.save(out, "PDF", resolution=resolution)
    return out.getvalue()


def _stamp_for(pdf: bytes):
    """The visible stamp at the bottom right of the last page, scaled to the page's size (a
    scan is not always A4)."""
    from pypdf import PdfReader

    from motcua.results.signing import StampBox

    box = PdfReader(io.BytesIO(pdf), strict=False).pages[-1].mediabox
    width, height = float(box.width), float(box.height)
    margin = min(10 * _MM, width * 0.05)
    stamp_width, stamp_height = min(60 * _MM, width * 0.5), min(20 * _MM, height * 0.2)
    left, bottom = float(box.left), float(box.bottom)
    right = left + width - margin
    return StampBox(
        page=-1,
        box=(right - stamp_width, bottom + margin, right, bottom + margin + stamp_height),
    )


def _officer_unit(officer: User, agency_id: int) -> str:
    role = (
        StaffRole.objects.filter(
            user=officer, role=Role.RECEIVING_OFFICER, unit__agency_id=agency_id
        )
        .select_related("unit__agency")
        .first()
    )
    return role.unit.name if role else ""


def _check_certifier(officer: User, dossier: Dossier) -> None:
    if officer is None or not (
        officer.is_superuser or user_has_role(officer, Role.RECEIVING_OFFICER, dossier.agency)
    ):
        raise PermissionDenied(
            _("Chỉ cán bộ tiếp nhận của cơ quan mới chứng thực được bản điện tử."), field="role"
        )


def attachment_certify_allowed(*, officer: User | None, dossier: Dossier) -> bool:
    """Whether the page offers `officer` to certify the e-copies of `dossier`'s documents."""
    try:
        _check_certifier(officer, dossier)
    except PermissionDenied:
        return False
    return dossier.status not in _NOT_CERTIFIABLE and dossier.owner_id is not None


def attachment_certify(
    *,
    officer: User,
    attachment: Attachment,
    issuer: str = "",
    issued_on: Any = None,
    valid_until: Any = None,
) -> StoredDocument:
    """The officer scanned a paper document, compared it with the original and certifies the
    e-copy: it is signed as the officer's unit (results.signing.sign_pdf), stored as a certified
    copy in the applicant's store, and the attachment is marked digitized. `issuer`,
    `issued_on`, `valid_until` describe the original, as read from it."""
    dossier = attachment.dossier
    if dossier is None:
        raise NotFound(_("Không tìm thấy tệp này."), field="file")
    _check_certifier(officer, dossier)
    if dossier.status in _NOT_CERTIFIABLE:
        raise InvalidInput(
            _("Hồ sơ ở trạng thái “%(status)s”: không chứng thực giấy tờ được.")
            % {"status": Status(dossier.status).label},
            code="action_not_allowed",
            field="status",
        )
    if attachment.kind != AttachmentKind.DOCUMENT:
        raise InvalidInput(
            _("Chỉ chứng thực thành phần hồ sơ do người nộp cung cấp."),
            code="not_certifiable",
            field="file",
        )
    if dossier.owner_id is None:
        raise InvalidInput(
            _(
                "Hồ sơ chưa gắn với tài khoản của người nộp: không có kho dữ liệu để lưu bản "
                "chứng thực. Hãy gắn tài khoản khi nhận hồ sơ."
            ),
            code="no_data_store",
            field="owner",
        )
    issuer = text_check(issuer, field="issuer", max_length=255)
    issued = _date(issued_on, field="issued_on")
    valid = _date(valid_until, field="valid_until")
    if issued and valid and valid < issued:
        raise InvalidInput(_("Ngày hết giá trị phải sau ngày cấp."), field="valid_until")
    if StoredDocument.objects.filter(
        kind=StoredKind.CERTIFIED_COPY, source_attachment=attachment
    ).exists():
        raise Conflict(_("Tệp này đã được chứng thực."), code="already_certified", field="file")
    from motcua.results.signing import sign_pdf

    unsigned = _as_pdf(attachment)
    unit = _officer_unit(officer, dossier.agency_id) or dossier.agency.name
    options: dict[str, Any] = {}
    try:
        options["stamp"] = _stamp_for(unsigned)
    except Exception:  # an odd page box: pyHanko's default place for the stamp will do
        options = {}
    signed, certificate = sign_pdf(
        unsigned,
        reason=_(CERTIFY_REASON),
        location=dossier.agency.name,
        signer_name=unit,
        **options,
    )
    name = attachment.required_document.name if attachment.required_document_id else ""
    stem = attachment.original_name.rsplit(".", 1)[0] or "ban-sao"
    written = _storage().save(stored_document_path(None, ""), ContentFile(signed))
    certified_at = timezone.now()
    try:
        with transaction.atomic():
            locked = Attachment.objects.select_for_update().get(pk=attachment.pk)
            if StoredDocument.objects.filter(
                kind=StoredKind.CERTIFIED_COPY, source_attachment=locked
            ).exists():
                raise Conflict(
                    _("Tệp này đã được chứng thực."), code="already_certified", field="file"
                )
            document = StoredDocument.objects.create(
                owner_id=dossier.owner_id,
                kind=StoredKind.CERTIFIED_COPY,
                document_type=name,
                document_type_key=search_key(name)[:500],
                title=name or attachment.original_name,
                issuer=issuer,
                issued_on=issued,
                valid_until=valid,
                file=written,
                original_name=f"{stem}-chung-thuc.pdf"[-255:],
                content_type="application/pdf",
                size=len(signed),
                sha256=hashlib.sha256(signed).hexdigest(),
                source_dossier=dossier,
                source_attachment=locked,
                certified_by=officer,
                certified_at=certified_at,
                certificate={
                    "subject": certificate.subject,
                    "issuer": certificate.issuer,
                    "serial": certificate.serial,
                    "fingerprint": certificate.fingerprint,
                    "signed_at": certificate.signed_at.isoformat(),
                    "level": certificate.level,
                    "signer": unit,
                },
            )
            Attachment.objects.filter(pk=locked.pk).update(is_digitized=True)
            audit_record(
                actor=officer,
                action="attachment.certify",
                obj=locked,
                changes={
                    "dossier": dossier.code,
                    "stored_document": document.pk,
                    "sha256": document.sha256,
                    "certificate": certificate.fingerprint,
                },
            )
    except BaseException:
        _storage().delete(written)
        raise
    attachment.is_digitized = True
    return document


# --- The owner's actions -------------------------------------------------------------------------


def _check_own(owner: User, document: StoredDocument) -> None:
    if owner is None or document.owner_id != owner.pk or document.deleted_at is not None:
        raise NotFound(_("Không tìm thấy giấy tờ này trong kho dữ liệu của bạn."), field="document")


def store_share_create(
    *, owner: User, document: StoredDocument, days: Any = SHARE_DAYS_DEFAULT
) -> tuple[StoreShareLink, str]:
    """A link that lets anyone who has it download `document` for `days` days (1-30). Returns
    the link and its token, which is not kept and cannot be shown again."""
    _check_own(owner, document)
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= SHARE_DAYS_MAX:
        raise InvalidInput(
            _("Thời hạn chia sẻ từ 1 đến %(max)s ngày.") % {"max": SHARE_DAYS_MAX}, field="days"
        )
    if not document.is_valid_on(timezone.localdate()):
        raise InvalidInput(
            _("Giấy tờ đã hết giá trị: không chia sẻ được."), code="expired", field="document"
        )
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        link = StoreShareLink.objects.create(
            document=document,
            token_hash=share_token_hash(token),
            created_by=owner,
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
        audit_record(
            actor=owner,
            action="store.share",
            obj=document,
            changes={"link": link.pk, "expires_at": link.expires_at},
        )
    return link, token


def store_share_revoke(*, owner: User, link: StoreShareLink) -> StoreShareLink:
    """End a share link now (again: nothing changes)."""
    if owner is None or link.created_by_id != owner.pk or link.document.owner_id != owner.pk:
        raise NotFound(_("Không tìm thấy liên kết chia sẻ này."), field="link")
    with transaction.atomic():
        updated = StoreShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if updated:
            audit_record(
                actor=owner,
                action="store.share_revoke",
                obj=link.document,
                changes={"link": link.pk},
            )
    link.refresh_from_db(fields=["revoked_at"])
    return link


def store_share_open(*, token: str) -> StoredDocument:
    """The document behind a share link, counting the download; NotFound when the link is
    unknown, expired or revoked, or the document was deleted (the same answer for all)."""
    link = store_share_get(token=token)
    now = timezone.now()
    with transaction.atomic():
        counted = StoreShareLink.objects.filter(
            pk=link.pk, revoked_at__isnull=True, expires_at__gt=now
        ).update(download_count=F("download_count") + 1, last_downloaded_at=now)
        if not counted:
            raise NotFound(_(SHARE_GONE_MESSAGE), field="token")
        audit_record(
            actor=None,
            action="store.share_download",
            obj=link.document,
            changes={"link": link.pk},
        )
    return link.document


def store_document_delete(*, owner: User, document: StoredDocument) -> StoredDocument:
    """The owner removes one of their own uploads from the store (hidden, its links revoked).
    Results and certified copies are the agency's record and stay."""
    _check_own(owner, document)
    if document.kind != StoredKind.UPLOAD:
        raise PermissionDenied(
            _(
                "Kết quả giải quyết và bản sao có chứng thực là hồ sơ của cơ quan nhà nước: "
                "không xóa được."
            ),
            code="not_deletable",
            field="document",
        )
    now = timezone.now()
    with transaction.atomic():
        StoredDocument.objects.filter(pk=document.pk).update(deleted_at=now)
        StoreShareLink.objects.filter(document=document, revoked_at__isnull=True).update(
            revoked_at=now
        )
        audit_record(
            actor=owner, action="store.delete", obj=document, changes={"sha256": document.sha256}
        )
    document.deleted_at = now
    return document
