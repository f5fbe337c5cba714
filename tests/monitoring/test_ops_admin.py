"""Admin of stations: registering shows the new key once, the rotate action issues new keys."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from motcua.core.models import AuditEntry
from motcua.monitoring.models import Parameter, Station
from motcua.monitoring.selectors import station_by_key
from tests.factories import UserFactory
from tests.monitoring.factories import station_with_key

pytestmark = pytest.mark.django_db
KEY = re.compile(r'<code class="station-key">([^<]+)</code>')


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, kind="staff"))
    return client


def test_registering_a_station_in_the_admin_shows_its_key_once(admin_client):
    parameters = Parameter.objects.filter(code__in=["PM2.5", "PM10"])
    response = admin_client.post(
        reverse("admin:monitoring_station_add"),
        {
            "code": "ADM-01",
            "name": "Trạm Bảo Lộc",
            "kind": "automatic",
            "status": "active",
            "latitude": "11.5479",
            "longitude": "107.8077",
            "parameters": [p.pk for p in parameters],
            "reporting_interval_minutes": 5,
        },
    )
    assert response.status_code == 200, response.content[:500]
    assert "no-store" in response["Cache-Control"]
    (key,) = KEY.findall(response.content.decode())
    station = Station.objects.get(code="ADM-01")
    assert station_by_key(raw=key) == station
    assert station.parameters.count() == 2
    assert AuditEntry.objects.filter(action="station.create", object_id=str(station.pk)).exists()
    # the change page never shows the key again, only its prefix
    page = admin_client.get(reverse("admin:monitoring_station_change", args=[station.pk]))
    assert key not in page.content.decode() and key[:8] in page.content.decode()


def test_a_bad_station_is_answered_on_the_form(admin_client):
    response = admin_client.post(
        reverse("admin:monitoring_station_add"),
        {
            "code": "ADM 02",
            "name": "Trạm",
            "kind": "automatic",
            "status": "active",
            "latitude": "11.5",
            "longitude": "107.8",
            "parameters": [Parameter.objects.get(code="CO").pk],
            "reporting_interval_minutes": 5,
        },
    )
    assert response.status_code == 200
    assert "Mã trạm chỉ gồm" in response.content.decode()
    assert not Station.objects.exists()


def test_the_rotate_action_gives_new_keys_and_stops_the_old_ones(admin_client):
    first, old_first = station_with_key(code="ADM-03")
    second, old_second = station_with_key(code="ADM-04")
    response = admin_client.post(
        reverse("admin:monitoring_station_changelist"),
        {"action": "rotate_keys", "_selected_action": [first.pk, second.pk]},
    )
    assert response.status_code == 200
    new_first, new_second = KEY.findall(response.content.decode())
    assert station_by_key(raw=new_first) == first and station_by_key(raw=new_second) == second
    assert station_by_key(raw=old_first) is None and station_by_key(raw=old_second) is None
    assert AuditEntry.objects.filter(action="station.rotate_key").count() == 2


def test_stations_cannot_be_deleted_in_the_admin(admin_client):
    target, _ = station_with_key(code="ADM-05")
    response = admin_client.get(reverse("admin:monitoring_station_delete", args=[target.pk]))
    assert response.status_code == 403
