"""Report codes `PA-{yyMMdd}-{NNNN}` (a per-day sequence, unique under concurrent submissions)
and the follow-up secret that, with the code, lets a reporter follow an anonymous report."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import F

from motcua.feedback.models import ReportCodeSequence

PREFIX = "PA"
CODE_PATTERN = re.compile(r"^PA-\d{6}-\d{4,}$")
# No 0/O, 1/I/L: the secret is read out over the phone and copied from paper.
_SECRET_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # noqa: S105 (an alphabet)
SECRET_LENGTH = 8


def report_code_next(*, day: date) -> str:
    """Take the next number of `day`, as dossiers/codes.py does: create the row if missing
    (ignoring a concurrent creator), then increment it with an UPDATE that locks it. Call inside
    the submitting transaction, so that a rolled-back submission gives its number back."""
    with transaction.atomic():
        ReportCodeSequence.objects.bulk_create(
            [ReportCodeSequence(day=day, last_number=0)], ignore_conflicts=True
        )
        sequence = ReportCodeSequence.objects.filter(day=day)
        sequence.update(last_number=F("last_number") + 1)
        number = sequence.values_list("last_number", flat=True).get()
    return f"{PREFIX}-{day:%y%m%d}-{number:04d}"


def normalize_code(value: str | None) -> str:
    """ "pa-261123-0007 " -> "PA-261123-0007"."""
    return re.sub(r"\s+", "", value or "").upper()[:20]


def secret_new() -> str:
    return "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(SECRET_LENGTH))


def secret_hash(secret: str) -> str:
    """A keyed hash: a leaked table does not give the secrets away."""
    cleaned = re.sub(r"[\s-]+", "", secret or "").upper()
    key = f"feedback-follow:{settings.SECRET_KEY}".encode()
    return hmac.new(key, cleaned.encode("utf-8", "ignore"), hashlib.sha256).hexdigest()


def api_key_hash(raw: str) -> str:
    """Open311 keys are long random strings: a plain SHA-256 is enough to find them."""
    return hashlib.sha256((raw or "").encode("utf-8", "surrogatepass")).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    return bool(stored_hash) and hmac.compare_digest(secret_hash(secret), stored_hash)
