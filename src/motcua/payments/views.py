"""Pages of payments: the applicant's payment page, the gateways' browser return and server
notification, the result and receipt of a payment, and cash recorded by the desk."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.csp import CSP
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from motcua.core.errors import DomainError, NotFound, PermissionDenied
from motcua.core.middleware import client_ip
from motcua.dossiers.models import Dossier
from motcua.dossiers.selectors import dossier_get_visible_to
from motcua.payments.gateways import ANSWER_ERROR, GatewayError, gateway_get, gateways_enabled
from motcua.payments.models import CallbackSource
from motcua.payments.receipts import receipt_pdf
from motcua.payments.selectors import dossier_payment_summary, payment_get_visible_to
from motcua.payments.services import payment_apply_callback, payment_check, payment_record_cash
from motcua.payments.services import payment_start as start_payment

logger = logging.getLogger(__name__)
CASH_ERROR_KEY = "payments:cash-error:%s"


def _own_dossier(request: HttpRequest, code: str) -> Dossier:
    dossier = dossier_get_visible_to(user=request.user, code=code)
    if dossier.owner_id != request.user.pk:
        raise PermissionDenied(
            _("Chỉ chủ hồ sơ mới thanh toán trực tuyến được phí, lệ phí của hồ sơ."),
            field="dossier",
        )
    return dossier


def _pay_page(request: HttpRequest, dossier: Dossier, *, error=None, status=200) -> HttpResponse:
    gateways = gateways_enabled()
    response = render(
        request,
        "payments/pay.html",
        {
            "dossier": dossier,
            "summary": dossier_payment_summary(dossier=dossier),
            "gateways": gateways,
            "error": error,
        },
        status=status,
    )
    # The form sends the browser on to the gateway's page (a redirect after the POST):
    # form-action must allow the gateways' origins on this page, and only here.
    origins = sorted({gateway.origin() for gateway in gateways if gateway.origin()})
    response._csp_config = {**settings.SECURE_CSP, "form-action": [CSP.SELF, *origins]}
    return response


@login_required
@require_GET
def pay(request: HttpRequest, code: str) -> HttpResponse:
    """/thanh-toan/ho-so/<code>/: the fees of one of the applicant's dossiers and the gateways."""
    return _pay_page(request, _own_dossier(request, code))


@login_required
@require_POST
def start(request: HttpRequest, code: str) -> HttpResponse:
    """Open (or resume) a payment and send the browser to the gateway."""
    dossier = _own_dossier(request, code)
    try:
        started = start_payment(
            dossier=dossier,
            actor=request.user,
            gateway=request.POST.get("gateway", "")[:30] or None,
            client_ip=client_ip(request) or "",
        )
    except DomainError as error:
        return _pay_page(request, dossier, error=error, status=error.status)
    return HttpResponseRedirect(started.redirect_url, status=303)


@require_GET
def gateway_return(request: HttpRequest, gateway: str) -> HttpResponse:
    """The browser coming back from the gateway. What it carries is applied only when its
    signature holds (as a notification would be); the page then shows the stored state."""
    chosen = gateway_get(gateway)
    answer = payment_apply_callback(
        gateway=chosen.name,
        params=chosen.callback_params(request),
        source=CallbackSource.RETURN,
        ip=client_ip(request),
    )
    if answer.payment is None:
        return render(
            request, "payments/return_refused.html", {"reason": answer.reason}, status=400
        )
    # A clean address: reloading the page does not send the gateway's parameters again.
    return redirect("payments:detail", order_ref=answer.payment.order_ref)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def gateway_notification(request: HttpRequest, gateway: str) -> JsonResponse:
    """The gateway's server-to-server notification (VNPay's IPN is a GET). Always answers
    JSON in the gateway's own shape, so that it retries only when it should."""
    try:
        chosen = gateway_get(gateway)
    except NotFound as error:
        return JsonResponse(error.as_dict(), status=404)
    try:
        answer = payment_apply_callback(
            gateway=chosen.name,
            params=chosen.callback_params(request),
            source=CallbackSource.IPN,
            ip=client_ip(request),
        )
        code = answer.code
    except Exception:  # the gateway must get an answer it understands, and will retry
        logger.exception("payment notification from %s failed", chosen.name)
        code = ANSWER_ERROR
    return JsonResponse(chosen.answer(code))


@login_required
@require_GET
def detail(request: HttpRequest, order_ref: str) -> HttpResponse:
    """/thanh-toan/giao-dich/<ref>/: where one payment stands, from what was verified."""
    payment = payment_get_visible_to(user=request.user, order_ref=order_ref)
    summary = dossier_payment_summary(dossier=payment.dossier)
    return render(
        request,
        "payments/detail.html",
        {
            "payment": payment,
            "dossier": payment.dossier,
            "summary": summary,
            "is_owner": payment.dossier.owner_id == request.user.pk,
        },
    )


@login_required
@require_POST
def recheck(request: HttpRequest, order_ref: str) -> HttpResponse:
    """Ask the gateway now about a payment still waiting for its confirmation."""
    payment = payment_get_visible_to(user=request.user, order_ref=order_ref)
    try:
        payment_check(payment=payment)
    except GatewayError:
        messages.warning(
            request, _("Cổng thanh toán chưa trả lời. Vui lòng kiểm tra lại sau ít phút.")
        )
    return redirect("payments:detail", order_ref=payment.order_ref)


@login_required
@require_GET
def receipt(request: HttpRequest, order_ref: str) -> HttpResponse:
    """/thanh-toan/giao-dich/<ref>/bien-lai.pdf: the receipt of a paid payment."""
    payment = payment_get_visible_to(user=request.user, order_ref=order_ref)
    response = HttpResponse(receipt_pdf(payment), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        False, f"bien-lai-{payment.dossier.code}.pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def record_cash(request: HttpRequest, code: str) -> HttpResponse:
    """The desk took the fees in cash: record it, back to the workspace dossier page (an error
    is shown next to the receipt number field there)."""
    dossier = dossier_get_visible_to(user=request.user, code=code)
    receipt_no = request.POST.get("receipt_no", "")
    try:
        payment_record_cash(officer=request.user, dossier=dossier, receipt_no=receipt_no)
    except DomainError as error:
        if isinstance(error, PermissionDenied):
            raise
        request.session[CASH_ERROR_KEY % dossier.pk] = {
            "message": error.message,
            "field": error.field or "receipt_no",
            "receipt_no": receipt_no[:50],
        }
    else:
        messages.success(request, _("Đã ghi nhận thu phí, lệ phí bằng tiền mặt."))
    return redirect(
        reverse("dossiers:workspace-dossier", kwargs={"code": dossier.code}) + "#payment"
    )
