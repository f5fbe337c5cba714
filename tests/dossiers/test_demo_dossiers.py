"""`motcua load_demo_dossiers`: dossiers in every status, made through the services, once."""

from __future__ import annotations

import random
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from motcua.catalog.forms import form_validate
from motcua.core.audit import ChainState, audit_verify
from motcua.dossiers.demo_data import demo_pdf, demo_png, form_data_sample
from motcua.dossiers.files import file_check
from motcua.dossiers.models import Attachment, Dossier, DossierEvent, Status
from motcua.dossiers.tracking import lookup_code_clean
from tests.dossiers import test_tracking as cases

_fresh_cache = cases._fresh_cache


def _load(**options) -> str:
    out = StringIO()
    call_command("load_demo_dossiers", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def demo_prerequisites(administrative_units):
    call_command("demo", verbosity=0)
    call_command("load_demo_catalog", verbosity=0)


@pytest.mark.django_db
def test_demo_dossiers_cover_every_status_and_load_once(demo_prerequisites, client):
    # when the demo dossiers are loaded
    output = _load()
    # then there are a few dozen, in every status, each printed
    dossiers = list(
        Dossier.objects.select_related("procedure_version__form_template", "owner").order_by("pk")
    )
    assert 35 <= len(dossiers) <= 50
    by_status = {status: 0 for status in Status.values}
    for dossier in dossiers:
        by_status[dossier.status] += 1
    assert by_status.pop(Status.DRAFT) == 0
    assert all(count >= 1 for count in by_status.values()), by_status
    for status in Status:
        if status != Status.DRAFT:
            assert f"{status.label}: {by_status[status.value]}" in output

    # and the showcase dossier has the code and phone the README names
    assert "H56.14-261001-0001" in output
    assert "0912345678" in output
    showcase = Dossier.objects.get(code="H56.14-261001-0001")
    assert showcase.owner.username == "068090001234"
    assert showcase.status == Status.RETURNED
    answer = client.get("/api/v1/lookup", {"code": showcase.code, "phone": "0912345678"})
    assert answer.status_code == 200
    assert answer.json()["status_label"] == "Đã trả kết quả"
    assert len(answer.json()["events"]) == 7

    # and every demo account has dossiers for "Hồ sơ của tôi"
    owners = {dossier.owner.username for dossier in dossiers if dossier.owner}
    assert {"068090001234", "068195004321", "079203001122", "5800123456"} <= owners

    now = timezone.now()
    events = {}
    for event in DossierEvent.objects.order_by("occurred_at", "pk"):
        events.setdefault(event.dossier_id, []).append(event)
    for dossier in dossiers:
        # the form is valid against the procedure's schema, the applicant complete
        schema = dossier.procedure_version.form_template.schema
        assert form_validate(schema, dossier.form_data)[1] == {}, dossier.code
        assert dossier.applicant_commune.province_id == "68"
        assert dossier.applicant_name and dossier.applicant_address and dossier.applicant_id_number
        assert lookup_code_clean(dossier.code) == dossier.code
        # the history starts with the submission and ends with the status, in the past
        history = events[dossier.pk]
        assert history[0].action == "submit"
        assert history[-1].to_status == dossier.status
        assert all(event.occurred_at <= now for event in history)
        assert dossier.submitted_at == history[0].occurred_at
        # the dates agree with the history
        actions = {event.action: event.occurred_at for event in history}
        assert dossier.received_at == actions.get("receive")
        assert dossier.finished_at == actions.get("finish")
        assert dossier.returned_at == actions.get("return_result")
        if dossier.received_at:
            assert dossier.appointment_at > dossier.received_at

    # and the documents are real PDFs and PNGs that the upload check accepts
    attachments = list(Attachment.objects.all())
    assert len(attachments) >= len(dossiers)
    assert {attachment.content_type for attachment in attachments} == {
        "application/pdf",
        "image/png",
    }
    for attachment in attachments[:10]:
        with attachment.file.open("rb") as handle:
            assert file_check(handle, name=attachment.original_name).sha256 == attachment.sha256

    # and the audit chain holds
    assert isinstance(audit_verify(), ChainState)

    # when it runs again, nothing changes
    assert "đã có từ trước" in _load()
    assert Dossier.objects.count() == len(dossiers)


@pytest.mark.django_db
def test_demo_dossiers_say_what_is_missing(administrative_units):
    with pytest.raises(CommandError, match="motcua demo"):
        _load()


def test_generated_documents_pass_the_upload_checks():
    assert file_check(ContentFile(demo_pdf("Đơn đề nghị", ["Dòng một"])), name="a.pdf")
    assert file_check(ContentFile(demo_png(7)), name="b.png").content_type == "image/png"


def test_a_schema_without_an_example_still_gets_valid_data():
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "title": "Tên", "maxLength": 3},
            "count": {"type": "integer", "minimum": 2, "maximum": 4},
            "area": {"type": "number", "exclusiveMinimum": 0},
            "kind": {"type": "string", "enum": ["A", "B"]},
            "on": {"type": "string", "format": "date"},
            "ok": {"type": "boolean", "const": True},
            "tags": {"type": "array", "items": {"type": "string", "enum": ["x", "y"]}},
        },
        "required": ["name", "count", "area", "kind", "on", "ok"],
    }
    data = form_data_sample(schema, random.Random(1))
    assert form_validate(schema, data)[1] == {}
