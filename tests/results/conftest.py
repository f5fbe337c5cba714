"""Shared set-up of the results tests: the back-office sample agency (without fees, so that
payment does not stand in the way) and dossiers brought to the director's signing step."""

from __future__ import annotations

import pytest

from motcua.dossiers.backoffice import dossier_act
from motcua.dossiers.models import Dossier
from tests.dossiers.backoffice_samples import Office, office, submitted


@pytest.fixture
def place(administrative_units) -> Office:
    place = office()
    place.version.fees.all().delete()
    return place


def act(user, dossier: Dossier, action: str, **payload) -> Dossier:
    return dossier_act(actor=user, dossier=dossier.code, action=action, payload=payload)


def at_sign_step(place: Office, **submit) -> Dossier:
    """A dossier received, checked by the specialist and approved by the head: it waits for the
    director at the "Ký duyệt" step (kind sign)."""
    dossier = submitted(place, **submit)
    act(place.officer, dossier, "receive")
    act(place.head, dossier, "assign", assignee=place.specialist.pk)
    act(place.specialist, dossier, "forward")
    return act(place.head, dossier, "forward")


def signed(place: Office, **submit) -> Dossier:
    """A dossier the director finished: it has its signed result."""
    dossier = at_sign_step(place, **submit)
    return act(place.director, dossier, "finish", result_summary="Cấp đổi Giấy chứng nhận")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Upload checks are rate limited per client IP in the cache: each test starts afresh."""
    from django.core.cache import cache

    cache.clear()
