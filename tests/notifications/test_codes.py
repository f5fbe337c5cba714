"""One-time codes (accounts) and air-quality alerts (monitoring) go through the outbox like every
other message; a code's text is shown to no operator and wiped once the message is settled."""

import re
from pathlib import Path

import pytest
from django.core import mail

from motcua.accounts.models import Role, StaffRole, VerificationCode
from motcua.accounts.services import verification_code_send
from motcua.core.errors import Conflict
from motcua.notifications.models import Notification
from motcua.notifications.services import notification_retry, notification_send
from tests.factories import StaffFactory, UnitFactory, UserFactory
from tests.notifications.test_delivery import _run_worker

Status = Notification.Status
TESTS = "tests.notifications.conftest"


@pytest.mark.django_db(transaction=True)
def test_codes_reach_the_phone_and_the_mailbox_and_leave_no_trace_in_the_outbox(settings):
    # given a citizen with a phone and an e-mail address who asks for both codes
    user = UserFactory(email="an@example.vn", phone="0912345678", preferred_language="vi")
    verification_code_send(user=user, purpose=VerificationCode.Purpose.VERIFY_PHONE)
    verification_code_send(user=user, purpose=VerificationCode.Purpose.VERIFY_EMAIL)
    # when the worker runs
    _run_worker()
    # then the SMS (no diacritics) and the e-mail carry a six-digit code
    line = Path(settings.NOTIFICATIONS_FILE).read_text(encoding="utf-8")
    assert "\tsms\t0912345678\t" in line and re.search(r"Ma xac thuc Motcua: \d{6}\.", line)
    [email] = mail.outbox
    assert email.to == ["an@example.vn"] and re.search(r"\b\d{6}\b", email.body)
    assert email.subject.startswith("Mã xác thực thư điện tử")
    # and the outbox keeps neither text: operators see that it was secret
    for notification in Notification.objects.all():
        assert notification.status == Status.DELIVERED and notification.body == ""
        assert notification.shown_body == "(nội dung bảo mật)"


@pytest.mark.django_db
def test_a_code_given_up_cannot_be_sent_again_by_an_operator(settings):
    settings.NOTIFICATION_CHANNELS = {"sms": f"{TESTS}.PermanentlyFailingChannel"}
    user = UserFactory(phone="0912345678")
    verification_code_send(user=user, purpose=VerificationCode.Purpose.VERIFY_PHONE)
    sms = Notification.objects.get()
    notification_send(notification_id=sms.pk)
    sms.refresh_from_db()
    assert (sms.status, sms.body) == (Status.PERMANENT_FAILURE, "")
    administrator = StaffFactory()
    StaffRole.objects.create(user=administrator, unit=UnitFactory(), role=Role.ADMINISTRATOR)
    with pytest.raises(Conflict) as error:
        notification_retry(notification_id=sms.pk, actor=administrator)
    assert "mã mới" in error.value.message


@pytest.mark.django_db
def test_a_password_reset_code_has_its_own_wording_in_the_users_language():
    user = UserFactory(phone="0912345678", preferred_language="en")
    verification_code_send(user=user, purpose=VerificationCode.Purpose.PASSWORD_RESET)
    sms = Notification.objects.get()
    assert (sms.event, sms.language) == ("password_reset_code", "en")
    assert re.fullmatch(r"Motcua password reset code: \d{6}\. Valid for \d+ minutes\.", sms.body)
