"""Template context for the page footer: the agency's contact details, as configured."""

from django.conf import settings
from django.http import HttpRequest


def footer(request: HttpRequest) -> dict[str, str]:
    return {
        "SITE_AGENCY_ADDRESS": settings.SITE_AGENCY_ADDRESS,
        "SITE_HOTLINE": settings.SITE_HOTLINE,
    }
