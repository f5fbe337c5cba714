"""Sending one SMS text. Without SMS_GATEWAY_URL the text goes to the log (development, tests).

One function on purpose: the notifications app will replace it with its channel registry.
"""

from __future__ import annotations

import logging
import unicodedata

import requests
from django.conf import settings

logger = logging.getLogger(__name__)


def without_diacritics(text: str) -> str:
    """ "Mã xác thực" -> "Ma xac thuc": brand-name SMS gateways reject or split Unicode texts."""
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def send_sms(phone: str, text: str) -> None:
    """Send `text` to `phone` (0xxxxxxxxx) through the configured HTTP gateway."""
    if not settings.SMS_GATEWAY_URL:
        logger.info("SMS to %s: %s", phone, text)
        return
    response = requests.post(
        settings.SMS_GATEWAY_URL,
        json={"to": phone, "from": settings.SMS_SENDER_NAME, "text": text},
        auth=(settings.SMS_GATEWAY_USERNAME, settings.SMS_GATEWAY_PASSWORD),
        timeout=10,
    )
    response.raise_for_status()
