"""The base layout: landmarks, navigation, the language switch, CSP and the vendored HTMX."""

import json
import re

import pytest
from django.urls import Resolver404, resolve, reverse

from tests.factories import StaffFactory, UserFactory
from tests.portal.html import parse

pytestmark = pytest.mark.django_db


def csp_nonce(response) -> str:
    policy = response.headers["Content-Security-Policy"]
    match = re.search(r"script-src 'self' 'nonce-([^']+)'", policy)
    assert match, policy
    return match.group(1)


def test_home_is_vietnamese_even_when_the_browser_asks_for_english(client):
    # given a browser set to English, as many in Vietnam are
    # when it opens the portal without having chosen a language
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    # then the portal speaks Vietnamese
    assert response.status_code == 200
    page = parse(response.content)
    assert page.find("html").attrs["lang"] == "vi"
    assert response.headers["Content-Language"] == "vi"
    assert page.find("a", href="#main").text == "Chuyển đến nội dung chính"


def test_language_switch_turns_the_portal_english_and_back(client):
    # given a visitor on the home page
    # when they choose English with the language form
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"

    # then the page is in English, names included
    page = parse(client.get("/").content)
    assert page.find("html").attrs["lang"] == "en"
    assert page.find("a", href="#main").text == "Skip to main content"
    assert page.find("h1").text == "Agriculture and Environment Public Service Portal"
    assert "selected" in page.find("option", value="en").attrs

    # and choosing Vietnamese brings it back
    client.post("/i18n/setlang/", {"language": "vi", "next": "/"})
    page = parse(client.get("/").content)
    assert page.find("html").attrs["lang"] == "vi"
    assert page.find("h1").text == "Cổng dịch vụ công ngành Nông nghiệp và Môi trường"


def test_an_unknown_language_in_the_cookie_falls_back_to_vietnamese(client):
    client.cookies["django_language"] = "xx"
    page = parse(client.get("/").content)
    assert page.find("html").attrs["lang"] == "vi"


def test_language_form_works_without_javascript(client):
    page = parse(client.get("/").content)
    form = next(form for form in page.find_all("form") if form.attrs["action"] == "/i18n/setlang/")
    assert form.attrs["method"] == "post"
    assert page.find("input", name="csrfmiddlewaretoken").attrs["value"]
    select = page.find("select", name="language")
    assert page.find("label", **{"for": select.attrs["id"]})
    assert [option.attrs["value"] for option in page.find_all("option")] == ["vi", "en"]
    assert "Đổi" in [button.text for button in page.find_all("button", type="submit")]


def test_pages_send_a_csp_and_no_script_or_style_runs_inline(client):
    # when any page of the layout is rendered
    response = client.get("/")
    nonce = csp_nonce(response)
    page = parse(response.content)

    # then every script is a file from this site carrying the request's nonce
    scripts = page.find_all("script")
    assert scripts
    for script in scripts:
        assert script.attrs.get("nonce") == nonce
        assert script.attrs.get("src", "").startswith("/static/")
        assert not script.text
    # and nothing relies on inline styles or event handlers, which the policy blocks
    assert not page.find_all("style")
    for tag in page.tags:
        assert "style" not in tag.attrs, tag
        assert not [name for name in tag.attrs if name.startswith("on")], tag


def test_htmx_is_the_vendored_file_configured_for_the_csp(client):
    page = parse(client.get("/").content)

    assert page.find("script").attrs["src"] == "/static/vendor/htmx/htmx.min.js"
    config = json.loads(page.find("meta", name="htmx-config").attrs["content"])
    assert config["includeIndicatorStyles"] is False
    assert config["allowEval"] is False
    # HTMX requests carry the CSRF token
    headers = json.loads(page.find("body").attrs["hx-headers"])
    assert len(headers["X-CSRFToken"]) >= 32


def test_vendored_htmx_is_served_as_a_static_file(client):
    response = client.get("/static/vendor/htmx/htmx.min.js")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body.startswith(b"var htmx=function()")


def test_stylesheet_is_served(client):
    response = client.get("/static/portal/motcua.css")
    assert response.status_code == 200
    assert b".skip-link" in b"".join(response.streaming_content)


def test_layout_has_landmarks_one_h1_and_a_skip_link_first(client):
    page = parse(client.get("/").content)

    assert page.find("header")
    assert page.find("nav", **{"aria-label": "Điều hướng chính"})
    assert page.find("main", id="main")
    assert page.find("footer")
    assert len(page.find_all("h1")) == 1
    first_link = page.find_all("a")[0]
    assert first_link.attrs["href"] == "#main"
    assert "Phát triển trên nền tảng mã nguồn mở Motcua" in page.find("footer").text


def test_navigation_marks_the_current_page(client):
    page = parse(client.get("/").content)
    current = [a for a in page.find_all("a") if a.attrs.get("aria-current") == "page"]
    assert [a.text for a in current] == ["Trang chủ"]


def test_every_link_on_the_home_page_leads_to_a_page_that_exists(client, admin_user):
    # Placeholder links ("#") for features not built yet are not allowed.
    for user in (None, admin_user):
        if user:
            client.force_login(user)
        page = parse(client.get("/").content)
        for link in page.find_all("a"):
            href = link.attrs["href"]
            if href == "#main":
                continue
            try:
                resolve(href)
            except Resolver404:
                pytest.fail(f"link to a missing page: {href}")


def test_anonymous_visitor_is_offered_the_login_page(client):
    page = parse(client.get("/").content)
    assert page.find("a", href="/dang-nhap/").text == "Đăng nhập"
    assert not page.find_all("form", action="/dang-xuat/")


def test_logged_in_user_sees_their_name_and_logs_out_with_a_post_form(client):
    # given a citizen who is logged in
    user = UserFactory(full_name="Lê Thị Hoa")
    client.force_login(user)

    # when they open the portal
    page = parse(client.get("/").content)

    # then the header names them and offers a logout form that POSTs with a CSRF token
    assert "Lê Thị Hoa" in page.find("div", **{"class": "user-menu"}).text
    logout = page.find("form", action="/dang-xuat/")
    assert logout.attrs["method"] == "post"
    assert "csrfmiddlewaretoken" in logout_fields(client)
    assert not page.find_all("a", href="/dang-nhap/")
    # and a citizen gets no link to the administration
    assert not page.find_all("a", href="/admin/")


def logout_fields(client) -> list[str]:
    content = client.get("/").content.decode()
    form = re.search(r'<form action="/dang-xuat/" method="post">(.*?)</form>', content, re.S)
    return re.findall(r'name="([^"]+)"', form.group(1))


def test_staff_with_admin_access_get_a_link_to_it(client, admin_user):
    client.force_login(admin_user)
    page = parse(client.get("/").content)
    assert page.find_all("a", href="/admin/")


def test_staff_member_gets_a_link_to_the_staff_page(client):
    client.force_login(StaffFactory())
    page = parse(client.get("/").content)
    nav = [a.text for a in page.find_all("a") if a.attrs["href"] == reverse("accounts:staff-home")]
    assert "Trang cán bộ" in nav
    assert not page.find_all("a", href="/admin/")


def test_footer_shows_contact_details_only_when_configured(client, settings):
    page = parse(client.get("/").content)
    assert "Đường dây nóng" not in page.find("footer").text

    settings.SITE_AGENCY_ADDRESS = "Số 1 đường Lê Lợi"
    settings.SITE_HOTLINE = "1900 0000"
    footer = parse(client.get("/").content).find("footer").text
    assert "Địa chỉ: Số 1 đường Lê Lợi" in footer
    assert "Đường dây nóng: 1900 0000" in footer


def test_messages_are_announced_with_the_right_role(client, rf):
    from django.contrib import messages
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.template.loader import render_to_string

    request = rf.get("/")
    request.session = client.session
    request._messages = FallbackStorage(request)
    messages.success(request, "Đã lưu.")
    messages.error(request, "Không lưu được.")
    page = parse(render_to_string("portal/home.html", request=request))

    assert page.find("div", role="status").text == "Đã lưu."
    assert page.find("div", role="alert").text == "Không lưu được."
    assert page.find("div", role="alert").attrs["class"] == "alert alert-error"
