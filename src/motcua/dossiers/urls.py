"""Pages of dossiers: online submission, drafts, counter reception, downloads."""

from django.urls import path, re_path

from motcua.dossiers import views, views_applicant, views_forms, views_store, views_workspace

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
    # The staff workspace: home lists, search and bulk assignment, the dossier page and actions.
    path("can-bo/ban-lam-viec/", views_workspace.home, name="workspace"),
    path("can-bo/ho-so/", views_workspace.search, name="workspace-search"),
    path("can-bo/ho-so/<str:code>/", views_workspace.dossier_page, name="workspace-dossier"),
    path(
        "can-bo/ho-so/<str:code>/thao-tac/<str:action>/",
        views_workspace.dossier_action,
        name="workspace-action",
    ),
    # Tracking: the public lookup and the applicant's own dossiers.
    path("tra-cuu/", views.lookup, name="lookup"),
    path("ho-so/cua-toi/", views.my_dossiers, name="mine"),
    path("ho-so/cua-toi/<str:code>/", views.my_dossier_detail, name="mine-detail"),
    # The applicant's actions on their dossier (answer form 02, withdraw, rate).
    path(
        "ho-so/cua-toi/<str:code>/bo-sung/",
        views_applicant.my_dossier_supplement,
        name="mine-supplement",
    ),
    path(
        "ho-so/cua-toi/<str:code>/rut/", views_applicant.my_dossier_withdraw, name="mine-withdraw"
    ),
    path("ho-so/cua-toi/<str:code>/danh-gia/", views_applicant.my_dossier_rate, name="mine-rate"),
    # Legal forms (01-04), the process control sheet and the register (form 06).
    re_path(
        r"^can-bo/ho-so/(?P<code>[^/]+)/phieu/(?P<form>0[1-4])\.pdf$",
        views_forms.staff_form,
        name="staff-form",
    ),
    re_path(
        r"^can-bo/ho-so/(?P<code>[^/]+)/phieu-kiem-soat\.(?P<extension>pdf|xlsx)$",
        views_forms.control_sheet,
        name="control-sheet",
    ),
    path("can-bo/so-theo-doi/", views_forms.register, name="register"),
    # The personal data store (kho dữ liệu), its share links and the counter's certification.
    path("kho-du-lieu/", views_store.my_store, name="store"),
    path("kho-du-lieu/<int:pk>/tai-ve/", views_store.my_store_download, name="store-download"),
    path("kho-du-lieu/<int:pk>/chia-se/", views_store.my_store_share, name="store-share"),
    path("kho-du-lieu/<int:pk>/xoa/", views_store.my_store_delete, name="store-delete"),
    path(
        "kho-du-lieu/chia-se/<int:pk>/thu-hoi/",
        views_store.my_store_share_revoke,
        name="store-share-revoke",
    ),
    path("chia-se/<str:token>/", views_store.shared, name="store-shared"),
    path("chia-se/<str:token>/tai-ve/", views_store.shared_download, name="store-shared-download"),
    path(
        "can-bo/ho-so/<str:code>/tep/<int:pk>/chung-thuc/",
        views_store.attachment_certify_view,
        name="store-certify",
    ),
    re_path(
        r"^ho-so/cua-toi/(?P<code>[^/]+)/phieu/(?P<form>0[1-4])\.pdf$",
        views_forms.my_form,
        name="my-form",
    ),
]
