"""A stand-in SMS gateway and Zalo Official Account API for development and tests: a separate
HTTP service (no Django; served by granian, with kept-alive connections) that records the
messages it is given, once per idempotency key, and can be told to fail or to answer slowly,
so that delivery runs end to end without a telecom contract or an Official Account.

    python -m motcua.notifications.sms_standin --port 8020 [--data-dir var/sms-standin]

API (JSON; the calls marked * need HTTP Basic credentials, --username / --password):
  * POST /messages     send {"to": "09xxxxxxxx", "from": "MOTCUA", "text": "..."}; answers 201
                       {"id": "SMS-000001", "parts": 1}; the same Idempotency-Key header answers
                       200 with the first id and stores nothing; a bad number or text: 400
    POST /zalo/message a Zalo message, as an Official Account's API takes it: header
                       access_token (--zalo-token), {"recipient": {"phone": "849xxxxxxxx"},
                       "message": {"text": "..."}, "tracking_id": "..."}; answers 200 with
                       {"error": 0, "message": "Success", "data": {"message_id": "ZL-000001"}}
                       (a tracking_id seen before: the first id, nothing stored) or a non-zero
                       "error": -124 bad token, -201 bad phone or text, -213 the person does not
                       follow the account, -32 too many requests
    GET  /messages     what was received, newest first ({"count", "messages"}; ?to= and
                       ?channel=sms|zalo filter); with Accept: text/html, or GET /, a page
  * POST /_control     {"fail": bool, "fail_status": 4xx/5xx, "fail_rate": 0..1, "delay": seconds
                       to wait after storing a message before answering, "zalo_error": the
                       error code every Zalo message gets (0: none), "reset": true empties}
  * POST /inbound      {"from": "09...", "text": "TC ..."}: a phone texting the service number;
                       forwarded to --callback-url signed with HMAC-SHA256 of the body
                       (--callback-secret) in X-Signature, and Motcua's answer is returned
    GET  /health       {"status": "ok"}
"""

from __future__ import annotations

import argparse
import base64
import functools
import hashlib
import hmac
import html
import json
import random
import re
import secrets
import socket
import sqlite3
import threading
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

VIETNAM = timezone(timedelta(hours=7))
DEFAULT_USERNAME = "motcua"
# Development credentials of the stand-in, known to settings.py; never used in production.
DEFAULT_PASSWORD = "motcua-sms-standin"  # noqa: S105
DEFAULT_CALLBACK_SECRET = "motcua-sms-inbound-secret"  # noqa: S105
DEFAULT_ZALO_TOKEN = "motcua-zalo-standin-token"  # noqa: S105
MAX_BODY = 64 * 1024
# Gateways take a long text as up to a few concatenated parts; more is refused.
MAX_PARTS = 5
PHONE = re.compile(r"^(0|84|\+84)[0-9]{9}$", re.ASCII)
ZALO_PHONE = re.compile(r"^84[0-9]{9}$", re.ASCII)
ZALO_MAX_TEXT = 2000
# The Official Account API's error codes the stand-in answers with.
ZALO_ERRORS = {
    -32: "Vượt giới hạn số yêu cầu.",
    -124: "Access token không hợp lệ.",
    -201: "Tham số không hợp lệ.",
    -213: "Người dùng chưa quan tâm Official Account.",
}


@dataclass
class Control:
    """What tests may change while the service runs (POST /_control)."""

    fail: bool = False
    fail_status: int = 503
    fail_rate: float = 0.0
    delay: float = 0.0
    zalo_error: int = 0


@dataclass
class Config:
    username: str = DEFAULT_USERNAME
    password: str = DEFAULT_PASSWORD
    callback_url: str = ""
    callback_secret: str = DEFAULT_CALLBACK_SECRET
    zalo_token: str = DEFAULT_ZALO_TOKEN
    control: Control = field(default_factory=Control)


def sms_parts(text: str) -> int:
    """How many SMS a text takes: 160 GSM characters in one, 153 per part when split; 70 and
    67 for a text with any character outside ASCII (sent as UCS-2)."""
    unicode = any(ord(character) > 127 for character in text)
    single, multi = (70, 67) if unicode else (160, 153)
    if len(text) <= single:
        return 1
    return -(-len(text) // multi)


class Store:
    """The messages, in SQLite (a file under --data-dir, or memory), behind one lock."""

    def __init__(self, path: str):
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute(
            """CREATE TABLE IF NOT EXISTS messages (
                number INTEGER PRIMARY KEY AUTOINCREMENT,
                channel TEXT NOT NULL DEFAULT 'sms',
                idempotency_key TEXT UNIQUE,
                recipient TEXT NOT NULL,
                sender TEXT NOT NULL,
                text TEXT NOT NULL,
                parts INTEGER NOT NULL,
                received_at REAL NOT NULL
            )"""
        )

    def add(
        self, *, key: str | None, to: str, sender: str, text: str, channel: str = "sms"
    ) -> tuple[dict, bool]:
        """Store a message; (message, True) when new, (the first message, False) for a key
        already seen."""
        with self._lock:
            if key:
                row = self._db.execute(
                    "SELECT * FROM messages WHERE idempotency_key = ?", (key,)
                ).fetchone()
                if row is not None:
                    return _message(row), False
            cursor = self._db.execute(
                "INSERT INTO messages (channel, idempotency_key, recipient, sender, text, parts,"
                " received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (channel, key, to, sender, text, sms_parts(text), time.time()),
            )
            row = self._db.execute(
                "SELECT * FROM messages WHERE number = ?", (cursor.lastrowid,)
            ).fetchone()
            return _message(row), True

    def recent(self, *, to: str = "", channel: str = "", limit: int = 1000) -> tuple[int, list]:
        conditions, values = [], []
        for column, value in (("recipient", to), ("channel", channel)):
            if value:
                conditions.append(f"{column} = ?")
                values.append(value)
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        with self._lock:
            # `where` is built from the fixed column names above; values are parameters.
            query = f"SELECT COUNT(*) FROM messages{where}"  # noqa: S608
            count = self._db.execute(query, values).fetchone()
            rows = self._db.execute(
                f"SELECT * FROM messages{where} ORDER BY number DESC LIMIT ?",  # noqa: S608
                [*values, limit],
            ).fetchall()
            return count[0], [_message(row) for row in rows]

    def reset(self) -> None:
        with self._lock:
            self._db.execute("DELETE FROM messages")


def _message(row: sqlite3.Row) -> dict[str, Any]:
    prefix = "ZL" if row["channel"] == "zalo" else "SMS"
    return {
        "id": f"{prefix}-{row['number']:06d}",
        "channel": row["channel"],
        "idempotency_key": row["idempotency_key"],
        "to": row["recipient"],
        "from": row["sender"],
        "text": row["text"],
        "parts": row["parts"],
        "received_at": datetime.fromtimestamp(row["received_at"], VIETNAM).isoformat(
            timespec="seconds"
        ),
    }


# --- WSGI -----------------------------------------------------------------------------------

Response = tuple[str, list[tuple[str, str]], bytes]
_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    408: "Request Timeout",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def _json(status: str, body: Any) -> Response:
    data = json.dumps(body, ensure_ascii=False).encode()
    return status, [("Content-Type", "application/json; charset=utf-8")], data


def _error(status: str, code: str, message: str, field: str = "") -> Response:
    return _json(status, {"code": code, "message": message, "field": field or None})


def _read_body(environ: dict) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(min(max(length, 0), MAX_BODY + 1))


def _json_body(environ: dict) -> tuple[dict | None, Response | None]:
    body = _read_body(environ)
    if len(body) > MAX_BODY:
        return None, _error("413 Payload Too Large", "too_large", "Nội dung quá lớn.")
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        return None, _error("400 Bad Request", "invalid_body", "Nội dung không phải JSON hợp lệ.")
    if not isinstance(payload, dict):
        return None, _error("400 Bad Request", "invalid_body", "Nội dung phải là đối tượng JSON.")
    return payload, None


def _invalid_message(payload: dict) -> tuple[str, str] | None:
    """(field, message) of the first problem of a message to send, or None."""
    to = payload.get("to")
    if not isinstance(to, str) or not PHONE.fullmatch(to.strip()):
        return "to", "Số điện thoại nhận không hợp lệ."
    text = payload.get("text")
    if not isinstance(text, str) or not text.strip():
        return "text", "Thiếu nội dung tin nhắn."
    if sms_parts(text) > MAX_PARTS:
        return "text", f"Tin nhắn dài quá {MAX_PARTS} phần."
    if not isinstance(payload.get("from", ""), str):
        return "from", "Tên người gửi không hợp lệ."
    return None


def create_app(config: Config, store: Store):
    """The WSGI application."""

    def authorised(environ: dict) -> bool:
        expected = f"{config.username}:{config.password}".encode()
        given = environ.get("HTTP_AUTHORIZATION", "")
        if not given.startswith("Basic "):
            return False
        try:
            decoded = base64.b64decode(given[6:], validate=True)
        except ValueError:
            return False
        return hmac.compare_digest(decoded, expected)

    def send(environ: dict) -> Response:
        control = config.control
        failure = _injected_failure(control)
        if failure:
            return failure
        payload, problem = _json_body(environ)
        if problem:
            return problem
        invalid = _invalid_message(payload)
        if invalid:
            return _error("400 Bad Request", "invalid", invalid[1], invalid[0])
        key = environ.get("HTTP_IDEMPOTENCY_KEY", "").strip()[:100] or None
        message, created = store.add(
            key=key,
            to=payload["to"].strip(),
            sender=str(payload.get("from") or ""),
            text=payload["text"],
        )
        if control.delay:
            # Stored, then slow to answer: what makes a client time out on a sent message.
            time.sleep(control.delay)
        body = {"id": message["id"], "parts": message["parts"], "duplicate": not created}
        return _json("201 Created" if created else "200 OK", body)

    def send_zalo(environ: dict) -> Response:
        control = config.control
        failure = _injected_failure(control)
        if failure:
            return failure
        given = environ.get("HTTP_ACCESS_TOKEN", "").encode()
        if not hmac.compare_digest(given, config.zalo_token.encode()):
            return _zalo_error(-124)
        if control.zalo_error:
            return _zalo_error(control.zalo_error)
        payload, problem = _json_body(environ)
        if problem:
            return problem
        recipient, content = payload.get("recipient"), payload.get("message")
        phone = recipient.get("phone") if isinstance(recipient, dict) else None
        text = content.get("text") if isinstance(content, dict) else None
        valid_text = isinstance(text, str) and text.strip() and len(text) <= ZALO_MAX_TEXT
        if not (isinstance(phone, str) and ZALO_PHONE.fullmatch(phone) and valid_text):
            return _zalo_error(-201)
        key = str(payload.get("tracking_id") or "")[:100] or None
        message, _created = store.add(key=key, to=phone, sender="OA", text=text, channel="zalo")
        if control.delay:
            time.sleep(control.delay)
        return _json(
            "200 OK",
            {"error": 0, "message": "Success", "data": {"message_id": message["id"]}},
        )

    def route(environ: dict) -> Response:
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "")
        wants_html = "text/html" in environ.get("HTTP_ACCEPT", "")
        if path == "/health":
            return _json("200 OK", {"status": "ok"})
        if path == "/zalo/message" and method == "POST":
            return send_zalo(environ)
        if path in ("/", "/messages") and method == "GET":
            query = parse_qs(environ.get("QUERY_STRING", ""))
            count, messages = store.recent(
                to=(query.get("to") or [""])[0], channel=(query.get("channel") or [""])[0]
            )
            if path == "/" or wants_html:
                return (
                    "200 OK",
                    [("Content-Type", "text/html; charset=utf-8")],
                    _page(count, messages).encode(),
                )
            return _json("200 OK", {"count": count, "messages": messages})
        if path in ("/messages", "/_control", "/inbound") and method == "POST":
            if not authorised(environ):
                return _error("401 Unauthorized", "unauthenticated", "Sai tên hoặc mật khẩu.")
            if path == "/messages":
                return send(environ)
            if path == "/_control":
                return _control(config, store, environ)
            return _inbound(config, environ)
        return _error("404 Not Found", "not_found", "Không có địa chỉ này.")

    def application(environ: dict, start_response):
        try:
            status, headers, body = route(environ)
        except Exception as error:  # the stand-in must answer, even about its own bug
            status, headers, body = _error("500 Internal Server Error", "error", repr(error))
        start_response(status, [*headers, ("Content-Length", str(len(body)))])
        return [body]

    return application


def _control(config: Config, store: Store, environ: dict) -> Response:
    changes, problem = _json_body(environ)
    if problem:
        return problem
    control = config.control
    try:
        if "fail" in changes:
            control.fail = bool(changes["fail"])
        if "fail_status" in changes:
            status = int(changes["fail_status"])
            if not 400 <= status <= 599:
                raise ValueError(status)
            control.fail_status = status
        for name in ("fail_rate", "delay"):
            if name in changes:
                value = float(changes[name])
                if value < 0:
                    raise ValueError(name)
                setattr(control, name, value)
        if "zalo_error" in changes:
            control.zalo_error = int(changes["zalo_error"])
    except (TypeError, ValueError):
        return _error("400 Bad Request", "invalid", "Giá trị điều khiển không hợp lệ.")
    if changes.get("reset"):
        store.reset()
    return _json("200 OK", asdict(control))


def _injected_failure(control: Control) -> Response | None:
    """The failure /_control asked for, if this call is to fail."""
    if control.fail or (control.fail_rate and random.random() < control.fail_rate):
        code = control.fail_status
        return _error(
            f"{code} {_REASONS.get(code, 'Error')}", "unavailable", "Lỗi gửi tin (mô phỏng)."
        )
    return None


def _zalo_error(code: int) -> Response:
    """The Official Account API answers its errors with HTTP 200 and a non-zero "error"."""
    return _json("200 OK", {"error": code, "message": ZALO_ERRORS.get(code, "Lỗi.")})


def sign(secret: str, body: bytes) -> str:
    """The X-Signature of an inbound callback: hex HMAC-SHA256 of the raw body."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _inbound(config: Config, environ: dict) -> Response:
    payload, problem = _json_body(environ)
    if problem:
        return problem
    if not config.callback_url:
        return _error("409 Conflict", "no_callback", "Chưa cấu hình --callback-url.")
    body = json.dumps(
        {
            "from": str(payload.get("from") or ""),
            "to": str(payload.get("to") or "MOTCUA"),
            "text": str(payload.get("text") or ""),
            "id": f"MO-{secrets.token_hex(6).upper()}",
        },
        ensure_ascii=False,
    ).encode()
    # --callback-url is checked to be http(s) at start-up.
    request = urllib.request.Request(  # noqa: S310
        config.callback_url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Signature": sign(config.callback_secret, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            return _json("200 OK", {"status": answer.status, "body": answer.read().decode()})
    except urllib.error.HTTPError as error:
        return _json("200 OK", {"status": error.code, "body": error.read().decode()})
    except OSError as error:
        return _error("502 Bad Gateway", "callback_failed", f"Không gọi được Motcua: {error}")


_PAGE = """<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Tổng đài SMS và Zalo mô phỏng</title></head>
<body><header><p>Tổng đài SMS và Zalo – dịch vụ mô phỏng cho môi trường phát triển</p></header>
<main><h1>Tin nhắn đã nhận ({count})</h1>{body}</main></body></html>"""


def _page(count: int, messages: list[dict]) -> str:
    if not messages:
        return _PAGE.format(count=0, body="<p>Chưa nhận tin nhắn nào.</p>")
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(str(message[name]))}</td>"
            for name in ("id", "received_at", "channel", "to", "from", "text", "parts")
        )
        + "</tr>"
        for message in messages
    )
    head = "".join(
        f'<th scope="col">{label}</th>'
        for label in ("Mã", "Lúc", "Kênh", "Số nhận", "Người gửi", "Nội dung", "Số phần")
    )
    table = (
        f"<table><caption>Tin mới nhất trước</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )
    return _PAGE.format(count=count, body=table)


def _application(config: Config, path: str):
    """The WSGI application, built in the server's worker process: a SQLite connection does
    not cross processes."""
    return create_app(config, Store(path))


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def _announce(family: int, address: tuple, url: str) -> None:
    """Print the address once the worker answers on it (callers wait for this line). The
    address is numeric, resolved before the worker was forked: a name lookup running in this
    thread while the process forks could leave the worker's resolver locked."""
    while True:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.settimeout(1)
            if probe.connect_ex(address) == 0:
                break
        time.sleep(0.01)
    print(f"Stand-in SMS gateway listening on {url}", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Stand-in SMS gateway (development, tests).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8020, help="0 picks a free port")
    parser.add_argument("--data-dir", help="keep messages in a file here (default: memory)")
    parser.add_argument("--username", default=DEFAULT_USERNAME)
    parser.add_argument("--password", default=DEFAULT_PASSWORD)
    parser.add_argument("--callback-url", default="", help="Motcua's inbound SMS endpoint")
    parser.add_argument("--callback-secret", default=DEFAULT_CALLBACK_SECRET)
    parser.add_argument("--zalo-token", default=DEFAULT_ZALO_TOKEN, help="the OA access token")
    parser.add_argument("--fail-rate", type=float, default=0.0, help="share of sends that fail")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    if args.callback_url and not args.callback_url.startswith(("http://", "https://")):
        parser.error("--callback-url must be an http:// or https:// URL")

    path = ":memory:"
    if args.data_dir:
        Path(args.data_dir).mkdir(parents=True, exist_ok=True)
        path = str(Path(args.data_dir) / "sms-standin.sqlite3")
    config = Config(
        username=args.username,
        password=args.password,
        callback_url=args.callback_url,
        callback_secret=args.callback_secret,
        zalo_token=args.zalo_token,
        control=Control(fail_rate=args.fail_rate),
    )
    # Imported here: the arithmetic above (sms_parts) is used without a server.
    from granian import Granian
    from granian.constants import Interfaces

    port = args.port or _free_port(args.host)
    # Granian (Rust HTTP, kept-alive connections) with one worker process, so that the
    # messages and the /_control switches live in one place; threads serve concurrent and
    # deliberately slow calls.
    server = Granian(
        "motcua.notifications.sms_standin",
        address=args.host,
        port=port,
        interface=Interfaces.WSGI,
        workers=1,
        blocking_threads=8,
        # Clients keep their connections open: do not wait for them to stop.
        workers_kill_timeout=1,
        log_enabled=args.verbose,
        log_access=args.verbose,
    )
    family, _type, _proto, _name, address = socket.getaddrinfo(
        args.host, port, type=socket.SOCK_STREAM
    )[0]
    url = f"http://{args.host}:{port}"
    server.on_startup(
        lambda: threading.Thread(target=_announce, args=(family, address, url), daemon=True).start()
    )
    server.serve(target_loader=functools.partial(_application, config, path), wrap_loader=False)


if __name__ == "__main__":
    main()
