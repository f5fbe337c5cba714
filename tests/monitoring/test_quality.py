"""Quality control: the flag rules (hypothesis), their effect on stored hours, operators'
invalidate/restore, and the silent-station alert."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from motcua.core.models import AuditEntry
from motcua.monitoring import aqi_hooks
from motcua.monitoring.ingestion import Reading, readings_store
from motcua.monitoring.models import HourlyMeasurement, OperationalAlert, Parameter, Station
from motcua.monitoring.quality import Rule, hour_flags
from motcua.monitoring.selectors import hourly_valid_rows
from motcua.monitoring.services import (
    measurements_invalidate,
    measurements_restore,
    stations_silence_check,
)
from tests.monitoring.factories import hours_ago, operator, station

HOUR = timedelta(hours=1)
T0 = datetime(2026, 11, 1, tzinfo=UTC)
PM = Rule(valid_min=0, valid_max=1000, spike_threshold=100, decimal_places=1)


def series(values, *, start=T0):
    return [(start + i * HOUR, value) for i, value in enumerate(values)]


# --- The rules -------------------------------------------------------------------------------


def test_range_and_negative_flags():
    rule = Rule(valid_min=0, valid_max=1000, decimal_places=1)
    flags = hour_flags(series([-1, 0, 500, 1001]), rule=rule, stuck_hours=4)
    assert flags == [["negative"], [], [], ["out_of_range"]]


def test_negative_is_allowed_for_temperature():
    rule = Rule(valid_min=-20, valid_max=60, allows_negative=True, decimal_places=1)
    assert hour_flags(series([-3.5, -25]), rule=rule, stuck_hours=4) == [[], ["out_of_range"]]


def test_four_equal_hours_are_stuck_three_are_not():
    assert hour_flags(series([5, 7, 7, 7, 9]), rule=PM, stuck_hours=4) == [[]] * 5
    flags = hour_flags(series([5, 7, 7, 7, 7, 9]), rule=PM, stuck_hours=4)
    assert flags == [[], ["stuck"], ["stuck"], ["stuck"], ["stuck"], []]


def test_a_missing_hour_breaks_a_stuck_run_and_a_spike_comparison():
    hours = [(T0, 7.0), (T0 + HOUR, 7.0), (T0 + 3 * HOUR, 7.0), (T0 + 4 * HOUR, 200.0)]
    assert hour_flags(hours, rule=PM, stuck_hours=4) == [[], [], [], ["spike"]]


def test_stuck_compares_values_at_the_parameter_precision():
    assert hour_flags(series([7.01, 7.04, 6.98, 7.0]), rule=PM, stuck_hours=4) == [["stuck"]] * 4


@given(
    st.lists(st.floats(min_value=0, max_value=900, allow_nan=False), min_size=1, max_size=40),
    st.integers(min_value=2, max_value=8),
)
def test_stuck_flags_exactly_the_runs_of_at_least_n_equal_hours(values, stuck_hours):
    values = [round(value, 1) for value in values]
    flags = hour_flags(series(values), rule=Rule(decimal_places=1), stuck_hours=stuck_hours)
    for position, value in enumerate(values):
        # the run of equal values around this position
        start = position
        while start > 0 and values[start - 1] == value:
            start -= 1
        end = position
        while end + 1 < len(values) and values[end + 1] == value:
            end += 1
        assert ("stuck" in flags[position]) == (end - start + 1 >= stuck_hours)


@given(
    st.lists(st.floats(min_value=0, max_value=900, allow_nan=False), min_size=2, max_size=40),
    st.floats(min_value=1, max_value=300),
)
def test_spike_flags_exactly_the_jumps_above_the_threshold(values, threshold):
    rule = Rule(spike_threshold=threshold, decimal_places=1)
    flags = hour_flags(series(values), rule=rule, stuck_hours=1000)
    assert "spike" not in flags[0]
    for position in range(1, len(values)):
        jumped = abs(values[position] - values[position - 1]) > threshold
        assert ("spike" in flags[position]) == jumped


@given(st.lists(st.floats(min_value=-50, max_value=2000, allow_nan=False), max_size=30))
def test_flags_are_a_subset_of_the_known_codes(values):
    for flags in hour_flags(series(values), rule=PM, stuck_hours=4):
        assert set(flags) <= {"negative", "out_of_range", "stuck", "spike"}
        assert not {"negative", "out_of_range"} <= set(flags)


# --- Stored hours ----------------------------------------------------------------------------


def store(target: Station, code: str, values: dict[datetime, float]) -> None:
    parameter = Parameter.objects.get(code=code)
    readings = [Reading(parameter.pk, hour, value, True) for hour, value in values.items()]
    readings_store(station=target, readings=readings, source="http")


def validity(target: Station, code: str) -> dict[datetime, tuple[str, list[str]]]:
    return {
        row.hour_start: (row.validity, row.flags)
        for row in HourlyMeasurement.objects.filter(station=target, parameter__code=code)
    }


@pytest.mark.django_db
def test_a_late_hour_that_completes_a_stuck_run_flags_the_whole_run():
    # given three equal PM2.5 hours with a gap, then a normal hour
    target = station()
    h = [hours_ago(10 - i) for i in range(6)]
    store(target, "PM2.5", {h[0]: 12, h[1]: 12, h[3]: 12, h[4]: 30})
    assert {v for v, _ in validity(target, "PM2.5").values()} == {"valid"}
    # when the missing hour arrives late with the same value
    store(target, "PM2.5", {h[2]: 12})
    # then the four hours are flagged stuck and drop out of the AQI's rows
    states = validity(target, "PM2.5")
    assert [states[hour] for hour in h[:4]] == [("flagged", ["stuck"])] * 4
    assert states[h[4]] == ("valid", [])
    valid = list(hourly_valid_rows(start=h[0], end=h[5], station_ids=[target.pk]))
    assert [(code, hour, value) for _, code, hour, value in valid] == [("PM2.5", h[4], 30.0)]


@pytest.mark.django_db
def test_a_corrected_value_clears_its_spike_flag_and_the_next_hours():
    target = station()
    h = [hours_ago(6 - i) for i in range(3)]
    store(target, "PM10", {h[0]: 40, h[1]: 400, h[2]: 45})
    assert [validity(target, "PM10")[hour][1] for hour in h] == [[], ["spike"], ["spike"]]
    store(target, "PM10", {h[1]: 42})
    assert [validity(target, "PM10")[hour] for hour in h] == [("valid", [])] * 3


@pytest.mark.django_db
def test_changed_hours_are_announced_to_the_aqi_side_after_commit(
    django_capture_on_commit_callbacks,
):
    # given a listener registered with the hook
    calls = []

    def listener(*, station_id, hours):
        calls.append((station_id, hours))

    aqi_hooks.on_hours_changed(listener)
    try:
        target = station()
        h = [hours_ago(5 - i) for i in range(3)]
        # when hours are stored, then re-sent unchanged
        with django_capture_on_commit_callbacks(execute=True):
            store(target, "CO", {h[0]: 900, h[1]: 950})
        with django_capture_on_commit_callbacks(execute=True):
            store(target, "CO", {h[0]: 900, h[1]: 950})
        # and then an operator invalidates one hour
        with django_capture_on_commit_callbacks(execute=True):
            measurements_invalidate(
                actor=operator(), station=target, start=h[1], end=h[2], reason="Hiệu chuẩn"
            )
    finally:
        aqi_hooks._callbacks.remove(listener)
    # then the listener heard the two new hours, nothing for the unchanged re-send, then the
    # invalidated hour
    assert calls == [(target.pk, [h[0], h[1]]), (target.pk, [h[1]])]


# --- Operators -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_operator_invalidates_then_restores_a_range_with_a_reason():
    # given a day of valid NO2 hours and a monitoring operator
    target = station()
    hours = [hours_ago(24 - i) for i in range(24)]
    store(target, "NO2", {hour: 20 + i for i, hour in enumerate(hours)})
    store(target, "O3", {hours[5]: 60})
    user = operator()
    # when they invalidate NO2 from hour 5 to 8 (end excluded)
    count = measurements_invalidate(
        actor=user,
        station=target,
        parameter=Parameter.objects.get(code="NO2"),
        start=hours[5],
        end=hours[8],
        reason="Thiết bị đang hiệu chuẩn",
    )
    # then exactly those three NO2 hours are invalidated, with who and why, and audited
    assert count == 3
    states = validity(target, "NO2")
    assert [states[h][0] for h in hours[4:9]] == ["valid"] + ["invalidated"] * 3 + ["valid"]
    row = HourlyMeasurement.objects.get(station=target, parameter__code="NO2", hour_start=hours[5])
    assert (row.reviewed_by, row.review_reason) == (user, "Thiết bị đang hiệu chuẩn")
    assert validity(target, "O3")[hours[5]][0] == "valid"
    entry = AuditEntry.objects.filter(action="monitoring.invalidate").get()
    assert entry.changes["hours"] == 3 and entry.changes["parameter"] == "NO2"
    # and a re-send of the same hours does not bring them back
    store(target, "NO2", {hours[6]: 99})
    assert validity(target, "NO2")[hours[6]][0] == "invalidated"
    # when they restore the range, the hours count again
    measurements_restore(
        actor=user, station=target, start=hours[5], end=hours[8], reason="Đã kiểm tra lại"
    )
    assert {validity(target, "NO2")[h][0] for h in hours[5:8]} == {"valid"}
    assert AuditEntry.objects.filter(action="monitoring.restore").count() == 1


@pytest.mark.django_db
def test_restoring_a_flagged_hour_keeps_it_valid_through_later_quality_control():
    # given a spike the operator knows is real (a forest fire)
    target = station()
    h = [hours_ago(5 - i) for i in range(3)]
    store(target, "PM2.5", {h[0]: 20, h[1]: 300})
    assert validity(target, "PM2.5")[h[1]] == ("flagged", ["spike"])
    measurements_restore(
        actor=operator(), station=target, start=h[1], end=h[2], reason="Cháy rừng, số liệu thật"
    )
    # when the next hour arrives and quality control runs again
    store(target, "PM2.5", {h[2]: 290})
    # then the restored hour stays valid, its flag still shown
    assert validity(target, "PM2.5")[h[1]] == ("valid", ["spike"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("reason", "start", "end", "field"),
    [
        ("  ", 3, 2, "reason"),  # no reason
        ("Hiệu chuẩn", 2, 3, "end"),  # end before start
        ("Hiệu chuẩn", 30, 29, "start"),  # no data in the range
    ],
)
def test_a_review_needs_a_reason_and_a_range_with_data(reason, start, end, field):
    from motcua.core.errors import InvalidInput

    target = station()
    store(target, "CO", {hours_ago(3): 800})
    with pytest.raises(InvalidInput) as error:
        measurements_invalidate(
            actor=operator(),
            station=target,
            start=hours_ago(start),
            end=hours_ago(end),
            reason=reason,
        )
    assert error.value.field == field


@pytest.mark.django_db
def test_only_monitoring_operators_may_invalidate():
    from motcua.core.errors import PermissionDenied
    from tests.factories import Role, StaffFactory

    target = station()
    store(target, "CO", {hours_ago(3): 800})
    with pytest.raises(PermissionDenied):
        measurements_invalidate(
            actor=StaffFactory(role=Role.SPECIALIST),
            station=target,
            start=hours_ago(3),
            end=hours_ago(2),
            reason="Không có quyền",
        )


# --- Silent stations -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_station_silent_for_more_than_two_hours_raises_one_alert_until_it_speaks():
    # given an active station last seen 2 h 30 ago, one seen 1 h ago, and a retired one
    now = datetime.now(UTC)
    silent, talking, retired = station(), station(), station()
    Station.objects.filter(pk=silent.pk).update(last_seen_at=now - timedelta(minutes=150))
    Station.objects.filter(pk=talking.pk).update(last_seen_at=now - timedelta(minutes=60))
    Station.objects.filter(pk=retired.pk).update(
        last_seen_at=now - timedelta(days=3), status=Station.Status.RETIRED
    )
    # when the periodic check runs twice
    first = stations_silence_check(now=now)
    second = stations_silence_check(now=now + timedelta(minutes=10))
    # then only the silent active station has one open alert
    assert first.opened == [silent.code] and second.opened == []
    alert = OperationalAlert.objects.get()
    assert (alert.station, alert.kind, alert.resolved_at) == (silent, "silent", None)
    assert "không gửi số liệu" in alert.message
    # when it sends data again, the next check closes the alert
    store(silent, "PM2.5", {hours_ago(0): 10})
    third = stations_silence_check(now=datetime.now(UTC))
    assert third.resolved == [silent.code]
    alert.refresh_from_db()
    assert alert.resolved_at is not None


@pytest.mark.django_db
def test_the_silence_check_is_a_registered_periodic_job():
    from motcua.core.scheduler import registered_jobs
    from motcua.monitoring import tasks

    assert any(job.task is tasks.check_silent_stations for job in registered_jobs())
    result = tasks.check_silent_stations.call()
    assert result == {"opened": [], "resolved": []}
