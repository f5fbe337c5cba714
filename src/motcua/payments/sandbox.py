"""A sandbox payment server for development and tests: a separate HTTP process (standard library
only, no Django) that plays the bank behind both gateways, so that online payment runs end to
end without a merchant contract. Never point production at it.

    python -m motcua.payments.sandbox --port 8030 [--ipn-url http://127.0.0.1:8000/thanh-toan/cong/vnpay/ipn/]

VNPay 2.1.0 (the merchant's terminal code and hash secret: --tmn-code, --hash-secret):
    GET  /paymentv2/vpcpay.html     the payment page of a signed payment URL ("Thanh toán", "Hủy")
    POST /paymentv2/confirm         the page's buttons: sends the IPN (GET, signed) to --ipn-url
                                    and redirects the browser to vnp_ReturnUrl with the same
                                    signed parameters
    POST /merchant_webapi/api/transaction   querydr (JSON, signed), for reconciliation
National payment platform (SPEC §9; --national-merchant, --national-secret, HMAC-SHA256 of the
body in X-Signature):
    POST /national/payments         create a payment; answers {"order_ref", "payment_url"}
    GET  /national/pay/{ref}        the payment page;  POST /national/confirm its buttons: the
                                    signed result is POSTed to callback_url, the browser sent to
                                    return_url?data=<base64url JSON>&signature=<hex>
    GET  /national/payments/{ref}   the payment's state (signed), for reconciliation
    GET  /national/receipts/{ref}   the receipt page the platform links to
Both:
    POST /_control                  tests: {"ipn_mode": "before" | "after" | "twice" | "none",
                                    "ipn_delay": seconds (for "after"), "ipn_url": "..."}
    GET  /                          the transactions and every notification sent, with answers
    GET  /health                    {"status": "ok"}
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import html
import itertools
import json
import signal
import sys
import threading
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qsl, quote_plus, urlencode, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

VIETNAM = timezone(timedelta(hours=7))
STAMP = "%Y%m%d%H%M%S"
MAX_BODY = 64 * 1024
IPN_MODES = ("before", "after", "twice", "none")
IPN_RETRIES = 3
BANKS = ("NCB", "VCB", "BIDV", "AGRIBANK", "TCB")


@dataclass
class Control:
    """What tests may change while the server runs (POST /_control)."""

    ipn_mode: str = "before"  # before the redirect, after it (late), twice, or never
    ipn_delay: float = 0.0  # seconds before a late ("after") notification
    ipn_url: str = ""  # VNPay's IPN address, registered once per merchant


@dataclass
class Config:
    tmn_code: str = "MOTCUA01"
    hash_secret: str = "motcua-sandbox-vnpay-secret"  # noqa: S105 - the sandbox's own
    national_merchant: str = "MOTCUA"
    national_secret: str = "motcua-sandbox-national-secret"  # noqa: S105
    control: Control = field(default_factory=Control)


@dataclass
class Order:
    gateway: str  # "vnpay" or "national"
    ref: str
    amount: int  # VND
    info: str
    return_url: str
    expires_at: datetime | None
    created_at: str = ""  # vnp_CreateDate / created_at as sent
    callback_url: str = ""
    items: list[dict[str, Any]] = field(default_factory=list)
    payer: str = ""
    dossier_code: str = ""
    state: str = "open"  # open, paid, cancelled, failed, expired
    result: dict[str, str] = field(default_factory=dict)
    notifications: list[str] = field(default_factory=list)


class Bank:
    """The orders and transactions, in memory (a sandbox starts empty each time)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.orders: dict[tuple[str, str], Order] = {}
        self.numbers = itertools.count(14000001)

    def get(self, gateway: str, ref: str) -> Order | None:
        with self.lock:
            return self.orders.get((gateway, ref))

    def add(self, order: Order) -> Order:
        with self.lock:
            return self.orders.setdefault((order.gateway, order.ref), order)

    def next_number(self) -> int:
        with self.lock:
            return next(self.numbers)

    def recent(self) -> list[Order]:
        with self.lock:
            return list(self.orders.values())[-50:][::-1]


def now() -> datetime:
    return datetime.now(VIETNAM)


# --- Signatures (written here independently of Motcua's gateways, as a bank would) ----------


def vnpay_hash(secret: str, params: dict[str, str]) -> str:
    """HMAC-SHA512 of the parameters sorted by key, URL-encoded (spaces as "+")."""
    data = "&".join(f"{quote_plus(k)}={quote_plus(str(v))}" for k, v in sorted(params.items()))
    return hmac.new(secret.encode(), data.encode(), hashlib.sha512).hexdigest()


def vnpay_signed(secret: str, params: dict[str, str]) -> dict[str, str]:
    return {**params, "vnp_SecureHash": vnpay_hash(secret, params)}


def hmac_hex(secret: str, data: bytes, digest=hashlib.sha256) -> str:
    return hmac.new(secret.encode(), data, digest).hexdigest()


def canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


# --- WSGI plumbing ----------------------------------------------------------------------------

Response = tuple[str, list[tuple[str, str]], bytes]


def _json(status: str, body: Any, headers: list[tuple[str, str]] | None = None) -> Response:
    data = json.dumps(body, ensure_ascii=False).encode()
    return status, [("Content-Type", "application/json; charset=utf-8"), *(headers or [])], data


def _signed_json(status: str, body: dict[str, Any], secret: str) -> Response:
    data = canonical(body)
    headers = [
        ("Content-Type", "application/json; charset=utf-8"),
        ("X-Signature", hmac_hex(secret, data)),
    ]
    return status, headers, data


def _html(status: str, title: str, body: str) -> Response:
    page = (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width">'
        f"<title>{html.escape(title)}</title></head><body>"
        "<header><p>Cổng thanh toán mô phỏng (sandbox) – chỉ dùng để phát triển và kiểm thử, "
        "không có tiền thật</p></header>"
        f"<main><h1>{html.escape(title)}</h1>{body}</main></body></html>"
    )
    return status, [("Content-Type", "text/html; charset=utf-8")], page.encode()


def _redirect(location: str) -> Response:
    return "303 See Other", [("Location", location)], b""


def _read_body(environ: dict) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(min(max(length, 0), MAX_BODY))


def _money(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đồng"


def _append_query(url: str, query: str) -> str:
    return f"{url}{'&' if urlsplit(url).query else '?'}{query}"


# --- Notifications (IPN and the national platform's callback) -------------------------------


def _send(order: Order, request: urllib.request.Request) -> bool:
    """One notification; True when Motcua answered "00" or "02" (VNPay stops retrying then)."""
    if urlsplit(request.full_url).scheme not in ("http", "https"):
        order.notifications.append(f"{now():%H:%M:%S} → địa chỉ không hợp lệ")
        return False
    try:
        # Only http(s), checked above.
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            answer = json.loads(response.read() or b"{}")
        code = str(answer.get("RspCode", answer.get("error_code", "")))
        order.notifications.append(
            f"{now():%H:%M:%S} → {code} {answer.get('Message', answer.get('message', ''))}"
        )
        return code in ("00", "02")
    except Exception as error:
        order.notifications.append(f"{now():%H:%M:%S} → lỗi: {error}")
        return False


def _notify(config: Config, order: Order, *, mode: str) -> None:
    """Send the result's notification as `mode` says; failed sends are retried in the
    background, a few times, a second apart."""
    if mode == "none":
        return

    def build() -> urllib.request.Request | None:
        if order.gateway == "vnpay":
            if not config.control.ipn_url:
                order.notifications.append("(chưa cấu hình địa chỉ IPN)")
                return None
            return urllib.request.Request(  # noqa: S310 - the scheme is checked in _send
                _append_query(config.control.ipn_url, urlencode(order.result))
            )
        body = base64.urlsafe_b64decode(
            order.result["data"] + "=" * (-len(order.result["data"]) % 4)
        )
        return urllib.request.Request(  # noqa: S310 - the scheme is checked in _send
            order.callback_url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "X-Signature": order.result["signature"]},
        )

    def deliver(first_delay: float) -> None:
        time.sleep(first_delay)
        for attempt in range(IPN_RETRIES):
            request = build()
            if request is None or _send(order, request):
                return
            time.sleep(1 + attempt)

    if mode == "after":
        threading.Thread(target=deliver, args=(config.control.ipn_delay,), daemon=True).start()
        return
    request = build()
    if request is None:
        return
    delivered = _send(order, request)
    if mode == "twice":
        delivered = _send(order, build()) or delivered
    if not delivered:
        threading.Thread(target=deliver, args=(1.0,), daemon=True).start()


# --- The application --------------------------------------------------------------------------


def create_app(config: Config, bank: Bank):
    def route(environ: dict) -> Response:
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "")
        base = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        if path == "/health":
            return _json("200 OK", {"status": "ok"})
        if path == "/" and method == "GET":
            return _index(bank)
        if path == "/_control" and method == "POST":
            return _control(config, _read_body(environ))
        if path == "/paymentv2/vpcpay.html" and method == "GET":
            return vnpay_page(
                dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
            )
        if path == "/paymentv2/confirm" and method == "POST":
            return vnpay_confirm(dict(parse_qsl(_read_body(environ).decode("utf-8", "replace"))))
        if path == "/merchant_webapi/api/transaction" and method == "POST":
            return vnpay_querydr(_read_body(environ))
        if path == "/national/payments" and method == "POST":
            return national_create(environ, base)
        if path.startswith("/national/payments/") and method == "GET":
            return national_state(environ, path.removeprefix("/national/payments/"))
        if path.startswith("/national/pay/") and method == "GET":
            return national_page(path.removeprefix("/national/pay/"))
        if path == "/national/confirm" and method == "POST":
            form = dict(parse_qsl(_read_body(environ).decode("utf-8", "replace")))
            return national_confirm(form, base)
        if path.startswith("/national/receipts/") and method == "GET":
            return national_receipt(path.removeprefix("/national/receipts/"))
        return _json("404 Not Found", {"code": "not_found", "message": "Không có địa chỉ này."})

    # --- VNPay --------------------------------------------------------------------------------

    def vnpay_page(params: dict[str, str]) -> Response:
        given = params.pop("vnp_SecureHash", "")
        params.pop("vnp_SecureHashType", None)
        if not hmac.compare_digest(given.lower(), vnpay_hash(config.hash_secret, params)):
            return _html(
                "400 Bad Request",
                "Sai chữ ký",
                "<p>Mã kiểm tra (vnp_SecureHash) không đúng (mã lỗi 97).</p>",
            )
        problems = []
        if params.get("vnp_Version") != "2.1.0" or params.get("vnp_Command") != "pay":
            problems.append("vnp_Version phải là 2.1.0 và vnp_Command là pay")
        if params.get("vnp_TmnCode") != config.tmn_code:
            problems.append("vnp_TmnCode không đúng")
        if params.get("vnp_CurrCode") != "VND":
            problems.append("vnp_CurrCode phải là VND")
        amount = params.get("vnp_Amount", "")
        if not amount.isdigit() or int(amount) % 100 or int(amount) <= 0:
            problems.append("vnp_Amount phải là số tiền × 100")
        for name in (
            "vnp_TxnRef",
            "vnp_ReturnUrl",
            "vnp_CreateDate",
            "vnp_IpAddr",
            "vnp_OrderInfo",
        ):
            if not params.get(name):
                problems.append(f"thiếu {name}")
        if problems:
            return _html(
                "400 Bad Request",
                "Dữ liệu không hợp lệ",
                "<p>" + html.escape("; ".join(problems)) + ".</p>",
            )
        expires = None
        if params.get("vnp_ExpireDate"):
            try:
                expires = datetime.strptime(params["vnp_ExpireDate"], STAMP).replace(tzinfo=VIETNAM)
            except ValueError:
                return _html(
                    "400 Bad Request",
                    "Dữ liệu không hợp lệ",
                    "<p>vnp_ExpireDate sai định dạng.</p>",
                )
        order = bank.add(
            Order(
                gateway="vnpay",
                ref=params["vnp_TxnRef"],
                amount=int(amount) // 100,
                info=params["vnp_OrderInfo"],
                return_url=params["vnp_ReturnUrl"],
                expires_at=expires,
                created_at=params["vnp_CreateDate"],
            )
        )
        if order.amount != int(amount) // 100:
            return _html(
                "400 Bad Request",
                "Giao dịch đã tồn tại",
                "<p>Mã giao dịch đã dùng với số tiền khác.</p>",
            )
        return _order_page(order, "/paymentv2/confirm", merchant=config.tmn_code)

    def vnpay_confirm(form: dict[str, str]) -> Response:
        order = bank.get("vnpay", form.get("txn", ""))
        if order is None:
            return _html(
                "404 Not Found", "Không tìm thấy giao dịch", "<p>Giao dịch không tồn tại.</p>"
            )
        if order.state == "open":
            choice = form.get("choice")
            moment = now()
            if order.expires_at is not None and moment > order.expires_at:
                code, state = "11", "expired"
            elif choice == "pay":
                code, state = "00", "paid"
            else:
                code, state = "24", "cancelled"
            number = str(bank.next_number())
            bank_code = form.get("bank", "NCB") if form.get("bank") in BANKS else "NCB"
            order.state = state
            order.result = vnpay_signed(
                config.hash_secret,
                {
                    "vnp_Amount": str(order.amount * 100),
                    "vnp_BankCode": bank_code,
                    "vnp_BankTranNo": f"VNP{number}" if state == "paid" else "",
                    "vnp_CardType": "ATM",
                    "vnp_OrderInfo": order.info,
                    "vnp_PayDate": moment.strftime(STAMP),
                    "vnp_ResponseCode": code,
                    "vnp_TmnCode": config.tmn_code,
                    "vnp_TransactionNo": number if state == "paid" else "0",
                    "vnp_TransactionStatus": "00" if state == "paid" else "02",
                    "vnp_TxnRef": order.ref,
                },
            )
            _notify(config, order, mode=config.control.ipn_mode)
        return _redirect(_append_query(order.return_url, urlencode(order.result)))

    def vnpay_querydr(body: bytes) -> Response:
        try:
            query = json.loads(body)
            assert isinstance(query, dict)
        except (ValueError, AssertionError):
            return _json(
                "400 Bad Request", {"vnp_ResponseCode": "99", "vnp_Message": "JSON không hợp lệ"}
            )
        fields = (
            "vnp_RequestId",
            "vnp_Version",
            "vnp_Command",
            "vnp_TmnCode",
            "vnp_TxnRef",
            "vnp_TransactionDate",
            "vnp_CreateDate",
            "vnp_IpAddr",
            "vnp_OrderInfo",
        )
        data = "|".join(str(query.get(name, "")) for name in fields)
        answer: dict[str, str] = {
            "vnp_ResponseId": hashlib.md5(data.encode()).hexdigest(),  # noqa: S324 - an id, not security
            "vnp_Command": "querydr",
            "vnp_TmnCode": config.tmn_code,
            "vnp_TxnRef": str(query.get("vnp_TxnRef", "")),
        }
        expected = hmac_hex(config.hash_secret, data.encode(), hashlib.sha512)
        order = bank.get("vnpay", answer["vnp_TxnRef"])
        if not hmac.compare_digest(str(query.get("vnp_SecureHash", "")).lower(), expected):
            answer.update(vnp_ResponseCode="97", vnp_Message="Checksum không hợp lệ")
        elif query.get("vnp_TmnCode") != config.tmn_code:
            answer.update(vnp_ResponseCode="02", vnp_Message="Merchant không hợp lệ")
        elif order is None:
            answer.update(vnp_ResponseCode="91", vnp_Message="Không tìm thấy giao dịch")
        else:
            result = order.result
            answer.update(
                vnp_ResponseCode="00",
                vnp_Message="Truy vấn thành công",
                vnp_Amount=str(order.amount * 100),
                vnp_OrderInfo=order.info,
                vnp_BankCode=result.get("vnp_BankCode", ""),
                vnp_PayDate=result.get("vnp_PayDate", ""),
                vnp_TransactionNo=result.get("vnp_TransactionNo", ""),
                vnp_TransactionType="01",
                vnp_TransactionStatus=result.get("vnp_TransactionStatus", "01"),
                vnp_PromotionCode="",
                vnp_PromotionAmount="",
            )
        signed = (
            "vnp_ResponseId",
            "vnp_Command",
            "vnp_ResponseCode",
            "vnp_Message",
            "vnp_TmnCode",
            "vnp_TxnRef",
            "vnp_Amount",
            "vnp_BankCode",
            "vnp_PayDate",
            "vnp_TransactionNo",
            "vnp_TransactionType",
            "vnp_TransactionStatus",
            "vnp_OrderInfo",
            "vnp_PromotionCode",
            "vnp_PromotionAmount",
        )
        answer["vnp_SecureHash"] = hmac_hex(
            config.hash_secret,
            "|".join(answer.get(name, "") for name in signed).encode(),
            hashlib.sha512,
        )
        return _json("200 OK", answer)

    # --- National platform --------------------------------------------------------------------

    def national_authorised(environ: dict, data: bytes) -> bool:
        return environ.get(
            "HTTP_X_MERCHANT_CODE"
        ) == config.national_merchant and hmac.compare_digest(
            environ.get("HTTP_X_SIGNATURE", "").lower(), hmac_hex(config.national_secret, data)
        )

    def national_create(environ: dict, base: str) -> Response:
        body = _read_body(environ)
        if not national_authorised(environ, body):
            return _json("401 Unauthorized", {"error_code": "97", "message": "Chữ ký không hợp lệ"})
        try:
            request = json.loads(body)
            assert isinstance(request, dict)
            amount = request["amount"]
            items = request["items"]
            assert isinstance(amount, int) and amount > 0 and isinstance(items, list)
            assert sum(int(item["amount"]) for item in items) == amount
            assert request["currency"] == "VND" and request["order_ref"]
        except (ValueError, KeyError, TypeError, AssertionError):
            return _json(
                "400 Bad Request", {"error_code": "03", "message": "Dữ liệu yêu cầu không hợp lệ"}
            )
        expires = None
        if request.get("expires_at"):
            try:
                expires = datetime.strptime(request["expires_at"], STAMP).replace(tzinfo=VIETNAM)
            except ValueError:
                expires = None
        order = bank.add(
            Order(
                gateway="national",
                ref=str(request["order_ref"])[:100],
                amount=amount,
                info=f"Hồ sơ {request.get('dossier_code', '')}",
                return_url=str(request.get("return_url", "")),
                callback_url=str(request.get("callback_url", "")),
                expires_at=expires,
                items=items,
                payer=str((request.get("payer") or {}).get("name", "")),
                dossier_code=str(request.get("dossier_code", "")),
            )
        )
        return _signed_json(
            "201 Created",
            {"order_ref": order.ref, "payment_url": f"{base}/national/pay/{quote_plus(order.ref)}"},
            config.national_secret,
        )

    def national_payload(order: Order, base: str) -> dict[str, Any]:
        result = order.result
        return {
            "merchant_code": config.national_merchant,
            "order_ref": order.ref,
            "dossier_code": order.dossier_code,
            "amount": order.amount,
            "currency": "VND",
            "status": "pending" if order.state == "open" else order.state,
            "error_code": result.get("error_code", ""),
            "message": result.get("message", ""),
            "transaction_ref": result.get("transaction_ref", ""),
            "bank_code": result.get("bank_code", ""),
            "paid_at": result.get("paid_at", ""),
            "receipt_url": f"{base}/national/receipts/{result['transaction_ref']}"
            if order.state == "paid"
            else "",
        }

    def national_page(ref: str) -> Response:
        order = bank.get("national", ref)
        if order is None:
            return _html(
                "404 Not Found", "Không tìm thấy giao dịch", "<p>Giao dịch không tồn tại.</p>"
            )
        return _order_page(order, "/national/confirm", merchant=config.national_merchant)

    def national_confirm(form: dict[str, str], base: str) -> Response:
        order = bank.get("national", form.get("txn", ""))
        if order is None:
            return _html(
                "404 Not Found", "Không tìm thấy giao dịch", "<p>Giao dịch không tồn tại.</p>"
            )
        if order.state == "open":
            moment = now()
            if order.expires_at is not None and moment > order.expires_at:
                code, state, message = "11", "expired", "Hết thời gian thanh toán"
            elif form.get("choice") == "pay":
                code, state, message = "00", "paid", "Giao dịch thành công"
            else:
                code, state, message = "24", "cancelled", "Người nộp hủy giao dịch"
            order.state = state
            order.result = {
                "error_code": code,
                "message": message,
                "transaction_ref": f"NPP{bank.next_number()}" if state == "paid" else "",
                "bank_code": form.get("bank", "NCB") if form.get("bank") in BANKS else "NCB",
                "paid_at": moment.strftime(STAMP) if state == "paid" else "",
            }
            payload = national_payload(order, base)
            payload.pop("status")
            data = canonical(payload)
            order.result.update(
                data=base64.urlsafe_b64encode(data).decode().rstrip("="),
                signature=hmac_hex(config.national_secret, data),
            )
            _notify(config, order, mode=config.control.ipn_mode)
        query = urlencode({"data": order.result["data"], "signature": order.result["signature"]})
        return _redirect(_append_query(order.return_url, query))

    def national_state(environ: dict, ref: str) -> Response:
        if not national_authorised(environ, ref.encode()):
            return _json("401 Unauthorized", {"error_code": "97", "message": "Chữ ký không hợp lệ"})
        order = bank.get("national", ref)
        if order is None:
            return _json(
                "404 Not Found", {"error_code": "01", "message": "Không tìm thấy giao dịch"}
            )
        base = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        return _signed_json("200 OK", national_payload(order, base), config.national_secret)

    def national_receipt(transaction_ref: str) -> Response:
        for order in bank.recent():
            if (
                order.gateway == "national"
                and order.result.get("transaction_ref") == transaction_ref
            ):
                rows = "".join(
                    f"<tr><td>{html.escape(str(item.get('name', '')))}</td>"
                    f"<td>{_money(int(item.get('amount', 0)))}</td></tr>"
                    for item in order.items
                )
                return _html(
                    "200 OK",
                    "Biên lai điện tử (mô phỏng)",
                    f"<p>Giao dịch {html.escape(transaction_ref)}, "
                    f"hồ sơ {html.escape(order.dossier_code)}, "
                    f"người nộp {html.escape(order.payer)}.</p>"
                    f"<table>{rows}</table><p>Tổng cộng: {_money(order.amount)}</p>",
                )
        return _html("404 Not Found", "Không tìm thấy biên lai", "<p>Không có giao dịch này.</p>")

    def application(environ: dict, start_response):
        try:
            status, headers, body = route(environ)
        except Exception as error:
            status, headers, body = _json("500 Internal Server Error", {"message": repr(error)})
        start_response(status, [*headers, ("Content-Length", str(len(body)))])
        return [body]

    return application


def _order_page(order: Order, action: str, *, merchant: str) -> Response:
    ref = html.escape(order.ref)
    if order.state != "open":
        return _html(
            "200 OK",
            "Giao dịch đã được xử lý",
            f"<p>Giao dịch {ref} đã kết thúc ({html.escape(order.state)}).</p>",
        )
    items = "".join(
        f"<li>{html.escape(str(item.get('name', '')))}: {_money(int(item.get('amount', 0)))}</li>"
        for item in order.items
    )
    expires = order.expires_at.strftime("%H:%M %d/%m/%Y") if order.expires_at else "—"
    options = "".join(f'<option value="{bank}">{bank}</option>' for bank in BANKS)
    body = (
        f"<p>Đơn vị nhận tiền: {html.escape(merchant)}</p>"
        f"<p>Nội dung: {html.escape(order.info)}</p>"
        + (f"<ul>{items}</ul>" if items else "")
        + f'<p>Số tiền: <strong id="amount">{_money(order.amount)}</strong></p>'
        f"<p>Mã giao dịch: {ref}</p><p>Hạn thanh toán: {expires}</p>"
        f'<form method="post" action="{action}"><input type="hidden" name="txn" value="{ref}">'
        '<p><label for="bank">Ngân hàng</label> '
        f'<select id="bank" name="bank">{options}</select></p>'
        '<button type="submit" name="choice" value="pay">Thanh toán</button> '
        '<button type="submit" name="choice" value="cancel">Hủy</button></form>'
    )
    return _html("200 OK", "Thanh toán trực tuyến", body)


def _index(bank: Bank) -> Response:
    rows = "".join(
        f"<tr><td>{html.escape(o.gateway)}</td><td>{html.escape(o.ref)}</td>"
        f"<td>{_money(o.amount)}</td>"
        f"<td>{html.escape(o.state)}</td>"
        f"<td>{html.escape('; '.join(o.notifications)) or '—'}</td></tr>"
        for o in bank.recent()
    )
    table = (
        "<table><thead><tr><th>Cổng</th><th>Mã giao dịch</th><th>Số tiền</th><th>Trạng thái</th>"
        f"<th>Thông báo đã gửi</th></tr></thead><tbody>{rows}</tbody></table>"
        if rows
        else "<p>Chưa có giao dịch nào.</p>"
    )
    return _html("200 OK", "Các giao dịch", table)


def _control(config: Config, body: bytes) -> Response:
    control = config.control
    try:
        changes = json.loads(body or b"{}")
        if not isinstance(changes, dict):
            raise ValueError(changes)
        if "ipn_mode" in changes:
            if changes["ipn_mode"] not in IPN_MODES:
                raise ValueError(changes["ipn_mode"])
            control.ipn_mode = changes["ipn_mode"]
        if "ipn_delay" in changes:
            delay = float(changes["ipn_delay"])
            if not 0 <= delay <= 600:
                raise ValueError(delay)
            control.ipn_delay = delay
        if "ipn_url" in changes:
            control.ipn_url = str(changes["ipn_url"])
    except (TypeError, ValueError):
        return _json(
            "400 Bad Request", {"code": "invalid", "message": "Giá trị điều khiển không hợp lệ."}
        )
    return _json("200 OK", asdict(control))


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Sandbox payment server (development, tests).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8030, help="0 picks a free port")
    parser.add_argument("--tmn-code", default=Config.tmn_code, help="VNPay vnp_TmnCode")
    parser.add_argument("--hash-secret", default=Config.hash_secret, help="VNPay hash secret")
    parser.add_argument("--national-merchant", default=Config.national_merchant)
    parser.add_argument("--national-secret", default=Config.national_secret)
    parser.add_argument("--ipn-url", default="", help="Motcua's VNPay IPN address")
    parser.add_argument("--ipn-mode", choices=IPN_MODES, default="before")
    parser.add_argument(
        "--ipn-delay", type=float, default=0.0, help="seconds, for --ipn-mode after"
    )
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)

    config = Config(
        tmn_code=args.tmn_code,
        hash_secret=args.hash_secret,
        national_merchant=args.national_merchant,
        national_secret=args.national_secret,
        control=Control(ipn_mode=args.ipn_mode, ipn_delay=args.ipn_delay, ipn_url=args.ipn_url),
    )
    server = make_server(
        args.host,
        args.port,
        create_app(config, Bank()),
        server_class=_Server,
        handler_class=_QuietHandler,
    )
    server.verbose = args.verbose
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    host, port = server.server_address[:2]
    print(f"Sandbox payment server listening on http://{host}:{port}", flush=True)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
