"""Catalogue admin: the form-schema live preview, read-only published versions, the actions."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from motcua.catalog.models import FormTemplate, Procedure, ProcedureVersion
from tests.catalog.factories import SIMPLE_SCHEMA, FieldFactory, published_procedure
from tests.factories import AgencyFactory, UserFactory

pytestmark = pytest.mark.django_db
PREVIEW = "/admin/catalog/procedureversion/form-preview/"


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, kind="staff"))
    return client


def test_the_preview_renders_a_valid_schema(admin_client):
    response = admin_client.post(
        PREVIEW, {"form_schema": json.dumps(SIMPLE_SCHEMA), "form_ui": '{"order": ["copies"]}'}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Lược đồ hợp lệ" in page
    assert '<label for="id_preview-copies">Số bản</label>' in page
    assert page.index("id_preview-copies") < page.index("id_preview-project_name")


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ('{"type": "object", "properties": {', "Không đọc được JSON: dòng 1"),
        ('{"type": "object", "properties": {"a": {"type": "string"}}}', "cần có “title”"),
        (
            '{"type": "object", "properties": {"a": {"type": "object", "title": "A"}}}',
            "chưa được hỗ trợ",
        ),
        ('{"type": 12}', "không đúng chuẩn JSON Schema 2020-12"),
    ],
)
def test_the_preview_explains_what_is_wrong_in_vietnamese(admin_client, schema, message):
    response = admin_client.post(PREVIEW, {"form_schema": schema, "form_ui": ""})

    assert response.status_code == 200  # HTMX swaps it in
    page = response.content.decode()
    assert "Lược đồ chưa dùng được" in page and message in page


def test_the_preview_is_for_staff_only_and_by_post(admin_client):
    anonymous = Client()
    citizen = Client()
    citizen.force_login(UserFactory())

    assert anonymous.post(PREVIEW, {"form_schema": "{}"}).status_code == 302  # to the login
    assert citizen.post(PREVIEW, {"form_schema": "{}"}).status_code == 302
    assert admin_client.get(PREVIEW).status_code == 405


def test_a_published_version_is_read_only(admin_client):
    version = published_procedure()
    url = reverse("admin:catalog_procedureversion_change", args=[version.pk])

    page = admin_client.get(url).content.decode()
    response = admin_client.post(url, {"name": "Tên mới"})

    assert 'name="name"' not in page and 'name="form_schema"' not in page
    assert "Số bản" in page  # the form schema is shown, read-only
    version.refresh_from_db()
    assert version.name == "Cấp giấy phép môi trường"
    assert response.status_code in {200, 302, 403}


def test_a_draft_is_edited_with_its_form_schema(admin_client):
    draft = published_procedure(publish=False)
    url = reverse("admin:catalog_procedureversion_change", args=[draft.pk])
    assert (
        'hx-post="/admin/catalog/procedureversion/form-preview/"'
        in admin_client.get(url).content.decode()
    )
    schema = {
        **SIMPLE_SCHEMA,
        "properties": {
            **SIMPLE_SCHEMA["properties"],
            "note": {"type": "string", "title": "Ghi chú"},
        },
    }

    response = admin_client.post(
        url, _version_post(draft, name="Tên đã sửa", form_schema=json.dumps(schema))
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    draft.refresh_from_db()
    assert draft.name == "Tên đã sửa"
    assert "note" in FormTemplate.objects.get(version=draft).schema["properties"]


def test_a_bad_schema_is_refused_next_to_the_field(admin_client):
    draft = published_procedure(publish=False)
    url = reverse("admin:catalog_procedureversion_change", args=[draft.pk])

    response = admin_client.post(
        url,
        _version_post(
            draft, form_schema='{"type": "object", "properties": {"a": {"type": "string"}}}'
        ),
    )

    assert response.status_code == 200
    assert "cần có “title”" in response.content.decode()
    assert FormTemplate.objects.get(version=draft).schema == SIMPLE_SCHEMA


def test_the_revise_and_publish_actions(admin_client):
    version = published_procedure()
    changelist = reverse("admin:catalog_procedureversion_changelist")

    admin_client.post(changelist, {"action": "revise", "_selected_action": [version.pk]})
    draft = ProcedureVersion.objects.get(procedure=version.procedure, number=2)
    admin_client.post(changelist, {"action": "publish", "_selected_action": [draft.pk]})

    procedure = Procedure.objects.get(pk=version.procedure_id)
    assert procedure.current_version_id == draft.pk
    # publishing it again is refused with a message, not an error page
    response = admin_client.post(
        changelist, {"action": "publish", "_selected_action": [draft.pk]}, follow=True
    )
    assert "không được sửa" in response.content.decode()


def test_a_procedure_and_its_first_version_are_added_in_the_admin(admin_client):
    field = FieldFactory()
    agency = AgencyFactory()
    admin_client.post(
        reverse("admin:catalog_procedure_add"),
        {"code": "1.234567", "field": field.pk, "is_active": "on"},
    )
    procedure = Procedure.objects.get(code="1.234567")

    response = admin_client.post(
        reverse("admin:catalog_procedureversion_add"),
        {
            **_version_post(
                None, agency=agency.pk, name="Thủ tục mới", form_schema=json.dumps(SIMPLE_SCHEMA)
            ),
            "procedure": procedure.pk,
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    version = procedure.versions.get()
    assert (version.number, version.status) == (1, "draft")
    assert version.form_template.schema == SIMPLE_SCHEMA


def _version_post(version, **overrides):
    data = {
        "name": version.name if version else "",
        "name_en": "",
        "agency": version.agency_id if version else "",
        "agency_level": "province",
        "service_level": "4",
        "online_scope": "",
        "processing_time": "17",
        "processing_time_unit": "working_days",
        "processing_time_note": "",
        "channels": ["online", "counter"],
        "applicant_kinds": ["citizen"],
        "result_type": "",
        "conditions": "",
        "steps": "",
        "legal_basis": "",
        "fee_note": "",
        "form_schema": json.dumps(SIMPLE_SCHEMA),
        "form_ui": "{}",
    }
    for prefix, count in (
        ("documents", version.documents.count() if version else 0),
        ("fees", version.fees.count() if version else 0),
    ):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": str(count),
                f"{prefix}-INITIAL_FORMS": str(count),
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
        if version:
            related = version.documents.all() if prefix == "documents" else version.fees.all()
            for index, item in enumerate(related):
                data[f"{prefix}-{index}-id"] = str(item.pk)
                data[f"{prefix}-{index}-version"] = str(version.pk)
                data[f"{prefix}-{index}-name"] = item.name
                data[f"{prefix}-{index}-order"] = str(item.order)
                if prefix == "documents":
                    data.update(
                        {
                            f"{prefix}-{index}-originals": "1",
                            f"{prefix}-{index}-copies": "0",
                            f"{prefix}-{index}-is_required": "on",
                        }
                    )
                else:
                    data.update(
                        {
                            f"{prefix}-{index}-amount": str(item.amount or ""),
                            f"{prefix}-{index}-unit": item.unit,
                            f"{prefix}-{index}-quantity_field": item.quantity_field,
                        }
                    )
    data.update(overrides)
    return data
