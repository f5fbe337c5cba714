"""Pages of payments: the applicant's payment page and results, the gateways' return and
notification addresses, receipts, and cash recorded by the desk."""

from django.urls import path

from motcua.payments import views

app_name = "payments"
urlpatterns = [
    path("thanh-toan/ho-so/<str:code>/", views.pay, name="pay"),
    path("thanh-toan/ho-so/<str:code>/bat-dau/", views.start, name="start"),
    path("thanh-toan/cong/<str:gateway>/ket-qua/", views.gateway_return, name="return"),
    path("thanh-toan/cong/<str:gateway>/ipn/", views.gateway_notification, name="ipn"),
    path("thanh-toan/giao-dich/<str:order_ref>/", views.detail, name="detail"),
    path("thanh-toan/giao-dich/<str:order_ref>/kiem-tra/", views.recheck, name="recheck"),
    path("thanh-toan/giao-dich/<str:order_ref>/bien-lai.pdf", views.receipt, name="receipt"),
    path("can-bo/ho-so/<str:code>/thu-phi/", views.record_cash, name="cash"),
]
