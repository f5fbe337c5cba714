"""HTTP ingestion: POST /api/v1/monitoring/measurements with a station key."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from motcua.monitoring.models import HourlyMeasurement, RawReading, Station
from motcua.monitoring.services import station_rotate_key
from tests.monitoring.factories import hours_ago, reading, station_with_key

pytestmark = pytest.mark.django_db
URL = "/api/v1/monitoring/measurements"


def post(client, key: str | None, payload, **headers):
    if key is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    body = payload if isinstance(payload, str | bytes) else json.dumps(payload)
    return client.post(URL, body, content_type="application/json", **headers)


def test_a_station_sends_hourly_means_and_they_are_stored(client):
    # given a station and its key
    station, key = station_with_key(code="DL-01")
    hour = hours_ago(3)
    # when it sends two hourly means
    response = post(
        client,
        key,
        {
            "station": "DL-01",
            "readings": [reading("PM2.5", hour, 35.2), reading("PM10", hour, 51)],
        },
    )
    # then both are stored as valid hourly values and the station was seen
    assert response.status_code == 200, response.content
    assert response.json() == {"stored": 2, "rejected": []}
    rows = HourlyMeasurement.objects.filter(station=station).order_by("parameter__sort_order")
    assert [(r.parameter.code, r.hour_start, r.value, r.validity) for r in rows] == [
        ("PM2.5", hour, 35.2, "valid"),
        ("PM10", hour, 51.0, "valid"),
    ]
    station.refresh_from_db()
    assert timezone.now() - station.last_seen_at < timedelta(seconds=30)


def test_sending_the_same_batch_twice_keeps_one_row_per_hour(client):
    # given a batch of a day of hourly PM2.5 already stored
    _, key = station_with_key(code="DL-02")
    batch = {
        "station": "DL-02",
        "readings": [reading("PM2.5", hours_ago(h), 20 + h) for h in range(1, 25)],
    }
    assert post(client, key, batch).json()["stored"] == 24
    first = list(
        HourlyMeasurement.objects.values_list("hour_start", "value").order_by("hour_start")
    )
    # when the station re-sends it, then once more with one corrected value
    assert post(client, key, batch).json()["stored"] == 24
    batch["readings"][0]["value"] = 99.0
    post(client, key, batch)
    # then there are still 24 rows, with the correction applied
    rows = dict(HourlyMeasurement.objects.values_list("hour_start", "value"))
    assert len(rows) == 24
    assert rows[hours_ago(1)] == 99.0
    assert {hour: value for hour, value in first if hour != hours_ago(1)} == {
        hour: value for hour, value in rows.items() if hour != hours_ago(1)
    }


def test_each_bad_reading_is_rejected_with_its_reason_and_the_rest_stored(client):
    # given a station that measures PM2.5 and PM10 only
    _, key = station_with_key(code="DL-03", parameters=["PM2.5", "PM10"])
    hour = hours_ago(2)
    now = datetime.now(UTC)
    readings = [
        reading("PM2.5", hour, 30),  # 0 good
        reading("XYZ", hour, 1),  # 1 unknown parameter
        reading("O3", hour, 1),  # 2 not measured by this station
        reading("PM10", "2026-11-23T14:00:00", 1),  # 3 no offset
        reading("PM10", now + timedelta(minutes=30), 1, period="raw"),  # 4 far future
        reading("PM10", now - timedelta(days=400), 1, period="raw"),  # 5 too old
        reading("PM10", hour, "abc"),  # 6 not a number
        reading("PM10", hour, None),  # 7 missing value
        reading("PM10", hour + timedelta(minutes=5), 1),  # 8 "1h" not on the hour
        reading("PM2.5", hour, 31),  # 9 duplicate of 0
        reading("PM10", hour, 40, unit="mg/m3"),  # 10 wrong unit
        reading("PM10", hour, 40, period="15m"),  # 11 unknown period
        reading("PM10", "yesterday", 40),  # 12 not ISO 8601
        "PM10=40",  # 13 not an object
        reading("PM10", hour, True),  # 14 boolean is not a number
        reading("PM10", hour, 45, unit="ug/m3"),  # 15 good: ASCII spelling of µg/m³
    ]
    # when it sends them in one batch
    response = post(client, key, {"station": "DL-03", "readings": readings})
    # then the two good readings are stored and every other one has its reason
    assert response.status_code == 200
    answer = response.json()
    assert answer["stored"] == 2
    reasons = {item["index"]: item["reason"] for item in answer["rejected"]}
    assert sorted(reasons) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]
    assert "không xác định" in reasons[1]
    assert "không đo thông số O3" in reasons[2]
    assert "thiếu múi giờ" in reasons[3]
    assert "tương lai" in reasons[4]
    assert "quá cũ" in reasons[5]
    assert "không phải là số" in reasons[6]
    assert "không phải là số" in reasons[7]
    assert "đầu giờ" in reasons[8]
    assert "Trùng với mục số 0" in reasons[9]
    assert "Sai đơn vị" in reasons[10] and "µg/m³" in reasons[10]
    assert "period" in reasons[11]
    assert "ISO 8601" in reasons[12]
    assert "đối tượng JSON" in reasons[13]
    rejected_3 = next(item for item in answer["rejected"] if item["index"] == 3)
    assert rejected_3 == {
        "index": 3,
        "parameter": "PM10",
        "time": "2026-11-23T14:00:00",
        "reason": rejected_3["reason"],
    }
    assert dict(HourlyMeasurement.objects.values_list("parameter__code", "value")) == {
        "PM2.5": 30.0,
        "PM10": 45.0,
    }


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_rejected_per_reading(client, literal):
    # given a station and a batch whose second value is a non-finite JSON literal
    _, key = station_with_key(code="DL-04")
    hour = hours_ago(1).isoformat()
    body = (
        '{"station": "DL-04", "readings": ['
        f'{{"parameter": "PM2.5", "time": "{hour}", "value": 10, "period": "1h"}},'
        f'{{"parameter": "PM10", "time": "{hour}", "value": {literal}, "period": "1h"}}]}}'
    )
    # when it is sent
    answer = post(client, key, body).json()
    # then the finite value is stored and the other rejected as not finite
    assert answer["stored"] == 1
    assert answer["rejected"][0]["index"] == 1
    assert "hữu hạn" in answer["rejected"][0]["reason"]


def test_negative_values_are_stored_and_flagged_not_rejected(client):
    # given a station (a sensor near zero may read slightly below it)
    _, key = station_with_key(code="DL-05")
    # when it sends a negative PM2.5 and a negative temperature
    hour = hours_ago(1)
    answer = post(
        client,
        key,
        {"station": "DL-05", "readings": [reading("PM2.5", hour, -3), reading("TEMP", hour, -2)]},
    ).json()
    # then both are kept: PM2.5 flagged negative (out of the AQI), the temperature valid
    assert answer == {"stored": 2, "rejected": []}
    rows = {r.parameter.code: r for r in HourlyMeasurement.objects.select_related("parameter")}
    assert rows["PM2.5"].validity == "flagged" and rows["PM2.5"].flags == ["negative"]
    assert rows["TEMP"].validity == "valid" and rows["TEMP"].flags == []


def test_a_wrong_key_is_refused_with_401(client):
    station_with_key(code="DL-06")
    batch = {"station": "DL-06", "readings": [reading("PM2.5", hours_ago(1), 1)]}
    for key in ["not-a-key", "x" * 43, None]:
        response = post(client, key, batch)
        assert response.status_code == 401
        assert response.json()["code"] == "unauthenticated"
    assert not HourlyMeasurement.objects.exists()


def test_the_key_of_another_station_is_refused_with_403(client):
    # given two stations
    _, key_a = station_with_key(code="DL-07")
    station_with_key(code="DL-08")
    # when station A's key is used to send for station B, or for a station that does not exist
    for code in ["DL-08", "NOPE"]:
        response = post(
            client, key_a, {"station": code, "readings": [reading("PM2.5", hours_ago(1), 1)]}
        )
        # then the whole request is refused and nothing is stored
        assert response.status_code == 403
        assert response.json()["code"] == "station_mismatch"
        assert response.json()["field"] == "station"
    assert not HourlyMeasurement.objects.exists()


def test_a_rotated_key_replaces_the_old_one(client):
    # given a station whose key was rotated
    station, old_key = station_with_key(code="DL-09")
    new_key = station_rotate_key(actor=None, station=station)
    batch = {"station": "DL-09", "readings": [reading("PM2.5", hours_ago(1), 1)]}
    # then the old key no longer works and the new one does
    assert post(client, old_key, batch).status_code == 401
    assert post(client, new_key, batch).status_code == 200
    # and only the hash of the key is stored
    station.refresh_from_db()
    assert new_key not in (station.key_hash, station.key_prefix)
    assert new_key.startswith(station.key_prefix)


def test_a_retired_station_cannot_send(client):
    station, key = station_with_key(code="DL-10")
    Station.objects.filter(pk=station.pk).update(status=Station.Status.RETIRED)
    batch = {"station": "DL-10", "readings": [reading("PM2.5", hours_ago(1), 1)]}
    assert post(client, key, batch).status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("{not json", "body"),
        ("[]", "body"),
        ('{"readings": []}', "station"),
        ('{"station": "DL-11", "readings": {"a": 1}}', "readings"),
    ],
)
def test_a_malformed_request_is_refused_whole_with_the_field_named(client, body, field):
    _, key = station_with_key(code="DL-11")
    response = post(client, key, body)
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert response.json()["message"]


def test_too_many_readings_in_one_request_are_refused(client, settings):
    settings.MONITORING_MAX_BATCH = 3
    _, key = station_with_key(code="DL-12")
    readings = [reading("PM2.5", hours_ago(h), 1) for h in range(1, 5)]
    response = post(client, key, {"station": "DL-12", "readings": readings})
    assert response.status_code == 413
    assert response.json()["field"] == "readings"


def test_raw_readings_become_an_hourly_mean_once_75_percent_arrived(client):
    # given a station reporting every 5 minutes (12 readings expected an hour, 9 needed)
    station, key = station_with_key(code="DL-13", reporting_interval_minutes=5)
    hour = hours_ago(2)
    raw = [reading("PM2.5", hour + timedelta(minutes=5 * i), 10 + i, "raw") for i in range(12)]
    # when only 8 readings of the hour arrived
    post(client, key, {"station": "DL-13", "readings": raw[:8]})
    # then no hourly mean yet, though the raw readings are kept
    assert RawReading.objects.filter(station=station).count() == 8
    assert not HourlyMeasurement.objects.exists()
    # when the 9th arrives (late, in another batch), the hour counts: the mean of nine
    post(client, key, {"station": "DL-13", "readings": raw[8:9]})
    row = HourlyMeasurement.objects.get()
    assert (row.hour_start, row.sample_count, row.source) == (hour, 9, "aggregated")
    assert row.value == pytest.approx(sum(10 + i for i in range(9)) / 9)
    # and when the rest arrive the mean is recomputed over the twelve
    post(client, key, {"station": "DL-13", "readings": raw})
    row.refresh_from_db()
    assert row.sample_count == 12
    assert row.value == pytest.approx(sum(10 + i for i in range(12)) / 12)
    assert RawReading.objects.count() == 12


def test_an_hourly_mean_sent_by_the_station_wins_over_raw_readings(client):
    _, key = station_with_key(code="DL-14", reporting_interval_minutes=15)
    hour = hours_ago(2)
    post(client, key, {"station": "DL-14", "readings": [reading("PM10", hour, 50)]})
    raw = [reading("PM10", hour + timedelta(minutes=15 * i), 10, "raw") for i in range(4)]
    post(client, key, {"station": "DL-14", "readings": raw})
    row = HourlyMeasurement.objects.get()
    assert (row.value, row.source, row.sample_count) == (50.0, "http", None)


def test_completeness_share_is_a_setting(client, settings):
    settings.MONITORING_HOUR_COMPLETENESS = 0.5
    _, key = station_with_key(code="DL-15", reporting_interval_minutes=10)
    hour = hours_ago(2)
    raw = [reading("CO", hour + timedelta(minutes=10 * i), 800, "raw") for i in range(3)]
    post(client, key, {"station": "DL-15", "readings": raw})
    assert HourlyMeasurement.objects.get().sample_count == 3


def test_a_batch_costs_the_same_few_queries_whatever_its_size(
    client, django_assert_max_num_queries
):
    _, key = station_with_key(code="DL-16")
    small = [reading("PM2.5", hours_ago(h), 20) for h in range(1, 3)]
    large = [reading(p, hours_ago(h), 20 + h) for h in range(1, 101) for p in ("PM2.5", "PM10")]
    with django_assert_max_num_queries(12) as small_queries:
        post(client, key, {"station": "DL-16", "readings": small})
    with django_assert_max_num_queries(12) as large_queries:
        assert post(client, key, {"station": "DL-16", "readings": large}).json()["stored"] == 200
    assert len(large_queries.captured_queries) <= len(small_queries.captured_queries) + 2


def test_the_endpoint_is_documented_in_openapi(client):
    document = client.get("/api/v1/openapi.json").json()
    operation = document["paths"][URL]["post"]
    assert set(operation["responses"]) == {"200", "400", "401", "403", "413"}
    assert operation["security"] == [{"StationKey": []}]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    reading_schema = body["properties"]["readings"]["items"]
    assert reading_schema["properties"]["period"]["enum"] == ["1h", "raw"]
    assert "$ref" not in json.dumps(body)
