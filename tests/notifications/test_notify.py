"""notify(): one row per channel the recipient can be reached on, rendered now from the
event's templates in the recipient's language, with delivery queued in the same transaction."""

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from motcua.core.errors import InvalidInput
from motcua.core.models import AuditEntry
from motcua.notifications.models import Notification
from motcua.notifications.selectors import notification_list_for_dossier
from motcua.notifications.services import Recipient, notification_render, notify
from tests.notifications.samples import (
    APPLICANT_EVENTS,
    CODE,
    SAMPLE_DATA,
    STAFF_EVENTS,
    URL,
)

pytestmark = pytest.mark.django_db
Channel = Notification.Channel
Status = Notification.Status


def test_a_reachable_recipient_gets_one_row_per_channel(recipient):
    # given an applicant with a phone, an e-mail address and an account
    # when the dossier is received
    created = notify(
        event="dossier_received", recipient=recipient, data=SAMPLE_DATA, dossier_code=CODE
    )
    # then one message per channel is recorded for that dossier
    by_channel = {n.channel: n for n in created}
    assert set(by_channel) == {Channel.SMS, Channel.EMAIL, Channel.IN_APP}
    assert all(n.dossier_code == CODE and n.event == "dossier_received" for n in created)
    sms, email, in_app = by_channel["sms"], by_channel["email"], by_channel["in_app"]
    assert (sms.recipient_address, email.recipient_address, in_app.recipient_address) == (
        "0912345678",
        "lan@example.vn",
        "",
    )
    assert in_app.user_id == recipient.user_id
    # the SMS and the e-mail wait for the worker: one delivery task on the notifications queue
    assert sms.status == email.status == Status.CREATED
    assert sms.next_attempt_at <= timezone.now() and sms.priority == 0
    [task] = DBTaskResult.objects.all()
    assert task.queue_name == "notifications" and task.args_kwargs["args"] == []
    # the in_app one is shown on the site at once: delivered, unread
    assert in_app.status == Status.DELIVERED and in_app.delivered_at and in_app.read_at is None
    # and each is in the audit log
    assert AuditEntry.objects.filter(action="notification_create").count() == 3


def test_a_recipient_without_phone_email_or_account_gets_nothing():
    created = notify(event="dossier_received", recipient=Recipient(name="An"), data=SAMPLE_DATA)
    assert created == []
    assert not Notification.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_channels_limits_the_messages_to_those_asked_for(recipient):
    created = notify(
        event="result_ready", recipient=recipient, data=SAMPLE_DATA, channels=["email"]
    )
    assert [n.channel for n in created] == [Channel.EMAIL]


def test_an_asked_channel_the_recipient_has_no_address_for_is_skipped():
    created = notify(
        event="result_ready",
        recipient=Recipient(email="an@example.vn"),
        data=SAMPLE_DATA,
        channels=["sms", "email"],
    )
    assert [n.channel for n in created] == [Channel.EMAIL]


def test_staff_events_only_go_in_app(applicant):
    # given a staff member with a phone and an e-mail address
    staff = Recipient(
        name="Trần Văn Bình", phone="0987654321", email="b@example.vn", user_id=applicant.pk
    )
    # when a dossier is assigned to them
    created = notify(event="dossier_assigned", recipient=staff, data=SAMPLE_DATA, dossier_code=CODE)
    # then they are told on the site only
    assert [n.channel for n in created] == [Channel.IN_APP]
    assert created[0].body == (
        f"Hồ sơ {CODE} được giao cho bạn xử lý, bước: Thẩm định hồ sơ. {URL}"
    )


def test_messages_are_rendered_in_the_recipients_language(recipient):
    # given the same event for a Vietnamese and an English reader
    english = Recipient(email="john@example.com", phone="0911111111", language="en")
    vi = {
        n.channel: n
        for n in notify(event="dossier_received", recipient=recipient, data=SAMPLE_DATA)
    }
    en = {
        n.channel: n for n in notify(event="dossier_received", recipient=english, data=SAMPLE_DATA)
    }
    # then each reads its language, with the appointment in Vietnamese local time, dd/mm/yyyy
    assert vi["email"].subject == f"Hồ sơ {CODE} đã được tiếp nhận"
    assert "Ngày hẹn trả kết quả: 08/12/2025 16:00." in vi["email"].body
    assert vi["email"].body.startswith("Kính gửi Nguyễn Thị Lan,")
    assert en["email"].subject == f"Dossier {CODE} received"
    assert "Result expected on: 08/12/2025 16:00." in en["email"].body
    assert en["email"].language == "en"
    # SMS texts carry no diacritics
    assert vi["sms"].body == f"Ho so {CODE} da duoc tiep nhan. Hen tra ket qua: 08/12/2025 16:00."
    assert en["sms"].body == f"Dossier {CODE} was received. Result expected: 08/12/2025 16:00."


def test_an_unknown_language_falls_back_to_vietnamese(recipient):
    created = notify(
        event="result_ready",
        recipient=Recipient(email="x@example.vn", language="fr"),
        data=SAMPLE_DATA,
    )
    assert created[0].language == "vi" and created[0].subject.startswith("Hồ sơ")


def test_supplement_request_lists_each_missing_document_and_why():
    rendered = notification_render(
        event="supplement_requested", channel="email", language="vi", data=SAMPLE_DATA
    )
    assert "- Bản sao căn cước công dân: Ảnh chụp bị mờ\n" in rendered.body
    assert "- Sơ đồ thửa đất: Thiếu chữ ký của chủ sử dụng\n" in rendered.body
    assert f"Xem hồ sơ: {URL}" in rendered.body


def test_amounts_follow_the_language():
    def sms(language):
        return notification_render(
            event="financial_obligation", channel="sms", language=language, data=SAMPLE_DATA
        ).body

    assert "1.250.000 dong" in sms("vi")
    assert "1,250,000 VND" in sms("en")


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("event", APPLICANT_EVENTS)
def test_every_applicant_event_has_a_short_sms_an_email_and_an_in_app_text(event, language):
    sms = notification_render(event=event, channel="sms", language=language, data=SAMPLE_DATA)
    email = notification_render(event=event, channel="email", language=language, data=SAMPLE_DATA)
    in_app = notification_render(event=event, channel="in_app", language=language, data=SAMPLE_DATA)
    # one unaccented SMS part, on one line
    assert sms.body.isascii() and "\n" not in sms.body
    assert CODE in sms.body and len(sms.body) <= 160
    # an e-mail with its subject and the link to the dossier
    assert CODE in email.subject and "{" not in email.subject + email.body
    assert "Subject:" not in email.body and URL in email.body
    # a short line on the site, with the link
    assert CODE in in_app.body and in_app.body.endswith(URL)


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("event", STAFF_EVENTS)
def test_every_staff_event_has_an_in_app_text(event, language):
    rendered = notification_render(
        event=event, channel="in_app", language=language, data=SAMPLE_DATA
    )
    assert CODE in rendered.body and rendered.body.endswith(URL)


def test_dates_are_local_and_day_first():
    rendered = notification_render(
        event="consultation_requested", channel="in_app", language="vi", data=SAMPLE_DATA
    )
    assert "hạn trả lời 01/12/2025 10:00" in rendered.body


@pytest.mark.parametrize("event", ["no_such_event", "../accounts", ""])
def test_an_unknown_event_is_refused_with_its_field(recipient, event):
    with pytest.raises(InvalidInput) as error:
        notify(event=event, recipient=recipient, data={})
    assert error.value.field == "event"
    assert not Notification.objects.exists()


@pytest.mark.parametrize("channels", [["sms"], ["fax"]])
def test_a_channel_without_a_template_is_refused_with_its_field(recipient, channels):
    # dossier_assigned is in_app only; fax is no channel at all
    with pytest.raises(InvalidInput) as error:
        notify(event="dossier_assigned", recipient=recipient, data={}, channels=channels)
    assert error.value.field == "channels"


def test_a_dossiers_messages_are_listed_oldest_first(recipient):
    notify(event="dossier_submitted", recipient=recipient, data=SAMPLE_DATA, dossier_code=CODE)
    notify(event="dossier_received", recipient=recipient, data=SAMPLE_DATA, dossier_code=CODE)
    notify(event="dossier_received", recipient=recipient, data=SAMPLE_DATA, dossier_code="OTHER")
    events = [n.event for n in notification_list_for_dossier(code=CODE)]
    assert events == ["dossier_submitted"] * 3 + ["dossier_received"] * 3
