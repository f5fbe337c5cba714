"""Administrators' pages of message templates: the list, and editing one with a live preview
on sample data (HTMX) and the SMS length check."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from motcua.accounts.forms import add_domain_error
from motcua.core.errors import DomainError
from motcua.notifications.forms import NotificationTemplateForm
from motcua.notifications.selectors import (
    TemplateEditing,
    notification_template_editing,
    notification_template_slots,
)
from motcua.notifications.services import notification_template_reset, notification_template_save
from motcua.notifications.templating import Preview, template_preview
from motcua.notifications.views import operator_required


@operator_required
@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    slots = notification_template_slots(user=request.user)
    events = {}
    for slot in slots:
        events.setdefault(slot.event, []).append(slot)
    return render(
        request,
        "notifications/templates_list.html",
        {"events": list(events.values()), "edited": sum(1 for s in slots if s.override)},
    )


def _preview(editing: TemplateEditing, data: dict) -> Preview:
    return template_preview(
        channel=editing.slot.channel,
        language=editing.slot.language,
        subject=data.get("subject", ""),
        body=data.get("body", ""),
    )


@operator_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, event: str, channel: str, language: str) -> HttpResponse:
    editing = notification_template_editing(
        user=request.user, event=event, channel=channel, language=language
    )
    initial = {
        "subject": editing.current.subject,
        "body": editing.current.body.strip(),
        "version": editing.version,
    }
    form = NotificationTemplateForm(request.POST or None, initial=initial, channel=channel)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if request.POST.get("action") != "preview":
            try:
                notification_template_save(
                    actor=request.user,
                    event=event,
                    channel=channel,
                    language=language,
                    subject=data.get("subject", ""),
                    body=data["body"],
                    expected_version=data["version"],
                    accept_long=data.get("accept_long", False),
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Đã lưu mẫu thông báo."))
                return redirect("notifications:template-edit", event, channel, language)
    typed = initial
    if form.is_bound:
        typed = {
            "subject": request.POST.get("subject", "")[:255],
            "body": request.POST.get("body", ""),
        }
    return render(
        request,
        "notifications/template_edit.html",
        {
            "editing": editing,
            "form": form,
            "preview": _preview(editing, typed),
            "long_warning": form.is_bound and "accept_long" in form.errors,
        },
    )


@operator_required
@require_POST
def template_preview_part(
    request: HttpRequest, event: str, channel: str, language: str
) -> HttpResponse:
    """The preview of what is being typed (HTMX, on every pause in typing)."""
    editing = notification_template_editing(
        user=request.user, event=event, channel=channel, language=language
    )
    data = {"subject": request.POST.get("subject", "")[:255], "body": request.POST.get("body", "")}
    return render(
        request,
        "notifications/_template_preview.html",
        {"editing": editing, "preview": _preview(editing, data)},
    )


@operator_required
@require_POST
def template_reset(request: HttpRequest, event: str, channel: str, language: str) -> HttpResponse:
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    try:
        notification_template_reset(
            actor=request.user,
            event=event,
            channel=channel,
            language=language,
            expected_version=version,
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Đã khôi phục mẫu gốc."))
    return redirect("notifications:template-edit", event, channel, language)
