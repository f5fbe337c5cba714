"""Citizen and organisation registration, one-time codes and password reset by SMS."""

from datetime import date, timedelta

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from motcua.accounts.models import User, VerificationCode
from motcua.accounts.services import (
    password_reset_code_send,
    password_reset_with_code,
    user_register,
    verification_code_confirm,
    verification_code_send,
)
from motcua.core.errors import InvalidInput
from motcua.core.models import AuditEntry
from tests.factories import UserFactory
from tests.notifications.outbox import SmsOutbox, emails_sent

pytestmark = pytest.mark.django_db

PASSWORD = "Lam-Dong-2026!"


def register_citizen(**overrides) -> User:
    details = {
        "kind": User.Kind.CITIZEN,
        "full_name": "Nguyễn Văn An",
        "password": PASSWORD,
        "email": "an@example.vn",
        "phone": "+84 912 345 678",
        "personal_id": "068090001234",
        "date_of_birth": date(1990, 3, 15),
    }
    return user_register(**{**details, **overrides})


@pytest.fixture
def sms_log():
    """Every SMS the accounts app recorded in the notifications outbox: (phone, text)."""
    return SmsOutbox()


def code_in(text: str) -> str:
    return next(
        word.strip(".,")
        for word in text.split()
        if word.strip(".,").isdigit() and len(word.strip(".,")) == 6
    )


def test_citizen_registers_and_is_sent_codes_by_email_and_sms_after_commit(
    django_capture_on_commit_callbacks, sms_log
):
    # when a citizen registers with e-mail and phone
    with django_capture_on_commit_callbacks(execute=True):
        user = register_citizen()
    # then the account logs in with the ID number, the phone is normalised, nothing is verified
    assert (user.username, user.phone, user.kind) == ("068090001234", "0912345678", "citizen")
    assert user.check_password(PASSWORD)
    assert user.email_verified_at is None and user.phone_verified_at is None
    # and a code is on its way to each channel, and the audit log has the registration
    emails = emails_sent()
    assert len(emails) == 1 and emails[0].recipient_address == "an@example.vn"
    assert code_in(emails[0].body) and emails[0].sensitive
    assert [phone for phone, _text in sms_log] == ["0912345678"]
    assert "Ma xac thuc" in sms_log[0][1]  # SMS without diacritics
    # on the notifications queue, committed with the account
    assert DBTaskResult.objects.filter(queue_name="notifications").exists()
    assert AuditEntry.objects.filter(action="user.register", object_id=str(user.pk)).exists()


def test_nothing_is_sent_when_registration_rolls_back(django_capture_on_commit_callbacks, sms_log):
    # given a registration inside a transaction that fails afterwards
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        register_citizen()
        raise RuntimeError
    # then nobody was told anything
    assert callbacks == [] and emails_sent() == [] and sms_log == []
    assert not DBTaskResult.objects.exists()


def test_organisation_registers_with_a_tax_code_and_a_phone_only():
    user = user_register(
        kind=User.Kind.ORGANISATION,
        full_name="Công ty TNHH Xanh",
        password=PASSWORD,
        phone="0905123456",
        tax_code="5800123456-001",
    )
    assert (user.username, user.tax_code, user.personal_id) == (
        "5800123456-001",
        "5800123456-001",
        "",
    )


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"email": "", "phone": ""}, "email", "ít nhất một"),
        ({"email": "not-an-email"}, "email", "thư điện tử"),
        ({"phone": "0212345678"}, "phone", "Số điện thoại"),
        ({"personal_id": ""}, "personal_id", "số định danh"),
        ({"personal_id": "068090001"}, "personal_id", "12 chữ số"),
        ({"date_of_birth": date(1991, 3, 15)}, "personal_id", "năm sinh"),
        ({"date_of_birth": date.today() + timedelta(days=1)}, "date_of_birth", "tương lai"),
        ({"full_name": "  "}, "full_name", "họ và tên"),
        ({"password": "12345678"}, "password", ""),
        ({"kind": "staff"}, "kind", "Loại tài khoản"),
    ],
)
def test_bad_registration_names_the_field_in_vietnamese(overrides, field, words):
    with pytest.raises(InvalidInput) as caught:
        register_citizen(**overrides)
    assert caught.value.field == field
    assert words in caught.value.message
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("existing", "overrides", "field"),
    [
        ({"email": "AN@example.vn"}, {}, "email"),
        ({"phone": "0912345678"}, {}, "phone"),
        (
            {"personal_id": "068090001234"},
            {"email": "other@example.vn", "phone": ""},
            "personal_id",
        ),
    ],
)
def test_duplicate_email_phone_or_id_is_refused_with_its_field(existing, overrides, field):
    UserFactory(**{"email": "", **existing})
    with pytest.raises(InvalidInput) as caught:
        register_citizen(**overrides)
    assert (caught.value.field, caught.value.code) == (field, "duplicate")
    assert "đã" in caught.value.message


def test_duplicate_tax_code_is_refused():
    UserFactory(kind=User.Kind.ORGANISATION, tax_code="5800123456", email="")
    with pytest.raises(InvalidInput) as caught:
        user_register(
            kind=User.Kind.ORGANISATION,
            full_name="Công ty khác",
            password=PASSWORD,
            email="khac@example.vn",
            tax_code="5800123456",
        )
    assert caught.value.field == "tax_code"


# --- one-time codes ---------------------------------------------------------------------------


@pytest.fixture
def citizen(sms_log, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = register_citizen()
    return user


def last_code(sms_log) -> str:
    return code_in(sms_log[-1][1])


def test_right_code_marks_the_phone_verified_once(citizen, sms_log):
    verification_code_confirm(
        user=citizen, purpose=VerificationCode.Purpose.VERIFY_PHONE, code=last_code(sms_log)
    )
    citizen.refresh_from_db()
    assert citizen.phone_verified_at is not None and citizen.email_verified_at is None
    # a used code does not work a second time
    with pytest.raises(InvalidInput) as caught:
        verification_code_confirm(
            user=citizen, purpose=VerificationCode.Purpose.VERIFY_PHONE, code=last_code(sms_log)
        )
    assert caught.value.code == "code_expired"


def test_email_code_from_the_mail_verifies_the_email(citizen):
    code = code_in(emails_sent()[-1].body)
    verification_code_confirm(
        user=citizen, purpose=VerificationCode.Purpose.VERIFY_EMAIL, code=code
    )
    citizen.refresh_from_db()
    assert citizen.email_verified_at is not None


def test_only_a_hash_of_the_code_is_stored(citizen, sms_log):
    record = VerificationCode.objects.get(user=citizen, purpose="verify_phone")
    assert last_code(sms_log) not in record.code_hash and len(record.code_hash) == 64


def test_expired_code_is_refused(citizen, sms_log):
    VerificationCode.objects.filter(user=citizen).update(
        expires_at=VerificationCode.objects.first().created_at
    )
    with pytest.raises(InvalidInput) as caught:
        verification_code_confirm(
            user=citizen, purpose=VerificationCode.Purpose.VERIFY_PHONE, code=last_code(sms_log)
        )
    assert caught.value.code == "code_expired" and "hết hạn" in caught.value.message


def test_five_wrong_tries_kill_the_code_even_the_right_one_after(citizen, sms_log):
    right = last_code(sms_log)
    wrong = "000000" if right != "000000" else "111111"
    messages = []
    for _attempt in range(5):
        with pytest.raises(InvalidInput) as caught:
            verification_code_confirm(
                user=citizen, purpose=VerificationCode.Purpose.VERIFY_PHONE, code=wrong
            )
        messages.append(caught.value.message)
    assert "còn 4 lần" in messages[0]
    with pytest.raises(InvalidInput) as caught:
        verification_code_confirm(
            user=citizen, purpose=VerificationCode.Purpose.VERIFY_PHONE, code=right
        )
    assert caught.value.code == "too_many_attempts"
    citizen.refresh_from_db()
    assert citizen.phone_verified_at is None


def test_resend_is_throttled_and_a_new_code_replaces_the_old(
    citizen, sms_log, settings, django_capture_on_commit_callbacks
):
    # right after registration another code is refused
    with pytest.raises(InvalidInput) as caught:
        verification_code_send(user=citizen, purpose=VerificationCode.Purpose.VERIFY_PHONE)
    assert caught.value.code == "too_soon" and caught.value.field == "phone_code"
    # once the interval has passed a new code is sent and only it works
    settings.VERIFICATION_CODE_RESEND_SECONDS = 0
    old = last_code(sms_log)
    with django_capture_on_commit_callbacks(execute=True):
        verification_code_send(user=citizen, purpose=VerificationCode.Purpose.VERIFY_PHONE)
    new = last_code(sms_log)
    if old != new:
        with pytest.raises(InvalidInput):
            verification_code_confirm(
                user=citizen, purpose=VerificationCode.Purpose.VERIFY_PHONE, code=old
            )
    verification_code_confirm(user=citizen, purpose=VerificationCode.Purpose.VERIFY_PHONE, code=new)
    citizen.refresh_from_db()
    assert citizen.phone_verified_at is not None


# --- password reset by SMS --------------------------------------------------------------------


def test_phone_only_account_resets_its_password_with_an_sms_code(
    sms_log, django_capture_on_commit_callbacks
):
    user = UserFactory(email="", phone="0905123456")
    with django_capture_on_commit_callbacks(execute=True):
        assert password_reset_code_send(phone="0905 123 456") == "0905123456"
    password_reset_with_code(
        phone="0905123456", code=last_code(sms_log), new_password="Mat-khau-moi-2026"
    )
    user.refresh_from_db()
    assert user.check_password("Mat-khau-moi-2026")
    assert AuditEntry.objects.filter(action="user.password_reset", object_id=str(user.pk)).exists()


def test_reset_for_an_unknown_phone_looks_the_same_and_sends_nothing(
    sms_log, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert password_reset_code_send(phone="0905999999") == "0905999999"
    assert sms_log == []
    with pytest.raises(InvalidInput) as caught:
        password_reset_with_code(
            phone="0905999999", code="123456", new_password="Mat-khau-moi-2026"
        )
    assert caught.value.field == "code"


def test_weak_new_password_is_refused_before_the_code_is_used(
    sms_log, django_capture_on_commit_callbacks
):
    UserFactory(email="", phone="0905123456")
    with django_capture_on_commit_callbacks(execute=True):
        password_reset_code_send(phone="0905123456")
    with pytest.raises(InvalidInput) as caught:
        password_reset_with_code(phone="0905123456", code=last_code(sms_log), new_password="123")
    assert caught.value.field == "new_password1"
    assert VerificationCode.objects.get(purpose="password_reset").consumed_at is None


def test_a_too_short_password_is_explained_in_vietnamese():
    with pytest.raises(InvalidInput) as caught:
        register_citizen(password="Ab-1")
    assert "quá ngắn" in caught.value.message and "8 ký tự" in caught.value.message
    assert "This password" not in caught.value.message
