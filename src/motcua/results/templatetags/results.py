"""Template tags that show a dossier's signed results on the staff workspace (with the
directors' re-issue and revocation forms) and on the applicant's "Hồ sơ của tôi" page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from motcua.dossiers.models import Dossier, Status
from motcua.results.models import Result, ResultStatus
from motcua.results.selectors import result_list_for_dossier, result_manage_allowed

register = template.Library()


@dataclass(frozen=True)
class ManageForm:
    """A director's form on a valid result: re-issue ("replace") or "revoke", with a reason;
    `error` is the refused attempt to show next to the reason field, if it was this form."""

    result: Result
    action: str
    error: dict[str, Any] | None = None

    @property
    def html_id(self) -> str:
        return f"result-{self.result.pk}-{self.action}"

    @property
    def url(self) -> str:
        return reverse(f"results:{self.action}", kwargs={"pk": self.result.pk})

    @property
    def summary(self):
        return (
            _("Cấp lại kết quả (đính chính)") if self.action == "replace" else _("Thu hồi kết quả")
        )

    @property
    def label(self):
        return _("Lý do cấp lại") if self.action == "replace" else _("Lý do thu hồi")

    @property
    def help(self):
        if self.action == "replace":
            return _(
                "Kết quả mới được đánh số mới và ký số ngay; kết quả này chuyển sang “Đã được "
                "thay thế” và trang xác minh của nó chỉ sang kết quả mới."
            )
        return _("Trang xác minh sẽ ghi kết quả đã bị thu hồi, kèm lý do. Không hoàn tác được.")

    @property
    def button(self):
        return _("Ký và cấp lại kết quả") if self.action == "replace" else _("Thu hồi kết quả")


def _rows(results: list[Result], *, can_manage: bool, error: dict | None) -> list[dict]:
    rows = []
    for result in results:
        forms = []
        if can_manage and result.status == ResultStatus.VALID:
            forms = [
                ManageForm(
                    result,
                    action,
                    error
                    if error and error.get("result") == result.pk and error.get("action") == action
                    else None,
                )
                for action in ("replace", "revoke")
            ]
        rows.append({"result": result, "forms": forms})
    return rows


@register.inclusion_tag("results/_dossier_results.html", takes_context=True)
def dossier_results(context: dict[str, Any], dossier: Dossier) -> dict[str, Any]:
    """{% dossier_results dossier %}: every result of a dossier the page already shows, with
    its status, verification page and original (staff may download it); a director of the
    issuing agency also gets the forms to re-issue or revoke a valid one."""
    results = result_list_for_dossier(dossier=dossier)
    request = context.get("request")
    user = getattr(request, "user", None)
    can_manage = bool(results) and result_manage_allowed(user=user, agency_id=results[0].agency_id)
    error = None
    if request is not None and hasattr(request, "session"):
        from motcua.results.views import MANAGE_ERROR_KEY

        error = request.session.pop(MANAGE_ERROR_KEY % dossier.pk, None)
    return {
        "rows": _rows(results, can_manage=can_manage, error=error),
        "for_staff": True,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("results/_dossier_results.html")
def my_dossier_results(dossier: Dossier) -> dict:
    """{% my_dossier_results dossier %}: the applicant's results, once the result is returned."""
    results = result_list_for_dossier(dossier=dossier) if dossier.status == Status.RETURNED else []
    return {"rows": _rows(results, can_manage=False, error=None), "for_staff": False}
