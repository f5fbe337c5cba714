"""A stand-in SMS gateway for development and tests: a separate HTTP service (standard library
only, no Django) that records the texts it is given, once per idempotency key, and can be told
to fail or to answer slowly, so that SMS delivery runs end to end without a telecom contract.

    python -m motcua.notifications.sms_standin --port 8020 [--data-dir var/sms-standin]

API (JSON; the calls marked * need HTTP Basic credentials, --username / --password):
  * POST /messages     send {"to": "09xxxxxxxx", "from": "MOTCUA", "text": "..."}; answers 201
                       {"id": "SMS-000001", "parts": 1}; the same Idempotency-Key header answers
                       200 with the first id and stores nothing; a bad number or text: 400
    GET  /messages     what was received, newest first ({"count", "messages"}; ?to= filters);
                       with Accept: text/html, or GET /, a page listing them
  * POST /_control     {"fail": bool, "fail_status": 4xx/5xx, "fail_rate": 0..1, "delay": seconds
                       to wait after storing a message before answering, "reset": true empties}
  * POST /inbound      {"from": "09...", "text": "TC ..."}: a phone texting the service number;
                       forwarded to --callback-url signed with HMAC-SHA256 of the body
                       (--callback-secret) in X-Signature, and Motcua's answer is returned
    GET  /health       {"status": "ok"}
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
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
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

VIETNAM = timezone(timedelta(hours=7))
DEFAULT_USERNAME = "motcua"
# Development credentials of the stand-in, known to settings.py; never used in production.
DEFAULT_PASSWORD = "motcua-sms-standin"  # noqa: S105
DEFAULT_CALLBACK_SECRET = "motcua-sms-inbound-secret"  # noqa: S105
MAX_BODY = 64 * 1024
# Gateways take a long text as up to a few concatenated parts; more is refused.
MAX_PARTS = 5
PHONE = re.compile(r"^(0|84|\+84)[0-9]{9}$", re.ASCII)


@dataclass
class Control:
    """What tests may change while the service runs (POST /_control)."""

    fail: bool = False
    fail_status: int = 503
    fail_rate: float = 0.0
    delay: float = 0.0


@dataclass
class Config:
    username: str = DEFAULT_USERNAME
    password: str = DEFAULT_PASSWORD
    callback_url: str = ""
    callback_secret: str = DEFAULT_CALLBACK_SECRET
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
                idempotency_key TEXT UNIQUE,
                recipient TEXT NOT NULL,
                sender TEXT NOT NULL,
                text TEXT NOT NULL,
                parts INTEGER NOT NULL,
                received_at REAL NOT NULL
            )"""
        )

    def add(self, *, key: str | None, to: str, sender: str, text: str) -> tuple[dict, bool]:
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
                "INSERT INTO messages (idempotency_key, recipient, sender, text, parts,"
                " received_at) VALUES (?, ?, ?, ?, ?, ?)",
                (key, to, sender, text, sms_parts(text), time.time()),
            )
            row = self._db.execute(
                "SELECT * FROM messages WHERE number = ?", (cursor.lastrowid,)
            ).fetchone()
            return _message(row), True

    def recent(self, *, to: str = "", limit: int = 1000) -> tuple[int, list[dict]]:
        with self._lock:
            if to:
                count = self._db.execute(
                    "SELECT COUNT(*) FROM messages WHERE recipient = ?", (to,)
                ).fetchone()
                rows = self._db.execute(
                    "SELECT * FROM messages WHERE recipient = ? ORDER BY number DESC LIMIT ?",
                    (to, limit),
                ).fetchall()
            else:
                count = self._db.execute("SELECT COUNT(*) FROM messages").fetchone()
                rows = self._db.execute(
                    "SELECT * FROM messages ORDER BY number DESC LIMIT ?", (limit,)
                ).fetchall()
            return count[0], [_message(row) for row in rows]

    def reset(self) -> None:
        with self._lock:
            self._db.execute("DELETE FROM messages")


def _message(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": f"SMS-{row['number']:06d}",
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
        if control.fail or (control.fail_rate and random.random() < control.fail_rate):
            code = control.fail_status
            return _error(
                f"{code} {_REASONS.get(code, 'Error')}", "unavailable", "Lỗi gửi tin (mô phỏng)."
            )
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

    def route(environ: dict) -> Response:
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "")
        wants_html = "text/html" in environ.get("HTTP_ACCEPT", "")
        if path == "/health":
            return _json("200 OK", {"status": "ok"})
        if path in ("/", "/messages") and method == "GET":
            query = parse_qs(environ.get("QUERY_STRING", ""))
            count, messages = store.recent(to=(query.get("to") or [""])[0])
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
    except (TypeError, ValueError):
        return _error("400 Bad Request", "invalid", "Giá trị điều khiển không hợp lệ.")
    if changes.get("reset"):
        store.reset()
    return _json("200 OK", asdict(control))


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
<title>Tổng đài SMS mô phỏng</title></head>
<body><header><p>Tổng đài SMS – dịch vụ mô phỏng cho môi trường phát triển</p></header>
<main><h1>Tin nhắn đã nhận ({count})</h1>{body}</main></body></html>"""


def _page(count: int, messages: list[dict]) -> str:
    if not messages:
        return _PAGE.format(count=0, body="<p>Chưa nhận tin nhắn nào.</p>")
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(str(message[name]))}</td>"
            for name in ("id", "received_at", "to", "from", "text", "parts")
        )
        + "</tr>"
        for message in messages
    )
    head = "".join(
        f'<th scope="col">{label}</th>'
        for label in ("Mã", "Lúc", "Số nhận", "Người gửi", "Nội dung", "Số phần")
    )
    table = (
        f"<table><caption>Tin mới nhất trước</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )
    return _PAGE.format(count=count, body=table)


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    # Many clients connect at once in the benchmark; the default backlog of 5 drops them.
    request_queue_size = 128


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Stand-in SMS gateway (development, tests).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8020, help="0 picks a free port")
    parser.add_argument("--data-dir", help="keep messages in a file here (default: memory)")
    parser.add_argument("--username", default=DEFAULT_USERNAME)
    parser.add_argument("--password", default=DEFAULT_PASSWORD)
    parser.add_argument("--callback-url", default="", help="Motcua's inbound SMS endpoint")
    parser.add_argument("--callback-secret", default=DEFAULT_CALLBACK_SECRET)
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
        control=Control(fail_rate=args.fail_rate),
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
    print(f"Stand-in SMS gateway listening on http://{host}:{port}", flush=True)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
