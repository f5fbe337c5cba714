"""Issuing, re-issuing and revoking signed results.

A result is produced from its template, signed as the agency and stored with its SHA-256 in the
caller's transaction: when the signature cannot be made the whole action rolls back (the dossier
stays at its signing step, and can be signed again), and nothing reaches the applicant before
the signed file is stored. A stored result never changes; a correction is a new result that
replaces it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.accounts.models import Role, StaffRole, User
from motcua.core.audit import audit_record
from motcua.core.calendar import VIETNAM
from motcua.core.errors import Conflict, InvalidInput, PermissionDenied
from motcua.dossiers.forms_pdf import place_name
from motcua.dossiers.models import Dossier, ReturnMethod
from motcua.dossiers.models import Status as DossierStatus
from motcua.dossiers.store import store_keep_signed_result
from motcua.results.documents import (
    KIND_SYMBOLS,
    ResultDraft,
    agency_symbol,
    result_kind_for,
    result_pdf,
)
from motcua.results.models import (
    Result,
    ResultKind,
    ResultNumberSequence,
    ResultStatus,
    verify_token_new,
)
from motcua.results.selectors import result_manage_allowed
from motcua.results.signing import sign_pdf

MAX_REASON = 1000


def result_number_next(*, agency, year: int, kind: str) -> tuple[int, str]:
    """The next number of `agency` in `year`, as (sequence, "123/GCN-SNNMT"). Call inside the
    issuing transaction: if it rolls back, the number is given back too. The row is created if
    missing (ignoring a concurrent creator), then raised by an UPDATE that locks it."""
    with transaction.atomic():
        ResultNumberSequence.objects.bulk_create(
            [ResultNumberSequence(agency=agency, year=year, last_number=0)],
            ignore_conflicts=True,
        )
        row = ResultNumberSequence.objects.filter(agency=agency, year=year)
        row.update(last_number=F("last_number") + 1)
        sequence = row.values_list("last_number", flat=True).get()
    return sequence, f"{sequence}/{KIND_SYMBOLS[kind]}-{agency_symbol(agency.name)}"


def signer_title_for(user: User | None, *, agency_id: int) -> str:
    """How the signer signs: the agency's director as "Giám đốc", a unit head as the head of
    their unit."""
    if user is None:
        return _("Thủ trưởng cơ quan")
    roles = list(
        StaffRole.objects.filter(user=user, unit__agency_id=agency_id).select_related("unit")
    )
    if any(role.role == Role.DIRECTOR for role in roles):
        return _("Giám đốc")
    head = next((role for role in roles if role.role == Role.UNIT_HEAD), None)
    if head is not None:
        return _("Trưởng %(unit)s") % {"unit": head.unit.name}
    return _("Thủ trưởng cơ quan")


def _reason(value: str, *, field: str = "reason") -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(_("Vui lòng nhập lý do."), field=field)
    value = value.strip()
    if len(value) > MAX_REASON:
        raise InvalidInput(_("Lý do dài quá %(max)s ký tự.") % {"max": MAX_REASON}, field=field)
    return value


def result_issue(
    *,
    dossier: Dossier,
    signer: User | None,
    issued_at: datetime,
    summary: str = "",
    kind: str | None = None,
    title: str = "",
    signer_title: str = "",
    replaces: Result | None = None,
    replacement_reason: str = "",
) -> Result:
    """Produce, sign and store the result of `dossier`, signed by `signer` for its agency.
    Raises SigningFailed (503) when the signature cannot be made: the transaction then rolls
    back with everything the caller did in it."""
    version = dossier.procedure_version
    kind = kind or result_kind_for(version.result_type or version.name)
    if kind not in ResultKind.values:
        raise InvalidInput(_("Loại kết quả không hợp lệ."), field="result_kind")
    title = (title or version.result_type or str(ResultKind(kind).label)).strip().rstrip(".")
    signer_name = (signer.full_name or signer.get_username()) if signer else ""
    signer_name = signer_name or _("Thủ trưởng cơ quan")
    signer_title = signer_title or signer_title_for(signer, agency_id=dossier.agency_id)
    year = timezone.localtime(issued_at, VIETNAM).year
    with transaction.atomic():
        sequence, number = result_number_next(agency=dossier.agency, year=year, kind=kind)
        token = verify_token_new()
        draft = ResultDraft(
            dossier=dossier,
            number=number,
            kind=kind,
            title=title[:500],
            summary=summary[:500],
            issued_at=issued_at,
            signer_name=signer_name,
            signer_title=signer_title,
            verify_token=token,
        )
        unsigned, stamp = result_pdf(draft)
        signed, certificate = sign_pdf(
            unsigned,
            reason=_("Ký ban hành %(kind)s số %(number)s")
            % {"kind": str(ResultKind(kind).label).lower(), "number": number},
            location=place_name(dossier.agency) or dossier.agency.name,
            signer_name=signer_name,
            stamp=stamp,
        )
        result = Result(
            dossier=dossier,
            agency=dossier.agency,
            year=year,
            sequence=sequence,
            number=number,
            kind=kind,
            title=draft.title,
            summary=draft.summary,
            holder_name=dossier.applicant_name,
            issued_at=issued_at,
            signer=signer if getattr(signer, "pk", None) else None,
            signer_name=signer_name[:255],
            signer_title=signer_title[:255],
            certificate_subject=certificate.subject[:500],
            certificate_issuer=certificate.issuer[:500],
            certificate_serial=certificate.serial[:80],
            certificate_fingerprint=certificate.fingerprint,
            signature_level=certificate.level,
            signed_at=certificate.signed_at,
            size=len(signed),
            sha256=hashlib.sha256(signed).hexdigest(),
            verify_token=token,
            replaces=replaces,
            replacement_reason=replacement_reason,
        )
        result.file.save(f"{token}.pdf", ContentFile(signed), save=False)
        try:
            result.save(force_insert=True)
        except Exception:
            # The file was written outside the database transaction: do not leave it behind.
            result.file.storage.delete(result.file.name)
            raise
        audit_record(
            actor=signer,
            action="result.issue",
            obj=result,
            changes={
                "dossier": dossier.code,
                "number": number,
                "sha256": result.sha256,
                "certificate": certificate.fingerprint,
                "replaces": replaces.number if replaces else None,
            },
        )
    return result


def _check_leader(actor: User, result: Result) -> None:
    """A director of the issuing agency (or a superuser) re-issues and revokes its results."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("Cần đăng nhập."), field="actor")
    if not result_manage_allowed(user=actor, agency_id=result.agency_id):
        raise PermissionDenied(
            _("Chỉ lãnh đạo cơ quan ban hành mới cấp lại hoặc thu hồi được kết quả."),
            field="actor",
        )


def _locked_valid(result: Result) -> Result:
    current = (
        Result.objects.select_for_update().select_related("dossier", "agency").get(pk=result.pk)
    )
    if current.status != ResultStatus.VALID:
        raise Conflict(
            _("Kết quả số %(number)s đang ở tình trạng “%(status)s”, không thay đổi được nữa.")
            % {"number": current.number, "status": current.get_status_display()},
            code="result_not_valid",
            field="result",
        )
    return current


def result_replace(*, actor: User, result: Result, reason: str) -> Result:
    """Re-issue a result (a correction): a new number, signed now by `actor`; the old one is
    marked replaced and its verification page points to the new one."""
    reason = _reason(reason)
    _check_leader(actor, result)
    now = timezone.now()
    with transaction.atomic():
        old = _locked_valid(result)
        dossier = Dossier.objects.select_related(
            "procedure_version__procedure", "agency", "applicant_commune__province"
        ).get(pk=old.dossier_id)
        new = result_issue(
            dossier=dossier,
            signer=actor,
            issued_at=now,
            summary=old.summary,
            kind=old.kind,
            title=old.title,
            replaces=old,
            replacement_reason=reason,
        )
        old.status = ResultStatus.REPLACED
        old.replaced_at = now
        old.save(update_fields=["status", "replaced_at"])
        if (
            dossier.status == DossierStatus.RETURNED
            and dossier.return_method == ReturnMethod.ELECTRONIC
            and dossier.owner_id is not None
        ):
            # The applicant already holds the old one in their store: the new one joins it.
            store_keep_signed_result(owner=dossier.owner, result=new, actor=actor)
        audit_record(
            actor=actor,
            action="result.replace",
            obj=old,
            changes={"status": [ResultStatus.VALID, ResultStatus.REPLACED], "by": new.number},
        )
    return new


def result_revoke(*, actor: User, result: Result, reason: str) -> Result:
    """Revoke a valid result with a reason: its verification page says so from now on."""
    reason = _reason(reason)
    _check_leader(actor, result)
    with transaction.atomic():
        current = _locked_valid(result)
        current.status = ResultStatus.REVOKED
        current.revoked_at = timezone.now()
        current.revoked_reason = reason
        current.save(update_fields=["status", "revoked_at", "revoked_reason"])
        audit_record(
            actor=actor,
            action="result.revoke",
            obj=current,
            changes={"status": [ResultStatus.VALID, ResultStatus.REVOKED], "reason": reason},
        )
    return current
