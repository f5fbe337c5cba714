"""Template context shared by every page."""

from django.conf import settings


def site(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_AGENCY_NAME": settings.SITE_AGENCY_NAME,
    }
