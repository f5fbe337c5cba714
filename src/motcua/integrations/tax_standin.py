"""A stand-in tax authority for development and tests: a separate HTTP service (standard library
only, no Django) that receives land dossiers, issues financial obligation notices and takes
payments, so that liên thông runs end to end without the real tax office.

    python -m motcua.integrations.tax_standin --port 8010 [--data-dir var/tax-standin]

API (JSON; the calls marked * need the header X-API-Key):
  * POST /dossiers              store a dossier; answers 201 {"reference": ...} (the same
                                Idempotency-Key answers the same reference, 200)
  * GET  /dossiers/{ref}        {"status": "received" | "notice_issued" | "paid" |
                                "no_obligation", "notice": {...}, "payment": {...}}; the notice
                                is issued --notice-delay seconds after reception
    GET  /dossiers/{ref}        with Accept: text/html, no key: the notice page with "Nộp tiền"
    POST /dossiers/{ref}/pay    pay the notice (what the applicant's bank would do)
  * POST /_control              failure injection: {"fail": bool, "fail_rate": 0..1,
                                "delay": seconds before answering, "notice_delay": seconds,
                                "exempt": [procedure codes without obligation]}
    GET  /health                {"status": "ok"}
"""

from __future__ import annotations

import argparse
import html
import json
import random
import re
import secrets
import signal
import sqlite3
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

VIETNAM = timezone(timedelta(hours=7))
DEFAULT_API_KEY = "motcua-tax-standin-key"
MAX_BODY = 1024 * 1024
REFERENCE = re.compile(r"^/dossiers/([A-Za-z0-9-]{1,64})(/pay)?$")
# Land allocated by the State for management is not subject to registration fee (procedure
# 1.012756 of the demo catalogue): the stand-in answers "no_obligation" for it.
DEFAULT_EXEMPT = "1.012756"


@dataclass
class Control:
    """What tests may change while the service runs (POST /_control)."""

    fail: bool = False
    fail_rate: float = 0.0
    delay: float = 0.0
    notice_delay: float = 0.0
    # Procedure codes without obligation: their dossiers get "no_obligation".
    exempt: list[str] = field(default_factory=lambda: [DEFAULT_EXEMPT])


@dataclass
class Config:
    api_key: str = DEFAULT_API_KEY
    issuer: str = "Chi cục Thuế khu vực (mô phỏng)"
    registration_fee_rate: float = 0.005  # lệ phí trước bạ: 0.5 % of the declared land value
    income_tax_rate: float = 0.02  # thuế TNCN on a declared transfer price
    demo_amount: int = 500_000  # registration fee when no land value is declared
    control: Control = field(default_factory=Control)


class Store:
    """The dossiers, in SQLite (a file under --data-dir, or memory). One connection behind a
    lock: the stand-in serves a handful of requests, never a crowd."""

    def __init__(self, path: str):
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute(
            """CREATE TABLE IF NOT EXISTS dossiers (
                number INTEGER PRIMARY KEY AUTOINCREMENT,
                reference TEXT UNIQUE NOT NULL,
                idempotency_key TEXT UNIQUE,
                dossier_code TEXT NOT NULL,
                procedure_code TEXT NOT NULL,
                payload TEXT NOT NULL,
                received_at REAL NOT NULL,
                notice TEXT,
                paid_at REAL,
                payment_ref TEXT
            )"""
        )

    def add(self, *, key: str | None, payload: dict[str, Any]) -> tuple[sqlite3.Row, bool]:
        """Store a dossier; (row, True) when new, (the earlier row, False) for a known key."""
        with self._lock:
            if key:
                row = self._db.execute(
                    "SELECT * FROM dossiers WHERE idempotency_key = ?", (key,)
                ).fetchone()
                if row is not None:
                    return row, False
            now = time.time()
            stamp = datetime.fromtimestamp(now, VIETNAM).strftime("%y%m%d")
            reference = f"CT-{stamp}-{secrets.token_hex(4).upper()}"
            self._db.execute(
                "INSERT INTO dossiers (reference, idempotency_key, dossier_code, procedure_code,"
                " payload, received_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    reference,
                    key,
                    payload["dossier_code"],
                    payload["procedure"]["code"],
                    json.dumps(payload, ensure_ascii=False),
                    now,
                ),
            )
            return self._get(reference), True

    def get(self, reference: str) -> sqlite3.Row | None:
        with self._lock:
            return self._get(reference)

    def _get(self, reference: str) -> sqlite3.Row | None:
        return self._db.execute(
            "SELECT * FROM dossiers WHERE reference = ?", (reference,)
        ).fetchone()

    def recent(self, limit: int = 50) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(
                "SELECT * FROM dossiers ORDER BY number DESC LIMIT ?", (limit,)
            ).fetchall()

    def issue(self, reference: str, notice: dict[str, Any]) -> sqlite3.Row:
        """Record the notice once (a notice never changes after it is issued)."""
        with self._lock:
            self._db.execute(
                "UPDATE dossiers SET notice = ? WHERE reference = ? AND notice IS NULL",
                (json.dumps(notice, ensure_ascii=False), reference),
            )
            return self._get(reference)

    def pay(self, reference: str) -> sqlite3.Row:
        with self._lock:
            row = self._get(reference)
            if row["paid_at"] is None:
                self._db.execute(
                    "UPDATE dossiers SET paid_at = ?, payment_ref = ? WHERE reference = ?",
                    (time.time(), f"BL-{secrets.token_hex(5).upper()}", reference),
                )
            return self._get(reference)


def _iso(moment: float | None) -> str | None:
    if moment is None:
        return None
    return datetime.fromtimestamp(moment, VIETNAM).isoformat(timespec="seconds")


def _positive_number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return float(value)


def compute_notice(config: Config, row: sqlite3.Row) -> dict[str, Any] | None:
    """The obligation of a dossier: registration fee on the declared land value (or the demo
    amount), income tax on a declared transfer price. None when the procedure is exempt."""
    if row["procedure_code"] in config.control.exempt:
        return None
    land = json.loads(row["payload"]).get("land") or {}
    land_value = _positive_number(land.get("land_value"))
    registration_fee = (
        round(land_value * config.registration_fee_rate) if land_value else config.demo_amount
    )
    items = [{"name": "Lệ phí trước bạ nhà, đất", "amount": registration_fee}]
    price = _positive_number(land.get("transfer_price"))
    if price:
        items.append(
            {
                "name": "Thuế thu nhập cá nhân từ chuyển nhượng bất động sản",
                "amount": round(price * config.income_tax_rate),
            }
        )
    issued_at = row["received_at"] + config.control.notice_delay
    return {
        "number": f"{row['number']:06d}/TB-CCT",
        "issuer": config.issuer,
        "amount": sum(item["amount"] for item in items),
        "items": items,
        "issued_at": _iso(issued_at),
        "due_at": _iso(issued_at + 30 * 86400),
    }


def dossier_state(config: Config, store: Store, row: sqlite3.Row) -> dict[str, Any]:
    """The dossier as the API shows it, issuing the notice when its time has come."""
    if row["notice"] is None and time.time() >= row["received_at"] + config.control.notice_delay:
        notice = compute_notice(config, row)
        if notice is not None:
            row = store.issue(row["reference"], notice)
        else:
            state = _state(row, "no_obligation")
            state["notice"] = None
            return state
    if row["notice"] is None:
        status = "received"
    elif row["paid_at"] is None:
        status = "notice_issued"
    else:
        status = "paid"
    return _state(row, status)


def _state(row: sqlite3.Row, status: str) -> dict[str, Any]:
    return {
        "reference": row["reference"],
        "dossier_code": row["dossier_code"],
        "procedure_code": row["procedure_code"],
        "status": status,
        "received_at": _iso(row["received_at"]),
        "notice": json.loads(row["notice"]) if row["notice"] else None,
        "payment": (
            {"reference": row["payment_ref"], "paid_at": _iso(row["paid_at"])}
            if row["paid_at"] is not None
            else None
        ),
    }


def _invalid(payload: Any) -> tuple[str, str] | None:
    """(field, message) of the first problem of a posted dossier, or None."""
    if not isinstance(payload, dict):
        return "", "Nội dung phải là một đối tượng JSON."
    if not isinstance(payload.get("dossier_code"), str) or not payload["dossier_code"].strip():
        return "dossier_code", "Thiếu mã hồ sơ."
    procedure = payload.get("procedure")
    if not isinstance(procedure, dict) or not isinstance(procedure.get("code"), str):
        return "procedure.code", "Thiếu mã thủ tục."
    applicant = payload.get("applicant")
    if not isinstance(applicant, dict) or not str(applicant.get("name") or "").strip():
        return "applicant.name", "Thiếu tên người nộp."
    if "land" in payload and not isinstance(payload["land"], dict):
        return "land", "Thông tin thửa đất phải là một đối tượng JSON."
    return None


# --- WSGI -----------------------------------------------------------------------------------

Response = tuple[str, list[tuple[str, str]], bytes]


def _json(status: str, body: Any) -> Response:
    data = json.dumps(body, ensure_ascii=False).encode()
    return status, [("Content-Type", "application/json; charset=utf-8")], data


def _error(status: str, code: str, message: str, field: str = "") -> Response:
    return _json(status, {"code": code, "message": message, "field": field or None})


def _html(status: str, text: str) -> Response:
    return status, [("Content-Type", "text/html; charset=utf-8")], text.encode()


def _read_body(environ: dict) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(min(max(length, 0), MAX_BODY + 1))


def create_app(config: Config, store: Store):
    """The WSGI application."""

    def authorised(environ: dict) -> bool:
        given = environ.get("HTTP_X_API_KEY", "")
        return bool(config.api_key) and secrets.compare_digest(given, config.api_key)

    def injected_failure() -> Response | None:
        control = config.control
        if control.delay:
            time.sleep(control.delay)
        if control.fail or (control.fail_rate and random.random() < control.fail_rate):
            return _error("503 Service Unavailable", "unavailable", "Hệ thống đang bận (mô phỏng).")
        return None

    def route(environ: dict) -> Response:
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "")
        wants_html = "text/html" in environ.get("HTTP_ACCEPT", "")
        if path == "/health":
            return _json("200 OK", {"status": "ok"})
        if path == "/" and method == "GET":
            return _html("200 OK", _index_page(store.recent()))
        if path == "/_control" and method == "POST":
            if not authorised(environ):
                return _error("401 Unauthorized", "unauthenticated", "Sai khóa API.")
            return _control(config, _read_body(environ))
        if path == "/dossiers" and method == "POST":
            if not authorised(environ):
                return _error("401 Unauthorized", "unauthenticated", "Sai khóa API.")
            return injected_failure() or _receive(environ)
        match = REFERENCE.match(path)
        if match is None:
            return _error("404 Not Found", "not_found", "Không có địa chỉ này.")
        row = store.get(match.group(1))
        if row is None:
            return _error("404 Not Found", "not_found", "Không tìm thấy hồ sơ.", "reference")
        if match.group(2) and method == "POST":
            # The notice page's button (a browser form) is answered with the page again.
            form = wants_html or "form-urlencoded" in environ.get("CONTENT_TYPE", "")
            return _pay(row, form=form)
        if method != "GET":
            return _error(
                "405 Method Not Allowed", "method_not_allowed", "Phương thức không hỗ trợ."
            )
        if wants_html and "HTTP_X_API_KEY" not in environ:
            return _html("200 OK", _notice_page(dossier_state(config, store, row)))
        if not authorised(environ):
            return _error("401 Unauthorized", "unauthenticated", "Sai khóa API.")
        failure = injected_failure()
        if failure:
            return failure
        state = dossier_state(config, store, row)
        if state["notice"]:
            # The page where the applicant pays (this stand-in's notice page, "Nộp tiền").
            host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
            state["notice"]["payment_url"] = f"http://{host}/dossiers/{row['reference']}"
        return _json("200 OK", state)

    def _receive(environ: dict) -> Response:
        body = _read_body(environ)
        if len(body) > MAX_BODY:
            return _error("413 Payload Too Large", "too_large", "Nội dung quá lớn.")
        try:
            payload = json.loads(body)
        except ValueError:
            return _error("400 Bad Request", "invalid_body", "Nội dung không phải JSON hợp lệ.")
        problem = _invalid(payload)
        if problem:
            return _error("400 Bad Request", "invalid", problem[1], problem[0])
        key = environ.get("HTTP_IDEMPOTENCY_KEY", "").strip()[:100] or None
        row, created = store.add(key=key, payload=payload)
        return _json("201 Created" if created else "200 OK", {"reference": row["reference"]})

    def _pay(row: sqlite3.Row, *, form: bool) -> Response:
        state = dossier_state(config, store, row)
        if state["status"] not in ("notice_issued", "paid"):
            return _error("409 Conflict", "no_notice", "Hồ sơ chưa có thông báo nộp tiền.")
        state = dossier_state(config, store, store.pay(row["reference"]))
        if form:
            location = f"/dossiers/{row['reference']}"
            return "303 See Other", [("Location", location)], b""
        return _json("200 OK", state)

    def application(environ: dict, start_response):
        try:
            status, headers, body = route(environ)
        except Exception as error:  # the stand-in must answer, even about its own bug
            status, headers, body = _error("500 Internal Server Error", "error", repr(error))
        start_response(status, [*headers, ("Content-Length", str(len(body)))])
        return [body]

    return application


def _control(config: Config, body: bytes) -> Response:
    try:
        changes = json.loads(body or b"{}")
        if not isinstance(changes, dict):
            raise ValueError(changes)
        control = config.control
        if "fail" in changes:
            control.fail = bool(changes["fail"])
        for name in ("fail_rate", "delay", "notice_delay"):
            if name in changes:
                value = float(changes[name])
                if value < 0:
                    raise ValueError(name)
                setattr(control, name, value)
        if "exempt" in changes:
            codes = changes["exempt"]
            if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
                raise ValueError(codes)
            control.exempt = codes
    except (TypeError, ValueError):
        return _error("400 Bad Request", "invalid", "Giá trị điều khiển không hợp lệ.")
    return _json("200 OK", asdict(config.control))


def _money(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đồng"


_PAGE = """<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{title}</title></head>
<body><header><p>Cơ quan thuế – dịch vụ mô phỏng cho môi trường phát triển</p></header>
<main><h1>{title}</h1>{body}</main></body></html>"""


def _index_page(rows: list[sqlite3.Row]) -> str:
    items = "".join(
        f'<li><a href="/dossiers/{html.escape(row["reference"])}">'
        f"{html.escape(row['reference'])}</a> – hồ sơ {html.escape(row['dossier_code'])}</li>"
        for row in rows
    )
    body = f"<ul>{items}</ul>" if items else "<p>Chưa nhận hồ sơ nào.</p>"
    return _PAGE.format(title="Hồ sơ chuyển từ cơ quan đăng ký đất đai", body=body)


def _notice_page(state: dict[str, Any]) -> str:
    reference = html.escape(state["reference"])
    parts = [f"<p>Hồ sơ {html.escape(state['dossier_code'])}, mã tham chiếu {reference}.</p>"]
    notice = state["notice"]
    if state["status"] == "received":
        parts.append("<p>Cơ quan thuế đang xác định nghĩa vụ tài chính.</p>")
    elif state["status"] == "no_obligation":
        parts.append("<p>Hồ sơ không phát sinh nghĩa vụ tài chính.</p>")
    if notice:
        rows = "".join(
            f"<tr><td>{html.escape(item['name'])}</td><td>{_money(item['amount'])}</td></tr>"
            for item in notice["items"]
        )
        parts.append(
            f"<h2>Thông báo số {html.escape(notice['number'])}</h2>"
            f"<p>{html.escape(notice['issuer'])}</p>"
            "<table><caption>Các khoản phải nộp</caption>"
            '<thead><tr><th scope="col">Khoản</th><th scope="col">Số tiền</th></tr></thead>'
            f'<tbody>{rows}</tbody><tfoot><tr><th scope="row">Tổng cộng</th>'
            f"<td>{_money(notice['amount'])}</td></tr></tfoot></table>"
        )
    if state["status"] == "notice_issued":
        parts.append(
            f'<form method="post" action="/dossiers/{reference}/pay">'
            '<button type="submit">Nộp tiền</button></form>'
        )
    elif state["status"] == "paid":
        payment = state["payment"]
        parts.append(
            f'<p role="status">Đã nộp tiền, chứng từ {html.escape(payment["reference"])} '
            f"lúc {html.escape(payment['paid_at'])}.</p>"
        )
    return _PAGE.format(title="Thông báo nộp nghĩa vụ tài chính", body="".join(parts))


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Stand-in tax authority (development, tests).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8010, help="0 picks a free port")
    parser.add_argument("--data-dir", help="keep dossiers in a file here (default: memory)")
    parser.add_argument("--api-key", default=DEFAULT_API_KEY)
    parser.add_argument("--notice-delay", type=float, default=0.0, help="seconds")
    parser.add_argument("--fail-rate", type=float, default=0.0, help="share of calls that fail")
    parser.add_argument(
        "--exempt",
        default=DEFAULT_EXEMPT,
        help="procedure codes without obligation, comma-separated",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)

    path = ":memory:"
    if args.data_dir:
        Path(args.data_dir).mkdir(parents=True, exist_ok=True)
        path = str(Path(args.data_dir) / "tax-standin.sqlite3")
    config = Config(
        api_key=args.api_key,
        control=Control(
            fail_rate=args.fail_rate,
            notice_delay=args.notice_delay,
            exempt=[code.strip() for code in args.exempt.split(",") if code.strip()],
        ),
    )
    server = make_server(
        args.host,
        args.port,
        create_app(config, Store(path)),
        server_class=_Server,
        handler_class=_QuietHandler,
    )
    server.verbose = args.verbose
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    host, port = server.server_address[:2]
    print(f"Stand-in tax authority listening on http://{host}:{port}", flush=True)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
