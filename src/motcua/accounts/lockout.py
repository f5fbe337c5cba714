"""The answer to a locked-out login (django-axes): a page, or the API's error shape."""

from __future__ import annotations

import math

from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

LOCKOUT_STATUS = 429


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else None
    limit = get_failure_limit(request, credentials)
    if request.path_info.startswith("/api/"):
        message = _(
            "Đăng nhập sai quá {limit} lần: tạm khóa {minutes} phút. Vui lòng thử lại sau."
        ).format(limit=limit, minutes=minutes or "")
        return JsonResponse(
            {"code": "locked_out", "message": message, "field": "username"}, status=LOCKOUT_STATUS
        )
    context = {"failure_limit": limit, "cooloff_minutes": minutes}
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=LOCKOUT_STATUS)
