"""The administrative-units API under /api/v1/: provinces, communes, search, old addresses."""

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("administrative_units")]


def test_provinces_lists_the_34_provinces(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/api/v1/provinces")
    assert response.status_code == 200
    body = response.json()
    assert len(body) == 34
    assert {"code": "01", "name": "Thành phố Hà Nội", "division_type": "thành phố trung ương"} in (
        body
    )


def test_communes_of_a_province(client, django_assert_num_queries):
    with django_assert_num_queries(2):
        response = client.get("/api/v1/provinces/01/communes")
    assert response.status_code == 200
    body = response.json()
    assert len(body) > 100
    assert {item["province_code"] for item in body} == {"01"}
    assert {item["province_name"] for item in body} == {"Thành phố Hà Nội"}


def test_communes_of_a_province_filtered_by_name(client):
    response = client.get("/api/v1/provinces/01/communes", {"q": "ba dinh"})
    assert [item["name"] for item in response.json()] == ["Phường Ba Đình"]


def test_unknown_province_is_404_with_the_error_shape(client):
    response = client.get("/api/v1/provinces/99/communes")
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "Không có tỉnh, thành phố mã “99”.",
        "field": "code",
    }


@pytest.mark.parametrize("q", ["phan dinh phung", "Đình Phùng phan", "PHAN ĐÌNH PHÙNG"])
def test_search_communes_without_diacritics(client, q):
    response = client.get("/api/v1/communes", {"q": q})
    assert response.status_code == 200
    first = response.json()[0]
    assert first["name"] == "Phường Phan Đình Phùng"
    assert first["code"] and len(first["code"]) == 5


def test_search_communes_in_a_province_with_a_limit(client, django_assert_num_queries):
    with django_assert_num_queries(2):
        response = client.get("/api/v1/communes", {"q": "an", "province": "01", "limit": 3})
    body = response.json()
    assert len(body) == 3
    assert {item["province_code"] for item in body} == {"01"}


def test_search_communes_unknown_province_is_404(client):
    response = client.get("/api/v1/communes", {"q": "ba", "province": "99"})
    assert response.status_code == 404
    assert response.json()["field"] == "province"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "x" * 101}, "q"),
        ({"q": "ba", "limit": 0}, "limit"),
        ({"q": "ba", "limit": "nhiều"}, "limit"),
        ({"q": "ba", "province": "123"}, "province"),
    ],
)
def test_bad_search_parameters_are_400_naming_the_field(client, params, field):
    response = client.get("/api/v1/communes", params)
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == field
    assert body["code"] == "invalid"
    assert field in body["message"]


def test_legacy_lookup_gives_the_new_communes(client, django_assert_num_queries):
    with django_assert_num_queries(3):
        response = client.get(
            "/api/v1/communes/legacy",
            {"name": "Phúc Xá", "district": "Quận Ba Đình", "province": "Hà Nội"},
        )
    assert response.status_code == 200
    assert response.json() == [
        {
            "code": "00001",
            "name": "Phường Phúc Xá",
            "district_name": "Quận Ba Đình",
            "province_name": "Thành phố Hà Nội",
            "partly_merged": False,
            "new_communes": [
                {
                    "code": "00097",
                    "name": "Phường Hồng Hà",
                    "division_type": "phường",
                    "province_code": "01",
                    "province_name": "Thành phố Hà Nội",
                }
            ],
        }
    ]


def test_legacy_lookup_needs_a_name(client):
    response = client.get("/api/v1/communes/legacy", {"name": " ! "})
    assert response.status_code == 400
    assert response.json()["field"] == "name"
    assert client.get("/api/v1/communes/legacy").json()["field"] == "name"


def test_openapi_documents_the_error_responses(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert set(paths["/api/v1/provinces/{code}/communes"]["get"]["responses"]) >= {
        "200",
        "400",
        "404",
    }
    assert set(paths["/api/v1/communes"]["get"]["responses"]) >= {"200", "400", "404"}
    assert set(paths["/api/v1/communes/legacy"]["get"]["responses"]) >= {"200", "400"}
