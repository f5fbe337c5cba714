"""Pages of notifications: a staff member's in-app inbox; the administrators' failed messages
and message templates."""

from django.urls import path

from motcua.notifications import views, views_templates

app_name = "notifications"
urlpatterns = [
    path("can-bo/thong-bao/", views.inbox, name="inbox"),
    path("can-bo/thong-bao/<int:pk>/da-doc/", views.mark_read, name="mark-read"),
    path("tai-khoan/thong-bao/", views.preferences, name="preferences"),
    path("quan-tri/thong-bao/", views.failures, name="failures"),
    path("quan-tri/thong-bao/<int:pk>/gui-lai/", views.retry, name="retry"),
    path("quan-tri/thong-bao/mau/", views_templates.template_list, name="templates"),
    path(
        "quan-tri/thong-bao/mau/<slug:event>/<slug:channel>/<slug:language>/",
        views_templates.template_edit,
        name="template-edit",
    ),
    path(
        "quan-tri/thong-bao/mau/<slug:event>/<slug:channel>/<slug:language>/xem-truoc/",
        views_templates.template_preview_part,
        name="template-preview",
    ),
    path(
        "quan-tri/thong-bao/mau/<slug:event>/<slug:channel>/<slug:language>/khoi-phuc/",
        views_templates.template_reset,
        name="template-reset",
    ),
]
