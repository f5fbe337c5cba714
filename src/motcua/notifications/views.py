"""Staff pages of notifications: the in-app inbox, marking a message as read, and the
administrators' page of failed messages with their retry buttons."""

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
from motcua.notifications.models import Notification
from motcua.notifications.selectors import (
    FAILED,
    inbox_notifications,
    is_notification_operator,
    notification_failed_events,
    notification_failures_visible_to,
    unread_count,
)
from motcua.notifications.services import notification_mark_read, notification_retry

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


def operator_required(view):
    """Log in first; then only notification operators (administrators) get through."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not is_notification_operator(request.user):
            raise PermissionDenied(_("Trang này chỉ dành cho quản trị hệ thống."))
        return view(request, *args, **kwargs)

    return wrapped


@operator_required
@require_GET
def failures(request: HttpRequest) -> HttpResponse:
    filters = {
        "status": request.GET.get("trang-thai", ""),
        "channel": request.GET.get("kenh", ""),
        "event": request.GET.get("su-kien", ""),
        "search": request.GET.get("q", "")[:100],
    }
    paginator = Paginator(notification_failures_visible_to(user=request.user, **filters), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "notifications/failures.html",
        {
            "page": page,
            "page_range": paginator.get_elided_page_range(page.number),
            "query_string": query.urlencode(),
            "filters": filters,
            "statuses": [(s.value, s.label) for s in Notification.Status if s in FAILED],
            "channels": Notification.Channel.choices,
            "events": notification_failed_events(),
        },
    )


@operator_required
@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    notification = notification_retry(notification_id=pk, actor=request.user)
    if request.htmx:
        return render(request, "notifications/_failure_row.html", {"notification": notification})
    return redirect("notifications:failures")
