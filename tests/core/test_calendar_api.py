"""GET /api/v1/calendar/due: deadlines for programs, and a 400 naming the field for bad input."""

from datetime import date, time

import pytest

from motcua.core.models import CalendarOverride
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/calendar/due"


def get_due(client, **params):
    return client.get(URL, params)


def test_working_days_due_date_in_vietnam_time(client):
    # given a dossier received on the eve of Tết 2026, in UTC
    response = get_due(client, start="2026-02-13T09:00:00Z", amount="1", unit="working_days")
    # then it is due after the nine days off, with +07:00
    assert response.status_code == 200
    assert response.json() == {"due_at": "2026-02-23T16:00:00+07:00"}


def test_calendar_days_and_the_agencys_hours(client):
    AgencyFactory(code="H56.99", afternoon_end=time(16, 30))
    response = get_due(
        client,
        start="2026-03-02T09:00:00+07:00",
        amount="5",
        unit="calendar_days",
        agency="H56.99",
    )
    assert response.status_code == 200
    assert response.json() == {"due_at": "2026-03-09T16:30:00+07:00"}


def test_half_days_and_overrides(client):
    CalendarOverride.objects.create(date=date(2026, 3, 3), kind="day_off", reason="Bão")
    response = get_due(client, start="2026-03-02T13:30:00+07:00", amount="1.5", unit="working_days")
    assert response.json() == {"due_at": "2026-03-04T17:00:00+07:00"}


def test_an_unencoded_plus_is_understood(client):
    response = client.get(f"{URL}?start=2026-03-02T09:00:00+07:00&amount=1&unit=working_days")
    assert response.json() == {"due_at": "2026-03-03T09:00:00+07:00"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"amount": "1", "unit": "working_days"}, "start"),
        ({"start": "2026-03-02T09:00:00", "amount": "1", "unit": "working_days"}, "start"),
        ({"start": "hôm qua", "amount": "1", "unit": "working_days"}, "start"),
        ({"start": "2026-02-30T09:00:00+07:00", "amount": "1", "unit": "working_days"}, "start"),
        ({"start": "2026-03-02T09:00:00+07:00", "unit": "working_days"}, "amount"),
        ({"start": "2026-03-02T09:00:00+07:00", "amount": "-1", "unit": "working_days"}, "amount"),
        ({"start": "2026-03-02T09:00:00+07:00", "amount": "0.3", "unit": "working_days"}, "amount"),
        ({"start": "2026-03-02T09:00:00+07:00", "amount": "một", "unit": "working_days"}, "amount"),
        (
            {"start": "2026-03-02T09:00:00+07:00", "amount": "1e400", "unit": "working_days"},
            "amount",
        ),
        ({"start": "2026-03-02T09:00:00+07:00", "amount": "NaN", "unit": "working_days"}, "amount"),
        (
            {"start": "2026-03-02T09:00:00+07:00", "amount": "0.5", "unit": "calendar_days"},
            "amount",
        ),
        ({"start": "2026-03-02T09:00:00+07:00", "amount": "1", "unit": "weeks"}, "unit"),
        ({"start": "2026-03-02T09:00:00+07:00", "amount": "1"}, "unit"),
        (
            {
                "start": "2026-03-02T09:00:00+07:00",
                "amount": "1",
                "unit": "working_days",
                "agency": "X99",
            },
            "agency",
        ),
    ],
)
def test_bad_parameters_get_400_naming_the_field(client, params, field):
    response = get_due(client, **params)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"code", "message", "field"}
    assert body["field"] == field
    assert field in body["message"]


def test_the_endpoint_and_its_errors_are_documented(client):
    spec = client.get("/api/v1/openapi.json").json()
    operation = spec["paths"]["/api/v1/calendar/due"]["get"]
    assert {"200", "400"} <= set(operation["responses"])
    error = operation["responses"]["400"]["content"]["application/json"]["schema"]
    assert error["$ref"].endswith("/ErrorSchema")
    assert {param["name"] for param in operation["parameters"]} == {
        "start",
        "amount",
        "unit",
        "agency",
    }
