"""URL map: the portal, each app's pages, the admin, the API and the health check."""

from django.contrib import admin
from django.urls import include, path, re_path

from motcua.config.api import api
from motcua.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    re_path(r"^api/v1/", core_views.api_not_found),
    path("api/docs", core_views.api_docs, name="api-docs"),
    path("admin/", admin.site.urls),
    path("", include("motcua.core.urls")),
    path("", include("motcua.accounts.urls")),
    path("", include("motcua.catalog.urls")),
    path("", include("motcua.dossiers.urls")),
    path("", include("motcua.monitoring.urls")),
    path("", include("motcua.feedback.urls")),
    path("", include("motcua.reports.urls")),
    path("", include("motcua.integrations.urls")),
    path("", include("motcua.notifications.urls")),
    path("", include("motcua.payments.urls")),
    path("", include("motcua.results.urls")),
    path("", include("motcua.portal.urls")),
]

handler404 = "motcua.portal.views.page_not_found"
handler500 = "motcua.portal.views.server_error"

admin.site.site_header = "Motcua – Quản trị"
admin.site.site_title = "Motcua"
admin.site.index_title = "Quản trị hệ thống"
