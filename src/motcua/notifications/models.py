"""The notifications outbox (one row per message and channel, and each delivery attempt) and
the administrators' wording of the messages."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.core.models import VersionedModel

# The languages messages are written in (as accounts.User.preferred_language).
LANGUAGE_CHOICES = [("vi", "Tiếng Việt"), ("en", "English")]


class Notification(models.Model):
    """A message to one recipient on one channel, rendered when it was recorded.

    Written in the same transaction as the change that caused it; delivered afterwards by the
    `notifications_deliver` task, which sends the due messages in batches (in_app messages
    need no gateway and are delivered at once)."""

    class Channel(models.TextChoices):
        SMS = "sms", _("Tin nhắn SMS")
        EMAIL = "email", _("Thư điện tử")
        IN_APP = "in_app", _("Thông báo trên hệ thống")
        ZALO = "zalo", _("Tin nhắn Zalo")

    class Status(models.TextChoices):
        CREATED = "created", _("Mới tạo")
        SENDING = "sending", _("Đang gửi")
        DELIVERED = "delivered", _("Đã gửi")
        TEMPORARY_FAILURE = "temporary_failure", _("Lỗi tạm thời, sẽ gửi lại")
        PERMANENT_FAILURE = "permanent_failure", _("Không gửi được")
        TECHNICAL_FAILURE = "technical_failure", _("Lỗi kỹ thuật")

    event = models.CharField(_("sự kiện"), max_length=64, db_index=True)
    channel = models.CharField(_("kênh"), max_length=20, choices=Channel.choices)
    recipient_name = models.CharField(_("người nhận"), max_length=255, blank=True)
    # The phone number or e-mail address; empty for in_app messages, which go to `user`.
    recipient_address = models.CharField(_("địa chỉ nhận"), max_length=255, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("tài khoản nhận"),
    )
    language = models.CharField(_("ngôn ngữ"), max_length=5, default="vi")
    subject = models.CharField(_("tiêu đề"), max_length=255, blank=True)
    body = models.TextField(_("nội dung"))
    dossier_code = models.CharField(_("mã hồ sơ"), max_length=40, blank=True, db_index=True)
    status = models.CharField(
        _("trạng thái"), max_length=20, choices=Status.choices, default=Status.CREATED
    )
    attempts = models.PositiveSmallIntegerField(_("số lần gửi"), default=0)
    # When the worker may (next) try it: at once when recorded, after the back-off when a try
    # failed for now. Meaningless once the message is settled.
    next_attempt_at = models.DateTimeField(_("gửi lần tới lúc"), default=timezone.now)
    # Higher first: a one-time code overtakes a batch of dossier messages.
    priority = models.SmallIntegerField(_("độ ưu tiên"), default=0)
    # Sent to gateways that accept one, so that a message sent twice is delivered once.
    idempotency_key = models.UUIDField(
        _("khóa chống gửi trùng"), default=uuid.uuid4, unique=True, editable=False
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("đã gửi lúc"), null=True, blank=True)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    read_at = models.DateTimeField(_("đã đọc lúc"), null=True, blank=True)
    # A one-time code: its text is shown to nobody and wiped once the message is settled
    # (delivered or given up), so that the outbox never keeps what the code tables only hash.
    sensitive = models.BooleanField(_("nội dung bảo mật"), default=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        indexes = [
            models.Index(
                fields=["user", "read_at"],
                condition=models.Q(channel="in_app"),
                name="notification_inbox",
            ),
            # The worker's claim: messages waiting to be sent, most urgent first, then in the
            # order they were recorded (a person's messages arrive in the order of the events,
            # even when an earlier one had to wait for a retry).
            models.Index(
                fields=["-priority", "id"],
                condition=models.Q(status__in=["created", "temporary_failure"]),
                name="notification_waiting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} – {self.get_channel_display()} – {self.dossier_code or self.pk}"

    @property
    def shown_body(self) -> str:
        """The text as operators may see it."""
        return _("(nội dung bảo mật)") if self.sensitive else self.body


class NotificationAttempt(models.Model):
    """One try to hand a notification to its channel; the delivery history operators read."""

    class Outcome(models.TextChoices):
        DELIVERED = "delivered", _("Đã gửi")
        TEMPORARY_FAILURE = "temporary_failure", _("Lỗi tạm thời")
        PERMANENT_FAILURE = "permanent_failure", _("Không gửi được")
        TECHNICAL_FAILURE = "technical_failure", _("Lỗi kỹ thuật")

    notification = models.ForeignKey(
        Notification,
        on_delete=models.CASCADE,
        related_name="delivery_attempts",
        verbose_name=_("thông báo"),
    )
    started_at = models.DateTimeField(_("bắt đầu"))
    # A batch's deliveries are recorded together: their attempts end when the batch is written.
    finished_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)
    # Empty while the attempt runs; stays empty if the worker died during it.
    outcome = models.CharField(_("kết quả"), max_length=20, choices=Outcome.choices, blank=True)
    error = models.TextField(_("lỗi"), blank=True)

    class Meta:
        ordering = ["started_at", "pk"]
        verbose_name = _("lần gửi")
        verbose_name_plural = _("lần gửi")

    def __str__(self) -> str:
        return f"{self.notification_id} @ {self.started_at:%d/%m/%Y %H:%M:%S}"


class NotificationTemplate(VersionedModel):
    """An administrator's wording of one event's message on one channel in one language. It
    replaces the file notifications/templates/notifications/<event>/<channel>.<language>.txt;
    deleting it brings the file's wording back."""

    event = models.CharField(_("sự kiện"), max_length=64)
    channel = models.CharField(_("kênh"), max_length=20, choices=Notification.Channel.choices)
    language = models.CharField(_("ngôn ngữ"), max_length=5, choices=LANGUAGE_CHOICES)
    # E-mail only; the other channels have no subject.
    subject = models.CharField(_("tiêu đề"), max_length=255, blank=True)
    body = models.TextField(_("nội dung"))
    updated_at = models.DateTimeField(_("sửa lúc"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người sửa"),
    )

    class Meta:
        ordering = ["event", "channel", "language"]
        verbose_name = _("mẫu thông báo")
        verbose_name_plural = _("mẫu thông báo")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "channel", "language"], name="notification_template_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} – {self.get_channel_display()} – {self.language}"


class NotificationPreference(models.Model):
    """How a person wants to hear about their dossiers: the channels besides the site itself
    (always on) and the language. Without a row: SMS and e-mail, in the account's language."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_preference",
        verbose_name=_("tài khoản"),
    )
    sms = models.BooleanField(_("tin nhắn SMS"), default=True)
    email = models.BooleanField(_("thư điện tử"), default=True)
    zalo = models.BooleanField(_("tin nhắn Zalo"), default=False)
    language = models.CharField(
        _("ngôn ngữ thông báo"), max_length=5, choices=LANGUAGE_CHOICES, default="vi"
    )
    updated_at = models.DateTimeField(_("sửa lúc"), auto_now=True)

    class Meta:
        verbose_name = _("lựa chọn nhận thông báo")
        verbose_name_plural = _("lựa chọn nhận thông báo")

    def __str__(self) -> str:
        return str(self.user)

    def wants(self, channel: str) -> bool:
        """Whether messages may go out on `channel` (in_app always)."""
        return channel == Notification.Channel.IN_APP or bool(getattr(self, channel, False))
