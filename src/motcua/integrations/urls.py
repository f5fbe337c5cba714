"""Pages of inter-agency transfers (liên thông) for staff."""

from django.urls import path

from motcua.integrations import views

app_name = "integrations"
urlpatterns = [
    path("can-bo/lien-thong/", views.transfers, name="transfers"),
    path("can-bo/lien-thong/<int:pk>/tra-loi/", views.answer, name="answer"),
    path("can-bo/lien-thong/<int:pk>/gui-lai/", views.retry, name="retry"),
]
