"""Public pages of the procedure catalogue (/thu-tuc/...)."""

from django.urls import path

from motcua.catalog import views

app_name = "catalog"
urlpatterns = [
    path("thu-tuc/", views.procedure_list, name="list"),
    path("thu-tuc/linh-vuc/<slug:field_code>/", views.procedure_list, name="field"),
    path("thu-tuc/<str:code>/", views.procedure_detail, name="detail"),
    path(
        "thu-tuc/<str:code>/mau/<int:document_id>/",
        views.template_download,
        name="template",
    ),
]
