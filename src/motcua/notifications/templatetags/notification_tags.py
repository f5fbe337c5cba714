"""`{% unread_notifications_badge %}`: the link to a staff member's inbox, with the unread count."""

from django import template

from motcua.accounts.selectors import is_staff_user
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
