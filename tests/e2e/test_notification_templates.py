"""Browser test: an administrator rewords the acceptance SMS; the preview follows the typing
(HTMX, under the strict Content-Security-Policy) and warns when the text grows past one SMS."""

import pytest
from django.conf import settings
from django.test import Client

from motcua.accounts.models import Role, StaffRole
from motcua.notifications.models import NotificationTemplate
from tests.factories import StaffFactory, UnitFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_administrator_sees_the_preview_follow_the_typing_and_saves(page, live_server):
    # given an administrator on the edit page of the acceptance SMS
    administrator = StaffFactory(full_name="Hoàng Văn Quản")
    StaffRole.objects.create(user=administrator, unit=UnitFactory(), role=Role.ADMINISTRATOR)
    client = Client()
    client.force_login(administrator)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto("/quan-tri/thong-bao/mau/dossier_received/sms/vi/")
    preview = page.locator("#template-preview")
    assert "1 tin nhắn" in preview.inner_text()
    # when they type a long text
    body = page.get_by_role("textbox", name="Nội dung")
    body.fill("Hồ sơ {{ code }} – {{ procedure }} – đã được tiếp nhận. " * 3)
    # then the preview shows it without diacritics, in several parts, with a warning
    preview.get_by_text("dài hơn một tin").wait_for()
    assert "Ho so H56.14-251123-0007 - Cap doi" in preview.inner_text()
    # and when they shorten it and save, the new wording is kept
    body.fill("HS {{ code }} đã được tiếp nhận.")
    preview.get_by_text("1 tin nhắn").wait_for()
    page.get_by_role("button", name="Lưu mẫu").click()
    page.get_by_text("Đã lưu mẫu thông báo.").wait_for()
    assert NotificationTemplate.objects.get().body == "HS {{ code }} đã được tiếp nhận."
    assert errors == []
