"""Pages of reports: dossier statistics (with Excel export) and who holds what."""

from django.urls import path

from motcua.reports import views

app_name = "reports"
urlpatterns = [
    path("bao-cao/ho-so/", views.dossier_report, name="dossiers"),
    path("bao-cao/ho-so/excel/", views.dossier_report_excel, name="dossiers-excel"),
    path("bao-cao/dang-xu-ly/", views.holdings, name="holdings"),
    path("bao-cao/chi-so-phuc-vu/", views.service_index_report, name="service-index"),
    path("bao-cao/chi-so-phuc-vu/excel/", views.service_index_excel, name="service-index-excel"),
]
