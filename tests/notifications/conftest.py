"""Fixtures of the notifications tests: channels that fail on purpose, a recipient."""

import pytest

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
