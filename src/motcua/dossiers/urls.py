"""Pages of dossiers: online submission, drafts, counter reception, downloads."""

from django.urls import path

from motcua.dossiers import views

app_name = "dossiers"
urlpatterns = [
    path("thu-tuc/<str:code>/nop-ho-so/", views.submission_start, name="submit"),
    path("ho-so/nhap/", views.draft_list, name="drafts"),
    path("ho-so/nhap/<int:pk>/", views.draft_edit, name="draft"),
    path("ho-so/nhap/<int:pk>/luu-tu-dong/", views.draft_autosave, name="draft-autosave"),
    path("ho-so/nhap/<int:pk>/xem-lai/", views.draft_review, name="review"),
    path("ho-so/nhap/<int:pk>/nop/", views.draft_submit, name="draft-submit"),
    path("ho-so/tep/<int:pk>/", views.attachment_download, name="attachment"),
    path("ho-so/<str:code>/xac-nhan/", views.confirmation, name="confirmation"),
    path("ho-so/<str:code>/giay-xac-nhan.pdf", views.acknowledgement, name="acknowledgement"),
    path("can-bo/ho-so/moi/", views.counter_new, name="counter-new"),
    # Tracking: the public lookup and the applicant's own dossiers.
    path("tra-cuu/", views.lookup, name="lookup"),
    path("ho-so/cua-toi/", views.my_dossiers, name="mine"),
    path("ho-so/cua-toi/<str:code>/", views.my_dossier_detail, name="mine-detail"),
]
