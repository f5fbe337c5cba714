"""Error pages: 404, 500, a domain error that escaped a view, and a refused CSRF token."""

import pytest
from django.test import Client
from django.utils import translation

from motcua.portal import views
from tests.portal.html import parse

pytestmark = pytest.mark.django_db


def test_unknown_page_answers_404_in_vietnamese(client):
    response = client.get("/khong-co-trang-nay/")

    assert response.status_code == 404
    page = parse(response.content)
    assert page.find("html").attrs["lang"] == "vi"
    assert page.find("h1").text == "Không tìm thấy trang"
    assert "Về trang chủ" in [a.text for a in page.find_all("a", href="/")]


def test_unknown_page_answers_in_english_for_who_chose_it(client):
    client.post("/i18n/setlang/", {"language": "en"})
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    assert parse(response.content).find("h1").text == "Page not found"


def test_server_error_page_needs_neither_database_nor_context_processors(
    rf, django_assert_num_queries
):
    # given the database may be what failed
    request = rf.get("/")

    # when the 500 handler answers
    with django_assert_num_queries(0), translation.override("vi"):
        response = views.server_error(request)

    # then the page explains, in Vietnamese, with the stylesheet and no script
    assert response.status_code == 500
    page = parse(response.content)
    assert page.find("h1").text == "Lỗi hệ thống"
    assert page.find("link", rel="stylesheet").attrs["href"] == "/static/portal/motcua.css"
    assert not page.find_all("script")


def test_server_error_page_still_answers_when_its_template_fails(rf, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("template directory unreadable")

    monkeypatch.setattr(views.loader, "render_to_string", broken)
    response = views.server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Lỗi hệ thống" in response.content.decode()


@pytest.mark.urls("tests.portal.error_urls")
def test_a_bug_in_a_view_gives_the_500_page():
    client = Client(raise_request_exception=False)
    response = client.get("/test/bug")
    assert response.status_code == 500
    assert parse(response.content).find("h1").text == "Lỗi hệ thống"


@pytest.mark.urls("tests.portal.error_urls")
def test_domain_error_shows_its_message_and_a_way_back(client):
    # given a visitor who came from the home page
    # when a view raises a domain error
    response = client.get("/test/domain-error", HTTP_REFERER="http://testserver/")

    # then the page says what went wrong, with its status, and links back
    assert response.status_code == 409
    page = parse(response.content)
    assert page.find("div", role="alert").text == (
        "Hồ sơ đã được người khác cập nhật. Vui lòng tải lại trang."
    )
    assert page.find("a", href="http://testserver/").text == "Quay lại trang trước"
    assert len(page.find_all("h1")) == 1


@pytest.mark.urls("tests.portal.error_urls")
def test_domain_error_page_never_links_back_to_another_site(client):
    response = client.get("/test/domain-error", HTTP_REFERER="https://lua-dao.example/")
    links = [a.attrs["href"] for a in parse(response.content).find_all("a")]
    assert "https://lua-dao.example/" not in links


def test_refused_csrf_token_gets_an_explanation_in_vietnamese():
    # given a form posted without its CSRF token (an expired page)
    client = Client(enforce_csrf_checks=True)

    # when it is submitted
    response = client.post("/i18n/setlang/", {"language": "en"})

    # then the visitor reads why and what to do, not Django's English page
    assert response.status_code == 403
    page = parse(response.content)
    assert page.find("html").attrs["lang"] == "vi"
    assert page.find("h1").text == "Phiên làm việc đã hết hạn"
    assert "tải lại trang" in page.find("main").text
