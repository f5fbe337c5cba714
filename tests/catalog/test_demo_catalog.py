"""`motcua load_demo_catalog`: real procedures, published with their forms, loaded once."""

import io
import zipfile
from decimal import Decimal

import pytest
from django.core.management import call_command

from motcua.accounts.models import Agency
from motcua.catalog.forms import form_schema_problems
from motcua.catalog.models import Field, Procedure, ProcedureVersion
from motcua.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded():
    call_command("load_demo_catalog", verbosity=0)


def test_at_least_twelve_real_procedures_in_four_fields(loaded):
    procedures = Procedure.objects.select_related("current_version", "field")

    assert procedures.count() >= 12
    assert set(Field.objects.values_list("code", flat=True)) == {
        "dat-dai",
        "moi-truong",
        "tai-nguyen-nuoc",
        "khoang-san",
    }
    assert {procedure.field.code for procedure in procedures} == set(
        Field.objects.values_list("code", flat=True)
    )
    for procedure in procedures:
        version = procedure.current_version
        assert version.status == ProcedureVersion.Status.PUBLISHED
        assert version.agency.code == "H56.14"
        assert form_schema_problems(version.form_template.schema, version.form_template.ui) == []
        assert version.documents.exists()


def test_the_facts_of_spec_section_5(loaded):
    first = Procedure.objects.get(code="1.012756").current_version
    assert (first.processing_time, first.processing_time_unit) == (Decimal("17"), "working_days")
    assert first.effective_online_scope == "full"

    exchange = Procedure.objects.get(code="1.012783").current_version
    assert exchange.processing_time == Decimal("5")
    fee = exchange.fees.get()
    assert (fee.amount, fee.quantity_field) == (50000, "certificate_count")
    assert fee.amount_for({"certificate_count": 2}) == 100000

    deletion = Procedure.objects.get(code="1.012766").current_version
    assert deletion.processing_time == Decimal("3")
    assert deletion.effective_online_scope == "partial"

    permit = Procedure.objects.get(code="1.010727").current_version
    assert permit.processing_time_text == "30 ngày theo lịch"


def test_templates_are_real_docx_files(loaded):
    version = Procedure.objects.get(code="1.012783").current_version
    document = version.documents.exclude(template="").get()

    with document.template.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as docx:
        text = docx.read("word/document.xml").decode()
    assert "Số phát hành (số seri) Giấy chứng nhận" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text


def test_loading_again_changes_nothing(loaded):
    before = (
        Procedure.objects.count(),
        ProcedureVersion.objects.count(),
        AuditEntry.objects.count(),
    )

    call_command("load_demo_catalog", verbosity=0)

    after = (
        Procedure.objects.count(),
        ProcedureVersion.objects.count(),
        AuditEntry.objects.count(),
    )
    assert after == before


def test_an_existing_demo_department_is_used(db):
    Agency.objects.create(code="H56.14", name="Sở đã có", kind=Agency.Kind.DEPARTMENT)

    call_command("load_demo_catalog", verbosity=0)

    assert Agency.objects.filter(code="H56.14").count() == 1
    assert Procedure.objects.get(code="1.010727").current_version.agency.name == "Sở đã có"
