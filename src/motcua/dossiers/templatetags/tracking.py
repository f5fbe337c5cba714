"""Template filters of the tracking pages: the badge class of a dossier status."""

from django import template

from motcua.dossiers.tracking import status_badge as badge_for_status

register = template.Library()


@register.filter
def status_badge(status: str) -> str:
    """{{ dossier.status|status_badge }} -> "badge-info", "badge-warn", "badge-ok"..."""
    return badge_for_status(status)
