"""The health check answers for the database and the task queue."""

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_queue(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["queue"]["worker"] == "ok"
    assert body["queue"]["ready"] == 0
