"""Submission of dossiers: drafts, attachments and the submit itself, online or at the counter.

A dossier starts as a draft (status "draft", no code), owned by the applicant's account
(online) or created by a receiving officer (counter, post). Files are uploaded and checked
first (dossiers/files.py), stored under a random name, then attached. `dossier_submit` checks
the whole dossier, takes the code and moves it to "new" (national status 1) in one transaction;
a retry of a submitted dossier changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from motcua.accounts.identifiers import normalise_personal_id, normalise_phone, normalise_tax_code
from motcua.accounts.models import Role, User
from motcua.accounts.selectors import user_has_role
from motcua.catalog.forms import NON_FIELD, form_validate
from motcua.catalog.models import ApplicantKind, Channel, ProcedureVersion, RequiredDocument
from motcua.catalog.selectors import procedure_get_published
from motcua.core.audit import audit_record
from motcua.core.calendar import due_at
from motcua.core.concurrency import save_versioned
from motcua.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from motcua.core.models import Commune
from motcua.core.text import nfc, search_key
from motcua.dossiers.codes import dossier_code_next
from motcua.dossiers.files import file_check, total_check
from motcua.dossiers.lifecycle import transition
from motcua.dossiers.models import (
    Attachment,
    Dossier,
    Status,
    StoredDocument,
    StoredKind,
    SubmissionKey,
    attachment_path,
)
from motcua.dossiers.models_store import REUSED_PREFIX
from motcua.dossiers.selectors import dossier_total_size

# A draft's form may hold what is being typed, but not a novel: no schema field is this long.
MAX_DRAFT_TEXT = 20_000
MAX_DRAFT_KEYS = 200
DRAFT_STALE_MESSAGE = gettext_noop(
    "Bản nháp đã được lưu ở nơi khác (một thẻ hoặc thiết bị khác) sau khi bạn mở trang này. "
    "Những gì bạn vừa nhập chưa được lưu: hãy tải lại trang để xem bản mới nhất rồi nhập lại."
)
_ORGANISATION_PHONE = re.compile(r"0\d{9,10}")

# --- Applicant details -----------------------------------------------------------------------

APPLICANT_KEYS = ("kind", "name", "id_number", "phone", "email", "address", "commune")


def text_check(value: Any, *, field: str, max_length: int) -> str:
    """A string from outside, NFC and trimmed; refuses what the database cannot store (NUL,
    lone surrogates) and what is longer than `max_length`."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(_("Giá trị phải là một chuỗi ký tự."), field=field)
    if "\x00" in value:
        raise InvalidInput(_("Giá trị chứa ký tự không hợp lệ (NUL)."), field=field)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(_("Giá trị chứa ký tự Unicode không hợp lệ."), field=field) from None
    text = nfc(" ".join(value.split()))
    if len(text) > max_length:
        raise InvalidInput(
            _("Giá trị dài quá %(limit)s ký tự.") % {"limit": max_length}, field=field
        )
    return text


def applicant_clean(values: dict[str, Any], *, kind: str, prefix: str = "applicant.") -> dict:
    """The applicant details given in `values` (any subset of APPLICANT_KEYS), checked and
    normalised, as Dossier field values. Empty values are kept empty: completeness is checked
    at submission. Raises InvalidInput naming `<prefix><key>`."""
    cleaned: dict[str, Any] = {}
    for key, value in values.items():
        field = f"{prefix}{key}"
        if key not in APPLICANT_KEYS:
            raise InvalidInput(_("Trường “%(name)s” không có.") % {"name": key}, field=field)
        if key == "kind":
            continue
        if key == "commune":
            cleaned["applicant_commune"] = _commune(value, field=field)
            continue
        limit = {"name": 255, "id_number": 20, "phone": 20, "email": 254, "address": 255}[key]
        text = text_check(value, field=field, max_length=limit)
        if text and key == "id_number":
            text = (
                normalise_tax_code(text, field=field)
                if kind == ApplicantKind.ORGANISATION
                else normalise_personal_id(text, field=field)
            )
        elif text and key == "phone":
            text = _phone(text, kind=kind, field=field)
        elif text and key == "email":
            text = text.lower()
            try:
                validate_email(text)
            except ValidationError:
                raise InvalidInput(_("Địa chỉ thư điện tử không hợp lệ."), field=field) from None
        cleaned[f"applicant_{key}"] = text
    return cleaned


def _phone(text: str, *, kind: str, field: str) -> str:
    try:
        return normalise_phone(text, field=field)
    except InvalidInput:
        digits = re.sub(r"[\s.\-()]", "", text)
        # An organisation may give its switchboard (a landline, 10-11 digits).
        if kind == ApplicantKind.ORGANISATION and _ORGANISATION_PHONE.fullmatch(digits):
            return digits
        raise


def _commune(value: Any, *, field: str) -> Commune | None:
    if value in (None, ""):
        return None
    if isinstance(value, Commune):
        return value
    code = text_check(value, field=field, max_length=5)
    commune = Commune.objects.filter(code=code).first()
    if commune is None:
        raise InvalidInput(
            _("Xã, phường, đặc khu: mã “%(code)s” không có trong danh mục.") % {"code": code},
            field=field,
        )
    return commune


def applicant_from_account(user: User | None) -> dict[str, Any]:
    """A dossier's applicant fields prefilled from an account (editable in the draft)."""
    if user is None:
        return {}
    kind = (
        ApplicantKind.ORGANISATION if user.kind == User.Kind.ORGANISATION else ApplicantKind.CITIZEN
    )
    return {
        "applicant_kind": kind,
        "applicant_name": user.full_name,
        "applicant_id_number": (
            user.tax_code if kind == ApplicantKind.ORGANISATION else user.personal_id
        ),
        "applicant_phone": user.phone,
        "applicant_email": user.email,
        "applicant_address": user.address,
        "applicant_commune": user.commune,
    }


def _search_text(dossier: Dossier) -> str:
    return search_key(f"{dossier.code or ''} {dossier.applicant_name}")[:400]


# --- Permissions -----------------------------------------------------------------------------


def _is_receiving_officer(user, dossier_or_version) -> bool:
    agency = dossier_or_version.agency
    return bool(
        user is not None
        and (user.is_superuser or user_has_role(user, Role.RECEIVING_OFFICER, agency))
    )


def _check_can_edit(dossier: Dossier, actor) -> None:
    """Online: the owner. Counter and post: a receiving officer of the dossier's agency. Anyone
    else is told the dossier does not exist."""
    if actor is None or not getattr(actor, "pk", None):
        raise NotFound(_("Không tìm thấy hồ sơ này."), field="dossier")
    if dossier.channel == Channel.ONLINE:
        allowed = actor.pk in (dossier.owner_id, dossier.created_by_id)
    else:
        allowed = _is_receiving_officer(actor, dossier)
    if not allowed:
        raise NotFound(_("Không tìm thấy hồ sơ này."), field="dossier")


def _check_draft(dossier: Dossier) -> None:
    if dossier.status != Status.DRAFT:
        raise Conflict(
            _("Hồ sơ %(code)s đã được nộp: không sửa được nữa.") % {"code": dossier.code},
            code="already_submitted",
            field="status",
        )


def _check_can_create(
    *, version: ProcedureVersion, owner: User | None, actor: User, channel: str
) -> None:
    if channel not in Channel.values:
        raise InvalidInput(_("Kênh nộp không hợp lệ."), field="channel")
    if owner is not None and owner.kind not in (User.Kind.CITIZEN, User.Kind.ORGANISATION):
        raise InvalidInput(_("Chủ hồ sơ phải là tài khoản công dân hoặc tổ chức."), field="owner")
    if channel == Channel.ONLINE:
        if not version.allows_online:
            raise InvalidInput(
                _("Thủ tục này chưa cung cấp dịch vụ nộp hồ sơ trực tuyến."),
                code="online_not_allowed",
                field="procedure_code",
            )
        if owner is None or actor.pk != owner.pk:
            raise PermissionDenied(
                _("Hồ sơ trực tuyến do chính công dân, tổ chức nộp bằng tài khoản của mình."),
                field="owner",
            )
        if version.applicant_kinds and owner.kind not in version.applicant_kinds:
            raise InvalidInput(
                _("Thủ tục này dành cho: %(kinds)s.")
                % {"kinds": "; ".join(version.applicant_kind_labels)},
                code="applicant_kind_not_allowed",
                field="procedure_code",
            )
        return
    if channel not in version.channels:
        raise InvalidInput(
            _("Thủ tục này không nhận hồ sơ qua kênh “%(channel)s”.")
            % {"channel": Channel(channel).label},
            field="channel",
        )
    if not _is_receiving_officer(actor, version):
        raise PermissionDenied(
            _("Chỉ cán bộ tiếp nhận của %(agency)s được nhận hồ sơ của thủ tục này.")
            % {"agency": version.agency.name},
            field="procedure_code",
        )


# --- Drafts ----------------------------------------------------------------------------------


def dossier_draft_create(
    *,
    procedure_code: str,
    owner: User | None,
    actor: User,
    channel: str = Channel.ONLINE,
    applicant: dict | None = None,
) -> Dossier:
    """A new draft of the procedure's current version, its applicant prefilled from `owner`'s
    account and overridden by `applicant` (keys of APPLICANT_KEYS)."""
    procedure = procedure_get_published(code=procedure_code)
    version = procedure.current_version
    _check_can_create(version=version, owner=owner, actor=actor, channel=channel)
    values = applicant_from_account(owner)
    kind = values.get("applicant_kind") or (applicant or {}).get("kind") or ApplicantKind.CITIZEN
    if kind not in ApplicantKind.values:
        raise InvalidInput(_("Loại chủ hồ sơ không hợp lệ."), field="applicant.kind")
    values["applicant_kind"] = kind
    values.update(applicant_clean(applicant or {}, kind=kind))
    with transaction.atomic():
        dossier = Dossier(
            procedure_version=version,
            agency=version.agency,
            status=Status.DRAFT,
            channel=channel,
            owner=owner,
            created_by=actor,
            **values,
        )
        dossier.search_text = _search_text(dossier)
        dossier.save()
        audit_record(
            actor=actor,
            action="dossier.draft_create",
            obj=dossier,
            changes={"procedure": procedure.code, "channel": channel},
        )
    return dossier


def _draft_form_data(version: ProcedureVersion, form_data: Any) -> dict[str, Any]:
    """What a draft may keep of a form being filled in: the schema's fields only, JSON values
    of a sane size. Types are checked at submission, so that a half-typed number is kept."""
    if not isinstance(form_data, dict):
        raise InvalidInput(
            _("Dữ liệu biểu mẫu phải là một đối tượng JSON ({...})."), field="form_data"
        )
    template = getattr(version, "form_template", None)
    properties = template.schema.get("properties", {}) if template else {}
    if len(form_data) > MAX_DRAFT_KEYS:
        raise InvalidInput(_("Biểu mẫu có quá nhiều trường."), field="form_data")
    kept: dict[str, Any] = {}
    for name, value in form_data.items():
        if name not in properties:
            continue
        field = f"form.{name}"
        if isinstance(value, str):
            kept[name] = text_check(value, field=field, max_length=MAX_DRAFT_TEXT)
        elif isinstance(value, list):
            if len(value) > MAX_DRAFT_KEYS:
                raise InvalidInput(_("Danh sách lựa chọn quá dài."), field=field)
            kept[name] = [text_check(item, field=field, max_length=1000) for item in value]
        elif value is None or isinstance(value, bool | int | float):
            if isinstance(value, float) and not math.isfinite(value):  # NaN, ∞ are not JSON
                raise InvalidInput(_("Giá trị không hợp lệ."), field=field)
            kept[name] = value
        else:
            raise InvalidInput(_("Giá trị không hợp lệ."), field=field)
    return kept


def dossier_draft_update(
    *,
    dossier: Dossier,
    actor: User,
    form_data: dict[str, Any],
    expected_version: int,
    applicant: dict[str, Any] | None = None,
) -> Dossier:
    """Save what the applicant typed into a draft. `expected_version` is the version the page
    was opened with: if the draft was saved elsewhere since, 409 and nothing is written (unless
    the stored draft already holds exactly this, e.g. an autosave that beat the save button)."""
    with transaction.atomic():
        current = (
            Dossier.objects.select_for_update(of=("self",))
            .select_related("procedure_version__form_template", "agency")
            .get(pk=dossier.pk)
        )
        _check_can_edit(current, actor)
        _check_draft(current)
        values: dict[str, Any] = {
            "form_data": _draft_form_data(current.procedure_version, form_data)
        }
        values.update(applicant_clean(applicant or {}, kind=current.applicant_kind))
        changed = sorted(name for name, value in values.items() if getattr(current, name) != value)
        if expected_version != current.version:
            if not changed:
                return current
            raise Conflict(_(DRAFT_STALE_MESSAGE), code="stale_version", field="version")
        if changed:
            for name, value in values.items():
                setattr(current, name, value)
            current.search_text = _search_text(current)
            current.updated_at = timezone.now()
            save_versioned(
                current,
                expected_version=expected_version,
                fields=[*(name for name in values), "search_text", "updated_at"],
            )
            audit_record(
                actor=actor, action="dossier.draft_update", obj=current, changes={"fields": changed}
            )
    for name in ("form_data", "version", "updated_at", *values):
        setattr(dossier, name, getattr(current, name))
    return current


# --- Attachments -----------------------------------------------------------------------------


def _storage():
    return Attachment._meta.get_field("file").storage


def _file_release(name: str) -> None:
    """Delete a stored file once no attachment refers to it (reused files share one), nor the
    data store (dossiers/store.py keeps attachments' and results' files by reference)."""
    if (
        name
        and not Attachment.objects.filter(file=name).exists()
        and not StoredDocument.objects.filter(file=name).exists()
    ):
        _storage().delete(name)


def _check_document(dossier: Dossier | None, required_document: RequiredDocument | None) -> None:
    if required_document is None or dossier is None:
        return
    if required_document.version_id != dossier.procedure_version_id:
        raise InvalidInput(
            _("Giấy tờ này không thuộc thủ tục của hồ sơ."), field="required_document_id"
        )


def attachment_upload(
    *,
    actor: User,
    uploaded_file: File,
    required_document: RequiredDocument | None = None,
    dossier: Dossier | None = None,
    is_digitized: bool = False,
) -> Attachment:
    """Check a file (dossiers/files.py), store it under a random name and record it, attached
    to a draft or (API) left for `attachment_attach`. The file is written before its row: if
    the row cannot be written the file is deleted at once; rows never attached are cleaned up
    by the hourly task (dossiers/tasks.py)."""
    if dossier is not None:
        _check_can_edit(dossier, actor)
        _check_draft(dossier)
        _check_document(dossier, required_document)
    checked = file_check(uploaded_file, name=uploaded_file.name or "", size=uploaded_file.size)
    if dossier is not None:
        total_check(
            name=checked.name,
            current_total=dossier_total_size(dossier=dossier),
            adding=checked.size,
        )
    attachment = Attachment(
        dossier=dossier,
        required_document=required_document,
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=actor,
        uploaded_at=timezone.now(),
        is_digitized=is_digitized,
    )
    uploaded_file.seek(0)
    stored = _storage().save(attachment_path(attachment, checked.name), uploaded_file)
    attachment.file.name = stored
    try:
        with transaction.atomic():
            attachment.save(force_insert=True)
            audit_record(
                actor=actor,
                action="attachment.upload",
                obj=attachment,
                changes={
                    "dossier": dossier.pk if dossier else None,
                    "sha256": checked.sha256,
                    "size": checked.size,
                },
            )
    except BaseException:
        _storage().delete(stored)
        raise
    return attachment


def attachment_attach(
    *,
    dossier: Dossier,
    actor: User,
    attachment: Attachment,
    required_document: RequiredDocument | None = None,
) -> Attachment:
    """Attach a file that `actor` uploaded earlier (and not yet to any dossier) to a draft."""
    _check_can_edit(dossier, actor)
    _check_draft(dossier)
    _check_document(dossier, required_document)
    with transaction.atomic():
        total_check(
            name=attachment.original_name,
            current_total=dossier_total_size(dossier=dossier),
            adding=attachment.size,
        )
        updated = Attachment.objects.filter(
            pk=attachment.pk, dossier__isnull=True, uploaded_by=actor
        ).update(dossier=dossier, required_document=required_document)
        if updated != 1:
            raise InvalidInput(
                _("Tệp số %(id)s không có, không phải của bạn hoặc đã gắn vào hồ sơ khác.")
                % {"id": attachment.pk},
                code="attachment_unavailable",
                field="attachments",
            )
        attachment.dossier = dossier
        attachment.required_document = required_document
        audit_record(
            actor=actor, action="attachment.attach", obj=attachment, changes={"dossier": dossier.pk}
        )
    return attachment


def _check_reuse(dossier: Dossier, actor: User, required_document: RequiredDocument) -> None:
    _check_can_edit(dossier, actor)
    _check_draft(dossier)
    _check_document(dossier, required_document)
    if not required_document.reusable_from_data_store:
        raise InvalidInput(
            _("Giấy tờ “%(name)s” không được dùng lại từ kho dữ liệu.")
            % {"name": required_document.name},
            field="reuse",
        )


def attachment_reuse(
    *,
    dossier: Dossier,
    actor: User,
    source: Attachment,
    required_document: RequiredDocument,
) -> Attachment:
    """Cite a file of the applicant's earlier submitted dossiers instead of uploading it again.
    The new attachment points to the same stored file."""
    _check_reuse(dossier, actor, required_document)
    earlier = source.dossier
    if (
        earlier is None
        or dossier.owner_id is None
        or earlier.owner_id != dossier.owner_id
        or earlier.status == Status.DRAFT
    ):
        raise NotFound(_("Không tìm thấy giấy tờ này trong kho dữ liệu của bạn."), field="reuse")
    with transaction.atomic():
        total_check(
            name=source.original_name,
            current_total=dossier_total_size(dossier=dossier),
            adding=source.size,
        )
        attachment = Attachment.objects.create(
            dossier=dossier,
            required_document=required_document,
            file=source.file.name,
            original_name=source.original_name,
            content_type=source.content_type,
            size=source.size,
            sha256=source.sha256,
            uploaded_by=actor,
            uploaded_at=timezone.now(),
            is_digitized=source.is_digitized,
            is_reused=True,
            reused_from=(earlier.code or "")[:100],
        )
        audit_record(
            actor=actor,
            action="attachment.reuse",
            obj=attachment,
            changes={"dossier": dossier.pk, "from": earlier.code, "sha256": source.sha256},
        )
    return attachment


def attachment_reuse_stored(
    *,
    dossier: Dossier,
    actor: User,
    stored: StoredDocument,
    required_document: RequiredDocument,
) -> Attachment:
    """Cite a document of the owner's data store (dossiers/store.py) instead of an upload: the
    attachment points to the stored file, is marked reused from "store:<id>", and digitized
    when the stored document is a certified copy. Choosing it twice gives the same attachment."""
    _check_reuse(dossier, actor, required_document)
    if (
        dossier.owner_id is None
        or stored.owner_id != dossier.owner_id
        or stored.deleted_at is not None
    ):
        raise NotFound(_("Không tìm thấy giấy tờ này trong kho dữ liệu của bạn."), field="reuse")
    if not stored.is_valid_on(timezone.localdate()):
        raise InvalidInput(
            _("Giấy tờ “%(title)s” đã hết giá trị từ ngày %(day)s: không dùng lại được.")
            % {"title": stored.title, "day": stored.valid_until.strftime("%d/%m/%Y")},
            code="expired",
            field="reuse",
        )
    source = f"{REUSED_PREFIX}{stored.pk}"
    with transaction.atomic():
        already = dossier.attachments.filter(
            reused_from=source, required_document=required_document
        ).first()
        if already is not None:
            return already
        total_check(
            name=stored.original_name,
            current_total=dossier_total_size(dossier=dossier),
            adding=stored.size,
        )
        attachment = Attachment.objects.create(
            dossier=dossier,
            required_document=required_document,
            file=stored.file.name,
            original_name=stored.original_name,
            content_type=stored.content_type,
            size=stored.size,
            sha256=stored.sha256,
            uploaded_by=actor,
            uploaded_at=timezone.now(),
            is_digitized=stored.kind == StoredKind.CERTIFIED_COPY,
            is_reused=True,
            reused_from=source,
        )
        audit_record(
            actor=actor,
            action="attachment.reuse",
            obj=attachment,
            changes={"dossier": dossier.pk, "from": source, "sha256": stored.sha256},
        )
    return attachment


def attachment_remove(*, actor: User, attachment: Attachment) -> None:
    """Take a file out of a draft (or drop an unattached upload); the stored file goes when
    nothing else refers to it."""
    if attachment.dossier_id is not None:
        _check_can_edit(attachment.dossier, actor)
        _check_draft(attachment.dossier)
    elif attachment.uploaded_by_id != actor.pk:
        raise NotFound(_("Không tìm thấy tệp này."), field="file")
    name = attachment.file.name
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="attachment.remove",
            obj=attachment,
            changes={"dossier": attachment.dossier_id, "sha256": attachment.sha256},
        )
        attachment.delete()
        transaction.on_commit(lambda: _file_release(name))


# --- Submission ------------------------------------------------------------------------------


class SubmissionIncomplete(InvalidInput):
    """What keeps a draft from being submitted, every problem at once: `problems` maps
    "applicant.<key>", "form.<field>", "documents.<id>" or "dossier" to Vietnamese messages."""

    default_code = "incomplete"

    def __init__(self, problems: dict[str, list[str]]):
        self.problems = problems
        listed = " ".join(message for messages in problems.values() for message in messages)
        super().__init__(
            _("Hồ sơ chưa đủ để nộp: %(problems)s") % {"problems": listed},
            field=next(iter(problems)),
        )


def _form_schema(version: ProcedureVersion) -> dict[str, Any]:
    template = getattr(version, "form_template", None)
    return template.schema if template is not None else {"type": "object", "properties": {}}


def dossier_submission_problems(dossier: Dossier) -> dict[str, list[str]]:
    """Everything missing or wrong before `dossier` can be submitted; {} when it is ready."""
    problems: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        problems.setdefault(key, []).append(message)

    version = dossier.procedure_version
    if version.status != ProcedureVersion.Status.PUBLISHED:
        add(
            "dossier",
            _(
                "Thủ tục đã được cập nhật sang phiên bản mới sau khi bạn tạo bản nháp này. "
                "Vui lòng tạo hồ sơ mới theo phiên bản đang áp dụng."
            ),
        )
    for key, label in (
        ("name", _("họ tên hoặc tên tổ chức")),
        (
            "id_number",
            _("mã số thuế")
            if dossier.applicant_kind == ApplicantKind.ORGANISATION
            else _("số định danh cá nhân"),
        ),
        ("address", _("địa chỉ (số nhà, đường, thôn, xóm)")),
    ):
        if not getattr(dossier, f"applicant_{key}"):
            add(f"applicant.{key}", _("Vui lòng nhập %(label)s của người nộp.") % {"label": label})
    if dossier.applicant_commune_id is None:
        add("applicant.commune", _("Vui lòng chọn xã, phường, đặc khu của người nộp."))
    if not dossier.applicant_phone and not dossier.applicant_email:
        add(
            "applicant.phone",
            _("Vui lòng nhập số điện thoại hoặc thư điện tử để cơ quan liên hệ khi cần."),
        )
    _cleaned, form_errors = form_validate(_form_schema(version), dossier.form_data)
    for name, messages in form_errors.items():
        key = "form" if name == NON_FIELD else f"form.{name}"
        for message in messages:
            add(key, message)
    attached = {attachment.required_document_id for attachment in dossier.attachments.all()}
    for document in version.documents.order_by("order", "id"):
        if document.is_required and document.pk not in attached:
            add(
                f"documents.{document.pk}",
                _("Chưa có tệp cho giấy tờ bắt buộc “%(name)s”.") % {"name": document.name},
            )
    total = dossier_total_size(dossier=dossier)
    try:
        total_check(name=_("các tệp"), current_total=total, adding=0)
    except InvalidInput as error:
        add("documents", error.message)
    return problems


def dossier_submit(
    *, dossier: Dossier, actor: User, submitted_at: datetime | None = None
) -> Dossier:
    """Submit a complete draft: it gets its code `{agency}-{yyMMdd}-{NNNN}`, status "new"
    (Mới đăng ký) and the expected appointment date from the procedure's legal time and the
    working calendar, all in one transaction. Raises SubmissionIncomplete (400) listing every
    problem, Conflict (409) when it is no longer a draft."""
    submitted_at = submitted_at or timezone.now()
    with transaction.atomic():
        current = (
            Dossier.objects.select_for_update(of=("self",))
            .select_related(
                "procedure_version__form_template", "procedure_version__agency", "agency"
            )
            .get(pk=dossier.pk)
        )
        _check_can_edit(current, actor)
        _check_draft(current)
        problems = dossier_submission_problems(current)
        if problems:
            raise SubmissionIncomplete(problems)
        version = current.procedure_version
        cleaned, _errors = form_validate(_form_schema(version), current.form_data)
        code = dossier_code_next(agency=version.agency, day=timezone.localdate(submitted_at))
        appointment_at = due_at(
            submitted_at,
            version.processing_time,
            version.processing_time_unit,
            agency=version.agency,
        )
        current.code = code
        transition(
            dossier=current,
            to_status=Status.NEW,
            actor=actor,
            action="submit",
            at=submitted_at,
            data={"channel": current.channel, "code": code},
            update_fields={
                "code": code,
                "submitted_at": submitted_at,
                "appointment_at": appointment_at,
                "form_data": cleaned,
                "search_text": _search_text(current),
            },
        )
        # The applicant is told the code and the expected date (outbox: sent after commit).
        from motcua.dossiers.backoffice import notify_applicant

        notify_applicant(current, "dossier_submitted", {})
    for name in ("code", "status", "version", "submitted_at", "appointment_at", "form_data"):
        setattr(dossier, name, getattr(current, name))
    return current


# --- The API's one-call submission -----------------------------------------------------------


def body_fingerprint(payload: Any) -> str:
    """SHA-256 of a request body in canonical JSON: the same content in another key order or
    spacing is the same body for `Idempotency-Key`."""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class SubmissionResult:
    dossier: Dossier
    created: bool


def _replay(*, user: User, key: str, body_sha256: str) -> SubmissionResult | None:
    earlier = SubmissionKey.objects.select_related("dossier").filter(user=user, key=key).first()
    if earlier is None:
        return None
    if earlier.body_sha256 != body_sha256:
        raise Conflict(
            _(
                "Khóa Idempotency-Key này đã được dùng cho một yêu cầu có nội dung khác. Hãy "
                "dùng khóa mới cho hồ sơ mới."
            ),
            code="idempotency_key_reused",
            field="Idempotency-Key",
        )
    return SubmissionResult(dossier=earlier.dossier, created=False)


def _check_form(version: ProcedureVersion, form_data: Any) -> None:
    """The API sends the whole form at once: refuse unknown fields and wrong values before
    anything is kept (a draft would quietly drop an unknown field)."""
    _cleaned, errors = form_validate(_form_schema(version), form_data)
    if errors:
        raise SubmissionIncomplete(
            {
                ("form" if name == NON_FIELD else f"form.{name}"): messages
                for name, messages in errors.items()
            }
        )


def dossier_submit_online(
    *,
    actor: User,
    procedure_code: str,
    form_data: dict[str, Any],
    attachments: list[tuple[int, int | None]],
    applicant: dict[str, Any] | None = None,
    idempotency_key: str = "",
    body_sha256: str = "",
) -> SubmissionResult:
    """Create, fill, attach and submit a dossier in one transaction (the API). With an
    `idempotency_key`, the same key and body return the first dossier; another body is 409.
    `attachments` are (file id, required document id) pairs of files uploaded before."""
    if idempotency_key:
        replay = _replay(user=actor, key=idempotency_key, body_sha256=body_sha256)
        if replay is not None:
            return replay
    try:
        with transaction.atomic():
            if idempotency_key:
                # Serialise this user's submissions, so that concurrent retries with one key
                # wait for the first instead of racing it.
                User.objects.select_for_update().filter(pk=actor.pk).first()
                replay = _replay(user=actor, key=idempotency_key, body_sha256=body_sha256)
                if replay is not None:
                    return replay
            dossier = dossier_draft_create(
                procedure_code=procedure_code, owner=actor, actor=actor, applicant=applicant
            )
            _check_form(dossier.procedure_version, form_data)
            dossier_draft_update(
                dossier=dossier, actor=actor, form_data=form_data, expected_version=dossier.version
            )
            documents = {
                document.pk: document for document in dossier.procedure_version.documents.all()
            }
            uploads = {
                attachment.pk: attachment
                for attachment in Attachment.objects.filter(
                    pk__in=[file_id for file_id, _document in attachments]
                )
            }
            for index, (file_id, document_id) in enumerate(attachments):
                document = None
                if document_id is not None:
                    document = documents.get(document_id)
                    if document is None:
                        raise InvalidInput(
                            _("Thủ tục không có thành phần hồ sơ số %(id)s.") % {"id": document_id},
                            field=f"attachments.{index}.required_document_id",
                        )
                upload = uploads.get(file_id)
                if upload is None:
                    raise InvalidInput(
                        _("Không có tệp số %(id)s.") % {"id": file_id},
                        field=f"attachments.{index}.file_id",
                    )
                attachment_attach(
                    dossier=dossier, actor=actor, attachment=upload, required_document=document
                )
            dossier = dossier_submit(dossier=dossier, actor=actor)
            if idempotency_key:
                SubmissionKey.objects.create(
                    user=actor, key=idempotency_key, body_sha256=body_sha256, dossier=dossier
                )
    except IntegrityError:
        # Another request with the same key won the race: answer as its retry.
        replay = (
            _replay(user=actor, key=idempotency_key, body_sha256=body_sha256)
            if idempotency_key
            else None
        )
        if replay is None:
            raise
        return replay
    return SubmissionResult(dossier=dossier, created=True)


# --- Clean-up --------------------------------------------------------------------------------

# An upload not attached to a dossier within this time is abandoned (API clients attach at once).
ORPHAN_AGE = timedelta(hours=24)
_ORPHAN_BATCH = 500


def _recent_attachment_folders(now: datetime) -> list[str]:
    """attachment_path's month folders (of `uploaded_at`, in UTC) of this month and the
    previous one: a file whose row failed was written within the last 24 hours."""
    this_month = now.replace(day=1)
    previous = (this_month - timedelta(days=1)).replace(day=1)
    return [f"private/attachments/{month:%Y/%m}" for month in (previous, this_month)]


def attachment_orphans_delete(*, now: datetime | None = None) -> int:
    """Delete uploads never attached to a dossier and older than ORPHAN_AGE, with their stored
    files, and stored files that have no attachment row at all (their row failed). Returns how
    many files were deleted."""
    now = now or timezone.now()
    cutoff = now - ORPHAN_AGE
    storage = _storage()
    deleted = 0
    while True:
        batch = list(
            Attachment.objects.filter(dossier__isnull=True, uploaded_at__lt=cutoff).order_by("pk")[
                :_ORPHAN_BATCH
            ]
        )
        if not batch:
            break
        names = {attachment.file.name for attachment in batch}
        with transaction.atomic():
            Attachment.objects.filter(pk__in=[attachment.pk for attachment in batch]).delete()
            audit_record(
                actor=None,
                action="attachment.orphans_delete",
                object_type="dossiers.attachment",
                changes={"count": len(batch), "sha256": [a.sha256 for a in batch][:50]},
            )
        still_used = set(Attachment.objects.filter(file__in=names).values_list("file", flat=True))
        for name in names - still_used:
            storage.delete(name)
            deleted += 1
    for folder in _recent_attachment_folders(now):
        try:
            _dirs, files = storage.listdir(folder)
        except (FileNotFoundError, NotImplementedError):
            continue
        paths = [f"{folder}/{name}" for name in files]
        for start in range(0, len(paths), _ORPHAN_BATCH):
            chunk = paths[start : start + _ORPHAN_BATCH]
            known = set(Attachment.objects.filter(file__in=chunk).values_list("file", flat=True))
            known |= set(
                StoredDocument.objects.filter(file__in=chunk).values_list("file", flat=True)
            )
            for path in chunk:
                if path not in known and storage.get_modified_time(path) < cutoff:
                    storage.delete(path)
                    deleted += 1
    return deleted
