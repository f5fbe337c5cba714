"""The site's URLs plus views that fail on purpose, for the error-page tests."""

from django.urls import path

from motcua.config.urls import handler404, handler500
from motcua.config.urls import urlpatterns as site_urlpatterns
from motcua.core.errors import Conflict


def raises_domain_error(request):
    raise Conflict("Hồ sơ đã được người khác cập nhật. Vui lòng tải lại trang.", field="version")


def raises_bug(request):
    raise RuntimeError("a bug")


urlpatterns = [
    path("test/domain-error", raises_domain_error),
    path("test/bug", raises_bug),
    *site_urlpatterns,
]

__all__ = ["handler404", "handler500", "urlpatterns"]
