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


class HttpSmsChannel(Channel):
    """SMS through an HTTP brand-name gateway (settings SMS_GATEWAY_URL, SMS_GATEWAY_USERNAME,
    SMS_GATEWAY_PASSWORD, SMS_SENDER_NAME); `python -m motcua.notifications.sms_standin` is
    its local stand-in. Each message carries its notification's idempotency key, so that a
    message sent again after a lost answer or a dead worker is delivered once.

    A 4xx answer (bad number, text refused) is permanent; 5xx, throttling and network errors
    (timeouts included) are temporary."""

    def send(self, notification: Notification) -> None:
        if not settings.SMS_GATEWAY_URL:
            raise ChannelNotConfigured("SMS_GATEWAY_URL chưa được cấu hình")
        credentials = None
        if settings.SMS_GATEWAY_USERNAME or settings.SMS_GATEWAY_PASSWORD:
            credentials = (settings.SMS_GATEWAY_USERNAME, settings.SMS_GATEWAY_PASSWORD)
        try:
            response = _http_session().post(
                settings.SMS_GATEWAY_URL,
                json={
                    "to": notification.recipient_address,
                    "from": settings.SMS_SENDER_NAME,
                    "text": notification.body,
                },
                headers={"Idempotency-Key": str(notification.idempotency_key)},
                auth=credentials,
                timeout=settings.SMS_GATEWAY_TIMEOUT_SECONDS,
            )
        except requests.RequestException as error:
            raise TemporaryFailure(f"Không gọi được tổng đài SMS: {error}") from error
        if response.status_code < 300:
            return
        detail = f"Tổng đài SMS trả lời {response.status_code}: {response.text[:300]}"
        if response.status_code in (401, 403):
            # Wrong credentials: an operator must fix the settings, then retry the messages.
            raise ChannelNotConfigured(detail)
        if response.status_code < 500 and response.status_code not in _RETRYABLE_CLIENT_ERRORS:
            raise PermanentFailure(detail)
        raise TemporaryFailure(detail)


def get_channel(name: str) -> Channel:
    """The configured channel for `name`."""
    path = settings.NOTIFICATION_CHANNELS.get(name)
    if not path:
        raise ChannelNotConfigured(f"NOTIFICATION_CHANNELS không có kênh {name!r}")
    try:
        return import_string(path)()
    except ImportError as error:
        raise ChannelNotConfigured(f"Không nạp được kênh {name!r} ({path}): {error}") from error
