"""Pages of notifications: a staff member's in-app inbox and marking a message as read, the
administrators' page of failed messages with their retry buttons, and everyone's choice of
how they are told."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from motcua.accounts.forms import add_domain_error
from motcua.accounts.selectors import is_staff_user
from motcua.core.errors import DomainError, PermissionDenied
from motcua.notifications.forms import NotificationPreferenceForm
from motcua.notifications.models import Notification
from motcua.notifications.selectors import (
    FAILED,
    inbox_notifications,
    is_notification_operator,
    notification_failed_events,
    notification_failures_visible_to,
    unread_count,
)
from motcua.notifications.services import (
    notification_mark_read,
    notification_preference_save,
    notification_retry,
)

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


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """How the user is told about their dossiers; also a section of the profile page
    ({% notification_preferences_section %}), which posts here and comes back."""
    form = NotificationPreferenceForm.for_user(request.user, request.POST or None)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    saved = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            notification_preference_save(
                user=request.user,
                sms=data["sms"],
                email=data["email"],
                zalo=data.get("zalo", False),
                language=data["language"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            if not request.htmx:
                messages.success(request, _("Đã lưu lựa chọn nhận thông báo."))
                return redirect(next_url or "notifications:preferences")
            saved = True
    template = (
        "notifications/_preferences.html" if request.htmx else "notifications/preferences.html"
    )
    return render(request, template, {"form": form, "saved": saved, "next": next_url})
