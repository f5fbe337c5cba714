"""Vietnamese identifiers: mobile numbers, personal identification numbers and tax codes.

Each `normalise_*` function returns the canonical form or raises InvalidInput naming the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.errors import InvalidInput

# Mobile prefixes after the 2018 move from 11 to 10 digits (Viettel 03x/086/09x, Mobifone
# 07x/089/090/093, Vinaphone 08x/091/094, Vietnamobile 052/056/058/092, Gmobile 059/099,
# Itelecom 087).
_MOBILE = re.compile(r"0(?:3[2-9]|5[25689]|7[06-9]|8[1-9]|9\d)\d{7}")
_PHONE_NOISE = re.compile(r"[\s.\-()]")

# Birthplace codes that open a personal identification number (Circular 59/2021/TT-BCA, the
# 63 pre-2025 provinces; the 34 provinces of 2025 kept codes from this list).
PERSONAL_ID_PROVINCE_CODES = frozenset(
    (  # noqa: SIM905 - a table reads better as text
        "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 034 "
        "035 036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 "
        "070 072 074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096"
    ).split()
)
# The 4th digit gives century and sex: 0/1 = 1900s male/female, 2/3 = 2000s, ... 8/9 = 2300s.
_CENTURY_BY_DIGIT = {digit: 1900 + 100 * (digit // 2) for digit in range(10)}
_TAX_CODE = re.compile(r"\d{10}(?:-\d{3})?")


def normalise_phone(value: str, *, field: str = "phone") -> str:
    """ "+84 912.345.678", "84912345678" and "0912 345 678" all become "0912345678"."""
    digits = _PHONE_NOISE.sub("", value or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    elif len(digits) == 9 and not digits.startswith("0"):
        digits = "0" + digits
    if not _MOBILE.fullmatch(digits):
        raise InvalidInput(
            _("Số điện thoại di động không hợp lệ: cần 10 chữ số, ví dụ 0912345678."),
            field=field,
        )
    return digits


def looks_like_phone(value: str) -> bool:
    """True when `value` reads as a phone number (used to pick the login identifier)."""
    try:
        normalise_phone(value)
    except InvalidInput:
        return False
    return True


@dataclass(frozen=True)
class PersonalIdParts:
    province_code: str
    is_female: bool
    birth_year: int


def parse_personal_id(value: str, *, field: str = "personal_id") -> PersonalIdParts:
    """Check the structure of a 12-digit personal identification number (số định danh cá nhân,
    the number on the chip-based citizen identity card): province of birth, century and sex,
    two digits of the birth year, then a 6-digit random part."""
    number = (value or "").strip()
    if not re.fullmatch(r"\d{12}", number):
        raise InvalidInput(_("Số định danh cá nhân phải gồm đúng 12 chữ số."), field=field)
    if number[:3] not in PERSONAL_ID_PROVINCE_CODES:
        raise InvalidInput(
            _("Ba chữ số đầu của số định danh cá nhân không phải mã tỉnh hợp lệ."), field=field
        )
    digit = int(number[3])
    birth_year = _CENTURY_BY_DIGIT[digit] + int(number[4:6])
    if birth_year > timezone.localdate().year:
        raise InvalidInput(
            _("Chữ số thứ tư và năm sinh trong số định danh cá nhân không hợp lệ."), field=field
        )
    return PersonalIdParts(
        province_code=number[:3], is_female=digit % 2 == 1, birth_year=birth_year
    )


def normalise_personal_id(
    value: str, *, date_of_birth: date | None = None, field: str = "personal_id"
) -> str:
    """Return the validated number; when a date of birth is known its year must match."""
    parts = parse_personal_id(value, field=field)
    if date_of_birth is not None and date_of_birth.year != parts.birth_year:
        raise InvalidInput(
            _("Số định danh cá nhân không khớp với năm sinh {year}.").format(
                year=date_of_birth.year
            ),
            field=field,
        )
    return value.strip()


def normalise_tax_code(value: str, *, field: str = "tax_code") -> str:
    """A tax code (mã số thuế): 10 digits, or 10 digits, a dash and a 3-digit branch number."""
    code = re.sub(r"\s", "", value or "")
    if not _TAX_CODE.fullmatch(code) or code.endswith("-000"):
        raise InvalidInput(
            _("Mã số thuế phải gồm 10 chữ số, hoặc 10 chữ số, dấu gạch ngang và 3 chữ số."),
            field=field,
        )
    return code
