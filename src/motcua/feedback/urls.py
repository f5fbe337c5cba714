"""URLs of reports: public pages, officers' pages and the Open311 GeoReport v2 API."""

from django.urls import path, re_path

from motcua.feedback import open311, views, views_staff

app_name = "feedback"

urlpatterns = [
    path("phan-anh/", views.index, name="index"),
    path("phan-anh/gui/", views.submit, name="submit"),
    path("phan-anh/gui/xong/", views.submitted, name="submitted"),
    path("phan-anh/theo-doi/", views.follow, name="follow"),
    path("phan-anh/theo-doi/<str:code>/", views.follow_report, name="follow-report"),
    path("phan-anh/ban-do/", views.reports_map, name="map"),
    path("can-bo/phan-anh/", views_staff.staff_list, name="staff-list"),
    path("can-bo/phan-anh/duong-day-nong/", views_staff.hotline, name="hotline"),
    path("can-bo/phan-anh/<str:code>/", views_staff.staff_detail, name="staff-detail"),
    path(
        "can-bo/phan-anh/<str:code>/tep/<int:pk>/",
        views_staff.staff_attachment,
        name="staff-attachment",
    ),
    path("bao-cao/phan-anh/", views_staff.statistics, name="statistics"),
    path("bao-cao/phan-anh/excel/", views_staff.statistics_excel, name="statistics-excel"),
    re_path(r"^open311/v2/services\.(?P<fmt>json|xml)$", open311.services, name="open311-services"),
    re_path(
        r"^open311/v2/services/(?P<service_code>[^/]+)\.(?P<fmt>json|xml)$",
        open311.service_definition,
        name="open311-service",
    ),
    re_path(r"^open311/v2/requests\.(?P<fmt>json|xml)$", open311.requests, name="open311-requests"),
    re_path(
        r"^open311/v2/requests/(?P<request_id>[^/]+)\.(?P<fmt>json|xml)$",
        open311.request_detail,
        name="open311-request",
    ),
]
