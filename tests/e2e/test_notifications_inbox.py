"""Browser test: an officer reads the in-app notifications and marks one as read; HTMX swaps
the item and the count in place, under the strict Content-Security-Policy."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from motcua.notifications.services import Recipient, notify
from tests.factories import StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_marks_a_notification_as_read_in_place(page, live_server):
    # given an officer with two unread notifications
    officer = StaffFactory(full_name="Trần Văn Bình")
    for code in ("H56.14-251123-0001", "H56.14-251123-0002"):
        notify(
            event="dossier_assigned",
            recipient=Recipient(name=officer.full_name, user_id=officer.pk),
            data={"code": code, "step": "Thẩm định"},
            dossier_code=code,
        )
    client = Client()
    client.force_login(officer)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    # when they open the inbox and mark the first one as read
    page.goto("/can-bo/thong-bao/")
    status = page.get_by_role("status").filter(has_text="thông báo")
    assert status.inner_text() == "Bạn có 2 thông báo chưa đọc."
    url_before = page.url
    page.get_by_role("button", name="Đánh dấu đã đọc – Hồ sơ H56.14-251123-0002").click()
    # then the item shows it was read and the count drops, without leaving the page
    status.filter(has_text="1 thông báo").wait_for()
    item = page.locator("li.notification", has_text="H56.14-251123-0002")
    assert "Đã đọc lúc" in item.inner_text()
    expect(page.get_by_role("button", name="Đánh dấu đã đọc")).to_have_count(1)
    assert page.url == url_before
    assert errors == []
