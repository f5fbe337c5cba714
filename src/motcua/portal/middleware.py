"""The page language: the one the visitor chose with the language switch, else Vietnamese."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers


class LanguageMiddleware:
    """Stands in for Django's LocaleMiddleware, without its use of the browser's Accept-Language:
    many people in Vietnam run browsers set to English, and the portal must still open in
    Vietnamese for them. The choice is the cookie set by /i18n/setlang/ (django.views.i18n)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # override, not activate: the thread's language goes back after the response, so it
        # cannot leak into the next request or test served by the same thread.
        with translation.override(chosen_language(request)):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


def chosen_language(request: HttpRequest) -> str:
    code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    try:
        return translation.get_supported_language_variant(code) if code else settings.LANGUAGE_CODE
    except LookupError:
        return settings.LANGUAGE_CODE
