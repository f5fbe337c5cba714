"""Pages of the procedure catalogue: public (/thu-tuc/...) and the staff process editor
(/can-bo/quy-trinh/...)."""

from django.urls import path

from motcua.catalog import views, views_process

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
    path("can-bo/quy-trinh/", views_process.process_index, name="process-index"),
    path(
        "can-bo/quy-trinh/thu-tuc/<str:code>/",
        views_process.process_procedure,
        name="process-procedure",
    ),
    path("can-bo/quy-trinh/<int:pk>/", views_process.process_detail, name="process-detail"),
    path(
        "can-bo/quy-trinh/<int:pk>/buoc/", views_process.process_step_add, name="process-step-add"
    ),
    path(
        "can-bo/quy-trinh/<int:pk>/buoc/<int:step_id>/",
        views_process.process_step_edit,
        name="process-step",
    ),
    path(
        "can-bo/quy-trinh/<int:pk>/buoc/<int:step_id>/xoa/",
        views_process.process_step_remove,
        name="process-step-delete",
    ),
    path(
        "can-bo/quy-trinh/<int:pk>/buoc/<int:step_id>/di-chuyen/",
        views_process.process_step_shift,
        name="process-step-move",
    ),
    path(
        "can-bo/quy-trinh/<int:pk>/cong-bo/", views_process.process_publish, name="process-publish"
    ),
]
