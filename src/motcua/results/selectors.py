"""Reads of results: by verification token or hash (public), the results of a dossier, who may
download the original signed file (its holder and the staff who may see its dossier) and who may
re-issue or revoke a result (the issuing agency's directors)."""

from __future__ import annotations

import re

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from motcua.accounts.models import Role, StaffRole
from motcua.accounts.selectors import is_staff_user
from motcua.core.errors import NotFound
from motcua.core.text import nfc
from motcua.dossiers.models import Dossier
from motcua.dossiers.selectors import dossier_list_visible_to
from motcua.results.models import Result

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _public() -> QuerySet[Result]:
    return Result.objects.select_related("agency", "replaces", "replacement")


def result_get_by_token(*, token: str) -> Result:
    """The result behind a verification token; NotFound for a malformed or unknown token."""
    result = _public().filter(verify_token=token).first() if _TOKEN.match(token or "") else None
    if result is None:
        raise NotFound(
            _("Không tìm thấy kết quả với mã xác minh này. Hãy kiểm tra lại đường dẫn hoặc mã QR."),
            field="token",
        )
    return result


def result_find_by_sha256(*, sha256: str) -> Result | None:
    if not _SHA256.match(sha256 or ""):
        return None
    return _public().filter(sha256=sha256).first()


def result_list_for_dossier(*, dossier: Dossier) -> list[Result]:
    """A dossier's results, newest first. The caller has checked that the dossier is visible."""
    return list(
        Result.objects.filter(dossier=dossier)
        .select_related("replaces", "replacement")
        .order_by("-issued_at", "-pk")
    )


def result_download_allowed(*, user, result: Result) -> bool:
    """The original file goes to the holder (the dossier's owner) and to staff who may see the
    dossier; everyone else sees the public facts only."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    dossier_owner = Dossier.objects.filter(pk=result.dossier_id).values_list("owner_id", flat=True)
    if dossier_owner.first() == user.pk:
        return True
    return is_staff_user(user) and (
        dossier_list_visible_to(user=user).filter(pk=result.dossier_id).exists()
    )


def result_get_visible_to(*, user, pk: int) -> Result:
    """A result whose dossier `user` (staff) may see; NotFound otherwise, as for a number that
    does not exist."""
    result = (
        Result.objects.filter(pk=pk, dossier__in=dossier_list_visible_to(user=user))
        .select_related("dossier", "agency")
        .first()
        if is_staff_user(user)
        else None
    )
    if result is None:
        raise NotFound(_("Không tìm thấy kết quả này."), field="result")
    return result


def result_manage_allowed(*, user, agency_id: int) -> bool:
    """Whether `user` re-issues and revokes the results of the agency: its directors (of an
    active unit) and superusers."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return StaffRole.objects.filter(
        user=user, role=Role.DIRECTOR, unit__agency_id=agency_id, unit__is_active=True
    ).exists()


def holder_name_masked(name: str) -> str:
    """ "Nguyễn Văn An" -> "Nguyễn V** A*": the family name, then each other name's first
    letter, enough to recognise one's own result without publishing the full name."""
    words = nfc(name or "").split()
    if not words:
        return ""
    return " ".join([words[0], *(word[0] + "*" * (len(word) - 1) for word in words[1:])])
