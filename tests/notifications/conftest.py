"""Fixtures of the notifications tests: channels that fail on purpose, a recipient, and the
stand-in SMS gateway (and Zalo Official Account API) as a real process."""

import email
import email.policy
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from aiosmtpd.controller import Controller

from motcua.notifications.channels import Channel, PermanentFailure, TemporaryFailure
from motcua.notifications.services import Recipient
from tests.factories import UserFactory

CHANNELS = "motcua.notifications.channels"


class TemporarilyFailingChannel(Channel):
    def send(self, notification):
        raise TemporaryFailure("gateway timeout")


class PermanentlyFailingChannel(Channel):
    def send(self, notification):
        raise PermanentFailure("số điện thoại không tồn tại")


class BrokenChannel(Channel):
    def send(self, notification):
        raise ValueError("a bug in the channel")


# What RecordingChannel and SlowChannel sent, in order (the tests empty it).
SENT: list[int] = []


class RecordingChannel(Channel):
    def send(self, notification):
        SENT.append(notification.pk)


class SlowChannel(Channel):
    """A gateway that takes 50 ms per message."""

    def send(self, notification):
        time.sleep(0.05)
        SENT.append(notification.pk)


@pytest.fixture
def sent():
    SENT.clear()
    yield SENT
    SENT.clear()


@pytest.fixture(autouse=True)
def _development_channels(settings, tmp_path):
    """SMS through the console channel into a file; e-mail through the locmem backend."""
    settings.NOTIFICATION_CHANNELS = {
        "sms": f"{CHANNELS}.ConsoleChannel",
        "email": f"{CHANNELS}.DjangoEmailChannel",
    }
    settings.NOTIFICATIONS_FILE = str(tmp_path / "notifications.log")
    settings.NOTIFICATION_MAX_ATTEMPTS = 6
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 60


@pytest.fixture
def applicant(db):
    return UserFactory(full_name="Nguyễn Thị Lan", email="lan@example.vn", phone="0912345678")


@pytest.fixture
def recipient(applicant):
    return Recipient(
        name=applicant.full_name,
        phone=applicant.phone,
        email=applicant.email,
        user_id=applicant.pk,
    )


GATEWAY_USERNAME = "tests"
GATEWAY_PASSWORD = "tests-password"
INBOUND_SECRET = "tests-inbound-secret"
ZALO_TOKEN = "tests-zalo-token"


@dataclass
class SmsGateway:
    """A client of the stand-in SMS gateway process for tests: its address, failure injection
    and the messages it received."""

    url: str

    def _call(self, method: str, path: str, **options: Any) -> requests.Response:
        return requests.request(
            method,
            self.url + path,
            auth=(GATEWAY_USERNAME, GATEWAY_PASSWORD),
            timeout=10,
            **options,
        )

    def control(self, **changes: Any) -> dict:
        response = self._call("post", "/_control", json=changes)
        assert response.status_code == 200, response.text
        return response.json()

    def messages(self, to: str = "", channel: str = "") -> list[dict]:
        response = self._call("get", "/messages", params={"to": to, "channel": channel})
        assert response.status_code == 200, response.text
        return response.json()["messages"]

    def text_in(self, *, phone: str, text: str) -> requests.Response:
        """A phone texting the service number: the gateway calls Motcua back."""
        return self._call("post", "/inbound", json={"from": phone, "text": text})


def start_sms_standin(*extra: str) -> tuple[subprocess.Popen, str]:
    """The stand-in as a real process on a free port; returns it and its address."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "motcua.notifications.sms_standin",
            "--port",
            "0",
            "--username",
            GATEWAY_USERNAME,
            "--password",
            GATEWAY_PASSWORD,
            "--callback-secret",
            INBOUND_SECRET,
            "--zalo-token",
            ZALO_TOKEN,
            *extra,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline()
    found = re.search(r"http://\S+", line)
    assert found, f"the stand-in did not start: {line!r}"
    return process, found.group(0)


@pytest.fixture(scope="session")
def _sms_standin_url():
    process, url = start_sms_standin()
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def sms_gateway(_sms_standin_url, settings):
    """The stand-in, empty, with SMS going through HttpSmsChannel to it; its failure switches
    reset after the test."""
    settings.SMS_GATEWAY_URL = f"{_sms_standin_url}/messages"
    settings.SMS_GATEWAY_USERNAME = GATEWAY_USERNAME
    settings.SMS_GATEWAY_PASSWORD = GATEWAY_PASSWORD
    settings.SMS_GATEWAY_TIMEOUT_SECONDS = 2
    settings.NOTIFICATION_CHANNELS = {
        **settings.NOTIFICATION_CHANNELS,
        "sms": f"{CHANNELS}.HttpSmsChannel",
    }
    gateway = SmsGateway(_sms_standin_url)
    gateway.control(reset=True)
    yield gateway
    gateway.control(fail=False, fail_status=503, fail_rate=0, delay=0, zalo_error=0)


@pytest.fixture
def zalo_gateway(sms_gateway, settings):
    """The same stand-in, with Zalo messages going through HttpZaloChannel to its Official
    Account API."""
    settings.ZALO_OA_API_URL = f"{sms_gateway.url}/zalo/message"
    settings.ZALO_OA_ACCESS_TOKEN = ZALO_TOKEN
    settings.ZALO_OA_TIMEOUT_SECONDS = 2
    settings.NOTIFICATION_CHANNELS = {
        **settings.NOTIFICATION_CHANNELS,
        "zalo": f"{CHANNELS}.HttpZaloChannel",
    }
    return sms_gateway


# --- A real SMTP server ----------------------------------------------------------------------

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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def smtp_settings(settings, port: int) -> None:
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
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    smtp_settings(settings, controller.port)
    yield mailbox
    controller.stop()
