"""A staff member's in-app notifications: the inbox page, marking as read, the unread badge and
the read-only admin."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from motcua.core.models import AuditEntry
from motcua.notifications.models import Notification
from motcua.notifications.services import Recipient, notify
from tests.factories import StaffFactory, UserFactory
from tests.notifications.samples import CODE, SAMPLE_DATA

pytestmark = pytest.mark.django_db
INBOX = reverse("notifications:inbox")


@pytest.fixture
def officer():
    return StaffFactory(full_name="Trần Văn Bình")


def _assign(user, code=CODE):
    [notification] = notify(
        event="dossier_assigned",
        recipient=Recipient(name=user.full_name, user_id=user.pk),
        data={"code": code, "step": "Thẩm định", "url": f"https://example.vn/ho-so/{code}/"},
        dossier_code=code,
    )
    return notification


def test_the_inbox_lists_only_the_officers_own_messages(client, officer):
    # given two messages for the officer and one for a colleague
    mine = [_assign(officer, "H56.14-251123-0001"), _assign(officer, "H56.14-251123-0002")]
    _assign(StaffFactory(), "H56.14-251123-0099")
    client.force_login(officer)
    # when the officer opens the inbox
    response = client.get(INBOX)
    # then they see their two messages, newest first, both unread
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index(mine[1].dossier_code) < page.index(mine[0].dossier_code)
    assert "H56.14-251123-0099" not in page
    assert "Bạn có 2 thông báo chưa đọc." in page
    assert page.count('class="notification notification-unread"') == 2


def test_marking_as_read_with_htmx_swaps_the_item_and_the_count(client, officer):
    notification = _assign(officer)
    _assign(officer, "H56.14-251123-0002")
    client.force_login(officer)
    # when the officer marks one as read from the page (HTMX)
    response = client.post(
        reverse("notifications:mark-read", args=[notification.pk]), headers={"HX-Request": "true"}
    )
    # then the answer is the item, now read, and the new count out of band
    assert response.status_code == 200
    fragment = response.content.decode()
    assert f'id="notification-{notification.pk}" class="notification"' in fragment
    assert 'hx-swap-oob="true"' in fragment and "Bạn có 1 thông báo chưa đọc." in fragment
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert AuditEntry.objects.filter(action="notification_read", actor=officer).count() == 1
    # and the unread filter no longer lists it
    unread_page = client.get(INBOX, {"chua-doc": "1"}).content.decode()
    assert CODE not in unread_page and "H56.14-251123-0002" in unread_page


def test_marking_as_read_without_javascript_returns_to_the_inbox(client, officer):
    notification = _assign(officer)
    client.force_login(officer)
    response = client.post(reverse("notifications:mark-read", args=[notification.pk]))
    assert response.status_code == 302 and response["Location"] == INBOX
    # marking it again changes nothing
    client.post(reverse("notifications:mark-read", args=[notification.pk]))
    assert AuditEntry.objects.filter(action="notification_read").count() == 1


def test_an_officer_cannot_mark_a_colleagues_message(client, officer):
    notification = _assign(StaffFactory())
    client.force_login(officer)
    response = client.post(reverse("notifications:mark-read", args=[notification.pk]))
    assert response.status_code == 404
    assert "Không tìm thấy thông báo." in response.content.decode()
    notification.refresh_from_db()
    assert notification.read_at is None


def test_the_inbox_is_for_staff_only(client):
    assert client.get(INBOX).status_code == 302  # to the login page
    client.force_login(UserFactory())
    assert client.get(INBOX).status_code == 403


def test_the_badge_shows_the_unread_count_to_staff_only(officer):
    _assign(officer)
    _assign(officer, "H56.14-251123-0002")
    template = Template("{% load notification_tags %}{% unread_notifications_badge %}")

    def badge(user):
        request = RequestFactory().get("/")
        request.user = user
        return template.render(Context({"request": request})).strip()

    html = badge(officer)
    assert f'href="{INBOX}"' in html
    assert '2<span class="visually-hidden"> chưa đọc</span>' in html
    assert badge(UserFactory()) == ""


def test_the_admin_lists_notifications_read_only(client):
    notify(
        event="dossier_received",
        recipient=Recipient(phone="0912345678", email="lan@example.vn"),
        data=SAMPLE_DATA,
        dossier_code=CODE,
    )
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    listing = client.get(
        reverse("admin:notifications_notification_changelist"), {"channel__exact": "sms"}
    )
    assert listing.status_code == 200 and "0912345678" in listing.content.decode()
    sms = Notification.objects.get(channel="sms")
    detail = client.get(reverse("admin:notifications_notification_change", args=[sms.pk]))
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    assert client.get(reverse("admin:notifications_notification_add")).status_code == 403
