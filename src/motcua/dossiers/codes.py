"""Dossier codes: `{agency identifier}-{yyMMdd}-{NNNN}`, e.g. `H56.14-251123-0007` (practice of
the provinces' one-stop systems), a 4-digit sequence per agency per day, unique under
concurrent submissions."""

from __future__ import annotations

import re
from datetime import date

from django.db import transaction
from django.db.models import F

from motcua.dossiers.models import DossierCodeSequence

CODE_PATTERN = re.compile(
    r"^(?P<agency>[A-Z0-9][A-Z0-9.]{0,30})-(?P<day>\d{6})-(?P<number>\d{4,})$"
)


def dossier_code_next(*, agency, day: date) -> str:
    """Take the next number of `agency` on `day`. Call inside the submitting transaction: if it
    rolls back, the number is given back too.

    The row is created if missing (ignoring a concurrent creator), then incremented with an
    UPDATE that locks it, so two submissions never get the same number on SQLite or PostgreSQL."""
    with transaction.atomic():
        DossierCodeSequence.objects.bulk_create(
            [DossierCodeSequence(agency=agency, day=day, last_number=0)], ignore_conflicts=True
        )
        sequence = DossierCodeSequence.objects.filter(agency=agency, day=day)
        sequence.update(last_number=F("last_number") + 1)
        number = sequence.values_list("last_number", flat=True).get()
    return f"{agency.code}-{day:%y%m%d}-{number:04d}"


def normalize_code(value: str) -> str:
    """What people type ("h56.14-251123-0007 ", "H5614-251123-0007") to the stored form.

    Upper-case and trimmed; a code typed without the dots of the agency identifier is left as it
    is (the lookup tries it as given)."""
    return re.sub(r"\s+", "", value or "").upper()
