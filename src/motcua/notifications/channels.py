"""Delivery channels behind a small registry: settings.NOTIFICATION_CHANNELS names one class
per channel ("sms", "email", ...), so a gateway can be swapped without touching callers."""

from __future__ import annotations

import logging
import smtplib
import threading
from typing import TYPE_CHECKING

import requests
from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from motcua.notifications.models import Notification

logger = logging.getLogger(__name__)


class TemporaryFailure(Exception):
    """The gateway may accept the message later (timeout, 5xx, throttling): retry."""


class PermanentFailure(Exception):
    """The message can never be delivered as it is (bad number, address refused): give up."""


class ChannelNotConfigured(Exception):
    """settings.NOTIFICATION_CHANNELS names no class, or one that cannot be imported."""


class Channel:
    """A way to deliver a notification. `send` returns when the gateway accepted the message
    and raises TemporaryFailure or PermanentFailure when it did not."""

    def send(self, notification: Notification) -> None:
        raise NotImplementedError


class ConsoleChannel(Channel):
    """The development stand-in: writes each message to the log and, when NOTIFICATIONS_FILE
    is set, appends it as one line to that file."""

    def send(self, notification: Notification) -> None:
        text = " | ".join(
            part.replace("\n", " ⏎ ") for part in (notification.subject, notification.body) if part
        )
        logger.info(
            "%s to %s: %s",
            notification.channel,
            notification.recipient_address or notification.recipient_name,
            text,
        )
        if settings.NOTIFICATIONS_FILE:
            line = "\t".join(
                [
                    timezone.localtime().strftime("%d/%m/%Y %H:%M:%S"),
                    notification.channel,
                    notification.recipient_address,
                    notification.dossier_code,
                    text,
                ]
            )
            with open(settings.NOTIFICATIONS_FILE, "a", encoding="utf-8") as file:
                file.write(line + "\n")


class DjangoEmailChannel(Channel):
    """E-mail through django.core.mail and its configured backend (console in development,
    locmem in tests, SMTP in production)."""

    def send(self, notification: Notification) -> None:
        message = EmailMessage(
            subject=notification.subject,
            body=notification.body,
            to=[notification.recipient_address],
            headers={"X-Motcua-Notification": str(notification.idempotency_key)},
        )
        try:
            message.send()
        except smtplib.SMTPRecipientsRefused as error:
            raise PermanentFailure(f"Máy chủ thư từ chối địa chỉ nhận: {error}") from error
        except (smtplib.SMTPException, OSError) as error:
            raise TemporaryFailure(f"Không gửi được thư: {error}") from error


# One HTTP session per worker thread: reusing the gateway connection halves the cost of a send.
_sessions = threading.local()
# Answers that say "not now" rather than "never", although they are 4xx.
_RETRYABLE_CLIENT_ERRORS = {408, 409, 425, 429}


def _http_session() -> requests.Session:
    session = getattr(_sessions, "session", None)
    if session is None:
        session = _sessions.session = requests.Session()
    return session


def _post(
    url: str,
    *,
    what: str,
    json: dict,
    headers: dict[str, str],
    auth: tuple[str, str] | None,
    timeout: float,
) -> requests.Response:
    """POST to a gateway over the worker's kept-alive session. A network error or timeout, a
    5xx or a throttling answer is temporary; 401/403 mean wrong credentials (an operator must
    fix the settings, then retry); any other 4xx is permanent."""
    try:
        response = _http_session().post(url, json=json, headers=headers, auth=auth, timeout=timeout)
    except requests.RequestException as error:
        raise TemporaryFailure(f"Không gọi được {what}: {error}") from error
    if response.status_code < 300:
        return response
    detail = f"{what[:1].upper()}{what[1:]} trả lời {response.status_code}: {response.text[:300]}"
    if response.status_code in (401, 403):
        raise ChannelNotConfigured(detail)
    if response.status_code < 500 and response.status_code not in _RETRYABLE_CLIENT_ERRORS:
        raise PermanentFailure(detail)
    raise TemporaryFailure(detail)


class HttpSmsChannel(Channel):
    """SMS through an HTTP brand-name gateway (settings SMS_GATEWAY_URL, SMS_GATEWAY_USERNAME,
    SMS_GATEWAY_PASSWORD, SMS_SENDER_NAME); `python -m motcua.notifications.sms_standin` is
    its local stand-in. Each message carries its notification's idempotency key, so that a
    message sent again after a lost answer or a dead worker is delivered once."""

    def send(self, notification: Notification) -> None:
        if not settings.SMS_GATEWAY_URL:
            raise ChannelNotConfigured("SMS_GATEWAY_URL chưa được cấu hình")
        credentials = None
        if settings.SMS_GATEWAY_USERNAME or settings.SMS_GATEWAY_PASSWORD:
            credentials = (settings.SMS_GATEWAY_USERNAME, settings.SMS_GATEWAY_PASSWORD)
        _post(
            settings.SMS_GATEWAY_URL,
            what="tổng đài SMS",
            json={
                "to": notification.recipient_address,
                "from": settings.SMS_SENDER_NAME,
                "text": notification.body,
            },
            headers={"Idempotency-Key": str(notification.idempotency_key)},
            auth=credentials,
            timeout=settings.SMS_GATEWAY_TIMEOUT_SECONDS,
        )


# Official Account API errors (answered with HTTP 200): the token is wrong or expired, so an
# operator must renew it; the account is throttled, so later; anything else (the person does
# not follow the account, a bad number) will not change by retrying.
ZALO_TOKEN_ERRORS = frozenset({-124, -216})
ZALO_RETRYABLE_ERRORS = frozenset({-32})


def zalo_phone(phone: str) -> str:
    """0912345678 -> 84912345678, the form the Official Account API takes."""
    phone = phone.strip().removeprefix("+")
    return "84" + phone[1:] if phone.startswith("0") else phone


class HttpZaloChannel(Channel):
    """Messages from the agency's Zalo Official Account to the Zalo account of the recipient's
    phone number (settings ZALO_OA_API_URL, ZALO_OA_ACCESS_TOKEN, ZALO_OA_TIMEOUT_SECONDS);
    the SMS stand-in's POST /zalo/message plays the API locally. The notification's
    idempotency key goes as `tracking_id`, which the account keeps with the message."""

    def send(self, notification: Notification) -> None:
        if not (settings.ZALO_OA_API_URL and settings.ZALO_OA_ACCESS_TOKEN):
            raise ChannelNotConfigured("ZALO_OA_API_URL hoặc ZALO_OA_ACCESS_TOKEN chưa cấu hình")
        key = str(notification.idempotency_key)
        response = _post(
            settings.ZALO_OA_API_URL,
            what="Zalo Official Account",
            json={
                "recipient": {"phone": zalo_phone(notification.recipient_address)},
                "message": {"text": notification.body},
                "tracking_id": key,
            },
            headers={"access_token": settings.ZALO_OA_ACCESS_TOKEN, "Idempotency-Key": key},
            auth=None,
            timeout=settings.ZALO_OA_TIMEOUT_SECONDS,
        )
        try:
            answer = response.json()
            error = int(answer.get("error", -1))
        except (ValueError, TypeError, AttributeError) as exc:
            raise TemporaryFailure(f"Zalo trả lời không đọc được: {response.text[:300]}") from exc
        if error == 0:
            return
        detail = f"Zalo trả lời lỗi {error}: {str(answer.get('message', ''))[:300]}"
        if error in ZALO_TOKEN_ERRORS:
            raise ChannelNotConfigured(detail)
        if error in ZALO_RETRYABLE_ERRORS:
            raise TemporaryFailure(detail)
        raise PermanentFailure(detail)


def get_channel(name: str) -> Channel:
    """The configured channel for `name`."""
    path = settings.NOTIFICATION_CHANNELS.get(name)
    if not path:
        raise ChannelNotConfigured(f"NOTIFICATION_CHANNELS không có kênh {name!r}")
    try:
        return import_string(path)()
    except ImportError as error:
        raise ChannelNotConfigured(f"Không nạp được kênh {name!r} ({path}): {error}") from error
