"""Administrators word the messages: an override replaces the shipped template for its event,
channel and language, is checked (syntax, allowed tags, SMS length) before it is saved, audited,
and can be removed to bring the shipped wording back."""

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from motcua.accounts.models import Role, StaffRole
from motcua.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from motcua.core.models import AuditEntry
from motcua.notifications.models import NotificationTemplate
from motcua.notifications.services import (
    notification_render,
    notification_template_reset,
    notification_template_save,
    notify,
)
from motcua.notifications.templating import sms_length, sms_text, unknown_variables
from tests.factories import StaffFactory, UnitFactory
from tests.notifications.samples import CODE, SAMPLE_DATA

pytestmark = pytest.mark.django_db
SHORT_SMS = "HS {{ code }} da duoc tiep nhan, hen tra {{ appointment_at }}."
LONG_SMS = "Ho so {{ code }} ({{ procedure }}) da duoc tiep nhan. " * 3


@pytest.fixture
def administrator():
    user = StaffFactory(full_name="Hoàng Văn Quản")
    StaffRole.objects.create(user=user, unit=UnitFactory(), role=Role.ADMINISTRATOR)
    return user


def save(actor, **overrides):
    values = {
        "event": "dossier_received",
        "channel": "sms",
        "language": "vi",
        "subject": "",
        "body": SHORT_SMS,
        "expected_version": 0,
    }
    return notification_template_save(actor=actor, **{**values, **overrides})


# --- Saving and using an override --------------------------------------------------------


def test_an_override_is_used_by_notify_and_audited(administrator, recipient):
    # given an administrator's shorter wording of the acceptance SMS
    template = save(administrator)
    assert (template.version, template.updated_by) == (1, administrator)
    # when a dossier is received
    [sms] = notify(
        event="dossier_received",
        recipient=recipient,
        data=SAMPLE_DATA,
        dossier_code=CODE,
        channels=["sms"],
    )
    # then the SMS reads as the administrator wrote it, with the data filled in
    assert sms.body == f"HS {CODE} da duoc tiep nhan, hen tra 08/12/2025 16:00."
    # and the change is in the audit log, with who made it
    entry = AuditEntry.objects.get(action="notification_template_save")
    assert entry.actor == administrator and entry.changes["body"] == ["", SHORT_SMS]


def test_an_edit_needs_the_version_read_and_a_reset_brings_the_shipped_wording_back(
    administrator,
):
    shipped = notification_render(
        event="dossier_received", channel="sms", language="vi", data=SAMPLE_DATA
    ).body
    template = save(administrator)
    # a second editor who read the page before the first one saved loses
    with pytest.raises(Conflict):
        save(administrator, body="Khac {{ code }}", expected_version=0)
    edited = save(administrator, body="Moi {{ code }}", expected_version=template.version)
    assert edited.version == 2
    assert AuditEntry.objects.filter(action="notification_template_save").count() == 2
    # when the override is removed
    notification_template_reset(
        actor=administrator,
        event="dossier_received",
        channel="sms",
        language="vi",
        expected_version=2,
    )
    # then the shipped wording applies again
    assert not NotificationTemplate.objects.exists()
    rendered = notification_render(
        event="dossier_received", channel="sms", language="vi", data=SAMPLE_DATA
    )
    assert rendered.body == shipped
    assert AuditEntry.objects.filter(action="notification_template_reset").count() == 1


def test_a_vietnamese_override_leaves_the_english_template_alone(administrator):
    save(administrator)
    english = notification_render(
        event="dossier_received", channel="sms", language="en", data=SAMPLE_DATA
    )
    assert english.body.startswith("Dossier ")


def test_zalo_messages_read_as_the_sms_unless_worded_on_their_own(administrator):
    sms = notification_render(event="result_ready", channel="sms", language="vi", data=SAMPLE_DATA)
    zalo = notification_render(
        event="result_ready", channel="zalo", language="vi", data=SAMPLE_DATA
    )
    # the SMS wording, but with its diacritics: Zalo takes Unicode
    assert zalo.body.startswith("Hồ sơ") and sms_text(zalo.body) == sms.body
    save(administrator, event="result_ready", channel="zalo", body="Zalo: {{ code }} có kết quả.")
    zalo = notification_render(
        event="result_ready", channel="zalo", language="vi", data=SAMPLE_DATA
    )
    assert zalo.body == f"Zalo: {CODE} có kết quả."


def test_an_email_override_has_its_own_subject(administrator):
    save(
        administrator,
        event="result_ready",
        channel="email",
        subject="Kết quả hồ sơ {{ code }}",
        body="Kính gửi {{ recipient_name }},\n\nĐã có kết quả.",
    )
    rendered = notification_render(
        event="result_ready",
        channel="email",
        language="vi",
        data={**SAMPLE_DATA, "recipient_name": "Lan"},
    )
    assert rendered.subject == f"Kết quả hồ sơ {CODE}"
    assert rendered.body == "Kính gửi Lan,\n\nĐã có kết quả."


# --- Checks before saving ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"body": "   "}, "body", "invalid"),
        ({"body": "{% if code %}không đóng"}, "body", "template"),
        ({"body": "{% load static %}{% static 'x' %}"}, "body", "template"),
        ({"body": "{% include 'base.html' %}"}, "body", "template"),
        ({"channel": "email", "subject": "", "body": "Nội dung"}, "subject", "invalid"),
        ({"body": LONG_SMS}, "accept_long", "sms_long"),
        ({"body": LONG_SMS * 3, "accept_long": True}, "body", "sms_too_long"),
    ],
)
def test_a_template_that_would_not_work_is_refused_with_its_field(
    administrator, changes, field, code
):
    with pytest.raises(InvalidInput) as error:
        save(administrator, **changes)
    assert (error.value.field, error.value.code) == (field, code)
    assert error.value.message
    assert not NotificationTemplate.objects.exists()


def test_a_long_sms_is_saved_once_the_administrator_accepts_it(administrator):
    template = save(administrator, body=LONG_SMS, accept_long=True)
    assert template.pk


def test_only_administrators_edit_templates_and_only_known_ones(administrator):
    with pytest.raises(PermissionDenied):
        save(StaffFactory())
    with pytest.raises(NotFound):
        save(administrator, event="dossier_assigned", channel="sms")
    with pytest.raises(NotFound):
        save(administrator, language="fr")


# --- SMS arithmetic ----------------------------------------------------------------------

VIETNAMESE_LETTERS = (
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
)


@given(
    st.text(
        alphabet=VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper() + " 0123456789.,:;-–“”…/()",
        max_size=400,
    )
)
def test_vietnamese_text_becomes_an_sms_of_160_characters_per_part(text):
    body = sms_text(text)
    length = sms_length(body)
    assert not length.unicode and body.isascii()
    expected = 1 if len(body) <= 160 else -(-len(body) // 153)
    assert length.parts == expected


def test_a_character_outside_the_sms_alphabet_makes_the_text_unicode():
    length = sms_length("Ho so H56.14 ✓")
    assert (length.unicode, length.non_ascii, length.single_limit) == (True, "✓", 70)


def test_unknown_variables_are_found_but_loop_and_with_names_are_not():
    text = (
        "{{ code }} {{ cdoe }} {% for item in items %}{{ item.name }}{{ forloop.counter }}"
        "{% endfor %}{% with n=number %}{{ n }}{% endwith %}"
    )
    assert unknown_variables(text, known={"code", "items", "number"}) == ["cdoe"]


# --- The pages -----------------------------------------------------------------------------

LIST = reverse("notifications:templates")
EDIT = reverse("notifications:template-edit", args=["dossier_received", "sms", "vi"])
PREVIEW = reverse("notifications:template-preview", args=["dossier_received", "sms", "vi"])


def test_the_list_shows_every_event_channel_and_language(client, administrator):
    save(administrator)
    client.force_login(administrator)
    page = client.get(LIST).content.decode()
    assert EDIT in page and "Hồ sơ được tiếp nhận" in page
    assert reverse("notifications:template-edit", args=["dossier_assigned", "in_app", "en"]) in page
    assert "Đã sửa" in page


def test_the_edit_page_previews_the_current_wording_with_sample_data(client, administrator):
    client.force_login(administrator)
    page = client.get(EDIT).content.decode()
    assert 'id="template-preview"' in page and f'hx-post="{PREVIEW}"' in page
    assert "Ho so H56.14-251123-0007 da duoc tiep nhan" in page
    assert "1 tin nhắn" in page


def test_the_live_preview_counts_parts_and_warns_about_length_and_unicode(client, administrator):
    client.force_login(administrator)
    response = client.post(PREVIEW, {"body": LONG_SMS + " ✓"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "3 tin nhắn" in html or "4 tin nhắn" in html
    assert "dài hơn một tin" in html and "✓" in html
    broken = client.post(PREVIEW, {"body": "{% if %}"}, HTTP_HX_REQUEST="true")
    assert "Mẫu chưa dùng được" in broken.content.decode()


def test_saving_a_long_sms_asks_to_confirm_then_saves(client, administrator):
    client.force_login(administrator)
    # when the administrator saves a three-part SMS
    page = client.post(EDIT, {"body": LONG_SMS, "version": 0}).content.decode()
    # then nothing is saved: the page warns, next to a box to tick
    assert not NotificationTemplate.objects.exists()
    assert 'name="accept_long"' in page and 'aria-invalid="true"' in page
    # and once ticked, it is saved
    response = client.post(EDIT, {"body": LONG_SMS, "version": 0, "accept_long": "on"})
    assert response.status_code == 302
    assert NotificationTemplate.objects.get().body == LONG_SMS.strip()


def test_a_syntax_error_is_shown_next_to_the_body(client, administrator):
    client.force_login(administrator)
    page = client.post(EDIT, {"body": "{% for x in %}", "version": 0}).content.decode()
    assert 'id="id_body_error"' in page and "aria-describedby" in page


def test_the_reset_button_removes_the_override(client, administrator):
    template = save(administrator)
    client.force_login(administrator)
    reset = reverse("notifications:template-reset", args=["dossier_received", "sms", "vi"])
    response = client.post(reset, {"version": template.version})
    assert response.status_code == 302 and not NotificationTemplate.objects.exists()


def test_other_staff_and_unknown_templates_are_refused(client, administrator):
    client.force_login(StaffFactory())
    assert client.get(LIST).status_code == 403
    assert client.post(PREVIEW, {"body": "x"}).status_code == 403
    client.force_login(administrator)
    unknown = reverse("notifications:template-edit", args=["dossier_assigned", "sms", "vi"])
    assert client.get(unknown).status_code == 404
