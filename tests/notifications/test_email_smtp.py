"""E-mail notifications through a real SMTP server (aiosmtpd on a local port): the message as
received, a refused address given up, an unreachable server retried."""

import pytest

from motcua.notifications.models import Notification
from motcua.notifications.services import Recipient, notification_send, notify
from tests.notifications.conftest import REFUSED, free_port, smtp_settings
from tests.notifications.samples import CODE, SAMPLE_DATA

pytestmark = pytest.mark.django_db
Status = Notification.Status


def test_an_email_notification_arrives_through_smtp(smtp_server, recipient, settings):
    # given an applicant whose dossier was received
    [sent] = notify(
        event="dossier_received",
        recipient=recipient,
        data=SAMPLE_DATA,
        dossier_code=CODE,
        channels=["email"],
    )
    # when the worker sends it
    notification_send(notification_id=sent.pk)
    # then the SMTP server received it, in Vietnamese, with the notification's key
    sent.refresh_from_db()
    assert sent.status == Status.DELIVERED
    [(to, message)] = smtp_server.received
    assert to == ["lan@example.vn"]
    assert message["Subject"] == sent.subject and CODE in sent.subject + sent.body
    assert message["X-Motcua-Notification"] == str(sent.idempotency_key)
    assert message["From"] == settings.DEFAULT_FROM_EMAIL
    # (SMTP carries CRLF line ends)
    assert message.get_content().replace("\r\n", "\n").strip() == sent.body.strip()
    assert "Nguyễn Thị Lan" in message.get_content()


def test_an_address_the_server_refuses_is_a_permanent_failure(smtp_server):
    [sent] = notify(event="result_ready", recipient=Recipient(email=REFUSED), data=SAMPLE_DATA)
    notification_send(notification_id=sent.pk)
    sent.refresh_from_db()
    assert sent.status == Status.PERMANENT_FAILURE and "550" in sent.last_error
    assert smtp_server.received == []


def test_an_smtp_server_that_is_down_is_a_temporary_failure(recipient, settings):
    smtp_settings(settings, free_port())
    [sent] = notify(event="result_ready", recipient=recipient, data=SAMPLE_DATA, channels=["email"])
    notification_send(notification_id=sent.pk)
    sent.refresh_from_db()
    assert (sent.status, sent.attempts) == (Status.TEMPORARY_FAILURE, 1)
