"""Boxes other apps' pages include: the applicant's payment box ("Hồ sơ của tôi", the page after
submission) and the desk's payment panel of the workspace dossier page."""

from __future__ import annotations

from typing import Any

from django import template

from motcua.catalog.models import Channel
from motcua.core.errors import PermissionDenied
from motcua.payments.gateways import gateways_enabled
from motcua.payments.selectors import dossier_payment_summary
from motcua.payments.services import check_can_record_cash

register = template.Library()


@register.inclusion_tag("payments/_owner_box.html", takes_context=True)
def payment_box(context: dict[str, Any], dossier) -> dict[str, Any]:
    """For the dossier's owner: what it owes, whether it is paid, the "pay online" button."""
    request = context.get("request")
    user = getattr(request, "user", None)
    shown = (
        user is not None
        and user.is_authenticated
        and dossier.owner_id == user.pk
        and dossier.channel == Channel.ONLINE
    )
    summary = dossier_payment_summary(dossier=dossier) if shown else None
    return {
        "shown": bool(summary and summary.state != "none"),
        "summary": summary,
        "dossier": dossier,
        "online": bool(gateways_enabled()),
    }


@register.inclusion_tag("payments/_staff_panel.html", takes_context=True)
def payment_staff_panel(context: dict[str, Any], dossier) -> dict[str, Any]:
    """For staff: fees, paid / pending / failed, every payment, and the cash form for the desk."""
    request = context.get("request")
    user = getattr(request, "user", None)
    summary = dossier_payment_summary(dossier=dossier)
    try:
        check_can_record_cash(officer=user, dossier=dossier)
        can_record = summary.state != "paid" and bool(summary.items)
    except PermissionDenied:
        can_record = False
    error = None
    if request is not None and hasattr(request, "session"):
        from motcua.payments.views import CASH_ERROR_KEY

        error = request.session.pop(CASH_ERROR_KEY % dossier.pk, None)
    return {
        "summary": summary,
        "dossier": dossier,
        "can_record": can_record,
        "error": error,
        "csrf_token": context.get("csrf_token"),
    }
