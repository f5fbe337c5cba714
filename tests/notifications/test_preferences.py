"""The applicant chooses the channels (SMS, e-mail, Zalo) and the language of their messages in
their profile; notify() honours the choice for applicant events, while staff messages and the
messages a caller sends on a given channel (codes, answers to a text) go out regardless."""

import pytest
from django.urls import reverse

from motcua.core.errors import InvalidInput
from motcua.core.models import AuditEntry
from motcua.notifications.models import NotificationPreference
from motcua.notifications.services import notification_preference_save, notify
from tests.notifications.samples import CODE, SAMPLE_DATA

pytestmark = pytest.mark.django_db
PREFERENCES = reverse("notifications:preferences")
PROFILE = reverse("accounts:profile")


@pytest.fixture
def zalo_offered(settings):
    settings.ZALO_OA_API_URL = "http://127.0.0.1:9/zalo/message"


def channels_of(notifications) -> set[str]:
    return {n.channel for n in notifications}


def test_without_a_choice_the_applicant_gets_sms_email_and_the_site_but_not_zalo(recipient):
    created = notify(event="result_ready", recipient=recipient, data=SAMPLE_DATA)
    assert channels_of(created) == {"sms", "email", "in_app"}


def test_the_chosen_channels_and_language_are_honoured(applicant, recipient, zalo_offered):
    # given an applicant who prefers Zalo to SMS, in English
    notification_preference_save(user=applicant, sms=False, email=True, zalo=True, language="en")
    # when their dossier has its result
    created = notify(event="result_ready", recipient=recipient, data=SAMPLE_DATA, dossier_code=CODE)
    # then they are told on Zalo (at their phone number), by e-mail and on the site, in English
    by_channel = {n.channel: n for n in created}
    assert set(by_channel) == {"zalo", "email", "in_app"}
    assert by_channel["zalo"].recipient_address == applicant.phone
    assert all(n.language == "en" for n in created)
    assert by_channel["email"].subject.startswith("Dossier")


def test_turning_everything_off_still_leaves_the_message_on_the_site(applicant, recipient):
    notification_preference_save(user=applicant, sms=False, email=False, zalo=False, language="vi")
    created = notify(event="result_ready", recipient=recipient, data=SAMPLE_DATA)
    assert channels_of(created) == {"in_app"}


def test_messages_sent_on_a_given_channel_ignore_the_choice_of_channels(applicant, recipient):
    # given an applicant who wants no SMS and English messages
    notification_preference_save(user=applicant, sms=False, email=False, zalo=False, language="en")
    # a staff message and an SMS the caller must send are sent all the same, in English
    [assigned] = notify(
        event="dossier_assigned", recipient=recipient, data=SAMPLE_DATA, channels=["in_app"]
    )
    [sms] = notify(event="result_ready", recipient=recipient, data=SAMPLE_DATA, channels=["sms"])
    assert (assigned.channel, sms.channel) == ("in_app", "sms")
    assert assigned.language == sms.language == "en"


def test_a_choice_is_audited_and_zalo_is_refused_where_no_account_is_configured(applicant):
    with pytest.raises(InvalidInput) as error:
        notification_preference_save(user=applicant, sms=True, email=True, zalo=True, language="vi")
    assert error.value.field == "zalo"
    with pytest.raises(InvalidInput) as error:
        notification_preference_save(
            user=applicant, sms=True, email=True, zalo=False, language="fr"
        )
    assert error.value.field == "language"
    notification_preference_save(user=applicant, sms=False, email=True, zalo=False, language="vi")
    entry = AuditEntry.objects.get(action="notification_preference_save")
    assert entry.actor == applicant and entry.changes == {"sms": [True, False]}


# --- The profile page ------------------------------------------------------------------------


def test_the_profile_page_has_the_choice_and_saving_it_comes_back(client, applicant):
    client.force_login(applicant)
    page = client.get(PROFILE).content.decode()
    assert 'id="notification-preferences"' in page and 'name="sms"' in page
    assert 'name="zalo"' not in page  # no Official Account configured here
    response = client.post(
        PREFERENCES, {"email": "on", "language": "en", "next": PROFILE}, follow=True
    )
    assert response.redirect_chain[-1][0] == PROFILE
    assert "Đã lưu lựa chọn nhận thông báo." in response.content.decode()
    preference = NotificationPreference.objects.get(user=applicant)
    assert (preference.sms, preference.email, preference.language) == (False, True, "en")


def test_with_htmx_the_section_is_saved_in_place(client, applicant, zalo_offered):
    client.force_login(applicant)
    response = client.post(
        PREFERENCES,
        {"sms": "on", "zalo": "on", "language": "vi", "next": PROFILE},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert (
        'role="status"' in html
        and '<input type="checkbox" name="zalo" id="id_zalo" checked>' in html
    )
    assert NotificationPreference.objects.get(user=applicant).zalo


def test_bad_input_is_answered_next_to_its_field_and_strangers_are_sent_to_log_in(
    client, applicant
):
    client.force_login(applicant)
    page = client.post(PREFERENCES, {"language": "xx", "next": "https://evil.example"})
    assert page.status_code == 200 and 'id="id_language_error"' in page.content.decode()
    good = client.post(PREFERENCES, {"language": "vi", "next": "https://evil.example/"})
    assert good.url == PREFERENCES
    client.logout()
    assert client.get(PREFERENCES).status_code == 302
