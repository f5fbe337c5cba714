"""Submission services: drafts, attachments, the submit transaction, reuse and clean-up."""

import hashlib
import os
import threading
import time
from datetime import datetime, timedelta

import pytest
from django.db import OperationalError, close_old_connections, connection
from django.utils import timezone

from motcua.core.calendar import VIETNAM, due_at
from motcua.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from motcua.core.models import AuditEntry
from motcua.dossiers import services
from motcua.dossiers.codes import CODE_PATTERN
from motcua.dossiers.models import Attachment, Dossier, DossierCodeSequence, Status
from motcua.dossiers.services import (
    SubmissionIncomplete,
    attachment_orphans_delete,
    attachment_remove,
    attachment_reuse,
    attachment_upload,
    dossier_draft_create,
    dossier_draft_update,
    dossier_submit,
)
from motcua.dossiers.tasks import attachment_orphans_clean
from tests.dossiers.samples import (
    citizen,
    complete_draft,
    image_bytes,
    noise_png,
    submission_procedure,
    upload,
)
from tests.factories import AgencyFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(administrative_units):
    return submission_procedure(agency=AgencyFactory(code="H56.14"), processing_time="17")


@pytest.fixture
def applicant(administrative_units):
    return citizen(full_name="Trần Thị Bình")


def _storage():
    return Attachment._meta.get_field("file").storage


def test_a_draft_is_prefilled_from_the_account(version, applicant):
    draft = dossier_draft_create(
        procedure_code=version.procedure.code, owner=applicant, actor=applicant
    )
    assert draft.status == Status.DRAFT
    assert draft.code is None
    assert draft.channel == "online"
    assert draft.agency == version.agency
    assert draft.applicant_name == "Trần Thị Bình"
    assert draft.applicant_id_number == applicant.personal_id
    assert draft.applicant_phone == applicant.phone
    assert draft.applicant_commune == applicant.commune


def test_submit_gives_the_code_status_and_appointment_from_the_calendar(version, applicant):
    # given a complete draft, submitted on Monday 23/11/2026 at 09:00
    draft = complete_draft(version, applicant)
    submitted_at = datetime(2026, 11, 23, 9, 0, tzinfo=VIETNAM)
    # when it is submitted
    dossier = dossier_submit(dossier=draft, actor=applicant, submitted_at=submitted_at)
    # then it has the agency's first code of the day, status "new" and the expected date:
    # 17 working days, skipping weekends and 24/11 (Vietnamese Culture Day)
    assert dossier.code == "H56.14-261123-0001"
    assert CODE_PATTERN.match(dossier.code)
    assert dossier.status == Status.NEW
    assert dossier.national_status_code == 1
    assert dossier.submitted_at == submitted_at
    assert dossier.appointment_at == due_at(submitted_at, 17, "working_days", agency=version.agency)
    assert timezone.localtime(dossier.appointment_at) == datetime(
        2026, 12, 17, 9, 0, tzinfo=VIETNAM
    )
    # and the history and the audit log record it
    event = dossier.events.get()
    assert (event.action, event.from_status, event.to_status) == ("submit", "draft", "new")
    assert AuditEntry.objects.filter(action="dossier.submit", object_id=str(dossier.pk)).exists()
    # and the caller's object is up to date too
    assert draft.code == dossier.code


def test_the_code_uses_the_local_date_of_submission(version, applicant):
    # 23:30 on 23/11 in Vietnam is still 23/11 locally (16:30 UTC)
    late = datetime(2026, 11, 23, 23, 30, tzinfo=VIETNAM)
    dossier = dossier_submit(
        dossier=complete_draft(version, applicant), actor=applicant, submitted_at=late
    )
    assert dossier.code.startswith("H56.14-261123-")


def test_a_missing_required_document_is_named(version, applicant):
    # given a draft with a file for the first document only
    draft = dossier_draft_create(
        procedure_code=version.procedure.code, owner=applicant, actor=applicant
    )
    dossier_draft_update(
        dossier=draft,
        actor=applicant,
        form_data={"project_name": "Dự án", "copies": 1},
        expected_version=draft.version,
    )
    first, second = version.documents.order_by("order")
    attachment_upload(
        actor=applicant, uploaded_file=upload(), required_document=first, dossier=draft
    )
    # when it is submitted
    with pytest.raises(SubmissionIncomplete) as error:
        dossier_submit(dossier=draft, actor=applicant)
    # then the missing document is named, and nothing changed
    assert list(error.value.problems) == [f"documents.{second.pk}"]
    assert second.name in error.value.message
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT and draft.code is None


def test_form_errors_are_named_by_field(version, applicant):
    draft = complete_draft(version, applicant, form={"copies": "nhiều"})
    with pytest.raises(SubmissionIncomplete) as error:
        dossier_submit(dossier=draft, actor=applicant)
    problems = error.value.problems
    assert set(problems) == {"form.project_name", "form.copies"}
    assert "Tên dự án" in problems["form.project_name"][0]
    assert "Số bản" in problems["form.copies"][0]


def test_incomplete_applicant_details_are_named(version, administrative_units):
    bare = citizen(personal_id="", phone="", email="", address="", commune=None)
    draft = complete_draft(version, bare)
    with pytest.raises(SubmissionIncomplete) as error:
        dossier_submit(dossier=draft, actor=bare)
    assert {
        "applicant.id_number",
        "applicant.address",
        "applicant.commune",
        "applicant.phone",
    } <= set(error.value.problems)


def test_a_submitted_dossier_cannot_be_submitted_again(version, applicant):
    dossier = dossier_submit(dossier=complete_draft(version, applicant), actor=applicant)
    with pytest.raises(Conflict) as error:
        dossier_submit(dossier=dossier, actor=applicant)
    assert error.value.code == "already_submitted"
    assert Dossier.objects.exclude(status=Status.DRAFT).count() == 1
    assert DossierCodeSequence.objects.get().last_number == 1


def test_another_citizen_cannot_touch_a_draft(version, applicant, administrative_units):
    draft = complete_draft(version, applicant)
    stranger = citizen()
    with pytest.raises(NotFound):
        dossier_submit(dossier=draft, actor=stranger)
    with pytest.raises(NotFound):
        dossier_draft_update(
            dossier=draft, actor=stranger, form_data={}, expected_version=draft.version
        )
    with pytest.raises(NotFound):
        attachment_upload(actor=stranger, uploaded_file=upload(), dossier=draft)


def test_staff_cannot_submit_online_for_themselves(version):
    officer = StaffFactory()
    with pytest.raises(InvalidInput):
        dossier_draft_create(procedure_code=version.procedure.code, owner=officer, actor=officer)


def test_a_procedure_without_online_service_refuses_online_drafts(applicant):
    offline = submission_procedure(service_level=2)
    with pytest.raises(InvalidInput) as error:
        dossier_draft_create(
            procedure_code=offline.procedure.code, owner=applicant, actor=applicant
        )
    assert error.value.code == "online_not_allowed"


def test_a_stale_draft_save_is_refused_not_overwritten(version, applicant):
    # given a draft open in two tabs (both read version 1)
    draft = dossier_draft_create(
        procedure_code=version.procedure.code, owner=applicant, actor=applicant
    )
    opened = draft.version
    dossier_draft_update(
        dossier=draft, actor=applicant, form_data={"project_name": "Tab A"}, expected_version=opened
    )
    # when the second tab saves other content with the old version
    with pytest.raises(Conflict) as error:
        dossier_draft_update(
            dossier=draft,
            actor=applicant,
            form_data={"project_name": "Tab B"},
            expected_version=opened,
        )
    # then it gets 409 and the first tab's text stays
    assert error.value.status == 409
    draft.refresh_from_db()
    assert draft.form_data == {"project_name": "Tab A"}
    # but saving exactly what is stored (an autosave that beat the button) is no conflict
    dossier_draft_update(
        dossier=draft, actor=applicant, form_data={"project_name": "Tab A"}, expected_version=opened
    )


@pytest.mark.parametrize(
    ("form_data", "field"),
    [
        ({"project_name": "a\x00b"}, "form.project_name"),
        ({"project_name": "x" * 20_001}, "form.project_name"),
        ({"project_name": "\ud800"}, "form.project_name"),
        ({"project_name": {"nested": 1}}, "form.project_name"),
        ("not a dict", "form_data"),
    ],
)
def test_bad_draft_values_are_refused_with_the_field(version, applicant, form_data, field):
    draft = dossier_draft_create(
        procedure_code=version.procedure.code, owner=applicant, actor=applicant
    )
    with pytest.raises(InvalidInput) as error:
        dossier_draft_update(
            dossier=draft, actor=applicant, form_data=form_data, expected_version=draft.version
        )
    assert error.value.field == field


@pytest.mark.parametrize(
    ("applicant_values", "field"),
    [
        ({"id_number": "12345"}, "applicant.id_number"),
        ({"phone": "12"}, "applicant.phone"),
        ({"email": "khong-phai-thu"}, "applicant.email"),
        ({"commune": "99999"}, "applicant.commune"),
        ({"name": "x" * 300}, "applicant.name"),
        ({"nickname": "x"}, "applicant.nickname"),
    ],
)
def test_bad_applicant_details_are_refused_with_the_field(
    version, applicant, applicant_values, field
):
    draft = dossier_draft_create(
        procedure_code=version.procedure.code, owner=applicant, actor=applicant
    )
    with pytest.raises(InvalidInput) as error:
        dossier_draft_update(
            dossier=draft,
            actor=applicant,
            form_data={},
            expected_version=draft.version,
            applicant=applicant_values,
        )
    assert error.value.field == field


def test_uploads_record_sha256_and_a_random_private_name(version, applicant):
    draft = dossier_draft_create(
        procedure_code=version.procedure.code, owner=applicant, actor=applicant
    )
    attachment = attachment_upload(
        actor=applicant, uploaded_file=upload("Sơ đồ vị trí.png", image_bytes()), dossier=draft
    )
    assert attachment.content_type == "image/png"
    assert attachment.original_name == "Sơ đồ vị trí.png"
    assert attachment.file.name.startswith("private/attachments/")
    assert "Sơ đồ" not in attachment.file.name
    assert _storage().exists(attachment.file.name)
    assert attachment.sha256 == hashlib.sha256(image_bytes()).hexdigest()


def test_the_total_size_of_a_dossier_is_limited(version, applicant, settings):
    # given a 1 MB limit per dossier and a 730 KB picture already attached
    settings.DOSSIER_MAX_TOTAL_MB = 1
    draft = dossier_draft_create(
        procedure_code=version.procedure.code, owner=applicant, actor=applicant
    )
    attachment_upload(actor=applicant, uploaded_file=upload("a.png", noise_png()), dossier=draft)
    # when a second one is added
    with pytest.raises(InvalidInput) as error:
        attachment_upload(
            actor=applicant, uploaded_file=upload("b.png", noise_png()), dossier=draft
        )
    # then it is refused by name, and not stored
    assert error.value.code == "dossier_too_large"
    assert "b.png" in error.value.message
    assert draft.attachments.count() == 1


def test_a_failed_row_leaves_no_stored_file(version, applicant, monkeypatch):
    # given the database refuses the attachment row
    draft = dossier_draft_create(
        procedure_code=version.procedure.code, owner=applicant, actor=applicant
    )

    def refuse(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(Attachment, "save", refuse)
    with pytest.raises(RuntimeError):
        attachment_upload(actor=applicant, uploaded_file=upload(), dossier=draft)
    # then the file written before it was deleted again
    _dirs, files = _storage().listdir(f"private/attachments/{timezone.now():%Y/%m}")
    assert files == []


def test_a_failure_during_submit_leaves_the_draft_and_the_numbering_untouched(
    version, applicant, monkeypatch
):
    draft = complete_draft(version, applicant)

    def broken(*args, **kwargs):
        raise RuntimeError("calendar unavailable")

    monkeypatch.setattr(services, "due_at", broken)
    with pytest.raises(RuntimeError):
        dossier_submit(dossier=draft, actor=applicant)
    draft.refresh_from_db()
    assert (draft.status, draft.code, draft.events.count()) == (Status.DRAFT, None, 0)
    assert not DossierCodeSequence.objects.filter(last_number__gt=0).exists()


def test_an_earlier_file_is_reused_by_reference(administrative_units, applicant):
    # given a procedure whose documents may come from the data store, and a submitted dossier
    version = submission_procedure(reusable=True)
    earlier = dossier_submit(dossier=complete_draft(version, applicant), actor=applicant)
    source = earlier.attachments.first()
    # when a new draft cites that file
    draft = dossier_draft_create(
        procedure_code=version.procedure.code, owner=applicant, actor=applicant
    )
    document = version.documents.first()
    reused = attachment_reuse(
        dossier=draft, actor=applicant, source=source, required_document=document
    )
    # then it points to the same stored file, marked as reused from the earlier dossier
    assert reused.file.name == source.file.name
    assert reused.sha256 == source.sha256
    assert reused.is_reused and reused.reused_from == earlier.code
    assert Attachment.objects.filter(file=source.file.name).count() == 2
    # and removing it from the draft keeps the file the earlier dossier still uses
    attachment_remove(actor=applicant, attachment=reused)
    assert _storage().exists(source.file.name)


def test_only_the_applicants_own_files_can_be_reused(administrative_units, applicant):
    version = submission_procedure(reusable=True)
    other = citizen()
    theirs = dossier_submit(dossier=complete_draft(version, other), actor=other).attachments.first()
    draft = dossier_draft_create(
        procedure_code=version.procedure.code, owner=applicant, actor=applicant
    )
    with pytest.raises(NotFound):
        attachment_reuse(
            dossier=draft,
            actor=applicant,
            source=theirs,
            required_document=version.documents.first(),
        )


def test_a_document_not_marked_reusable_cannot_be_reused(version, applicant):
    earlier = dossier_submit(dossier=complete_draft(version, applicant), actor=applicant)
    draft = dossier_draft_create(
        procedure_code=version.procedure.code, owner=applicant, actor=applicant
    )
    with pytest.raises(InvalidInput):
        attachment_reuse(
            dossier=draft,
            actor=applicant,
            source=earlier.attachments.first(),
            required_document=version.documents.first(),
        )


def test_removing_an_uploaded_file_deletes_it(
    version, applicant, django_capture_on_commit_callbacks
):
    draft = dossier_draft_create(
        procedure_code=version.procedure.code, owner=applicant, actor=applicant
    )
    attachment = attachment_upload(actor=applicant, uploaded_file=upload(), dossier=draft)
    name = attachment.file.name
    with django_capture_on_commit_callbacks(execute=True):
        attachment_remove(actor=applicant, attachment=attachment)
    assert not _storage().exists(name)
    assert not Attachment.objects.filter(pk=attachment.pk).exists()


def test_nothing_changes_on_a_submitted_dossier(version, applicant):
    dossier = dossier_submit(dossier=complete_draft(version, applicant), actor=applicant)
    with pytest.raises(Conflict):
        attachment_upload(actor=applicant, uploaded_file=upload(), dossier=dossier)
    with pytest.raises(Conflict):
        attachment_remove(actor=applicant, attachment=dossier.attachments.first())


def test_counter_drafts_need_a_receiving_officer_of_the_agency(version):
    other_agency_officer = StaffFactory(role="receiving_officer")
    with pytest.raises(PermissionDenied):
        dossier_draft_create(
            procedure_code=version.procedure.code,
            owner=None,
            actor=other_agency_officer,
            channel="counter",
        )


def test_orphan_uploads_are_cleaned_after_a_day(version, applicant):
    # given an upload never attached, two days old, a fresh one, an attached one, and a stored
    # file whose row was never written
    old = attachment_upload(actor=applicant, uploaded_file=upload())
    Attachment.objects.filter(pk=old.pk).update(uploaded_at=timezone.now() - timedelta(days=2))
    fresh = attachment_upload(actor=applicant, uploaded_file=upload())
    draft = complete_draft(version, applicant)
    attached = draft.attachments.first()
    storage = _storage()
    stray = storage.save(f"private/attachments/{timezone.now():%Y/%m}/stray", upload())
    two_days_ago = time.time() - 2 * 86400
    os.utime(storage.path(stray), (two_days_ago, two_days_ago))
    # when the hourly task runs
    deleted = attachment_orphans_clean.call()
    # then the abandoned upload and the stray file are gone, the others stay
    assert deleted == 2
    assert not Attachment.objects.filter(pk=old.pk).exists()
    assert not storage.exists(old.file.name)
    assert not storage.exists(stray)
    assert storage.exists(fresh.file.name) and storage.exists(attached.file.name)
    assert attachment_orphans_delete() == 0


def test_the_clean_up_is_registered_as_an_hourly_job():
    from motcua.core.scheduler import registered_jobs

    jobs = {job.name: job for job in registered_jobs()}
    assert jobs["motcua.dossiers.tasks.attachment_orphans_clean"].every == timedelta(hours=1)


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_get_distinct_codes(administrative_units):
    # given eight complete drafts of one agency
    version = submission_procedure(agency=AgencyFactory(code="H56.14"))
    drafts = [complete_draft(version, citizen()) for _ in range(8)]
    codes: list[str] = []
    lock = threading.Lock()

    def submit(batch):
        try:
            for draft in batch:
                for _attempt in range(2000):
                    try:
                        dossier = dossier_submit(dossier=draft, actor=draft.owner)
                        break
                    except OperationalError:
                        # SQLite's shared in-memory test database says "locked" at once
                        # instead of waiting; PostgreSQL waits on the row lock.
                        time.sleep(0.002)
                with lock:
                    codes.append(dossier.code)
        finally:
            close_old_connections()
            connection.close()

    # when four threads submit them at once
    threads = [threading.Thread(target=submit, args=(drafts[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then every dossier has its own code
    assert len(codes) == 8
    assert len(set(codes)) == 8
    assert all(CODE_PATTERN.match(code) for code in codes)
