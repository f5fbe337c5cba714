"""Monitoring pages: the operations view of the monitoring centre and the CSV upload."""

from django.urls import path

from motcua.monitoring import views, views_aqi

app_name = "monitoring"

urlpatterns = [
    path("quan-trac/van-hanh/", views.ops_overview, name="ops"),
    path("quan-trac/van-hanh/tram/<str:code>/", views.ops_station, name="ops-station"),
    path("quan-trac/van-hanh/tai-len/", views.csv_upload, name="csv-upload"),
    path("quan-trac/van-hanh/tai-len/mau.csv", views.csv_template_download, name="csv-template"),
    path("quan-trac/van-hanh/tai-len/<str:token>/", views.csv_preview, name="csv-preview"),
]

# Air quality (AQI side): the public map and station pages, open data, operators' alerts.
urlpatterns += [
    path("chat-luong-khong-khi/", views_aqi.air_quality_map, name="air-quality"),
    path(
        "chat-luong-khong-khi/<str:code>/",
        views_aqi.air_quality_station,
        name="air-quality-station",
    ),
    path(
        "chat-luong-khong-khi/<str:code>/du-lieu/",
        views_aqi.air_quality_data,
        name="air-quality-data",
    ),
    path("quan-trac/canh-bao/", views_aqi.alerts_page, name="alerts"),
    path(
        "quan-trac/canh-bao/<int:pk>/xac-nhan/",
        views_aqi.alert_acknowledge_view,
        name="alert-acknowledge",
    ),
]
