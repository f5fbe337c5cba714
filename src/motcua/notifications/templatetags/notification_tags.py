"""`{% unread_notifications_badge %}`: the link to a staff member's inbox, with the unread count;
`{% notification_preferences_section %}`: the profile page's choice of how to be told."""

from django import template

from motcua.accounts.selectors import is_staff_user
from motcua.notifications.forms import NotificationPreferenceForm
from motcua.notifications.selectors import unread_count

register = template.Library()


@register.inclusion_tag("notifications/includes/unread_badge.html", takes_context=True)
def unread_notifications_badge(context) -> dict:
    """Nothing for visitors and applicants; one COUNT query for staff."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if not is_staff_user(user):
        return {"show": False}
    match = getattr(request, "resolver_match", None)
    return {
        "show": True,
        "unread": unread_count(user=user),
        "current": match is not None and match.view_name == "notifications:inbox",
    }


@register.inclusion_tag("notifications/_preferences.html", takes_context=True)
def notification_preferences_section(context) -> dict:
    """The form of the signed-in user's choices, posting back to this page."""
    request = context["request"]
    return {
        "form": NotificationPreferenceForm.for_user(request.user),
        "next": request.path,
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }
