"""Likely duplicates: open reports of the same category within 100 m and 7 days."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from motcua.feedback.geo import bounding_box, haversine_m
from motcua.feedback.models import OPEN_STATUSES, Report

RADIUS_M = 100
DAYS = 7


def nearby_open_reports(
    *,
    category_id: int,
    latitude: Decimal | None,
    longitude: Decimal | None,
    since: datetime,
    until: datetime,
    exclude_ids: Sequence[int] = (),
) -> list[tuple[Report, float]]:
    """Open reports of the category received between `since` and `until` within RADIUS_M
    metres of the point, nearest first, with their distance in metres. The bounding box uses
    the (latitude, longitude) index; the exact distance is the haversine."""
    if latitude is None or longitude is None:
        return []
    lat, lon = float(latitude), float(longitude)
    low_lat, high_lat, low_lon, high_lon = bounding_box(lat, lon, RADIUS_M)
    candidates = (
        Report.objects.filter(
            category_id=category_id,
            status__in=OPEN_STATUSES,
            received_at__range=(since, until),
            latitude__range=(low_lat, high_lat),
            longitude__range=(low_lon, high_lon),
        )
        .exclude(pk__in=exclude_ids)
        .select_related("category", "commune")
    )
    found = []
    for candidate in candidates:
        distance = haversine_m(lat, lon, float(candidate.latitude), float(candidate.longitude))
        if distance <= RADIUS_M:
            found.append((candidate, distance))
    return sorted(found, key=lambda pair: (pair[1], pair[0].received_at))
