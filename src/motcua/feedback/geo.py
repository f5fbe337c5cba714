"""Distances on the Earth for duplicate detection (haversine, metres)."""

from __future__ import annotations

import math
from decimal import Decimal

EARTH_RADIUS_M = 6_371_000.0
# Metres in one degree of latitude; a degree of longitude is this times cos(latitude).
_METRES_PER_DEGREE = math.pi * EARTH_RADIUS_M / 180


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two points, in metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(
    lat: float, lon: float, radius_m: float
) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(min lat, max lat, min lon, max lon) of a box holding every point within `radius_m`: a
    cheap index filter before the exact distance."""
    dlat = radius_m / _METRES_PER_DEGREE
    dlon = radius_m / (_METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
    q = Decimal("0.000001")
    return (
        Decimal(lat - dlat).quantize(q),
        Decimal(lat + dlat).quantize(q),
        Decimal(lon - dlon).quantize(q),
        Decimal(lon + dlon).quantize(q),
    )
