"""Public portal pages and the error pages."""

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader

logger = logging.getLogger(__name__)


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without the request's context processors: the failure may be the database or
    the session, so this page needs nothing but settings and the template files."""
    try:
        site = {"SITE_NAME": settings.SITE_NAME, "SITE_AGENCY_NAME": settings.SITE_AGENCY_NAME}
        return HttpResponseServerError(loader.render_to_string("500.html", site))
    except Exception:
        logger.exception("The 500 page itself failed to render")
        return HttpResponseServerError(
            "<!DOCTYPE html><html lang=vi><title>500</title><h1>Lỗi hệ thống / Server error</h1>",
            content_type="text/html; charset=utf-8",
        )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form refused by the CSRF check, most often because the page stayed open too long."""
    return render(request, "portal/csrf_failure.html", status=403)
