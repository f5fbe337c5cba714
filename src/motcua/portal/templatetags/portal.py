"""Template tags of the portal layout: `{% load portal %}`."""

from django import template
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

register = template.Library()


@register.simple_tag
def back_url(request: HttpRequest | None) -> str:
    """The page the user came from, when it is on this site; else "" (no link to another site)."""
    if request is None:
        return ""
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return ""
