"""Writes and rules of accounts: registration, verification codes, two-factor, API tokens,
agencies, units, staff and their roles. Every change is written to the audit log.

`actor=None` means the system itself (management commands such as `motcua demo`).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django_otp import verify_token as otp_verify_token
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from motcua.accounts.identifiers import normalise_personal_id, normalise_phone, normalise_tax_code
from motcua.accounts.models import (
    Agency,
    AgencyAccessGrant,
    ApiToken,
    Role,
    StaffRole,
    Unit,
    User,
    VerificationCode,
)
from motcua.accounts.selectors import (
    agency_with_descendant_ids,
    api_token_hash,
    is_staff_user,
    user_can_administer,
)
from motcua.core.audit import apply_changes, audit_record, audit_value
from motcua.core.concurrency import save_versioned
from motcua.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from motcua.core.models import Commune
from motcua.core.text import nfc

# --- Shared checks ---------------------------------------------------------------------------


def _clean_text(
    value: str, *, field: str, label: str, required: bool = True, max_length: int = 255
) -> str:
    text = nfc(" ".join((value or "").split()))
    if required and not text:
        raise InvalidInput(_("Vui lòng nhập {label}.").format(label=label), field=field)
    if len(text) > max_length:
        raise InvalidInput(
            _("{label} dài quá {n} ký tự.").format(label=label.capitalize(), n=max_length),
            field=field,
        )
    return text


def _clean_email(value: str, *, field: str = "email") -> str:
    email = (value or "").strip().lower()
    if not email:
        return ""
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput(_("Địa chỉ thư điện tử không hợp lệ."), field=field) from None
    return email


def _check_unique_contact(*, email: str, phone: str, exclude: User | None = None) -> None:
    others = User.objects.exclude(pk=exclude.pk) if exclude else User.objects.all()
    if email and others.filter(email__iexact=email).exists():
        raise InvalidInput(
            _("Địa chỉ thư điện tử này đã được dùng cho một tài khoản khác."),
            code="duplicate",
            field="email",
        )
    if phone and others.filter(phone=phone).exists():
        raise InvalidInput(
            _("Số điện thoại này đã được dùng cho một tài khoản khác."),
            code="duplicate",
            field="phone",
        )


def _check_password(password: str, *, user: User, field: str = "password") -> None:
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), code="weak_password", field=field) from None


def check_can_administer(actor: User | None, agency: Agency | None) -> None:
    """Administrators manage the agencies where they hold the administrator role and those under
    them; only users who see every agency manage top-level ones. `actor=None` is the system."""
    if actor is None or user_can_administer(actor, agency):
        return
    raise PermissionDenied(_("Bạn không có quyền quản trị cơ quan này."))


# --- Administration --------------------------------------------------------------------------

# Values never copied into the audit log: it records that they changed, not what they became.
_SECRET_FIELDS = {"password"}


def user_admin_save(*, actor: User, user: User, changed_fields: list[str], created: bool) -> User:
    """Save an account edited by an administrator (Django admin) and audit which fields changed."""
    check_can_administer(actor, user.agency)
    with transaction.atomic():
        user.save()
        audit_record(
            actor=actor,
            action="user.create" if created else "user.update",
            obj=user,
            changes={
                name: "***" if name in _SECRET_FIELDS else audit_value(getattr(user, name, None))
                for name in sorted(changed_fields)
            },
        )
    return user


def user_admin_delete(*, actor: User, user: User) -> None:
    check_can_administer(actor, user.agency)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="user.delete",
            obj=user,
            changes={"username": user.username, "kind": user.kind},
        )
        user.delete()


# --- Registration ----------------------------------------------------------------------------


def user_register(
    *,
    kind: str,
    full_name: str,
    password: str,
    email: str = "",
    phone: str = "",
    personal_id: str = "",
    tax_code: str = "",
    date_of_birth: date | None = None,
    address: str = "",
    contacts_verified_at: datetime | None = None,
) -> User:
    """Create a citizen or organisation account and send codes to verify its e-mail and phone.

    Citizens log in with their personal identification number (as on the national portal),
    their e-mail or their phone; organisations with their tax code, e-mail or phone.
    `contacts_verified_at` is for trusted sources (demo data, the identity provider): the
    contacts count as verified and no code is sent."""
    if kind not in (User.Kind.CITIZEN, User.Kind.ORGANISATION):
        raise InvalidInput(_("Loại tài khoản không hợp lệ."), field="kind")
    full_name = _clean_text(
        full_name,
        field="full_name",
        label=_("họ và tên") if kind == User.Kind.CITIZEN else _("tên tổ chức"),
    )
    email = _clean_email(email)
    phone = normalise_phone(phone) if (phone or "").strip() else ""
    if not email and not phone:
        raise InvalidInput(
            _("Vui lòng nhập thư điện tử hoặc số điện thoại (ít nhất một)."), field="email"
        )
    if date_of_birth is not None and date_of_birth > timezone.localdate():
        raise InvalidInput(_("Ngày sinh không được ở tương lai."), field="date_of_birth")
    if kind == User.Kind.CITIZEN:
        if not (personal_id or "").strip():
            raise InvalidInput(_("Vui lòng nhập số định danh cá nhân."), field="personal_id")
        personal_id = normalise_personal_id(personal_id, date_of_birth=date_of_birth)
        tax_code, username, id_field = "", personal_id, "personal_id"
        if User.objects.filter(personal_id=personal_id).exists():
            raise InvalidInput(
                _("Số định danh cá nhân này đã có tài khoản. Hãy đăng nhập hoặc lấy lại mật khẩu."),
                code="duplicate",
                field="personal_id",
            )
    else:
        if not (tax_code or "").strip():
            raise InvalidInput(_("Vui lòng nhập mã số thuế."), field="tax_code")
        tax_code = normalise_tax_code(tax_code)
        personal_id, date_of_birth, username, id_field = "", None, tax_code, "tax_code"
        if User.objects.filter(tax_code=tax_code).exists():
            raise InvalidInput(
                _("Mã số thuế này đã có tài khoản. Hãy đăng nhập hoặc lấy lại mật khẩu."),
                code="duplicate",
                field="tax_code",
            )
    _check_unique_contact(email=email, phone=phone)
    if User.objects.filter(username__iexact=username).exists():
        raise InvalidInput(_("Tài khoản này đã tồn tại."), code="duplicate", field=id_field)
    user = User(
        username=username,
        kind=kind,
        full_name=full_name,
        email=email,
        phone=phone,
        personal_id=personal_id,
        tax_code=tax_code,
        date_of_birth=date_of_birth,
        address=_clean_text(address, field="address", label=_("địa chỉ"), required=False),
        preferred_language=translation.get_language() or settings.LANGUAGE_CODE,
        email_verified_at=contacts_verified_at if email else None,
        phone_verified_at=contacts_verified_at if phone else None,
    )
    if user.preferred_language not in dict(settings.LANGUAGES):
        user.preferred_language = settings.LANGUAGE_CODE
    _check_password(password, user=user)
    user.set_password(password)
    with transaction.atomic():
        try:
            with transaction.atomic():
                user.save(force_insert=True)
        except IntegrityError:
            # Somebody registered the same details a moment ago.
            raise InvalidInput(
                _("Thông tin đăng ký đã được dùng cho một tài khoản khác."),
                code="duplicate",
                field=id_field,
            ) from None
        audit_record(actor=user, action="user.register", obj=user, changes={"kind": kind})
        if email and not user.email_verified_at:
            verification_code_send(user=user, purpose=VerificationCode.Purpose.VERIFY_EMAIL)
        if phone and not user.phone_verified_at:
            verification_code_send(user=user, purpose=VerificationCode.Purpose.VERIFY_PHONE)
    return user


# --- One-time codes --------------------------------------------------------------------------

_CODE_CHANNEL = {
    VerificationCode.Purpose.VERIFY_EMAIL: VerificationCode.Channel.EMAIL,
    VerificationCode.Purpose.VERIFY_PHONE: VerificationCode.Channel.SMS,
    VerificationCode.Purpose.PASSWORD_RESET: VerificationCode.Channel.SMS,
}
_CODE_FIELD = {
    VerificationCode.Purpose.VERIFY_EMAIL: "email_code",
    VerificationCode.Purpose.VERIFY_PHONE: "phone_code",
    VerificationCode.Purpose.PASSWORD_RESET: "code",
}
# No more codes than this per target and purpose in an hour, whatever the resend interval.
_CODES_PER_HOUR = 5


def _code_target(user: User, purpose: str) -> str:
    channel = _CODE_CHANNEL[purpose]
    return user.email if channel == VerificationCode.Channel.EMAIL else user.phone


def _code_hash(*, purpose: str, target: str, code: str) -> str:
    # Keyed with SECRET_KEY: a leaked table does not give away codes by brute force offline.
    return salted_hmac(
        "motcua.accounts.VerificationCode", f"{purpose}:{target}:{code}", algorithm="sha256"
    ).hexdigest()


# The outbox event of each purpose's message (notifications/templates/notifications/<event>/).
_CODE_EVENT = {
    VerificationCode.Purpose.VERIFY_EMAIL: "verification_code",
    VerificationCode.Purpose.VERIFY_PHONE: "verification_code",
    VerificationCode.Purpose.PASSWORD_RESET: "password_reset_code",
}


def _send_code(*, user: User, channel: str, target: str, purpose: str, code: str) -> None:
    """Record the code's message in the notifications outbox, in the caller's transaction: the
    worker sends it on the "notifications" queue once the code is committed, ahead of the
    messages already waiting, and the outbox keeps its text only until it is sent."""
    # Imported here: the notifications app reads accounts, not the other way round.
    from motcua.notifications.services import Recipient, notify

    by_sms = channel == VerificationCode.Channel.SMS
    notify(
        event=_CODE_EVENT[purpose],
        recipient=Recipient(
            name=user.full_name,
            phone=target if by_sms else "",
            email="" if by_sms else target,
            user_id=user.pk,
            language=user.preferred_language or settings.LANGUAGE_CODE,
        ),
        data={"code": code, "minutes": max(1, settings.VERIFICATION_CODE_TTL_SECONDS // 60)},
        channels=[channel],
        sensitive=True,
        urgent=True,
    )


def verification_code_send(*, user: User, purpose: str) -> VerificationCode:
    """Issue a new code for `purpose` to the user's e-mail or phone, sent once the caller's
    transaction commits. A newer code replaces older ones; resending is throttled."""
    channel = _CODE_CHANNEL[purpose]
    target = _code_target(user, purpose)
    field = _CODE_FIELD[purpose]
    if not target:
        raise InvalidInput(_("Tài khoản chưa có địa chỉ để gửi mã."), field=field)
    now = timezone.now()
    with transaction.atomic():
        recent = VerificationCode.objects.filter(
            user=user, purpose=purpose, target=target, created_at__gte=now - timedelta(hours=1)
        )
        last = recent.order_by("-created_at").first()
        wait = settings.VERIFICATION_CODE_RESEND_SECONDS
        if last is not None and (now - last.created_at).total_seconds() < wait:
            raise InvalidInput(
                _("Mã vừa được gửi. Vui lòng đợi {seconds} giây rồi gửi lại.").format(
                    seconds=wait - int((now - last.created_at).total_seconds())
                ),
                code="too_soon",
                field=field,
            )
        if recent.count() >= _CODES_PER_HOUR:
            raise InvalidInput(
                _("Đã gửi quá nhiều mã trong một giờ. Vui lòng thử lại sau."),
                code="too_many_codes",
                field=field,
            )
        VerificationCode.objects.filter(
            user=user, purpose=purpose, consumed_at__isnull=True
        ).update(consumed_at=now)
        code = f"{secrets.randbelow(10**6):06d}"
        record = VerificationCode.objects.create(
            user=user,
            purpose=purpose,
            channel=channel,
            target=target,
            code_hash=_code_hash(purpose=purpose, target=target, code=code),
            expires_at=now + timedelta(seconds=settings.VERIFICATION_CODE_TTL_SECONDS),
        )
        _send_code(user=user, channel=channel, target=target, purpose=purpose, code=code)
    return record


def verification_code_confirm(*, user: User, purpose: str, code: str) -> None:
    """Check a code; on success mark the e-mail or phone verified. Wrong tries are counted and
    kept even though this raises, so do not call it inside a transaction of your own."""
    field = _CODE_FIELD[purpose]
    target = _code_target(user, purpose)
    code = re.sub(r"\s", "", code or "")
    now = timezone.now()
    error: InvalidInput | None = None
    with transaction.atomic():
        record = (
            VerificationCode.objects.select_for_update()
            .filter(user=user, purpose=purpose, target=target, consumed_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if record is None or record.expires_at <= now:
            error = InvalidInput(
                _("Mã xác thực đã hết hạn hoặc chưa được gửi. Vui lòng gửi lại mã."),
                code="code_expired",
                field=field,
            )
        elif record.attempts >= VerificationCode.MAX_ATTEMPTS:
            error = InvalidInput(
                _("Bạn đã nhập sai quá {n} lần. Vui lòng gửi lại mã mới.").format(
                    n=VerificationCode.MAX_ATTEMPTS
                ),
                code="too_many_attempts",
                field=field,
            )
        elif not constant_time_compare(
            record.code_hash, _code_hash(purpose=purpose, target=target, code=code)
        ):
            record.attempts += 1
            record.save(update_fields=["attempts"])
            left = VerificationCode.MAX_ATTEMPTS - record.attempts
            error = InvalidInput(
                _("Mã xác thực không đúng. Bạn còn {n} lần thử.").format(n=left)
                if left
                else _("Mã xác thực không đúng. Vui lòng gửi lại mã mới."),
                code="code_invalid",
                field=field,
            )
        else:
            record.consumed_at = now
            record.save(update_fields=["consumed_at"])
            _mark_verified(user=user, channel=record.channel, at=now)
    if error is not None:
        raise error


def _mark_verified(*, user: User, channel: str, at: datetime) -> None:
    name = "email_verified_at" if channel == VerificationCode.Channel.EMAIL else "phone_verified_at"
    if getattr(user, name) is None:
        setattr(user, name, at)
        User.objects.filter(pk=user.pk).update(**{name: at})
        audit_record(actor=user, action=f"user.verify_{channel}", obj=user)


# --- Password reset by SMS (for accounts without e-mail) -------------------------------------


def password_reset_code_send(*, phone: str) -> str:
    """Send a reset code to an account's phone; return the normalised number. Says nothing about
    whether the account exists."""
    phone = normalise_phone(phone)
    user = User.objects.filter(phone=phone, is_active=True).first()
    if user is None:
        return phone
    try:
        verification_code_send(user=user, purpose=VerificationCode.Purpose.PASSWORD_RESET)
    except InvalidInput as exc:
        # Throttled: a code is already on its way; answering differently would reveal the account.
        if exc.code not in ("too_soon", "too_many_codes"):
            raise
    return phone


def password_reset_with_code(*, phone: str, code: str, new_password: str) -> User:
    phone = normalise_phone(phone)
    user = User.objects.filter(phone=phone, is_active=True).first()
    if user is None:
        raise InvalidInput(
            _("Mã xác thực đã hết hạn hoặc chưa được gửi. Vui lòng gửi lại mã."),
            code="code_expired",
            field="code",
        )
    _check_password(new_password, user=user, field="new_password1")
    verification_code_confirm(user=user, purpose=VerificationCode.Purpose.PASSWORD_RESET, code=code)
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        audit_record(actor=user, action="user.password_reset", obj=user, changes={"by": "sms"})
    return user


def password_changed_record(*, user: User) -> None:
    """Audit a password changed through Django's own views (e-mail link, change form)."""
    audit_record(actor=user, action="user.password_change", obj=user)


# --- Profile ---------------------------------------------------------------------------------


def user_profile_update(
    *,
    user: User,
    expected_version: int,
    full_name: str,
    address: str,
    preferred_language: str,
    email: str,
    phone: str,
    commune: Commune | None = None,
) -> User:
    """Edit one's own profile. A new e-mail or phone must be verified again: a code is sent.
    The administrative address is a commune (its province follows) plus the street part."""
    values = {
        "full_name": _clean_text(full_name, field="full_name", label=_("họ và tên")),
        "address": _clean_text(address, field="address", label=_("địa chỉ"), required=False),
        "commune": commune,
        "province": commune.province if commune else None,
        "email": _clean_email(email),
        "phone": normalise_phone(phone) if (phone or "").strip() else "",
    }
    if preferred_language not in dict(settings.LANGUAGES):
        raise InvalidInput(_("Ngôn ngữ không hợp lệ."), field="preferred_language")
    values["preferred_language"] = preferred_language
    if user.kind != User.Kind.STAFF and not values["email"] and not values["phone"]:
        raise InvalidInput(_("Vui lòng giữ ít nhất thư điện tử hoặc số điện thoại."), field="email")
    _check_unique_contact(email=values["email"], phone=values["phone"], exclude=user)
    with transaction.atomic():
        changes = apply_changes(user, values)
        if "email" in changes:
            user.email_verified_at = None
        if "phone" in changes:
            user.phone_verified_at = None
        if not changes:
            return user
        save_versioned(
            user,
            expected_version=expected_version,
            fields=[*values, "email_verified_at", "phone_verified_at"],
        )
        audit_record(actor=user, action="user.profile_update", obj=user, changes=changes)
        if "email" in changes and user.email:
            verification_code_send(user=user, purpose=VerificationCode.Purpose.VERIFY_EMAIL)
        if "phone" in changes and user.phone:
            verification_code_send(user=user, purpose=VerificationCode.Purpose.VERIFY_PHONE)
    return user


# --- Two-factor authentication (staff) -------------------------------------------------------


def _totp_devices(user: User, *, confirmed: bool):
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed)


def totp_device_start(*, user: User) -> TOTPDevice:
    """Create (or reuse) the unconfirmed authenticator-app device shown as a QR code."""
    if not is_staff_user(user):
        raise PermissionDenied(_("Chỉ tài khoản cán bộ mới bật được xác thực hai bước."))
    if _totp_devices(user, confirmed=True).exists():
        raise Conflict(_("Xác thực hai bước đã được bật."), code="already_enabled")
    device = _totp_devices(user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("Ứng dụng xác thực"), confirmed=False)
    return device


def _verify_device(device: Device, token: str) -> bool:
    # django_otp's verify_token locks the device and records throttling in its own transaction.
    return otp_verify_token(device.user, device.persistent_id, re.sub(r"\s", "", token or ""))


def totp_device_confirm(*, user: User, token: str) -> TOTPDevice:
    device = _totp_devices(user, confirmed=False).first()
    if device is None:
        raise InvalidInput(
            _("Chưa bắt đầu cài đặt xác thực hai bước. Vui lòng tải lại trang."), field="token"
        )
    if not _verify_device(device, token):
        raise InvalidInput(
            _("Mã không đúng. Kiểm tra giờ trên điện thoại rồi nhập mã mới."),
            code="otp_invalid",
            field="token",
        )
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(actor=user, action="user.two_factor_enable", obj=user)
    return device


def totp_device_disable(*, user: User, token: str) -> None:
    device = otp_device_check(user=user, token=token, field="token")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        audit_record(
            actor=user,
            action="user.two_factor_disable",
            obj=user,
            changes={"device": device.persistent_id},
        )


def otp_device_check(*, user: User, token: str, field: str = "otp") -> Device:
    """The confirmed device that accepts `token`, or InvalidInput naming `field`."""
    for device in _totp_devices(user, confirmed=True):
        if _verify_device(device, token):
            return device
    raise InvalidInput(
        _("Mã xác thực hai bước không đúng hoặc đã hết hạn."), code="otp_invalid", field=field
    )


# --- API tokens ------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    raw: str  # shown once to the caller, never stored


def api_token_issue(*, user: User) -> IssuedToken:
    raw = "mct_" + secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            key_hash=api_token_hash(raw),
            expires_at=now + timedelta(seconds=settings.API_TOKEN_TTL_SECONDS),
        )
        audit_record(actor=user, action="api_token.issue", obj=token)
    return IssuedToken(token=token, raw=raw)


def api_token_revoke(*, token: ApiToken, actor: User) -> None:
    if token.user_id != actor.pk and not actor.is_superuser:
        raise PermissionDenied(_("Bạn không thể thu hồi mã truy cập của người khác."))
    with transaction.atomic():
        updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if updated:
            audit_record(actor=actor, action="api_token.revoke", obj=token)


def api_token_touch(*, token: ApiToken) -> None:
    """Note the token's use, at most once a minute (bookkeeping, not an audited change)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


# --- Agencies and units ----------------------------------------------------------------------

_AGENCY_CODE = re.compile(r"[A-Z0-9]+(?:\.[A-Z0-9]+)*")
_AGENCY_DETAILS = (
    "name_en",
    "address",
    "province",
    "commune",
    "phone",
    "email",
    "morning_start",
    "morning_end",
    "afternoon_start",
    "afternoon_end",
    "is_active",
)


def _clean_agency_values(values: dict[str, Any], *, agency: Agency | None) -> dict[str, Any]:
    cleaned = dict(values)
    if "code" in cleaned:
        code = (cleaned["code"] or "").strip().upper()
        if not _AGENCY_CODE.fullmatch(code) or len(code) > 32:
            raise InvalidInput(
                _("Mã định danh chỉ gồm chữ, số và dấu chấm, ví dụ H56.14."), field="code"
            )
        clash = Agency.objects.filter(code=code)
        if agency is not None:
            clash = clash.exclude(pk=agency.pk)
        if clash.exists():
            raise InvalidInput(
                _("Mã định danh {code} đã được dùng.").format(code=code),
                code="duplicate",
                field="code",
            )
        cleaned["code"] = code
    if "name" in cleaned:
        cleaned["name"] = _clean_text(cleaned["name"], field="name", label=_("tên cơ quan"))
    if "kind" in cleaned and cleaned["kind"] not in Agency.Kind.values:
        raise InvalidInput(_("Loại cơ quan không hợp lệ."), field="kind")
    if "email" in cleaned:
        cleaned["email"] = _clean_email(cleaned["email"])
    parent = cleaned.get("parent")
    if (
        parent is not None
        and agency is not None
        and parent.pk in agency_with_descendant_ids([agency.pk])
    ):
        raise InvalidInput(
            _("Cơ quan cấp trên không thể là chính nó hoặc cơ quan trực thuộc nó."),
            field="parent",
        )
    unknown = set(cleaned) - {"code", "name", "kind", "parent", *_AGENCY_DETAILS}
    if unknown:
        raise InvalidInput(_("Trường không hợp lệ."), field=sorted(unknown)[0])
    return cleaned


def _check_working_hours(agency: Agency) -> None:
    hours: list[time] = [
        agency.morning_start,
        agency.morning_end,
        agency.afternoon_start,
        agency.afternoon_end,
    ]
    ordered = hours[0] < hours[1] <= hours[2] < hours[3]
    if not ordered:
        raise InvalidInput(
            _("Giờ làm việc phải theo thứ tự: sáng từ < sáng đến ≤ chiều từ < chiều đến."),
            field="morning_start",
        )


def agency_create(
    *, actor: User | None, code: str, name: str, kind: str, parent: Agency | None = None, **details
) -> Agency:
    check_can_administer(actor, parent)
    values = _clean_agency_values(
        {"code": code, "name": name, "kind": kind, "parent": parent, **details}, agency=None
    )
    agency = Agency(**values)
    _check_working_hours(agency)
    with transaction.atomic():
        agency.save(force_insert=True)
        audit_record(
            actor=actor,
            action="agency.create",
            obj=agency,
            changes={"code": agency.code, "name": agency.name, "parent": parent and parent.code},
        )
    return agency


def agency_update(*, actor: User | None, agency: Agency, expected_version: int, **values) -> Agency:
    """Change an agency; loses with 409 if somebody saved it since `expected_version`."""
    check_can_administer(actor, agency)
    cleaned = _clean_agency_values(values, agency=agency)
    if "parent" in cleaned and cleaned["parent"] != agency.parent:
        check_can_administer(actor, cleaned["parent"])
    with transaction.atomic():
        changes = apply_changes(agency, cleaned)
        if not changes:
            return agency
        _check_working_hours(agency)
        save_versioned(agency, expected_version=expected_version)
        audit_record(actor=actor, action="agency.update", obj=agency, changes=changes)
    return agency


def unit_create(
    *,
    actor: User | None,
    agency: Agency,
    code: str,
    name: str,
    is_one_stop_desk: bool = False,
    name_en: str = "",
) -> Unit:
    check_can_administer(actor, agency)
    code = (code or "").strip().upper()
    if not re.fullmatch(r"[A-Z0-9][A-Z0-9._-]{0,31}", code):
        raise InvalidInput(_("Mã đơn vị chỉ gồm chữ, số, dấu chấm và gạch."), field="code")
    if Unit.objects.filter(agency=agency, code=code).exists():
        raise InvalidInput(
            _("Mã đơn vị {code} đã có trong cơ quan này.").format(code=code),
            code="duplicate",
            field="code",
        )
    unit = Unit(
        agency=agency,
        code=code,
        name=_clean_text(name, field="name", label=_("tên đơn vị")),
        name_en=_clean_text(name_en, field="name_en", label=_("tên tiếng Anh"), required=False),
        is_one_stop_desk=is_one_stop_desk,
    )
    with transaction.atomic():
        unit.save(force_insert=True)
        audit_record(actor=actor, action="unit.create", obj=unit, changes={"agency": agency.code})
    return unit


def unit_update(*, actor: User | None, unit: Unit, expected_version: int, **values) -> Unit:
    check_can_administer(actor, unit.agency)
    allowed = {"name", "name_en", "is_one_stop_desk", "is_active"}
    if set(values) - allowed:
        raise InvalidInput(_("Trường không hợp lệ."), field=sorted(set(values) - allowed)[0])
    if "name" in values:
        values["name"] = _clean_text(values["name"], field="name", label=_("tên đơn vị"))
    with transaction.atomic():
        changes = apply_changes(unit, values)
        if not changes:
            return unit
        save_versioned(unit, expected_version=expected_version)
        audit_record(actor=actor, action="unit.update", obj=unit, changes=changes)
    return unit


# --- Staff and roles -------------------------------------------------------------------------


def staff_create(
    *,
    actor: User | None,
    agency: Agency,
    username: str,
    full_name: str,
    password: str,
    email: str = "",
    phone: str = "",
    is_superuser: bool = False,
    contacts_verified_at: datetime | None = None,
) -> User:
    """Create a staff account in `agency`. Superusers (who also enter /admin/) can only be
    made by the system or another superuser. `contacts_verified_at`: as in user_register."""
    check_can_administer(actor, agency)
    if is_superuser and actor is not None and not actor.is_superuser:
        raise PermissionDenied(_("Chỉ quản trị cấp cao nhất mới tạo được tài khoản này."))
    username = (username or "").strip()
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        raise InvalidInput(
            _("Tên đăng nhập chỉ gồm chữ, số và các ký tự @ . + - _"), field="username"
        ) from None
    if not username or User.objects.filter(username__iexact=username).exists():
        raise InvalidInput(
            _("Tên đăng nhập đã được dùng hoặc để trống."), code="duplicate", field="username"
        )
    email = _clean_email(email)
    phone = normalise_phone(phone) if (phone or "").strip() else ""
    _check_unique_contact(email=email, phone=phone)
    user = User(
        username=username,
        kind=User.Kind.STAFF,
        full_name=_clean_text(full_name, field="full_name", label=_("họ và tên")),
        email=email,
        phone=phone,
        agency=agency,
        is_staff=is_superuser,
        is_superuser=is_superuser,
        email_verified_at=contacts_verified_at if email else None,
        phone_verified_at=contacts_verified_at if phone else None,
    )
    _check_password(password, user=user)
    user.set_password(password)
    with transaction.atomic():
        user.save(force_insert=True)
        audit_record(
            actor=actor,
            action="staff.create",
            obj=user,
            changes={"agency": agency.code, "is_superuser": is_superuser},
        )
    return user


def staff_role_grant(*, actor: User | None, user: User, unit: Unit, role: str) -> StaffRole:
    """Give `user` a role in `unit` (a unit of their agency or of an agency under it).
    Granting a role the user already holds changes nothing."""
    check_can_administer(actor, unit.agency)
    if role not in Role.values:
        raise InvalidInput(_("Vai trò không hợp lệ."), field="role")
    if user.kind != User.Kind.STAFF:
        raise InvalidInput(_("Chỉ cán bộ mới được giao vai trò."), field="user")
    if unit.agency_id not in agency_with_descendant_ids([user.agency_id]):
        raise InvalidInput(_("Đơn vị không thuộc cơ quan công tác của cán bộ."), field="unit")
    existing = StaffRole.objects.filter(user=user, unit=unit, role=role).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        staff_role = StaffRole.objects.create(user=user, unit=unit, role=role)
        audit_record(
            actor=actor,
            action="staff_role.grant",
            obj=user,
            changes={"role": role, "unit": f"{unit.agency.code}/{unit.code}"},
        )
    return staff_role


def staff_role_revoke(*, actor: User | None, staff_role: StaffRole) -> None:
    check_can_administer(actor, staff_role.unit.agency)
    with transaction.atomic():
        deleted, _rows = StaffRole.objects.filter(pk=staff_role.pk).delete()
        if not deleted:
            raise NotFound(_("Vai trò này không còn tồn tại."), field="role")
        audit_record(
            actor=actor,
            action="staff_role.revoke",
            obj=staff_role.user,
            changes={
                "role": staff_role.role,
                "unit": f"{staff_role.unit.agency.code}/{staff_role.unit.code}",
            },
        )


def access_grant_create(
    *,
    actor: User | None,
    user: User,
    agency: Agency,
    reason: str,
    expires_at: datetime | None = None,
) -> AgencyAccessGrant:
    """Let `user` see the data of `agency` (and the agencies under it)."""
    check_can_administer(actor, agency)
    if user.kind != User.Kind.STAFF:
        raise InvalidInput(_("Chỉ cán bộ mới được cấp quyền xem."), field="user")
    reason = _clean_text(reason, field="reason", label=_("lý do, căn cứ"))
    if AgencyAccessGrant.objects.filter(user=user, agency=agency).exists():
        raise InvalidInput(
            _("Cán bộ đã được cấp quyền xem cơ quan này."), code="duplicate", field="agency"
        )
    with transaction.atomic():
        grant = AgencyAccessGrant.objects.create(
            user=user, agency=agency, granted_by=actor, reason=reason, expires_at=expires_at
        )
        audit_record(
            actor=actor,
            action="access_grant.create",
            obj=grant,
            changes={"user": user.username, "agency": agency.code, "reason": reason},
        )
    return grant


def access_grant_revoke(*, actor: User | None, grant: AgencyAccessGrant) -> None:
    check_can_administer(actor, grant.agency)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="access_grant.revoke",
            obj=grant,
            changes={"user": grant.user.username, "agency": grant.agency.code},
        )
        grant.delete()
