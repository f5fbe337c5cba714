"""Zalo Official Account messages, against the stand-in's Official Account API running as a
process: an applicant who chose Zalo is told there, once per message, and the API's error codes
map to delivery states."""

import pytest
import requests

from motcua.notifications.channels import zalo_phone
from motcua.notifications.models import Notification
from motcua.notifications.services import notification_preference_save, notification_send, notify
from tests.notifications.conftest import ZALO_TOKEN
from tests.notifications.samples import CODE, SAMPLE_DATA

pytestmark = pytest.mark.django_db
Status = Notification.Status


def _zalo(recipient) -> Notification:
    [message] = notify(
        event="result_ready",
        recipient=recipient,
        data=SAMPLE_DATA,
        dossier_code=CODE,
        channels=["zalo"],
    )
    return message


def test_an_applicant_who_chose_zalo_gets_the_message_there_once(
    zalo_gateway, applicant, recipient
):
    # given an applicant who chose Zalo instead of SMS
    notification_preference_save(user=applicant, sms=False, email=False, zalo=True, language="vi")
    # when their dossier has its result and the message is sent, twice (a worker retrying)
    [zalo] = [
        n
        for n in notify(event="result_ready", recipient=recipient, data=SAMPLE_DATA)
        if n.channel != "in_app"
    ]
    notification_send(notification_id=zalo.pk)
    Notification.objects.filter(pk=zalo.pk).update(status=Status.TEMPORARY_FAILURE)
    notification_send(notification_id=zalo.pk)
    # then the Official Account got it once, with diacritics, for the phone in 84 form
    zalo.refresh_from_db()
    assert zalo.status == Status.DELIVERED
    [message] = zalo_gateway.messages(channel="zalo")
    assert message["to"] == "84912345678" and message["text"].startswith("Hồ sơ")
    assert message["idempotency_key"] == str(zalo.idempotency_key)
    assert zalo_gateway.messages(channel="sms") == []


@pytest.mark.parametrize(
    ("control", "status"),
    [
        ({"zalo_error": -213}, Status.PERMANENT_FAILURE),  # does not follow the account
        ({"zalo_error": -201}, Status.PERMANENT_FAILURE),  # bad phone or text
        ({"zalo_error": -32}, Status.TEMPORARY_FAILURE),  # throttled
        ({"zalo_error": -124}, Status.TECHNICAL_FAILURE),  # the token expired
        ({"fail": True, "fail_status": 503}, Status.TEMPORARY_FAILURE),
    ],
)
def test_official_account_errors_map_to_delivery_states(zalo_gateway, recipient, control, status):
    zalo_gateway.control(**control)
    zalo = _zalo(recipient)
    notification_send(notification_id=zalo.pk)
    zalo.refresh_from_db()
    assert zalo.status == status and zalo.last_error


def test_a_wrong_access_token_waits_for_an_operator(zalo_gateway, recipient, settings):
    settings.ZALO_OA_ACCESS_TOKEN = "expired"
    zalo = _zalo(recipient)
    notification_send(notification_id=zalo.pk)
    zalo.refresh_from_db()
    assert zalo.status == Status.TECHNICAL_FAILURE and "-124" in zalo.last_error


def test_the_standin_refuses_a_message_without_a_valid_phone(zalo_gateway):
    answer = requests.post(
        f"{zalo_gateway.url}/zalo/message",
        json={"recipient": {"phone": "0912"}, "message": {"text": "x"}},
        headers={"access_token": ZALO_TOKEN},
        timeout=5,
    )
    assert answer.status_code == 200 and answer.json()["error"] == -201


def test_phone_numbers_take_the_country_code():
    assert [zalo_phone(p) for p in ("0912345678", "84912345678", "+84912345678")] == [
        "84912345678"
    ] * 3
