"""E-mail notifications through a real SMTP server (aiosmtpd on a local port): the message as
received, a refused address given up, an unreachable server retried."""

import email
import email.policy
import socket
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller

from motcua.notifications.models import Notification
from motcua.notifications.services import Recipient, notification_send, notify
from tests.notifications.samples import CODE, SAMPLE_DATA

pytestmark = pytest.mark.django_db
Status = Notification.Status
REFUSED = "khong-ton-tai@example.vn"


@dataclass
class Mailbox:
    """What the SMTP server accepted: (envelope recipients, parsed message) per e-mail."""

    received: list = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == REFUSED:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _smtp_settings(settings, port: int) -> None:
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }


@pytest.fixture
def smtp_server(settings):
    """A local SMTP server, with Django's mail sent to it."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    _smtp_settings(settings, controller.port)
    yield mailbox
    controller.stop()


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
    _smtp_settings(settings, _free_port())
    [sent] = notify(event="result_ready", recipient=recipient, data=SAMPLE_DATA, channels=["email"])
    notification_send(notification_id=sent.pk)
    sent.refresh_from_db()
    assert (sent.status, sent.attempts) == (Status.TEMPORARY_FAILURE, 1)
