"""Staff pages of notifications: the in-app inbox and marking a message as read."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from motcua.accounts.selectors import is_staff_user
from motcua.core.errors import PermissionDenied
from motcua.notifications.selectors import inbox_notifications, unread_count
from motcua.notifications.services import notification_mark_read

PAGE_SIZE = 30


def staff_required(view):
    """Log in first; then only staff get through (403 for applicants)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not is_staff_user(request.user):
            raise PermissionDenied(_("Trang này chỉ dành cho cán bộ."))
        return view(request, *args, **kwargs)

    return wrapped


@staff_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("chua-doc") == "1"
    paginator = Paginator(
        inbox_notifications(user=request.user, unread_only=unread_only), PAGE_SIZE
    )
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "notifications/inbox.html",
        {
            "page": page,
            "page_range": paginator.get_elided_page_range(page.number),
            "query_string": query.urlencode(),
            "unread_only": unread_only,
            "unread": unread_count(user=request.user),
        },
    )


@staff_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = notification_mark_read(notification_id=pk, user=request.user)
    if request.htmx:
        # The item, and the unread count swapped out of band.
        return render(
            request,
            "notifications/_item.html",
            {"notification": notification, "unread": unread_count(user=request.user), "oob": True},
        )
    return redirect("notifications:inbox")
