"""Looking a dossier up by SMS: the gateway's signed callback, "TC <code>" answered by SMS to the
dossier's own phone only, in one unaccented part, and a limit per sender."""

import hashlib
import hmac
import json

import pytest
from django.core.cache import cache
from django.utils import timezone

from motcua.accounts.models import Unit
from motcua.dossiers import tracking
from motcua.dossiers.backoffice import dossier_act
from motcua.notifications.models import Notification
from tests.dossiers.backoffice_samples import office, submitted
from tests.notifications.conftest import INBOUND_SECRET

URL = "/api/v1/sms/inbound"


@pytest.fixture(autouse=True)
def _inbound_settings(settings):
    settings.SMS_INBOUND_SECRET = INBOUND_SECRET
    settings.SMS_INBOUND_RATES = ["3/m"]
    cache.clear()


@pytest.fixture
def dossier(administrative_units, db):
    place = office()
    dossier = submitted(place)
    return dossier_act(actor=place.officer, dossier=dossier.code, action="receive", payload={})


def _text_in(client, *, phone: str, text: str, secret: str = INBOUND_SECRET, **headers):
    body = json.dumps({"from": phone, "text": text, "id": "MO-1"}).encode()
    if "HTTP_X_SIGNATURE" not in headers and "HTTP_X_GATEWAY_SECRET" not in headers:
        headers["HTTP_X_SIGNATURE"] = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.post(URL, body, content_type="application/json", **headers)


@pytest.mark.parametrize(
    "text",
    [
        "TC {code}",
        "tc {lower}",
        "  Tc   {code}  ",
        "TC {nodots}",
        "tc {spaced}",
    ],
)
def test_the_dossiers_phone_gets_its_status_unit_and_date(client, dossier, text):
    # given a received dossier, now at the land office, and its applicant texting its code,
    # typed in any way
    code = dossier.code
    typed = text.format(
        code=code,
        lower=code.lower(),
        nodots=code.replace(".", ""),
        spaced=code.replace("-", " - "),
    )
    # when the gateway calls back with the text
    response = _text_in(client, phone=dossier.applicant_phone, text=typed)
    # then the answer goes by SMS to that phone: status, unit, appointment, one plain part
    assert response.status_code == 200, response.content
    answer = response.json()["text"]
    appointment = timezone.localtime(dossier.appointment_at).strftime("%d/%m/%Y %H:%M")
    assert answer == (
        f"HS {code}: Dang xu ly. Dang o: Van phong Dang ky dat dai. Hen tra: {appointment}."
    )
    assert len(answer) <= 160 and answer.isascii()
    [sms] = Notification.objects.filter(event="sms_lookup")
    assert (sms.channel, sms.recipient_address, sms.body) == (
        "sms",
        dossier.applicant_phone,
        answer,
    )
    assert sms.dossier_code == code and sms.status == Notification.Status.CREATED


def test_another_phone_and_an_unknown_code_get_the_same_polite_answer(client, dossier):
    other = _text_in(client, phone="0987654321", text=f"TC {dossier.code}").json()["text"]
    unknown = _text_in(client, phone=dossier.applicant_phone, text="TC H56.14-251123-9999")
    assert other.startswith(f"Khong tim thay ho so {dossier.code}")
    assert unknown.json()["text"].startswith("Khong tim thay ho so H56.14-251123-9999")
    assert "Dang xu ly" not in other
    sent = Notification.objects.filter(event="sms_lookup").values_list("dossier_code", flat=True)
    assert list(sent) == ["", ""]


def test_a_text_without_a_code_gets_how_to_ask(client, db):
    answer = _text_in(client, phone="0912345678", text="xin chao").json()["text"]
    assert answer.startswith("Khong tim thay ho so") or answer.startswith("Soan TC")
    assert _text_in(client, phone="0912345678", text="TC").json()["text"].startswith("Soan TC")


def test_a_long_unit_name_is_shortened_to_keep_one_part(client, dossier):
    Unit.objects.filter(agency=dossier.agency).update(name="Văn phòng " + "rất " * 60 + "dài")
    tracking._unit_label.cache_clear()
    answer = _text_in(client, phone=dossier.applicant_phone, text=f"TC {dossier.code}")
    text = answer.json()["text"]
    assert len(text) <= 160 and "Dang o: Van phong rat" in text and "Hen tra" in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_X_SIGNATURE": "0" * 64},
        {"HTTP_X_GATEWAY_SECRET": "not-the-secret"},
    ],
)
def test_a_caller_without_the_gateways_secret_is_refused(client, headers):
    response = _text_in(client, phone="0912345678", text="TC X", **headers)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_a_wrong_signing_key_and_an_empty_secret_are_refused(client, settings):
    assert _text_in(client, phone="0912345678", text="TC", secret="other").status_code == 401
    settings.SMS_INBOUND_SECRET = ""
    response = _text_in(client, phone="0912345678", text="TC", HTTP_X_GATEWAY_SECRET="")
    assert response.status_code == 401


@pytest.mark.django_db
def test_the_shared_secret_header_is_accepted(client):
    response = _text_in(client, phone="0912345678", text="TC", HTTP_X_GATEWAY_SECRET=INBOUND_SECRET)
    assert response.status_code == 200


@pytest.mark.django_db
def test_bad_input_names_the_field(client):
    assert _text_in(client, phone="12", text="TC").json()["field"] == "from"
    body = json.dumps({"text": "TC"}).encode()
    signature = hmac.new(INBOUND_SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = client.post(URL, body, content_type="application/json", HTTP_X_SIGNATURE=signature)
    assert response.status_code == 400 and response.json()["field"] == "from"


@pytest.mark.django_db
def test_a_sender_past_the_limit_gets_429_and_no_answer(client):
    # given a sender allowed 3 texts a minute
    for _ in range(3):
        assert _text_in(client, phone="0912345678", text="TC").status_code == 200
    # when a fourth comes
    response = _text_in(client, phone="+84 912 345 678", text="TC")
    # then it is refused, with no SMS sent back; another sender is not affected
    assert response.status_code == 429 and response["Retry-After"]
    assert Notification.objects.count() == 3
    assert _text_in(client, phone="0987654321", text="TC").status_code == 200
