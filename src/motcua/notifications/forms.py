"""Forms of the notifications pages: an administrator's template, a person's choices."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from motcua.notifications.models import LANGUAGE_CHOICES, Notification
from motcua.notifications.selectors import notification_preference_of, zalo_offered
from motcua.notifications.templating import MAX_BODY_LENGTH


class NotificationTemplateForm(forms.Form):
    """The wording of one message; the subject only for e-mail."""

    subject = forms.CharField(label=_("Tiêu đề thư"), max_length=255, required=False)
    body = forms.CharField(
        label=_("Nội dung"),
        max_length=MAX_BODY_LENGTH,
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "true"}),
        help_text=_(
            "Dùng các biến như mẫu gốc, ví dụ {{ code }}, {{ procedure }}, {{ appointment_at }}; "
            "được dùng các thẻ if, for và with."
        ),
    )
    accept_long = forms.BooleanField(label=_("Vẫn lưu dù tin nhắn dài hơn một tin"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, channel: str, **kwargs):
        super().__init__(*args, **kwargs)
        if channel != Notification.Channel.EMAIL:
            del self.fields["subject"]
        if channel != Notification.Channel.SMS:
            del self.fields["accept_long"]


class NotificationPreferenceForm(forms.Form):
    """The channels a person hears on (besides the site) and the language; Zalo only where an
    Official Account is configured."""

    sms = forms.BooleanField(label=_("Tin nhắn SMS"), required=False)
    email = forms.BooleanField(label=_("Thư điện tử"), required=False)
    zalo = forms.BooleanField(label=_("Tin nhắn Zalo"), required=False)
    language = forms.ChoiceField(label=_("Ngôn ngữ của thông báo"), choices=LANGUAGE_CHOICES)

    def __init__(self, *args, zalo: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not zalo:
            del self.fields["zalo"]

    @classmethod
    def for_user(cls, user, data=None) -> NotificationPreferenceForm:
        """The form filled with the user's choices (or their defaults)."""
        preference = notification_preference_of(user=user)
        initial = {name: getattr(preference, name) for name in ("sms", "email", "zalo", "language")}
        return cls(data, initial=initial, zalo=zalo_offered())

    @property
    def channel_fields(self) -> list:
        return [self[name] for name in ("sms", "email", "zalo") if name in self.fields]
