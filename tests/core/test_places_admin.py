"""Administrative units in the admin: read-only, searchable without diacritics."""

import pytest
from django.urls import reverse

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("administrative_units")]


@pytest.mark.parametrize(
    ("model", "query", "expected"),
    [
        ("province", "ha noi", ["Thành phố Hà Nội"]),
        ("commune", "Đình Phùng phan", ["Phường Phan Đình Phùng"]),
        ("commune", "00004", ["Phường Ba Đình"]),
        ("legacycommune", "truc bach", ["Phường Trúc Bạch"]),
    ],
)
def test_admin_search_ignores_diacritics(admin_client, model, query, expected):
    response = admin_client.get(reverse(f"admin:core_{model}_changelist"), {"q": query})
    assert response.status_code == 200
    assert [unit.name for unit in response.context["cl"].result_list] == expected


def test_changelists_take_a_bounded_number_of_queries(admin_client, django_assert_max_num_queries):
    for model in ("province", "commune", "legacycommune"):
        with django_assert_max_num_queries(12):
            assert admin_client.get(reverse(f"admin:core_{model}_changelist")).status_code == 200


def test_units_are_read_only(admin_client):
    assert admin_client.get(reverse("admin:core_commune_add")).status_code == 403
    response = admin_client.get(reverse("admin:core_commune_change", args=["00004"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="_save"' not in html
    assert "Phường Trúc Bạch" in html  # the old communes merged into it
    assert admin_client.post(reverse("admin:core_province_delete", args=["01"])).status_code == 403
