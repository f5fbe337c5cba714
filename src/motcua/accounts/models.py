"""People, agencies, units and roles."""

from __future__ import annotations

from datetime import time

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from motcua.core.models import Commune, Province, VersionedModel


class Agency(VersionedModel):
    """An agency (cơ quan): the ministry, a provincial department, a commune one-stop desk...
    `code` is its electronic identifier (mã định danh điện tử), e.g. "H56.14"."""

    class Kind(models.TextChoices):
        MINISTRY = "ministry", _("Bộ")
        DEPARTMENT = "department", _("Sở")
        PROVINCIAL_UNIT = "provincial_unit", _("Đơn vị trực thuộc sở")
        COMMUNE = "commune", _("UBND cấp xã (bộ phận một cửa)")
        OTHER = "other", _("Cơ quan khác")

    code = models.CharField(_("mã định danh"), max_length=32, unique=True)
    name = models.CharField(_("tên"), max_length=255)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=255, blank=True)
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("cơ quan cấp trên"),
    )
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("tỉnh")
    )
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("xã, phường")
    )
    phone = models.CharField(_("điện thoại"), max_length=20, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    # Working hours (half days): used by the working calendar for this agency's deadlines.
    morning_start = models.TimeField(_("sáng từ"), default=time(7, 0))
    morning_end = models.TimeField(_("sáng đến"), default=time(11, 30))
    afternoon_start = models.TimeField(_("chiều từ"), default=time(13, 30))
    afternoon_end = models.TimeField(_("chiều đến"), default=time(17, 0))
    is_active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("cơ quan")
        verbose_name_plural = _("cơ quan")
        constraints = [
            models.CheckConstraint(
                condition=Q(morning_start__lt=models.F("morning_end"))
                & Q(morning_end__lte=models.F("afternoon_start"))
                & Q(afternoon_start__lt=models.F("afternoon_end")),
                name="agency_working_hours_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Unit(VersionedModel):
    """A unit inside an agency (phòng, chi cục, văn phòng đăng ký đất đai, bộ phận một cửa)."""

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="units", verbose_name=_("cơ quan")
    )
    code = models.CharField(_("mã"), max_length=32)
    name = models.CharField(_("tên"), max_length=255)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=255, blank=True)
    is_one_stop_desk = models.BooleanField(_("là bộ phận một cửa"), default=False)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        ordering = ["agency__code", "code"]
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        constraints = [
            models.UniqueConstraint(fields=["agency", "code"], name="unit_code_unique_in_agency")
        ]

    def __str__(self) -> str:
        return f"{self.name} – {self.agency.code}"


class Role(models.TextChoices):
    RECEIVING_OFFICER = "receiving_officer", _("Cán bộ tiếp nhận (một cửa)")
    SPECIALIST = "specialist", _("Chuyên viên")
    UNIT_HEAD = "unit_head", _("Lãnh đạo phòng")
    DIRECTOR = "director", _("Lãnh đạo sở")
    ADMINISTRATOR = "administrator", _("Quản trị hệ thống")
    MONITORING_OPERATOR = "monitoring_operator", _("Cán bộ quan trắc")


class MotcuaUserManager(UserManager):
    def get_by_natural_key(self, username: str):
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractUser, VersionedModel):
    """Everyone who logs in: staff, citizens and organisations.

    Citizens log in with their e-mail or phone number (see accounts/backends.py); `username` is
    set from it. Staff belong to units through `StaffRole`."""

    class Kind(models.TextChoices):
        CITIZEN = "citizen", _("Công dân")
        ORGANISATION = "organisation", _("Tổ chức, doanh nghiệp")
        STAFF = "staff", _("Cán bộ, công chức")

    kind = models.CharField(_("loại tài khoản"), max_length=20, choices=Kind.choices)
    full_name = models.CharField(_("họ và tên / tên tổ chức"), max_length=255)
    email = models.EmailField(_("thư điện tử"), blank=True)
    phone = models.CharField(_("số điện thoại"), max_length=15, blank=True)
    personal_id = models.CharField(_("số định danh cá nhân"), max_length=12, blank=True)
    tax_code = models.CharField(_("mã số thuế"), max_length=14, blank=True)
    date_of_birth = models.DateField(_("ngày sinh"), null=True, blank=True)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("tỉnh")
    )
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("xã, phường")
    )
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    email_verified_at = models.DateTimeField(_("xác thực thư điện tử lúc"), null=True, blank=True)
    phone_verified_at = models.DateTimeField(_("xác thực điện thoại lúc"), null=True, blank=True)
    preferred_language = models.CharField(
        _("ngôn ngữ"), max_length=5, default="vi", choices=[("vi", "Tiếng Việt"), ("en", "English")]
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("cơ quan công tác"),
    )

    objects = MotcuaUserManager()

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")
        constraints = [
            models.UniqueConstraint(
                fields=["email"], condition=~Q(email=""), name="user_email_unique"
            ),
            models.UniqueConstraint(
                fields=["phone"], condition=~Q(phone=""), name="user_phone_unique"
            ),
            models.UniqueConstraint(
                fields=["personal_id"], condition=~Q(personal_id=""), name="user_personal_id_unique"
            ),
            models.UniqueConstraint(
                fields=["tax_code"], condition=~Q(tax_code=""), name="user_tax_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or super().get_full_name()

    @property
    def is_staff_member(self) -> bool:
        return self.kind == self.Kind.STAFF


class StaffRole(models.Model):
    """A role that a staff user holds in a unit of their agency. A user may hold several."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="staff_roles", verbose_name=_("cán bộ")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="staff_roles", verbose_name=_("đơn vị")
    )
    role = models.CharField(_("vai trò"), max_length=32, choices=Role.choices)

    class Meta:
        verbose_name = _("vai trò của cán bộ")
        verbose_name_plural = _("vai trò của cán bộ")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="staff_role_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.unit}"


class AgencyAccessGrant(models.Model):
    """An explicit exception to agency scoping: `user` may see `agency` (and the agencies under
    it) although they do not work there, e.g. an inspector or a liên thông partner."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="access_grants", verbose_name=_("cán bộ")
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, related_name="access_grants", verbose_name=_("cơ quan")
    )
    granted_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người cấp quyền"),
    )
    reason = models.CharField(_("lý do, căn cứ"), max_length=255)
    created_at = models.DateTimeField(_("cấp lúc"), auto_now_add=True)
    expires_at = models.DateTimeField(_("hết hạn lúc"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("quyền xem dữ liệu cơ quan khác")
        verbose_name_plural = _("quyền xem dữ liệu cơ quan khác")
        constraints = [
            models.UniqueConstraint(fields=["user", "agency"], name="agency_access_grant_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.agency.code}"


class VerificationCode(models.Model):
    """A one-time code sent to an e-mail address or phone number. Only a keyed hash of the code
    is stored; it dies after VERIFICATION_CODE_TTL_SECONDS or MAX_ATTEMPTS wrong tries."""

    MAX_ATTEMPTS = 5

    class Purpose(models.TextChoices):
        VERIFY_EMAIL = "verify_email", _("Xác thực thư điện tử")
        VERIFY_PHONE = "verify_phone", _("Xác thực số điện thoại")
        PASSWORD_RESET = "password_reset", _("Đặt lại mật khẩu")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Thư điện tử")
        SMS = "sms", _("Tin nhắn SMS")

    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="verification_codes",
        verbose_name=_("người dùng"),
    )
    purpose = models.CharField(_("mục đích"), max_length=20, choices=Purpose.choices)
    channel = models.CharField(_("kênh gửi"), max_length=10, choices=Channel.choices)
    target = models.CharField(_("gửi tới"), max_length=254)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    attempts = models.PositiveSmallIntegerField(_("số lần nhập sai"), default=0)
    # Set when the code was used, or replaced by a newer one: a consumed code never works again.
    consumed_at = models.DateTimeField(_("đã dùng lúc"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("mã xác thực")
        verbose_name_plural = _("mã xác thực")
        indexes = [models.Index(fields=["user", "purpose", "target"])]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} – {self.target}"


class ApiToken(models.Model):
    """A short-lived bearer token for programs. Only its SHA-256 is stored: the token itself is
    shown once, when issued."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("người dùng")
    )
    key_hash = models.CharField(_("mã băm SHA-256"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("cấp lúc"), auto_now_add=True)
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    last_used_at = models.DateTimeField(_("dùng lần cuối"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("mã truy cập API")
        verbose_name_plural = _("mã truy cập API")

    def __str__(self) -> str:
        return f"{self.user} – {self.created_at:%d/%m/%Y %H:%M}"


class IdentityProvider(models.Model):
    """An OpenID Connect provider for "log in with VNeID", configured by an administrator."""

    name = models.CharField(_("tên hiển thị"), max_length=100)
    issuer_url = models.URLField(_("địa chỉ issuer"))
    client_id = models.CharField(_("client id"), max_length=255)
    client_secret = models.CharField(_("client secret"), max_length=255, blank=True)
    scopes = models.CharField(_("phạm vi (scopes)"), max_length=255, default="openid profile")
    enabled = models.BooleanField(_("đang dùng"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("nhà cung cấp định danh (OpenID Connect)")
        verbose_name_plural = _("nhà cung cấp định danh (OpenID Connect)")

    def __str__(self) -> str:
        return self.name
