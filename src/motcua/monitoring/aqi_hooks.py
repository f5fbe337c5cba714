"""A small registry through which the data side tells the AQI side which hours changed.

Ingestion, quality control and operators' invalidate/restore call `hours_changed(...)` after
their transaction commits; the AQI side registers its recomputation with `on_hours_changed`.
Callbacks receive `station_id` and a sorted list of aware UTC hour starts."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime

from django.db import transaction

logger = logging.getLogger(__name__)

HoursChangedCallback = Callable[..., None]
_callbacks: list[HoursChangedCallback] = []


def on_hours_changed(callback: HoursChangedCallback) -> HoursChangedCallback:
    """Register `callback(station_id=..., hours=[...])`; usable as a decorator."""
    if callback not in _callbacks:
        _callbacks.append(callback)
    return callback


def hours_changed(*, station_id: int, hours: Iterable[datetime]) -> None:
    """Tell every registered callback, once the current transaction commits, that these hours
    of the station changed (new or late data, new flags, invalidated or restored)."""
    hour_list = sorted(set(hours))
    if not hour_list or not _callbacks:
        return

    def notify() -> None:
        for callback in list(_callbacks):
            callback(station_id=station_id, hours=hour_list)

    transaction.on_commit(notify)
