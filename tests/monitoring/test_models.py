"""Monitoring data model: seeded parameters, stations and their keys, one row per hour."""

from __future__ import annotations

import pytest
from django.db import IntegrityError

from motcua.core.audit import ChainState, audit_verify
from motcua.core.errors import InvalidInput
from motcua.core.models import AuditEntry
from motcua.monitoring.models import HourlyMeasurement, Parameter, Station
from motcua.monitoring.selectors import station_by_key, station_key_hash
from motcua.monitoring.services import station_register
from tests.monitoring.factories import hours_ago, station, station_with_key

pytestmark = pytest.mark.django_db


def test_the_air_parameters_are_seeded_with_si_units_for_every_gas():
    units = dict(Parameter.objects.values_list("code", "unit"))
    assert units == {
        "PM2.5": "µg/m³",
        "PM10": "µg/m³",
        "O3": "µg/m³",
        "CO": "µg/m³",
        "SO2": "µg/m³",
        "NO2": "µg/m³",
        "TEMP": "°C",
        "RH": "%",
    }
    temperature = Parameter.objects.get(code="TEMP")
    assert temperature.allows_negative and temperature.valid_min < 0


def test_a_registered_station_keeps_only_the_hash_of_its_key():
    # when a station is registered
    target, key = station_with_key(code="REG-01", parameters=["PM2.5", "PM10"])
    # then its key is long and random, stored as its SHA-256, and finds the station
    assert len(key) >= 40
    target.refresh_from_db()
    assert target.key_hash == station_key_hash(key) and key not in target.key_hash
    assert target.key_prefix == key[:8]
    assert station_by_key(raw=key) == target
    assert station_by_key(raw=key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert sorted(target.parameters.values_list("code", flat=True)) == ["PM10", "PM2.5"]
    # and the registration is in the audit log, without the key
    entry = AuditEntry.objects.get(action="station.create")
    assert key not in str(entry.changes)
    assert isinstance(audit_verify(), ChainState)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"code": "DL/01"}, "code"),
        ({"code": "ĐL-01"}, "code"),
        ({"latitude": "91"}, "latitude"),
        ({"latitude": "mười một"}, "latitude"),
        ({"longitude": "-181"}, "longitude"),
        ({"reporting_interval_minutes": 0}, "reporting_interval_minutes"),
        ({"name": "  "}, "name"),
        ({"parameters": []}, "parameters"),
    ],
)
def test_station_registration_checks_its_values(values, field):
    arguments = {
        "actor": None,
        "code": "REG-02",
        "name": "Trạm thử",
        "kind": Station.Kind.AUTOMATIC,
        "latitude": "11.9",
        "longitude": "108.4",
        "parameters": list(Parameter.objects.filter(code="PM2.5")),
        **values,
    }
    with pytest.raises(InvalidInput) as error:
        station_register(**arguments)
    assert error.value.field == field


def test_station_codes_are_unique_whatever_the_case():
    station(code="REG-03")
    with pytest.raises(InvalidInput) as error:
        station(code="reg-03")
    assert error.value.field == "code"


def test_one_hourly_row_per_station_parameter_and_hour():
    target = station()
    parameter = Parameter.objects.get(code="PM10")
    values = {
        "station": target,
        "parameter": parameter,
        "hour_start": hours_ago(1),
        "value": 1,
        "source": "http",
        "received_at": hours_ago(0),
    }
    HourlyMeasurement.objects.create(**values)
    with pytest.raises(IntegrityError):
        HourlyMeasurement.objects.create(**values)


def test_expected_readings_per_hour_follow_the_reporting_interval():
    assert Station(reporting_interval_minutes=5).expected_readings_per_hour == 12
    assert Station(reporting_interval_minutes=7).expected_readings_per_hour == 9
    assert Station(reporting_interval_minutes=60).expected_readings_per_hour == 1
