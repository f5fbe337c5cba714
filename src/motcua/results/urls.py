"""Public verification pages of results, and the directors' re-issue and revocation."""

from django.urls import path, re_path

from motcua.results import views

app_name = "results"

urlpatterns = [
    re_path(r"^verify/?$", views.verify_upload, name="verify-upload"),
    path("verify/<str:token>", views.verify, name="verify"),
    path("verify/<str:token>/ban-goc", views.verify_download, name="download"),
    path("can-bo/ket-qua/<int:pk>/cap-lai/", views.replace, name="replace"),
    path("can-bo/ket-qua/<int:pk>/thu-hoi/", views.revoke, name="revoke"),
]
