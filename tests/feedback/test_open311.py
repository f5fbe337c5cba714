"""Open311 GeoReport v2: every response checked field by field, in JSON and XML, with the
specification's statuses and errors."""

import xml.etree.ElementTree as ET
from datetime import datetime

import pytest
from django.urls import reverse

from motcua.feedback.models import Channel, Report
from motcua.feedback.services import (
    api_key_create,
    report_accept,
    report_answer_approve,
    report_answer_write,
)
from tests.feedback.conftest import COMMUNE_CODE

pytestmark = pytest.mark.django_db

KEY = "open311-test-key-0123456789"
SERVICE_FIELDS = [
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
]
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


@pytest.fixture
def api_key(db):
    return api_key_create(name="Ứng dụng thử", raw_key=KEY)


def url(name: str, fmt: str = "json", **kwargs) -> str:
    return reverse(f"feedback:open311-{name}", kwargs={"fmt": fmt, **kwargs})


def post(client, fmt="json", **fields):
    data = {
        "api_key": KEY,
        "service_code": "air",
        "lat": "21.035",
        "long": "105.834",
        "description": "Khói từ nhà máy",
        **fields,
    }
    return client.post(url("requests", fmt), data)


def parse(response) -> ET.Element:
    return ET.fromstring(response.content)  # noqa: S314 (our own response)


def w3c(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    assert moment.utcoffset() is not None
    return moment


def test_services_json_and_xml(client, categories):
    response = client.get(url("services"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    services = response.json()
    assert len(services) == len(categories)
    air = next(item for item in services if item["service_code"] == "air")
    assert list(air) == SERVICE_FIELDS
    assert air == {
        "service_code": "air",
        "service_name": "Ô nhiễm không khí",
        "description": categories["air"].description,
        "metadata": False,
        "type": "realtime",
        "keywords": categories["air"].keywords,
        "group": "Môi trường",
    }
    xml = client.get(url("services", "xml"))
    assert xml["Content-Type"].startswith("text/xml")
    root = parse(xml)
    assert root.tag == "services"
    first = root.find("service")
    assert [child.tag for child in first] == SERVICE_FIELDS
    assert first.findtext("metadata") == "false" and first.findtext("type") == "realtime"


def test_service_definition(client, categories):
    assert client.get(url("service", service_code="air")).json() == {
        "service_code": "air",
        "attributes": [],
    }
    root = parse(client.get(url("service", "xml", service_code="air")))
    assert root.tag == "service_definition" and root.findtext("service_code") == "air"
    missing = client.get(url("service", service_code="nope"))
    assert missing.status_code == 404
    assert list(missing.json()[0]) == ["code", "description"] and missing.json()[0]["code"] == 404


def test_post_and_read_back_json_and_xml(client, categories, api_key, air_rule):
    # when a client posts a request
    response = post(
        client,
        email="nguoidan@example.vn",
        first_name="Lan",
        last_name="Trần",
        address_id=COMMUNE_CODE,
    )
    # then it gets the id of the new request
    assert response.status_code == 200
    created = response.json()
    assert len(created) == 1 and list(created[0]) == [
        "service_request_id",
        "service_notice",
        "account_id",
    ]
    code = created[0]["service_request_id"]
    report = Report.objects.get(code=code)
    assert report.channel == Channel.OPEN311 and report.api_key == api_key
    assert report.reporter_name == "Lan Trần" and report.reporter_email == "nguoidan@example.vn"
    # and reads it back in JSON, with its key (its own description shown)
    rows = client.get(url("request", request_id=code), {"api_key": KEY}).json()
    assert len(rows) == 1 and list(rows[0]) == REQUEST_FIELDS
    row = rows[0]
    assert row["service_request_id"] == code and row["status"] == "open"
    assert row["service_code"] == "air" and row["service_name"] == "Ô nhiễm không khí"
    assert row["description"] == "Khói từ nhà máy"
    assert row["agency_responsible"] == air_rule.agency.name
    assert row["lat"] == 21.035 and row["long"] == 105.834
    assert (
        row["address_id"] == COMMUNE_CODE and row["address"] == "Phường Ba Đình, Thành phố Hà Nội"
    )
    assert w3c(row["requested_datetime"]) == report.received_at.replace(microsecond=0)
    assert w3c(row["expected_datetime"]) == report.due_at.replace(microsecond=0)
    assert "nguoidan" not in str(row) and "Lan" not in str(row)
    # without its key, the unpublished description is not shown
    assert client.get(url("request", request_id=code)).json()[0]["description"] == ""
    # and in XML
    root = parse(client.get(url("request", "xml", request_id=code), {"api_key": KEY}))
    assert root.tag == "service_requests"
    request = root.find("request")
    assert [child.tag for child in request] == REQUEST_FIELDS
    assert request.findtext("service_request_id") == code and request.findtext("status") == "open"
    assert request.findtext("lat") == "21.035"


def test_post_errors(client, categories, api_key):
    no_key = post(client, api_key="")
    assert no_key.status_code == 403 and no_key.json()[0]["code"] == 403
    wrong = post(client, "xml", api_key="wrong")
    root = parse(wrong)
    assert wrong.status_code == 403 and root.tag == "errors"
    assert root.find("error").findtext("code") == "403" and root.find("error").findtext(
        "description"
    )
    assert post(client, service_code="").status_code == 400
    assert post(client, service_code="nope").status_code == 404
    assert post(client, lat="", long="").status_code == 400
    assert post(client, lat="abc").status_code == 400
    bad_phone = post(client, phone="12")
    assert bad_phone.status_code == 400 and "phone" in bad_phone.json()[0]["description"]
    assert post(client, address_id="99999").status_code == 400
    assert post(client, address_string="12 Tràng Tiền", lat="", long="").status_code == 200


def test_requests_filters(client, categories, api_key, submit, specialist, head, air_rule):
    from tests.feedback.conftest import at

    old = submit(now=at("2026-08-01 09:00"), latitude=None, longitude=None).report
    answered = submit(now=at("2026-11-20 09:00")).report
    report_accept(report=answered, actor=specialist)
    report_answer_write(report=answered, actor=specialist, text="Đã xử lý")
    report_answer_approve(report=answered, actor=head)
    water = submit("water", now=at("2026-11-21 09:00")).report
    everything = {row["service_request_id"] for row in client.get(url("requests")).json()}
    assert everything == {answered.code, water.code}  # the default span is 90 days
    closed = client.get(url("requests"), {"status": "closed"}).json()
    assert [row["service_request_id"] for row in closed] == [answered.code]
    assert closed[0]["status_notes"] == "Đã xử lý" and closed[0]["description"]
    by_code = client.get(url("requests"), {"service_code": "water"}).json()
    assert [row["service_request_id"] for row in by_code] == [water.code]
    span = client.get(
        url("requests"),
        {"start_date": "2026-07-30T00:00:00+07:00", "end_date": "2026-08-02T00:00:00Z"},
    ).json()
    assert [row["service_request_id"] for row in span] == [old.code]
    by_ids = client.get(url("requests"), {"service_request_id": f"{old.code},{water.code}"}).json()
    assert {row["service_request_id"] for row in by_ids} == {old.code, water.code}
    page = client.get(url("requests"), {"page_size": "1", "page": "2"}).json()
    assert [row["service_request_id"] for row in page] == [answered.code]
    assert client.get(url("requests"), {"start_date": "hôm qua"}).status_code == 400
    assert client.get(url("requests"), {"status": "pending"}).status_code == 400
    assert client.get(url("requests"), {"api_key": "wrong"}).status_code == 403
    assert client.get(url("request", request_id="PA-000000-0000")).status_code == 404
    empty = parse(client.get(url("requests", "xml"), {"service_code": "noise"}))
    assert empty.tag == "service_requests" and list(empty) == []


def test_requests_list_takes_a_fixed_number_of_queries(
    client, categories, submit, django_assert_num_queries
):
    for _ in range(5):
        submit()
    with django_assert_num_queries(1):
        assert len(client.get(url("requests")).json()) == 5
