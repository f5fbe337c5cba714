"""Pages of the shared kernel."""

from django.urls import path

from motcua.core import views

app_name = "core"
urlpatterns = [
    path("dia-chi/xa/", views.commune_options, name="commune-options"),
]
