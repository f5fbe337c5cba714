"""`motcua load_demo_dossiers`: dossiers in every status, moved through the back-office engine,
once."""

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
from motcua.dossiers.lifecycle import FINAL
from motcua.dossiers.models import (
    ApologyLetter,
    Attachment,
    AttachmentKind,
    Consultation,
    Dossier,
    DossierEvent,
    FinancialObligation,
    Handling,
    Outcome,
    Rating,
    Status,
    SupplementRequest,
)
from motcua.dossiers.tracking import lookup_code_clean
from motcua.dossiers.workspace import Mark, deadline_marks
from tests.dossiers import test_tracking as cases

_fresh_cache = cases._fresh_cache
S = Status
SHOWCASE = "H56.14-261001-0001"


def _load(**options) -> str:
    out = StringIO()
    call_command("load_demo_dossiers", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def demo_prerequisites(administrative_units):
    call_command("demo", verbosity=0)
    call_command("load_demo_catalog", verbosity=0)


def _check_back_office_state(dossier: Dossier, lines: list[Handling]) -> None:
    """Where the dossier waits agrees with its status and its control sheet."""
    open_lines = [line for line in lines if line.completed_at is None]
    assert len(open_lines) <= 1, dossier.code
    assert all(line.outcome for line in lines if line.completed_at), dossier.code
    at_step = dossier.status in (S.PROCESSING, S.FINANCIAL_OBLIGATION) or (
        dossier.status == S.SUPPLEMENT_REQUESTED and dossier.current_step_id
    )
    if at_step:
        # with a unit of its process, on an open line of the control sheet
        step = dossier.current_step
        assert step.definition_id == dossier.process_definition_id, dossier.code
        assert dossier.current_unit_id == step.unit_id, dossier.code
        assert dossier.current_role == step.role, dossier.code
        assert dossier.step_due_at is not None, dossier.code
        assert [line.step_id for line in open_lines] == [step.pk], dossier.code
    elif dossier.status in (S.RECEIVED, S.DONE):
        # at the one-stop desk, for reception or return
        assert dossier.current_step_id is None, dossier.code
        assert dossier.current_unit.is_one_stop_desk, dossier.code
        assert [line.step_id for line in open_lines] == [None], dossier.code
    else:
        # new, asked for a supplement at reception, or over: nobody holds it
        assert dossier.current_unit_id is None and dossier.assignee_id is None, dossier.code
        assert open_lines == [], dossier.code
    # the clock stands still exactly while the applicant supplements or pays
    assert (dossier.paused_at is not None) == bool(
        at_step and dossier.status in (S.SUPPLEMENT_REQUESTED, S.FINANCIAL_OBLIGATION)
    ), dossier.code
    if dossier.status in FINAL:
        assert dossier.current_unit_id is None and dossier.paused_at is None, dossier.code


@pytest.mark.django_db
def test_demo_dossiers_go_through_the_back_office_once(demo_prerequisites, client):
    # when the demo dossiers are loaded
    output = _load()

    # then there are a few dozen, in every status, each printed
    dossiers = list(
        Dossier.objects.select_related(
            "procedure_version__form_template", "owner", "current_step", "current_unit"
        ).order_by("pk")
    )
    assert 35 <= len(dossiers) <= 50
    by_status = {status: 0 for status in Status.values}
    for dossier in dossiers:
        by_status[dossier.status] += 1
    assert by_status.pop(S.DRAFT) == 0
    assert all(count >= 1 for count in by_status.values()), by_status
    for status in Status:
        if status != S.DRAFT:
            assert f"{status.label}: {by_status[status.value]}" in output

    # and the showcase dossier has the code and phone the README names, and its whole journey
    assert SHOWCASE in output
    assert "0912345678" in output
    showcase = Dossier.objects.get(code=SHOWCASE)
    assert showcase.owner.username == "068090001234"
    assert showcase.applicant_phone == "0912345678"
    assert showcase.status == S.RETURNED
    journey = list(showcase.events.order_by("occurred_at", "pk").values_list("action", flat=True))
    assert journey[:3] == ["submit", "receive", "forward"]
    assert journey[-3:] == ["finish", "return_result", "rate"]
    assert {"assign", "pause", "resume"} <= set(journey)
    assert FinancialObligation.objects.get(dossier=showcase).paid_at is not None
    assert showcase.attachments.filter(kind=AttachmentKind.RESULT).exists()
    answer = client.get("/api/v1/lookup", {"code": SHOWCASE, "phone": "0912345678"})
    assert answer.status_code == 200
    assert answer.json()["status_label"] == "Đã trả kết quả"
    assert len(answer.json()["events"]) == showcase.events.filter(is_public=True).count()

    # and every demo account has dossiers for "Hồ sơ của tôi"
    owners = {dossier.owner.username for dossier in dossiers if dossier.owner}
    assert {"068090001234", "068195004321", "079203001122", "5800123456"} <= owners

    now = timezone.now()
    events: dict[int, list[DossierEvent]] = {}
    for event in DossierEvent.objects.select_related("actor").order_by("occurred_at", "pk"):
        events.setdefault(event.dossier_id, []).append(event)
    lines: dict[int, list[Handling]] = {}
    for line in Handling.objects.order_by("started_at", "pk"):
        lines.setdefault(line.dossier_id, []).append(line)
    for dossier in dossiers:
        # the form is valid against the procedure's schema, the applicant complete
        schema = dossier.procedure_version.form_template.schema
        assert form_validate(schema, dossier.form_data)[1] == {}, dossier.code
        assert dossier.applicant_commune.province_id == "68"
        assert dossier.applicant_name and dossier.applicant_address and dossier.applicant_id_number
        assert lookup_code_clean(dossier.code) == dossier.code
        # the history starts with the submission and ends in the status, in the past, and no
        # step was taken by a superuser (who would pass every check)
        history = events[dossier.pk]
        assert history[0].action == "submit"
        assert history[-1].to_status == dossier.status
        assert all(event.occurred_at <= now for event in history)
        assert not any(event.actor and event.actor.is_superuser for event in history)
        assert dossier.submitted_at == history[0].occurred_at
        # the dates agree with the history
        actions = {event.action: event.occurred_at for event in history}
        assert dossier.received_at == actions.get("receive")
        assert dossier.finished_at == actions.get("finish")
        assert dossier.returned_at == actions.get("return_result")
        if dossier.received_at:
            assert dossier.appointment_at > dossier.received_at
            assert dossier.process_definition_id is not None
        _check_back_office_state(dossier, lines.get(dossier.pk, []))

    # and the control sheets have lines handed on early and late
    outcomes = {line.outcome for line in Handling.objects.exclude(completed_at=None)}
    assert {Outcome.EARLY, Outcome.LATE} <= outcomes
    # and the forms and side stories of the back office exist
    assert SupplementRequest.objects.filter(stage=SupplementRequest.Stage.RECEPTION).exists()
    assert SupplementRequest.objects.filter(stage=SupplementRequest.Stage.PROCESSING).exists()
    assert Consultation.objects.filter(answered_at=None).exists()
    assert Consultation.objects.exclude(answered_at=None).exists()
    assert (
        FinancialObligation.objects.filter(paid_at=None).count()
        == by_status[S.FINANCIAL_OBLIGATION]
    )
    assert Rating.objects.filter(dossier__status=S.RETURNED).count() >= 2
    assert Attachment.objects.filter(kind=AttachmentKind.RESULT).count() == (
        by_status[S.DONE] + by_status[S.RETURNED]
    )
    assert set(
        Dossier.objects.filter(status=S.RETURNED).values_list("return_method", flat=True)
    ) >= {"counter"}

    # and one late dossier has form 04: past its legal date, promised again for later
    apology = ApologyLetter.objects.select_related("dossier").get()
    late = apology.dossier
    assert late.status == S.PROCESSING
    assert apology.issued_at < apology.previous_appointment_at < now < apology.new_appointment_at
    assert late.appointment_at < now < late.promised_at == apology.new_appointment_at

    # and the inboxes show dossiers overdue at their step and due within a working day
    processing = deadline_marks(now=now).mark(
        [dossier for dossier in dossiers if dossier.status == S.PROCESSING]
    )
    step_marks = [dossier.step_mark for dossier in processing]
    assert step_marks.count(Mark.OVERDUE) >= 2, step_marks
    assert step_marks.count(Mark.DUE_SOON) >= 1, step_marks

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
    counts = [model.objects.count() for model in (Dossier, DossierEvent, Handling, Attachment)]
    assert "đã có từ trước" in _load()
    assert [
        model.objects.count() for model in (Dossier, DossierEvent, Handling, Attachment)
    ] == counts


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
