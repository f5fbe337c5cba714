"""The address picker (core/forms.py) on a test-only page /dia-chi/thu/, and its HTMX view.

This module is also the test URLconf of that page (tests/e2e/test_address_picker.py uses it):
the demo page exists only in tests."""

import re

import pytest
from django import forms
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path

from motcua.accounts.models import Agency
from motcua.config import urls as project_urls
from motcua.core.forms import AddressField
from motcua.core.models import Commune
from tests.factories import AgencyFactory

DEMO_URL = "/dia-chi/thu/"
OPTIONS_URL = "/dia-chi/xa/"


class DemoForm(forms.Form):
    full_name = forms.CharField(label="Họ và tên", max_length=100)
    address = AddressField(label="Địa chỉ thường trú")
    workplace = AddressField(label="Nơi làm việc", required=False)


_DEMO_PAGE = engines["django"].from_string(
    """{% extends "base.html" %}{% block content %}
<h1>Thử chọn địa chỉ</h1>
{% if commune %}
<p id="result">Đã chọn: {{ commune.name }}, {{ commune.province.name }}</p>
{% endif %}
<form method="post" class="form" novalidate>{% csrf_token %}{{ form }}
<button type="submit" class="button button-primary">Gửi</button></form>
{% endblock %}"""
)


def address_demo(request: HttpRequest) -> HttpResponse:
    form = DemoForm(request.POST or None)
    commune = form.cleaned_data["address"] if request.method == "POST" and form.is_valid() else None
    return HttpResponse(_DEMO_PAGE.render({"form": form, "commune": commune}, request))


urlpatterns = [path("dia-chi/thu/", address_demo), *project_urls.urlpatterns]

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("administrative_units"),
    pytest.mark.urls(__name__),
]


def _options(html: str, select_id: str) -> list[tuple[str, str]]:
    select = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)


def _post(client, **address):
    data = {"full_name": "Nguyễn Văn A"}
    data.update({f"address_{part}": value for part, value in address.items()})
    return client.post(DEMO_URL, data)


# --- Rendering ---


def test_picker_renders_labelled_province_search_and_commune_inputs(client):
    html = client.get(DEMO_URL).content.decode()
    # a fieldset whose legend is the field's label
    assert re.search(r"<fieldset[^>]*>\s*<legend[^>]*>Địa chỉ thường trú", html)
    # every input has its own label
    for part in ("province", "q", "commune"):
        assert f'<label for="id_address_{part}">' in html
        assert f'id="id_address_{part}"' in html
    provinces = _options(html, "id_address_province")
    assert len(provinces) == 35 and provinces[0][0] == ""
    assert ("01", "Thành phố Hà Nội") in provinces
    # the commune list waits for a province
    assert [value for value, _ in _options(html, "id_address_commune")] == [""]
    # HTMX reloads the communes from the options view, sending the picker's inputs
    assert f'hx-get="{OPTIONS_URL}"' in html
    assert 'hx-target="#id_address_commune"' in html
    assert 'hx-vals="{&quot;field&quot;: &quot;address&quot;}"' in html
    # no inline script or style (CSP)
    assert "<script>" not in html and "style=" not in html


def test_initial_commune_selects_its_province_and_lists_its_communes():
    form = DemoForm(initial={"address": Commune.objects.get(code="00004")})
    html = str(form["address"])
    assert '<option value="01" selected>' in html
    assert '<option value="00004" selected>Phường Ba Đình</option>' in html
    assert len(_options(html, "id_address_commune")) > 100


# --- Validation ---


def test_valid_province_and_commune_give_the_commune(client):
    response = _post(client, province="01", commune="00004")
    assert "Đã chọn: Phường Ba Đình, Thành phố Hà Nội" in response.content.decode()


def test_commune_outside_the_province_is_refused_naming_the_field(client):
    # given Phường Ba Đình (Hà Nội) sent with Cao Bằng, as a tampered or stale form would
    response = _post(client, province="04", commune="00004")
    form = response.context["form"]
    # then the address field carries a Vietnamese error that names the commune field
    assert form.errors["address"] == [
        "Xã, phường, đặc khu: Phường Ba Đình không thuộc Tỉnh Cao Bằng; hãy chọn lại."
    ]
    html = response.content.decode()
    # and the fieldset and the lists point to the error for screen readers
    assert '<fieldset aria-describedby="id_address_error">' in html
    assert 'id="id_address_error"' in html
    assert re.search(
        r'<select name="address_commune"[^>]*aria-describedby="id_address_error"', html
    )
    # and the commune of the other province is no longer offered
    assert "00004" not in dict(_options(html, "id_address_commune"))


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ({}, "Chọn tỉnh, thành phố và xã, phường, đặc khu."),
        ({"province": "99"}, "Tỉnh, thành phố: mã “99” không có trong danh mục."),
        ({"province": "011"}, "Tỉnh, thành phố: mã “011” không có trong danh mục."),
        ({"commune": "abcde"}, "Xã, phường, đặc khu: mã “abcde” không có trong danh mục."),
        ({"province": "01"}, "Chọn xã, phường, đặc khu của Thành phố Hà Nội."),
        (
            {"q": "khong co ten nay"},
            "Xã, phường, đặc khu: không tìm thấy tên “khong co ten nay”; hãy gõ tên khác.",
        ),
        (
            {"province": "01", "q": "zzz"},
            "Xã, phường, đặc khu: không tìm thấy tên “zzz” ở Thành phố Hà Nội; hãy gõ tên khác.",
        ),
        (
            {"q": "tan hoa"},
            "Xã, phường, đặc khu: có nhiều nơi tên “tan hoa”; hãy chọn một trong danh sách.",
        ),
    ],
)
def test_bad_addresses_get_a_vietnamese_error(client, address, message):
    response = _post(client, **address)
    assert response.status_code == 200
    assert response.context["form"].errors["address"] == [message]


def test_optional_address_may_stay_empty():
    form = DemoForm(
        {"full_name": "A", "address_province": "01", "address_commune": "00004"}, initial={}
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["workplace"] is None


def test_without_javascript_a_chosen_province_brings_its_communes(client):
    # given a browser without JavaScript: the province is chosen, the commune list is empty
    # when the visitor presses "Tải danh sách xã, phường, đặc khu"
    response = _post(client, province="01", refresh="1")
    # then the page comes back with Hà Nội's communes to choose from, and nothing is saved
    assert response.context["form"].errors["address"] == [
        "Đã tải danh sách xã, phường, đặc khu của Thành phố Hà Nội: hãy chọn một."
    ]
    communes = _options(response.content.decode(), "id_address_commune")
    assert ("00004", "Phường Ba Đình") in communes
    assert len(communes) == Commune.objects.filter(province_id="01").count() + 1


def test_without_javascript_a_typed_name_is_enough(client):
    response = _post(client, q="Đình Phùng phan")
    assert "Đã chọn: Phường Phan Đình Phùng" in response.content.decode()


def test_an_ambiguous_name_lists_the_candidates_with_their_provinces(client):
    response = _post(client, q="tan hoa")
    communes = _options(response.content.decode(), "id_address_commune")
    assert communes[0] == ("", f"— Chọn trong {len(communes) - 1} kết quả —")
    labels = [label for _, label in communes]
    assert "Xã Tân Hòa — Tỉnh Tây Ninh" in labels
    assert "Phường Tân Hòa — Tỉnh Phú Thọ" in labels


def test_picker_reports_whether_the_commune_changed():
    field = DemoForm().fields["address"]
    ba_dinh = Commune.objects.get(code="00004")
    widget = field.widget
    same = widget.value_from_datadict(
        {"address_province": "01", "address_commune": "00004"}, {}, "address"
    )
    other = widget.value_from_datadict(
        {"address_province": "01", "address_commune": "00008"}, {}, "address"
    )
    assert not field.has_changed(ba_dinh, same)
    assert field.has_changed(ba_dinh, other)


# --- The HTMX options view ---


def test_options_view_lists_the_communes_of_a_province(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        response = client.get(
            OPTIONS_URL,
            {"field": "address", "address_province": "01", "address_commune": "00004"},
            headers={"HX-Request": "true", "HX-Target": "id_address_commune"},
        )
    html = response.content.decode()
    assert response.status_code == 200
    assert '<option value="00004" selected>Phường Ba Đình</option>' in html
    assert html.count("<option") == Commune.objects.filter(province_id="01").count() + 1
    # a polite status for screen readers, swapped out of band
    assert 'id="id_address_commune_status"' in html and 'hx-swap-oob="true"' in html
    assert "Đã tải" in html


def test_options_view_filters_by_typed_name_within_the_province(client):
    response = client.get(
        OPTIONS_URL, {"field": "home", "home_province": "01", "home_q": "ba dinh"}
    )
    assert re.findall(r'<option value="(\d+)"', response.content.decode()) == ["00004"]


@pytest.mark.parametrize(
    "params",
    [{}, {"field": "address", "address_province": "99"}, {"field": "x" * 500, "x_q": "!!"}],
)
def test_options_view_answers_anything_with_an_empty_list(client, params):
    response = client.get(OPTIONS_URL, params)
    assert response.status_code == 200
    assert response.content.decode().count("<option") == 1


def test_a_model_form_stores_the_commune_and_shows_it_back():
    # given a model form whose commune foreign key uses the picker
    class AgencyAddressForm(forms.ModelForm):
        commune = AddressField(required=False)

        class Meta:
            model = Agency
            fields = ["commune"]

    agency = AgencyFactory()
    # when the address is posted
    form = AgencyAddressForm(
        {"commune_province": "01", "commune_commune": "00004"}, instance=agency
    )
    assert form.is_valid(), form.errors
    form.save()
    # then the foreign key holds the commune, and the form shows it again
    agency.refresh_from_db()
    assert agency.commune_id == "00004"
    html = str(AgencyAddressForm(instance=agency)["commune"])
    assert '<option value="00004" selected>Phường Ba Đình</option>' in html
    assert '<option value="01" selected>' in html
