"""Demo monitoring network: four air-quality stations in Lâm Đồng and plausible hourly values.

Values are a deterministic function of the station and the hour (a seeded generator), so running
the loader again rewrites the same numbers and changes nothing; it only adds the hours that have
passed since. PM follows a city's daily rhythm (morning and evening traffic peaks, clean
afternoons), ozone peaks in the early afternoon sun, temperature and humidity swing opposite.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from motcua.core.calendar import VIETNAM

PARAMETERS = ["PM2.5", "PM10", "O3", "CO", "SO2", "NO2", "TEMP", "RH"]


@dataclass(frozen=True)
class DemoStation:
    code: str
    name: str
    owner: str
    commune: str
    latitude: str
    longitude: str
    pm25_base: float  # a clean afternoon's PM2.5, µg/m³
    temperature: float  # the day's mean, °C
    # (hours before now when it starts, how many hours, extra PM2.5 at its peak)
    episode: tuple[int, int, float] | None = None


STATIONS = [
    DemoStation(
        "LD-DL-01",
        "Quảng trường Lâm Viên, Đà Lạt",
        "Sở Nông nghiệp và Môi trường tỉnh Lâm Đồng",
        "24778",
        "11.941550",
        "108.445950",
        pm25_base=12,
        temperature=18,
    ),
    DemoStation(
        "LD-DL-02",
        "Chợ Đà Lạt",
        "Tài trợ: chương trình Không khí sạch cho đô thị (dữ liệu mẫu)",
        "24781",
        "11.942870",
        "108.436960",
        pm25_base=18,
        temperature=18.5,
    ),
    DemoStation(
        "LD-BL-01",
        "Trung tâm Bảo Lộc",
        "UBND phường B'Lao",
        "24829",
        "11.547900",
        "107.807700",
        pm25_base=22,
        temperature=22,
        # An evening of burning crop residue two days ago: PM2.5 climbs into "Kém".
        episode=(40, 10, 55),
    ),
    DemoStation(
        "LD-PT-01",
        "Phan Thiết",
        "Tài trợ: doanh nghiệp khu công nghiệp Phan Thiết (dữ liệu mẫu)",
        "22945",
        "10.928900",
        "108.102100",
        pm25_base=16,
        temperature=28,
    ),
]


def _traffic(local_hour: int) -> float:
    """0..1: the morning (7h) and evening (19h) traffic peaks."""
    return max(
        math.exp(-((local_hour - 7) ** 2) / 4), 0.9 * math.exp(-((local_hour - 19) ** 2) / 5)
    )


def _sun(local_hour: int) -> float:
    """0..1: sunshine, highest at 13h, none at night."""
    return max(0.0, math.sin(math.pi * (local_hour - 6) / 14)) if 6 <= local_hour <= 20 else 0.0


def hourly_values(station: DemoStation, hour: datetime, *, now: datetime) -> dict[str, float]:
    """The demo means of one station for the hour starting at `hour` (aware).

    The noise swings up one hour and down the next (by 3-8 %), so that no value repeats for
    four hours and quality control has nothing to flag in the demo."""
    noise = random.Random(f"{station.code}|{hour.isoformat()}")
    swing = 1 if int(hour.timestamp() // 3600) % 2 else -1

    def vary(value: float) -> float:
        return value * (1 + swing * noise.uniform(0.03, 0.08))

    local_hour = hour.astimezone(VIETNAM).hour
    traffic, sun = _traffic(local_hour), _sun(local_hour)
    night = 1.0 if local_hour >= 21 or local_hour <= 5 else 0.0
    pm25 = station.pm25_base * (1 + 1.1 * traffic + 0.3 * night)
    if station.episode:
        start_before, length, peak = station.episode
        position = start_before - (now - hour) / timedelta(hours=1)
        if 0 <= position <= length:
            pm25 += peak * math.sin(math.pi * position / length)
    pm25 = vary(pm25)
    return {
        "PM2.5": round(pm25, 1),
        "PM10": round(pm25 * 1.65, 1),
        "O3": round(vary(20 + 70 * sun), 1),
        "CO": round(vary(500 + 900 * traffic)),
        "SO2": round(vary(6 + 8 * traffic), 1),
        "NO2": round(vary(12 + 30 * traffic), 1),
        "TEMP": round(vary(station.temperature + 5 * sun - 2 * night), 1),
        "RH": round(vary(86 - 25 * sun)),
    }
