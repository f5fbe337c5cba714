"""Inter-agency transfer adapters: a base class, a registry (settings.INTEGRATION_ADAPTERS) and
the two counterparts shipped: the tax authority and another agency of this installation."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

import requests
from django.conf import settings
from django.utils.dateparse import parse_datetime
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.core.errors import InvalidInput

logger = logging.getLogger(__name__)


# --- What an adapter reports back -----------------------------------------------------------


@dataclass(frozen=True)
class ObligationNotice:
    """A financial obligation notice (thông báo nộp nghĩa vụ tài chính)."""

    issuer: str
    notice_number: str
    amount: int  # đồng
    items: list[dict[str, Any]]  # [{"name": str, "amount": int}, ...]
    issued_at: datetime | None = None
    # Where the applicant pays it online (the authority's page), when it says so.
    payment_url: str = ""


@dataclass(frozen=True)
class Payment:
    payment_ref: str
    paid_at: datetime | None = None


@dataclass(frozen=True)
class Completion:
    """The other agency finished its part without an obligation to pay."""

    note: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PollResult:
    """Everything the other side says about the transfer now (its whole state, not what
    changed since the last poll): applying the same result twice changes nothing."""

    notice: ObligationNotice | None = None
    payment: Payment | None = None
    completion: Completion | None = None


class TransferError(Exception):
    """The other side could not be reached or refused; the message is shown to staff."""


class TemporaryTransferError(TransferError):
    """Network trouble, a timeout or a 5xx: trying again later may work."""


class PermanentTransferError(TransferError):
    """Refused (wrong key, invalid data, unknown reference) or not configured: retrying the
    same request will not help until someone fixes the cause."""


# --- The base class and the registry --------------------------------------------------------


class TransferAdapter:
    """One counterpart of liên thông. `send` and `poll` run in a background worker, outside
    any database transaction; they raise TransferError subclasses, never return errors."""

    name: str = ""
    label: str = ""
    # The process step must name an agency of this installation to send to.
    needs_target_agency: bool = False
    # Answers are fetched by the periodic `transfers_poll` job (else they arrive otherwise).
    polls: bool = False
    # Staff of the target agency answer on /can-bo/lien-thong/.
    answered_by_staff: bool = False

    def payload(self, *, dossier, step, target_agency) -> dict[str, Any]:
        """What is sent: the dossier's identity, its applicant and the step that transferred."""
        version = dossier.procedure_version
        commune = dossier.applicant_commune
        return {
            "dossier_code": dossier.code,
            "procedure": {"code": version.procedure.code, "name": version.name},
            "agency": {"code": dossier.agency.code, "name": dossier.agency.name},
            "applicant": {
                "kind": dossier.applicant_kind,
                "name": dossier.applicant_name,
                "id_number": dossier.applicant_id_number,
                "address": dossier.applicant_address,
                "commune": {"code": commune.code, "name": str(commune)} if commune else None,
            },
            "received_at": _iso(dossier.received_at),
            "appointment_at": _iso(dossier.appointment_at),
            "step": step.name if step is not None else "",
            "target_agency": (
                {"code": target_agency.code, "name": target_agency.name} if target_agency else None
            ),
        }

    def send(self, transfer) -> str:
        """Hand the transfer's payload over; return the other side's reference."""
        raise NotImplementedError

    def poll(self, transfer) -> PollResult | None:
        """Ask for the answer; None while there is nothing yet."""
        return None


@cache
def _registry(paths: tuple[str, ...]) -> dict[str, TransferAdapter]:
    adapters = {}
    for path in paths:
        adapter = import_string(path)()
        adapters[adapter.name] = adapter
    return adapters


def adapters() -> dict[str, TransferAdapter]:
    """The configured adapters by name."""
    return _registry(tuple(settings.INTEGRATION_ADAPTERS))


def adapter_for(name: str) -> TransferAdapter:
    adapter = adapters().get(name or "")
    if adapter is None:
        raise InvalidInput(
            _("Kênh liên thông “%(name)s” chưa được cấu hình.") % {"name": name or "—"},
            code="unknown_adapter",
            field="transfer_adapter",
        )
    return adapter


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


# --- The tax authority ----------------------------------------------------------------------

# Form fields of the land procedures (catalog/demo_data.py) that the tax office uses to compute
# the obligation; land_value and transfer_price (đồng) when a procedure's form declares them.
LAND_FIELDS = (
    "parcel_number",
    "map_sheet",
    "area_m2",
    "parcel_address",
    "land_use_purpose",
    "certificate_serial",
    "operation",
    "resulting_parcels",
    "land_value",
    "transfer_price",
)


class TaxAuthorityAdapter(TransferAdapter):
    """The tax authority's dossier API (`settings.TAX_AUTHORITY_URL`): POST /dossiers with the
    land-dossier data, then GET /dossiers/{reference} until the notice is issued and paid."""

    name = "tax"
    label = gettext_lazy("Cơ quan thuế")
    polls = True

    def payload(self, *, dossier, step, target_agency) -> dict[str, Any]:
        form = dossier.form_data or {}
        land = {key: form[key] for key in LAND_FIELDS if form.get(key) not in (None, "")}
        return {**super().payload(dossier=dossier, step=step, target_agency=None), "land": land}

    def send(self, transfer) -> str:
        answer = self._request(
            "post",
            "/dossiers",
            json=transfer.payload,
            # The same transfer sent twice (a timeout after the other side stored it) keeps
            # one reference there.
            headers={"Idempotency-Key": str(transfer.idempotency_key)},
        )
        reference = answer.get("reference")
        if not isinstance(reference, str) or not reference.strip():
            raise PermanentTransferError(_("Cơ quan thuế không trả về mã tham chiếu hồ sơ."))
        return reference.strip()[:100]

    def poll(self, transfer) -> PollResult | None:
        answer = self._request("get", f"/dossiers/{transfer.external_ref}")
        status = answer.get("status")
        if status == "received":
            return None
        if status == "no_obligation":
            return PollResult(
                completion=Completion(
                    note=_("Cơ quan thuế xác định hồ sơ không phát sinh nghĩa vụ tài chính."),
                    data={"reference": transfer.external_ref},
                )
            )
        if status not in ("notice_issued", "paid"):
            raise TemporaryTransferError(
                _("Cơ quan thuế trả về trạng thái không xác định: %(status)s")
                % {"status": str(status)[:50]}
            )
        notice = self._notice(answer.get("notice"))
        payment = self._payment(answer.get("payment")) if status == "paid" else None
        return PollResult(notice=notice, payment=payment)

    def _request(self, method: str, path: str, **options) -> dict[str, Any]:
        base = settings.TAX_AUTHORITY_URL.rstrip("/")
        if not base:
            raise PermanentTransferError(
                _("Chưa cấu hình địa chỉ cơ quan thuế (TAX_AUTHORITY_URL).")
            )
        headers = {
            "Accept": "application/json",
            "X-API-Key": settings.TAX_AUTHORITY_API_KEY,
            **options.pop("headers", {}),
        }
        try:
            response = requests.request(
                method,
                base + path,
                headers=headers,
                timeout=settings.TAX_AUTHORITY_TIMEOUT_SECONDS,
                **options,
            )
        except requests.RequestException as error:
            raise TemporaryTransferError(
                _("Không kết nối được cơ quan thuế: %(error)s") % {"error": type(error).__name__}
            ) from error
        if response.status_code in (408, 429) or response.status_code >= 500:
            raise TemporaryTransferError(
                _("Cơ quan thuế tạm thời không trả lời được (HTTP %(status)s).")
                % {"status": response.status_code}
            )
        if response.status_code >= 400:
            raise PermanentTransferError(
                _("Cơ quan thuế từ chối yêu cầu (HTTP %(status)s): %(detail)s")
                % {"status": response.status_code, "detail": _error_detail(response)}
            )
        try:
            answer = response.json()
        except ValueError as error:
            raise TemporaryTransferError(_("Cơ quan thuế trả lời không phải JSON.")) from error
        if not isinstance(answer, dict):
            raise TemporaryTransferError(_("Cơ quan thuế trả lời không đúng định dạng."))
        return answer

    @staticmethod
    def _notice(data: Any) -> ObligationNotice:
        try:
            items = [
                {"name": str(item["name"])[:255], "amount": _amount(item["amount"])}
                for item in data.get("items") or []
            ]
            return ObligationNotice(
                issuer=str(data.get("issuer") or _("Cơ quan thuế"))[:255],
                notice_number=str(data["number"])[:100],
                amount=_amount(data["amount"]),
                items=items,
                issued_at=_moment(data.get("issued_at")),
                # (the back office links to it only if it is an http(s) address)
                payment_url=str(data.get("payment_url") or ""),
            )
        except (AttributeError, KeyError, TypeError, ValueError) as error:
            raise TemporaryTransferError(
                _("Thông báo nghĩa vụ tài chính của cơ quan thuế thiếu hoặc sai dữ liệu.")
            ) from error

    @staticmethod
    def _payment(data: Any) -> Payment:
        if not isinstance(data, dict) or not data.get("reference"):
            raise TemporaryTransferError(_("Cơ quan thuế báo đã nộp nhưng thiếu chứng từ nộp."))
        return Payment(
            payment_ref=str(data["reference"])[:100], paid_at=_moment(data.get("paid_at"))
        )


def _amount(value: Any) -> int:
    amount = int(value)
    if amount < 0 or amount != value:
        raise ValueError(value)
    return amount


def _moment(value: Any) -> datetime | None:
    moment = parse_datetime(value) if isinstance(value, str) else None
    return moment if moment is not None and moment.tzinfo is not None else None


def _error_detail(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    return str(body.get("message") or body)[:200] if isinstance(body, dict) else str(body)[:200]


# --- Another agency of this installation ----------------------------------------------------


class MotcuaAgencyAdapter(TransferAdapter):
    """An agency that works in this same Motcua: the transfer is its request. Its staff see it
    on /can-bo/lien-thong/ and answer there (services.transfer_answer); nothing goes over the
    network."""

    name = "motcua"
    label = gettext_lazy("Cơ quan khác trên Motcua")
    needs_target_agency = True
    answered_by_staff = True

    def payload(self, *, dossier, step, target_agency) -> dict[str, Any]:
        return {
            **super().payload(dossier=dossier, step=step, target_agency=target_agency),
            "form_data": dossier.form_data or {},
        }

    def send(self, transfer) -> str:
        return f"LT-{transfer.pk:06d}"
