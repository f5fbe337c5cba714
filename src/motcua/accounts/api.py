"""API of accounts: bearer tokens for programs and who-am-I."""

from __future__ import annotations

from typing import Literal

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from motcua.accounts.auth import BearerToken, session_or_token
from motcua.accounts.selectors import staff_roles, user_has_two_factor
from motcua.accounts.services import api_token_issue, api_token_revoke, otp_device_check
from motcua.core.errors import InvalidInput, TooManyRequests, Unauthenticated
from motcua.core.schemas import ErrorSchema as ErrorOut

router = Router(tags=["accounts"])


class TokenIn(Schema):
    username: str = Field(
        min_length=1,
        max_length=254,
        description="Tên đăng nhập, thư điện tử, số điện thoại hoặc số định danh",
    )
    password: str = Field(min_length=1, max_length=4096)
    otp: str | None = Field(
        default=None, max_length=16, description="Mã xác thực hai bước (nếu đã bật)"
    )


class TokenOut(Schema):
    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int = Field(description="Số giây còn hiệu lực")


class AgencyOut(Schema):
    code: str
    name: str


class RoleOut(Schema):
    role: str
    role_label: str
    unit_code: str
    unit_name: str
    agency: AgencyOut


class MeOut(Schema):
    username: str
    full_name: str
    kind: str
    kind_label: str
    agency: AgencyOut | None
    roles: list[RoleOut]


@router.post(
    "/auth/token",
    response={200: TokenOut, 400: ErrorOut, 401: ErrorOut, 429: ErrorOut},
    auth=None,
    summary="Cấp mã truy cập (Bearer token)",
)
def token_issue(request: HttpRequest, payload: TokenIn):
    """Exchange a username and password (and the two-factor code when it is on) for a
    short-lived bearer token. Repeated failures lock the username out (429)."""
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        if getattr(request, "axes_locked_out", False):
            raise TooManyRequests(
                _("Đăng nhập sai quá nhiều lần: tài khoản tạm bị khóa."),
                code="locked_out",
                field="username",
            )
        raise Unauthenticated(
            _("Tên đăng nhập hoặc mật khẩu không đúng."),
            code="invalid_credentials",
            field="password",
        )
    if user_has_two_factor(user):
        if not payload.otp:
            raise Unauthenticated(
                _("Tài khoản đã bật xác thực hai bước: cần gửi mã trong trường otp."),
                code="otp_required",
                field="otp",
            )
        try:
            otp_device_check(user=user, token=payload.otp, field="otp")
        except InvalidInput as exc:
            raise Unauthenticated(exc.message, code=exc.code, field=exc.field) from None
    issued = api_token_issue(user=user)
    return Status(
        200,
        {
            "access_token": issued.raw,
            "token_type": "Bearer",
            "expires_in": settings.API_TOKEN_TTL_SECONDS,
        },
    )


@router.post(
    "/auth/token/revoke",
    response={204: None, 401: ErrorOut},
    auth=BearerToken(),
    summary="Thu hồi mã truy cập đang dùng",
)
def token_revoke(request: HttpRequest):
    api_token_revoke(token=request.api_token, actor=request.auth)
    return Status(204, None)


def _agency(agency) -> dict | None:
    return {"code": agency.code, "name": agency.name} if agency is not None else None


@router.get(
    "/auth/me",
    response={200: MeOut, 401: ErrorOut},
    auth=session_or_token,
    summary="Người dùng đang đăng nhập",
)
def me(request: HttpRequest):
    user = request.auth
    return {
        "username": user.username,
        "full_name": user.full_name,
        "kind": user.kind,
        "kind_label": user.get_kind_display(),
        "agency": _agency(user.agency),
        "roles": [
            {
                "role": staff_role.role,
                "role_label": staff_role.get_role_display(),
                "unit_code": staff_role.unit.code,
                "unit_name": staff_role.unit.name,
                "agency": _agency(staff_role.unit.agency),
            }
            for staff_role in staff_roles(user)
        ],
    }
