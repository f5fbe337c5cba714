"""Pages of notifications: a staff member's in-app inbox, the administrators' failed messages."""

from django.urls import path

from motcua.notifications import views

app_name = "notifications"
urlpatterns = [
    path("can-bo/thong-bao/", views.inbox, name="inbox"),
    path("can-bo/thong-bao/<int:pk>/da-doc/", views.mark_read, name="mark-read"),
    path("quan-tri/thong-bao/", views.failures, name="failures"),
    path("quan-tri/thong-bao/<int:pk>/gui-lai/", views.retry, name="retry"),
]
