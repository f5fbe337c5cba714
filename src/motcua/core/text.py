"""Text helpers for Vietnamese: NFC normalisation and diacritic-free search keys."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def nfc(value: str) -> str:
    """Vietnamese arrives both precomposed and decomposed; store and compare it as NFC."""
    return unicodedata.normalize("NFC", value)


def search_key(value: str) -> str:
    """Lower-case, without diacritics, single-spaced.

    "Phường Phan Đình Phùng" -> "phuong phan dinh phung"."""
    decomposed = unicodedata.normalize("NFD", value.replace("Đ", "D").replace("đ", "d"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", stripped).strip().lower()
