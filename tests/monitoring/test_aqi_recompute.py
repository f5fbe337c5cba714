"""Hourly and daily VN_AQI recomputed in the database from valid hourly means, through the hook
the data side calls when hours change (late data, invalidation, restoration)."""

from datetime import timedelta

import pytest

from motcua.monitoring import aqi_hooks
from motcua.monitoring.aqi_services import aqi_recompute, aqi_recompute_stations
from motcua.monitoring.ingestion import Reading, readings_store
from motcua.monitoring.models import DailyAqi, HourlyAqi, Parameter, Source
from motcua.monitoring.services import measurements_invalidate, measurements_restore
from tests.monitoring.aqi_data import DAY, day_of, immediate_tasks, local_hour, put
from tests.monitoring.factories import operator, station

pytestmark = pytest.mark.django_db
__all__ = ["immediate_tasks"]


def _hourly(site, hour):
    return HourlyAqi.objects.filter(station=site, hour_start=hour).first()


def _daily(site, day=DAY):
    return DailyAqi.objects.filter(station=site, date=day).first()


@pytest.fixture
def site():
    """A station with a day of PM2.5 at 37.5 µg/m³ (index 75) and NO2 at 250 at 10:00 (105)."""
    site = station(code="AQ-01")
    put(site, "PM2.5", day_of(37.5))
    put(site, "NO2", {local_hour(10): 250})
    return site


def test_recompute_writes_the_hourly_and_daily_index(site):
    # when the day is recomputed
    aqi_recompute(station_id=site.pk, start=local_hour(0), end=local_hour(24))
    # then 10:00 is NO2's (105, Kém) and 09:00 is PM2.5's NowCast (75, Trung bình)
    ten = _hourly(site, local_hour(10))
    assert (ten.aqi, ten.dominant, ten.category) == (105, "NO2", 3)
    assert ten.sub_indices == {"PM2.5": 75, "NO2": 105}
    assert ten.aqi_category.name_vi == "Kém"
    nine = _hourly(site, local_hour(9))
    assert (nine.aqi, nine.dominant, nine.category) == (75, "PM2.5", 2)
    # 00:00 has one of its latest three hours only (NowCast needs two): no row; 00:00 the next
    # day still has two (22:00 and 23:00); 01:00 the next day has one
    assert _hourly(site, local_hour(0)) is None
    assert _hourly(site, local_hour(24)).aqi == 75
    assert _hourly(site, local_hour(25)) is None
    # the day: PM2.5's 24-hour mean 37.5 → 75, NO2's highest hour 250 → 105
    daily = _daily(site)
    assert (daily.aqi, daily.dominant, daily.sub_indices) == (105, "NO2", {"PM2.5": 75, "NO2": 105})


def test_flagged_and_invalidated_values_are_left_out(site):
    # given NO2 at 10:00 flagged by quality control and SO2 at 11:00 invalidated
    put(site, "NO2", {local_hour(10): 250}, validity="flagged")
    put(site, "SO2", {local_hour(11): 2000}, validity="invalidated")
    # when recomputed
    aqi_recompute(station_id=site.pk, start=local_hour(0), end=local_hour(24))
    # then neither counts
    assert _hourly(site, local_hour(10)).sub_indices == {"PM2.5": 75}
    assert _hourly(site, local_hour(11)).sub_indices == {"PM2.5": 75}
    assert _daily(site).aqi == 75


def test_late_data_recompute_hourly_and_daily(
    site, immediate_tasks, django_capture_on_commit_callbacks
):
    aqi_recompute(station_id=site.pk, start=local_hour(0), end=local_hour(24))
    # when SO2 of 15:00 arrives late (400 µg/m³ → 112.5 → 113)
    so2 = Parameter.objects.get(code="SO2")
    with django_capture_on_commit_callbacks(execute=True):
        readings_store(
            station=site,
            readings=[Reading(so2.pk, local_hour(15), 400.0, True)],
            source=Source.HTTP,
        )
    # then the hook recomputed 15:00 and the day
    assert (_hourly(site, local_hour(15)).aqi, _hourly(site, local_hour(15)).dominant) == (
        113,
        "SO2",
    )
    assert (_daily(site).aqi, _daily(site).dominant) == (113, "SO2")


def test_late_pm_changes_the_nowcast_of_the_next_eleven_hours(
    site, immediate_tasks, django_capture_on_commit_callbacks
):
    aqi_recompute(station_id=site.pk, start=local_hour(0), end=local_hour(24))
    # when PM2.5 of 05:00 is corrected upwards to 137.5 and the data side says so (written
    # straight: quality control would rightly flag this steady test series as stuck)
    put(site, "PM2.5", {local_hour(5): 137.5})
    with django_capture_on_commit_callbacks(execute=True):
        aqi_hooks.hours_changed(station_id=site.pk, hours=[local_hour(5)])
    # then the hours whose NowCast window holds 05:00 rise. At 05:00 (00:00–04:00 before it):
    # w* = 37.5 / 137.5 < ½ so w = ½, NowCast = (137.5 + 37.5 × (½ + ¼ + ⅛ + 1/16 + 1/32))
    # / (1 + 0.96875) = 88.29 → 50 / 70 × 8.29 + 150 = 155.9 → 156. At 12:00 its weight ½⁷
    # still adds 100 × ½⁷ / 1.9995 = 0.39 µg/m³ → 75.8 → 76; from 13:00 (½⁸) the rounded
    # index no longer moves. 04:00 is before it, untouched.
    assert _hourly(site, local_hour(5)).aqi == 156
    assert all(_hourly(site, local_hour(hour)).aqi > 75 for hour in range(5, 13))
    assert _hourly(site, local_hour(13)).aqi == 75
    assert _hourly(site, local_hour(4)).aqi == 75
    # and the 24-hour mean rose: (23 × 37.5 + 137.5) / 24 = 41.67 → 2 × 16.67 + 50 = 83.3 → 83
    assert _daily(site).sub_indices["PM2.5"] == 83


def test_invalidating_and_restoring_an_hour_recomputes(
    site, immediate_tasks, django_capture_on_commit_callbacks
):
    aqi_recompute(station_id=site.pk, start=local_hour(0), end=local_hour(24))
    officer = operator()
    no2 = Parameter.objects.get(code="NO2")
    # when an operator invalidates NO2 at 10:00
    with django_capture_on_commit_callbacks(execute=True):
        measurements_invalidate(
            actor=officer,
            station=site,
            parameter=no2,
            start=local_hour(10),
            end=local_hour(11),
            reason="Thiết bị NO2 hiệu chuẩn",
        )
    # then the hour and the day fall back to PM2.5's 75
    assert (_hourly(site, local_hour(10)).aqi, _hourly(site, local_hour(10)).dominant) == (
        75,
        "PM2.5",
    )
    assert _daily(site).aqi == 75
    # when the operator restores it, 105 again
    with django_capture_on_commit_callbacks(execute=True):
        measurements_restore(
            actor=officer,
            station=site,
            parameter=no2,
            start=local_hour(10),
            end=local_hour(11),
            reason="Đã kiểm tra lại",
        )
    assert _hourly(site, local_hour(10)).aqi == 105
    assert _daily(site).aqi == 105


def test_an_hour_left_with_nothing_loses_its_row(site):
    aqi_recompute(station_id=site.pk, start=local_hour(0), end=local_hour(24))
    # when every value of the morning is invalidated
    put(site, "PM2.5", {local_hour(h): 37.5 for h in range(0, 12)}, validity="invalidated")
    aqi_recompute(station_id=site.pk, start=local_hour(0), end=local_hour(12))
    # then those hours have no index rows (10:00 keeps NO2's sub-index without PM: no index)
    assert not HourlyAqi.objects.filter(
        station=site, hour_start__gte=local_hour(1), hour_start__lt=local_hour(10)
    ).exists()
    ten = _hourly(site, local_hour(10))
    assert (ten.aqi, ten.category, ten.dominant, ten.sub_indices) == (None, None, "", {"NO2": 105})
    # and the day has 12 hours of PM2.5 only: no PM mean, no daily index
    assert _daily(site).aqi is None


def test_late_ozone_before_midnight_changes_the_next_day(site):
    # given the next day with PM2.5 and O3 at 100
    next_day = DAY + timedelta(days=1)
    put(site, "PM2.5", day_of(37.5, next_day))
    put(site, "O3", day_of(100, next_day))
    aqi_recompute(station_id=site.pk, start=local_hour(0, next_day), end=local_hour(24, next_day))
    assert _daily(site, next_day).sub_indices["O3"] == 50
    # when O3 of 300 arrives for the last seven hours of the day before
    put(site, "O3", {local_hour(h): 300 for h in range(17, 24)})
    aqi_recompute(station_id=site.pk, start=local_hour(17), end=local_hour(24))
    # then the 8-hour mean ending at 00:00 of the next day, 275, gives its O3 234
    assert _daily(site, next_day).sub_indices["O3"] == 234


def test_recomputing_all_stations_gives_what_ranges_give(site):
    # given a second station with another pattern
    other = station(code="AQ-02")
    put(other, "PM10", {local_hour(h): 40 + 7 * (h % 5) for h in range(-6, 30)})
    put(other, "O3", {local_hour(h): 90 + 11 * (h % 7) for h in range(-6, 30)})
    aqi_recompute(station_id=site.pk, start=local_hour(0), end=local_hour(24))
    aqi_recompute(station_id=other.pk, start=local_hour(-6), end=local_hour(30))

    def snapshot():
        return sorted(
            HourlyAqi.objects.values_list("station", "hour_start", "aqi", "dominant", "sub_indices")
        ), sorted(DailyAqi.objects.values_list("station", "date", "aqi", "dominant", "sub_indices"))

    by_range = snapshot()
    HourlyAqi.objects.all().delete()
    DailyAqi.objects.all().delete()
    # when every station is recomputed from all its data
    aqi_recompute_stations()
    # then the same rows
    assert snapshot() == by_range


def test_recomputing_all_drops_indices_no_valid_hour_supports(site):
    aqi_recompute(station_id=site.pk, start=local_hour(0), end=local_hour(24))
    assert HourlyAqi.objects.filter(station=site).exists()
    # when every value is invalidated behind the hook's back and everything is recomputed
    put(site, "PM2.5", day_of(37.5), validity="invalidated")
    put(site, "NO2", {local_hour(10): 250}, validity="invalidated")
    aqi_recompute_stations(station_ids=[site.pk])
    # then nothing is left
    assert not HourlyAqi.objects.filter(station=site).exists()
    assert not DailyAqi.objects.filter(station=site).exists()
