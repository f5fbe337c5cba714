"""Browser: every demo role logs in and lands on its page; a citizen registers and logs in."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from motcua.accounts.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "Motcua@2026"
STAFF_LOGINS = [
    ("tiepnhan", Role.RECEIVING_OFFICER),
    ("chuyenvien", Role.SPECIALIST),
    ("truongphong", Role.UNIT_HEAD),
    ("giamdoc", Role.DIRECTOR),
    ("quantri", Role.ADMINISTRATOR),
    ("quantrac", Role.MONITORING_OPERATOR),
]


@pytest.fixture
def demo_data():
    call_command("demo", verbosity=0)


def log_in(page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()


def test_every_demo_role_lands_on_the_staff_home_showing_its_role(page, demo_data):
    for username, role in STAFF_LOGINS:
        log_in(page, username)
        page.wait_for_url("**/can-bo/")
        roles = page.get_by_role("table")
        expect(roles.get_by_text(str(role.label), exact=True)).to_be_visible()
        expect(page.get_by_text("Sở Nông nghiệp và Môi trường tỉnh Lâm Đồng").first).to_be_visible()
        page.get_by_role("button", name="Đăng xuất").first.click()
        page.wait_for_url("**/")


def test_demo_citizen_lands_on_the_profile(page, demo_data):
    log_in(page, "an.nguyen@example.com")
    page.wait_for_url("**/tai-khoan/")
    expect(page.get_by_role("heading", name="Tài khoản của tôi")).to_be_visible()
    expect(page.get_by_text("068090001234")).to_be_visible()


def test_wrong_password_shows_the_error_in_vietnamese(page, demo_data):
    log_in(page, "tiepnhan", "sai-mat-khau")
    alert = page.get_by_role("alert")
    expect(alert.get_by_text("Tên đăng nhập hoặc mật khẩu không đúng")).to_be_visible()


def test_a_citizen_registers_then_logs_in(page):
    page.goto("/dang-ky/")
    page.get_by_label("Họ và tên").fill("Phạm Minh Đức")
    page.get_by_label("Số định danh cá nhân").fill("068088004455")
    page.get_by_label("Thư điện tử").fill("duc.pham@example.com")
    page.get_by_label("Số điện thoại di động").fill("0934 567 890")
    page.get_by_label("Mật khẩu", exact=True).fill("Lam-Dong-2026!")
    page.get_by_label("Nhập lại mật khẩu").fill("Lam-Dong-2026!")
    page.get_by_role("button", name="Đăng ký", exact=True).click()
    page.wait_for_url("**/xac-thuc/")
    expect(page.get_by_text("Đăng ký thành công")).to_be_visible()
    page.get_by_role("button", name="Đăng xuất").first.click()
    log_in(page, "0934567890", "Lam-Dong-2026!")
    page.wait_for_url("**/tai-khoan/")
    expect(page.get_by_text("Phạm Minh Đức").first).to_be_visible()
