"""GET /api/v1/procedures and /api/v1/procedures/{code}."""

import pytest

from motcua.catalog import api as catalog_api
from tests.catalog.factories import FieldFactory, published_procedure

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(db):
    land = FieldFactory(code="dat-dai", name="Đất đai")
    water = FieldFactory(code="tai-nguyen-nuoc", name="Tài nguyên nước")
    versions = [
        published_procedure(
            code=f"1.0100{n:02d}",
            name=f"Thủ tục đất đai số {n}",
            field=land,
            service_level=4 if n % 2 else 3,
        )
        for n in range(23)
    ]
    versions.append(
        published_procedure(
            code="1.004253", name="Cấp giấy phép khai thác nước dưới đất", field=water
        )
    )
    return versions


def test_the_list_is_paginated_by_twenty(client, many):
    first = client.get("/api/v1/procedures").json()
    second = client.get("/api/v1/procedures?page=2").json()

    assert (first["count"], first["pages"], first["page"], first["page_size"]) == (24, 2, 1, 20)
    assert len(first["items"]) == 20 and len(second["items"]) == 4
    codes = [item["code"] for item in first["items"] + second["items"]]
    assert len(set(codes)) == 24


def test_filters_by_query_field_and_level(client, many):
    water = client.get("/api/v1/procedures", {"q": "khai thac nuoc"}).json()
    assert [item["code"] for item in water["items"]] == ["1.004253"]
    item = water["items"][0]
    assert item["field"] == {"code": "tai-nguyen-nuoc", "name": "Tài nguyên nước", "name_en": ""}
    assert item["processing_time_text"] == "17 ngày làm việc"
    assert item["url"] == "/thu-tuc/1.004253/"

    assert client.get("/api/v1/procedures", {"field": "tai-nguyen-nuoc"}).json()["count"] == 1
    level_3 = client.get("/api/v1/procedures", {"level": 3, "field": "dat-dai"}).json()
    assert level_3["count"] == 12  # the even numbers 0..22
    assert {item["online_scope"] for item in level_3["items"]} == {"partial"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=abc", "page"),
        ("page=0", "page"),
        ("page=3", "page"),
        ("level=7", "level"),
        ("level=x", "level"),
        ("q=" + "a" * 201, "q"),
    ],
)
def test_bad_parameters_answer_400_naming_the_field(client, many, query, field):
    response = client.get(f"/api/v1/procedures?{query}")

    assert response.status_code == 400
    body = response.json()
    assert body["field"] == field
    assert body["code"] == "invalid" and body["message"]


def test_one_procedure_in_full(client):
    version = published_procedure(code="1.012783", documents=2, fee_amount=50000)

    body = client.get("/api/v1/procedures/1.012783").json()

    assert body["code"] == "1.012783" and body["version"] == 1
    assert [d["name"] for d in body["documents"]] == ["Giấy tờ số 1", "Giấy tờ số 2"]
    assert body["documents"][0]["template_url"] is None
    assert body["fees"] == [
        {
            "name": "Lệ phí cấp giấy",
            "name_en": "",
            "amount": 50000,
            "unit": "giấy",
            "quantity_field": "copies",
            "note": "",
        }
    ]
    assert body["form"]["schema"] == version.form_template.schema
    assert body["channels"] == ["online", "counter", "post"]


@pytest.mark.parametrize("code", ["9.999999", "1.012783x", "'; select 1; --", "đ" * 300])
def test_an_unknown_code_answers_404_in_the_error_shape(client, code):
    response = client.get(f"/api/v1/procedures/{code}")

    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "not_found" and body["field"] == "code"
    assert "Không tìm thấy thủ tục" in body["message"]


def test_a_draft_is_not_served(client):
    published_procedure(code="1.000002", publish=False)
    assert client.get("/api/v1/procedures/1.000002").status_code == 404


@pytest.mark.parametrize("page_size", [5, 20])
def test_the_list_runs_a_fixed_number_of_queries(
    client, many, monkeypatch, django_assert_num_queries, page_size
):
    # given pages of 5 or 20 procedures
    monkeypatch.setattr(catalog_api, "PAGE_SIZE", page_size)

    # then one count and one page query answer, whatever the size
    with django_assert_num_queries(2):
        response = client.get("/api/v1/procedures")
    assert len(response.json()["items"]) == page_size


def test_the_detail_runs_a_fixed_number_of_queries(client, django_assert_num_queries):
    published_procedure(code="1.000003", documents=8)
    # procedure with version, agency, field and form; documents; fees
    with django_assert_num_queries(3):
        assert client.get("/api/v1/procedures/1.000003").status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        {"q": "giay\x00phep"},
        {"field": "dat\x00dai"},
        {"agency": "H56\x00"},
        {"q": "'; DROP TABLE catalog_procedure; --"},
        {"q": "%_\\"},
    ],
)
def test_strange_input_is_answered_never_with_a_500(client, query):
    published_procedure(code="1.000004")
    # A NUL character is refused for every endpoint (core's NulCharacterGuardMiddleware).
    expected = 400 if any("\x00" in value for value in query.values()) else 200
    assert client.get("/api/v1/procedures", query).status_code == expected
    assert client.get("/api/v1/procedures/1.0%00").status_code == 400
    assert client.get("/api/v1/procedures/1.0'--").status_code == 404
