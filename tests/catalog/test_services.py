"""Versioning of procedures: drafts, revise, publish, immutability and the audit trail."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from motcua.accounts.models import Role
from motcua.catalog import services
from motcua.catalog.models import Fee, OnlineScope, Procedure, ProcedureVersion, RequiredDocument
from motcua.core.errors import Conflict, InvalidInput, PermissionDenied
from motcua.core.models import AuditEntry
from tests.catalog.factories import SIMPLE_SCHEMA, FieldFactory, published_procedure
from tests.factories import AgencyFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_publishing_makes_the_version_current_and_searchable():
    # given a draft version of a new procedure
    draft = published_procedure(code="1.012756", name="Đăng ký đất đai lần đầu", publish=False)
    assert Procedure.objects.get(code="1.012756").current_version is None

    # when it is published
    services.procedure_publish(version=draft, actor=None)

    # then it is the current version and its diacritic-free text is searchable
    procedure = Procedure.objects.get(code="1.012756")
    assert procedure.current_version_id == draft.pk
    assert procedure.current_version.status == ProcedureVersion.Status.PUBLISHED
    assert procedure.current_version.published_at is not None
    assert "dang ky dat dai lan dau" in procedure.search_document
    assert procedure.search_name.startswith("dang ky dat dai lan dau|")


def test_revise_copies_the_published_version_into_a_new_draft():
    # given a published version with documents, a fee and a form
    published = published_procedure(documents=2)
    admin = UserFactory(is_superuser=True, kind="staff")

    # when an administrator starts a revision
    draft = services.procedure_revise(procedure=published.procedure, actor=admin)

    # then the draft is number 2 and holds copies of everything
    assert (draft.number, draft.status) == (2, ProcedureVersion.Status.DRAFT)
    assert draft.name == published.name and draft.agency == published.agency
    assert [d.name for d in draft.documents.all()] == [d.name for d in published.documents.all()]
    assert {d.pk for d in draft.documents.all()}.isdisjoint(
        published.documents.values_list("pk", flat=True)
    )
    assert [(f.name, f.amount) for f in draft.fees.all()] == [("Lệ phí cấp giấy", 50000)]
    assert draft.form_template.schema == SIMPLE_SCHEMA
    # and the published version is untouched
    published.refresh_from_db()
    assert published.status == ProcedureVersion.Status.PUBLISHED


def test_publishing_a_revision_retires_the_previous_version():
    # given a published version 1 and an edited draft 2
    first = published_procedure(processing_time="17")
    draft = services.procedure_revise(procedure=first.procedure, actor=None)
    services.procedure_version_update(actor=None, version=draft, processing_time="15")

    # when the draft is published
    services.procedure_publish(version=draft, actor=None)

    # then version 1 is retired but still there (dossiers keep pointing to it), 2 is current
    first.refresh_from_db()
    assert first.status == ProcedureVersion.Status.RETIRED
    assert first.processing_time == Decimal("17")
    procedure = Procedure.objects.get(pk=first.procedure_id)
    assert procedure.current_version.number == 2
    assert procedure.current_version.processing_time == Decimal("15")


def test_a_published_version_cannot_be_edited():
    # given a published version
    version = published_procedure()
    document = version.documents.first()
    fee = version.fees.first()

    # when anything in it is changed through the services, then each answers 409
    attempts = [
        lambda: services.procedure_version_update(actor=None, version=version, name="Tên khác"),
        lambda: services.form_template_save(actor=None, version=version, schema=SIMPLE_SCHEMA),
        lambda: services.required_document_save(actor=None, document=document),
        lambda: services.required_document_delete(actor=None, document=document),
        lambda: services.fee_save(actor=None, fee=fee),
        lambda: services.fee_delete(actor=None, fee=fee),
        lambda: services.procedure_publish(version=version, actor=None),
    ]
    for attempt in attempts:
        with pytest.raises(Conflict) as raised:
            attempt()
        assert raised.value.status == 409
        assert "không được sửa" in raised.value.message
    version.refresh_from_db()
    assert version.name == "Cấp giấy phép môi trường"


def test_only_one_draft_at_a_time():
    version = published_procedure()
    services.procedure_revise(procedure=version.procedure, actor=None)

    with pytest.raises(Conflict) as raised:
        services.procedure_revise(procedure=version.procedure, actor=None)

    assert raised.value.code == "draft_exists"
    assert version.procedure.versions.count() == 2


def test_revise_and_publish_are_audited_with_their_actor():
    # given a superuser and a published procedure
    admin = UserFactory(is_superuser=True, kind="staff")
    version = published_procedure()

    # when the administrator revises and publishes it
    draft = services.procedure_revise(procedure=version.procedure, actor=admin)
    services.procedure_publish(version=draft, actor=admin)

    # then the audit log holds both actions, by that administrator, naming the versions
    entries = AuditEntry.objects.filter(actor=admin).order_by("sequence")
    assert [entry.action for entry in entries] == ["procedure.revise", "procedure.publish"]
    assert entries[0].changes == {"from_version": 1, "number": 2}
    assert entries[1].changes == {"number": 2, "retired": 1}
    assert entries[1].object_id == str(draft.pk)


def test_an_online_procedure_needs_a_form_before_publishing():
    procedure = services.procedure_create(actor=None, code="1.000001", field=FieldFactory())
    draft = services.procedure_version_create(
        actor=None,
        procedure=procedure,
        name="Thủ tục trực tuyến",
        agency=AgencyFactory(),
        processing_time="5",
        service_level=3,
        channels=["online"],
        applicant_kinds=["citizen"],
    )

    with pytest.raises(InvalidInput) as raised:
        services.procedure_publish(version=draft, actor=None)

    assert raised.value.field == "form_schema"


def test_a_fee_quantity_must_be_an_integer_field_of_the_form():
    draft = published_procedure(publish=False)
    services.fee_save(
        actor=None, fee=Fee(version=draft, name="Phí", amount=1000, quantity_field="area_m2")
    )

    with pytest.raises(InvalidInput) as raised:
        services.procedure_publish(version=draft, actor=None)

    assert raised.value.field == "quantity_field"


@pytest.mark.parametrize("bad", ["0.25", "-1", "abc", "1e9", "NaN"])
def test_processing_time_has_half_day_precision(bad):
    draft = published_procedure(publish=False)

    with pytest.raises(InvalidInput) as raised:
        services.procedure_version_update(actor=None, version=draft, processing_time=bad)

    assert raised.value.field == "processing_time"


def test_processing_time_reads_as_people_say_it():
    assert published_procedure(processing_time="17").processing_time_text == "17 ngày làm việc"
    assert published_procedure(processing_time="0,5").processing_time_text == "0,5 ngày làm việc"
    calendar = published_procedure(processing_time="30", processing_time_unit="calendar_days")
    assert calendar.processing_time_text == "30 ngày theo lịch"


@given(st.integers(min_value=1, max_value=4))
def test_online_scope_follows_the_service_level(level):
    expected = {4: OnlineScope.FULL, 3: OnlineScope.PARTIAL}.get(level, OnlineScope.NONE)
    assert OnlineScope.for_service_level(level) == expected


def test_unknown_channels_are_refused_by_name():
    draft = published_procedure(publish=False)

    with pytest.raises(InvalidInput) as raised:
        services.procedure_version_update(actor=None, version=draft, channels=["fax"])

    assert raised.value.field == "channels"
    assert "fax" in raised.value.message


def test_fee_amount_is_multiplied_by_the_quantity_field():
    version = published_procedure(fee_amount=50000)
    fee = version.fees.get()

    assert fee.amount_for({"copies": 3}) == 150000
    assert fee.amount_for({}) == 50000
    assert fee.amount_for({"copies": "3"}) == 50000  # not a number: counted once


def test_staff_without_the_administrator_role_cannot_change_the_catalogue():
    # given a specialist of the implementing agency and a draft
    draft = published_procedure(publish=False)
    specialist = StaffFactory(agency=draft.agency, role=Role.SPECIALIST)

    # then they can neither edit nor publish it
    with pytest.raises(PermissionDenied):
        services.procedure_version_update(actor=specialist, version=draft, name="Khác")
    with pytest.raises(PermissionDenied):
        services.procedure_publish(version=draft, actor=specialist)


def test_the_agency_administrator_manages_its_procedures():
    draft = published_procedure(publish=False)
    administrator = StaffFactory(agency=draft.agency, role=Role.ADMINISTRATOR)

    services.procedure_version_update(actor=administrator, version=draft, name="Tên mới")
    services.procedure_publish(version=draft, actor=administrator)

    assert Procedure.objects.get(pk=draft.procedure_id).current_version.name == "Tên mới"


def test_deleting_a_draft_document_is_audited():
    draft = published_procedure(publish=False, documents=2)
    document = draft.documents.first()

    services.required_document_delete(actor=None, document=document)

    assert not RequiredDocument.objects.filter(pk=document.pk).exists()
    assert AuditEntry.objects.filter(action="required_document.delete").count() == 1


def test_renaming_a_field_updates_the_search_text():
    version = published_procedure()
    field = version.procedure.field
    field.name = "Biển và hải đảo"

    services.field_save(field=field, actor=None)

    assert "bien va hai dao" in Procedure.objects.get(pk=version.procedure_id).search_document
