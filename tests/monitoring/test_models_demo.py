"""`motcua load_demo_monitoring`: four stations in Lâm Đồng with three days of hourly values."""

from __future__ import annotations

import time

import pytest
from django.core.management import call_command

from motcua.monitoring.models import HourlyMeasurement, Station

pytestmark = pytest.mark.django_db


def test_the_demo_loader_is_quick_idempotent_and_clean(administrative_units):
    # when the loader runs twice
    started = time.perf_counter()
    call_command("load_demo_monitoring", verbosity=0)
    elapsed = time.perf_counter() - started
    call_command("load_demo_monitoring", verbosity=0)
    # then there are four stations in Lâm Đồng with 72 hours of the 8 parameters, once
    stations = Station.objects.select_related("province", "commune")
    assert stations.count() == 4
    assert {s.province.name for s in stations} == {"Tỉnh Lâm Đồng"}
    assert "Đà Lạt" in " ".join(s.commune.name for s in stations)
    assert HourlyMeasurement.objects.count() == 4 * 72 * 8
    # and the values are plausible: nothing flagged by quality control, PM2.5 in the AQI's range
    assert not HourlyMeasurement.objects.exclude(validity="valid").exists()
    pm25 = HourlyMeasurement.objects.filter(parameter__code="PM2.5").values_list("value", flat=True)
    assert min(pm25) > 5 and max(pm25) < 150
    assert elapsed < 3
