"""As a citizen would: texting "TC <code>" to the stand-in gateway, which calls Motcua back
(live server); the worker sends the answer through the same gateway, to that phone."""

import pytest
from django.core.cache import cache

from motcua.dossiers.backoffice import dossier_act
from tests.dossiers.backoffice_samples import office, submitted
from tests.notifications.conftest import (
    CHANNELS,
    INBOUND_SECRET,
    SmsGateway,
    start_sms_standin,
)
from tests.notifications.test_delivery import _run_worker

pytestmark = pytest.mark.django_db(transaction=True)


def test_texting_tc_and_the_code_answers_by_sms(administrative_units, live_server, settings):
    # given a received dossier, and the gateway pointed at this Motcua for inbound texts
    place = office()
    dossier = dossier_act(
        actor=place.officer, dossier=submitted(place).code, action="receive", payload={}
    )
    process, url = start_sms_standin("--callback-url", f"{live_server.url}/api/v1/sms/inbound")
    try:
        settings.SMS_INBOUND_SECRET = INBOUND_SECRET
        settings.SMS_GATEWAY_URL = f"{url}/messages"
        settings.SMS_GATEWAY_USERNAME, settings.SMS_GATEWAY_PASSWORD = "tests", "tests-password"
        settings.NOTIFICATION_CHANNELS = {"sms": f"{CHANNELS}.HttpSmsChannel"}
        cache.clear()
        gateway = SmsGateway(url)
        # when the applicant texts the code, in lower case
        answer = gateway.text_in(phone=dossier.applicant_phone, text=f"tc {dossier.code.lower()}")
        assert answer.status_code == 200 and answer.json()["status"] == 200, answer.text
        # and the worker runs
        _run_worker()
        # then the applicant's phone got the status by SMS, once, after the messages of the
        # submission and the reception
        texts = [m["text"] for m in reversed(gateway.messages(to=dossier.applicant_phone))]
        assert len(texts) == 3, texts
        assert texts[0].startswith(f"Ho so {dossier.code} da duoc nop thanh cong")
        assert texts[1].startswith(f"Ho so {dossier.code} da duoc tiep nhan.")
        assert texts[2].startswith(f"HS {dossier.code}: Dang xu ly.") and len(texts[-1]) <= 160
    finally:
        process.terminate()
        process.wait(timeout=10)
