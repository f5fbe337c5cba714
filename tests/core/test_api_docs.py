"""The API describes itself: OpenAPI document and documentation page, served without a CDN."""

import pytest

pytestmark = pytest.mark.django_db


def test_openapi_document_is_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "Motcua API"
    assert document["openapi"].startswith("3.")


def test_docs_page_loads_local_assets_only(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


def test_unknown_api_path_answers_in_error_shape(client):
    response = client.get("/api/v1/khong-co")
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "Không có địa chỉ API này.",
        "field": None,
    }


def test_a_body_that_is_not_json_answers_in_vietnamese_error_shape(client):
    response = client.post("/api/v1/auth/token", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_body"
    assert "JSON" in response.json()["message"]


@pytest.mark.parametrize(
    ("path", "kwargs"),
    [
        ("/api/v1/communes?q=a%00b", {}),
        ("/thu-tuc/?q=a%00b", {}),
        (
            "/api/v1/auth/token",
            {"data": '{"username": "a\\u0000"}', "content_type": "application/json"},
        ),
    ],
)
def test_nul_characters_are_refused_with_400_before_reaching_the_database(client, path, kwargs):
    response = client.post(path, **kwargs) if kwargs else client.get(path)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()
