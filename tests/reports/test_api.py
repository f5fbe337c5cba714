"""GET /api/v1/reports/dossiers: figures, who may read them, and every error with its field."""

from __future__ import annotations

import pytest

from motcua.accounts.models import Role
from motcua.accounts.services import api_token_issue
from motcua.dossiers.models import Status
from tests.factories import StaffFactory, UserFactory
from tests.reports.builders import at, dossier

URL = "/api/v1/reports/dossiers"
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def staff_client(client, officer):
    client.force_login(officer)
    return client


def test_figures_of_an_agency(staff_client, department, commune, permit, officer):
    # given a dossier finished early and one of the child commune agency
    dossier(
        permit,
        creator=officer,
        status=Status.DONE,
        received=at(3, 2),
        due=at(3, 10),
        finished=at(3, 9),
    )
    dossier(permit, creator=officer, received=at(3, 2), due=at(4, 30), agency=commune)
    # when
    response = staff_client.get(URL, {"agency": "H56.14", **MARCH})
    with_children = staff_client.get(URL, {"agency": "H56.14", "include_children": "true", **MARCH})
    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["from"], body["to"]) == ("2026-03-01", "2026-03-31")
    assert body["totals"]["early"] == 1
    assert body["totals"]["handled"] == 1
    assert body["totals"]["on_time_rate"] == 1.0
    assert body["totals"]["received"] == 1
    assert [row["channel"] for row in body["by_channel"]] == ["online", "counter", "post"]
    assert body["by_procedure"][0]["procedure_code"] == "1.004249"
    assert body["agency_codes"] == ["H56.14"]
    assert with_children.json()["totals"]["received"] == 2
    assert with_children.json()["agency_codes"] == ["H56.14", "H56.24781"]


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"agency": "H99.99", **MARCH}, 404, "agency"),
        (MARCH, 400, "agency"),
        ({"agency": "H56.14", "from": "2026-02-30", "to": "2026-03-31"}, 400, "from"),
        ({"agency": "H56.14", "from": "hôm qua", "to": "2026-03-31"}, 400, "from"),
        ({"agency": "H56.14", "from": "2026-03-01"}, 400, "to"),
        ({"agency": "H56.14", "from": "2026-04-01", "to": "2026-03-31"}, 400, "from"),
        ({"agency": "H56.14", "from": "2020-01-01", "to": "2026-01-01"}, 400, "to"),
        ({"agency": "H56.14", "include_children": "maybe", **MARCH}, 400, "include_children"),
        ({"agency": "H56.14", "from": "0001-01-01", "to": "0001-01-02"}, 400, "from"),
        ({"agency": "H56.14", "from": "9999-12-30", "to": "9999-12-31"}, 400, "from"),
        ({"agency": "H56.14", "from": "2099-12-30", "to": "9999-12-31"}, 400, "to"),
        ({"agency": "H56.14", "from": "31/03/2026", "to": "01/03/2026"}, 400, "from"),
    ],
)
def test_errors_name_the_field(staff_client, department, params, status, field):
    response = staff_client.get(URL, params)
    assert response.status_code == status
    body = response.json()
    assert body["field"] == field
    assert body["message"]


def test_only_staff_of_the_agency(client, department, other_department):
    # anonymous: 401
    assert client.get(URL, {"agency": "H56.14", **MARCH}).status_code == 401
    # a citizen: 403
    client.force_login(UserFactory())
    assert client.get(URL, {"agency": "H56.14", **MARCH}).status_code == 403
    # an officer of another province: 403 for this agency, 200 for their own
    client.force_login(StaffFactory(agency=other_department, role=Role.SPECIALIST))
    response = client.get(URL, {"agency": "H56.14", **MARCH})
    assert response.status_code == 403
    assert response.json()["field"] == "agency"
    assert client.get(URL, {"agency": "H37.14", **MARCH}).status_code == 200


def test_bearer_token(client, department, officer):
    # given a token from POST /api/v1/auth/token
    token = api_token_issue(user=officer).raw
    # when / then
    response = client.get(
        URL, {"agency": "H56.14", **MARCH}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
