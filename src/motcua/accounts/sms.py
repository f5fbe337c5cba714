"""SMS text helpers. Texts are sent through the notifications outbox (notifications.services
notify), never from here."""

from __future__ import annotations

import unicodedata


def without_diacritics(text: str) -> str:
    """ "Mã xác thực" -> "Ma xac thuc": brand-name SMS gateways reject or split Unicode texts."""
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
