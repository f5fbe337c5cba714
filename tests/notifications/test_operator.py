"""The administrators' page of failed messages: filters, attempts, and the retry button."""

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from motcua.accounts.models import Role, StaffRole
from motcua.core.models import AuditEntry
from motcua.notifications.models import Notification
from motcua.notifications.services import notification_send, notify
from motcua.notifications.tasks import notifications_deliver
from tests.factories import StaffFactory, UnitFactory
from tests.notifications.conftest import CHANNELS
from tests.notifications.samples import CODE, SAMPLE_DATA

pytestmark = pytest.mark.django_db
Status = Notification.Status
FAILURES = reverse("notifications:failures")
TESTS = "tests.notifications.conftest"


@pytest.fixture
def administrator():
    user = StaffFactory(full_name="Hoàng Văn Quản")
    StaffRole.objects.create(user=user, unit=UnitFactory(), role=Role.ADMINISTRATOR)
    return user


@pytest.fixture
def failed(recipient, settings):
    """A permanently failed SMS, a temporarily failed e-mail and a delivered SMS."""
    settings.NOTIFICATION_CHANNELS = {
        "sms": f"{TESTS}.PermanentlyFailingChannel",
        "email": f"{TESTS}.TemporarilyFailingChannel",
    }
    created = notify(event="result_ready", recipient=recipient, data=SAMPLE_DATA, dossier_code=CODE)
    by_channel = {n.channel: n for n in created}
    for notification in (by_channel["sms"], by_channel["email"]):
        notification_send(notification_id=notification.pk)
    return by_channel


def test_the_page_lists_failures_with_attempts_and_filters(client, administrator, failed):
    client.force_login(administrator)
    page = client.get(FAILURES).content.decode()
    assert f'id="failure-{failed["sms"].pk}"' in page
    assert f'id="failure-{failed["email"].pk}"' in page
    assert f'id="failure-{failed["in_app"].pk}"' not in page
    assert "số điện thoại không tồn tại" in page and "gateway timeout" in page
    only_sms = client.get(FAILURES, {"kenh": "sms", "trang-thai": Status.PERMANENT_FAILURE})
    assert f'id="failure-{failed["email"].pk}"' not in only_sms.content.decode()
    assert f'id="failure-{failed["sms"].pk}"' in only_sms.content.decode()
    assert client.get(FAILURES, {"q": "khong-co"}).content.decode().count('id="failure-') == 0


def test_retry_queues_the_message_again_with_its_tries_counted_afresh(
    client, administrator, failed, settings
):
    # given a message given up after a bad number was fixed at the gateway
    sms = failed["sms"]
    client.force_login(administrator)
    # when the administrator presses "Gửi lại" (HTMX)
    response = client.post(reverse("notifications:retry", args=[sms.pk]), HTTP_HX_REQUEST="true")
    # then the row shows it queued, its tries counted afresh, and the retry is audited
    assert response.status_code == 200
    assert "Đã xếp hàng gửi lại" in response.content.decode()
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (Status.CREATED, 0)
    assert AuditEntry.objects.filter(action="notification_retry").count() == 1
    # and the delivery task waiting on the queue sends it, with the gateway working again
    assert DBTaskResult.objects.ready().filter(queue_name="notifications").exists()
    settings.NOTIFICATION_CHANNELS = {"sms": f"{CHANNELS}.ConsoleChannel"}
    notifications_deliver.call()
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (Status.DELIVERED, 1)
    # and a second press answers a conflict, not a 500
    again = client.post(reverse("notifications:retry", args=[sms.pk]))
    assert again.status_code == 409


def test_a_delivered_message_cannot_be_retried(client, administrator, failed):
    client.force_login(administrator)
    response = client.post(reverse("notifications:retry", args=[failed["in_app"].pk]))
    assert response.status_code == 409


def test_other_staff_are_refused(client, failed):
    client.force_login(StaffFactory())
    assert client.get(FAILURES).status_code == 403
    assert client.post(reverse("notifications:retry", args=[failed["sms"].pk])).status_code == 403
