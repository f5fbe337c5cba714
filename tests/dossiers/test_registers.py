"""The dossier register (form 06) at /can-bo/so-theo-doi/: which dossiers it lists, its columns,
filters, pages, PDF and Excel exports, limits, and who may read it."""

from __future__ import annotations

import io
import re
from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from pypdf import PdfReader

from motcua.dossiers import views_forms
from motcua.dossiers.models import Handling, Status
from tests.catalog.factories import published_procedure
from tests.dossiers import test_forms_pdf as forms
from tests.factories import AgencyFactory, Role, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

VN = forms.VN
make_dossier = forms.make_dossier
pdf_text = forms.pdf_text
lam_dong = forms.lam_dong
desk = forms.desk
environment_unit = forms.environment_unit
officer = forms.officer
permit = forms.permit
staff_client = forms.staff_client

NOVEMBER = {"date_from": "2026-11-01", "date_to": "2026-11-30"}


def at(day: int, hour: int = 9, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=VN)


def codes_on(page: str) -> list[str]:
    return re.findall(r'<span class="code">([^<]+)</span>', page)


def get(client, *, json: bool = False, **params):
    headers = {"Accept": "application/json"} if json else {}
    return client.get("/can-bo/so-theo-doi/", {**NOVEMBER, **params}, headers=headers)


@pytest.fixture
def november(permit, officer, environment_unit):
    """Two dossiers received in November (out of order of creation), one in October, one not
    yet received, and one of another agency."""
    later = make_dossier(
        version=permit,
        officer=officer,
        code="H56.14-261105-0001",
        received_at=at(5, 10),
        appointment_at=at(20, 16),
        applicant_name="Công ty TNHH Chè Cầu Đất",
        applicant_commune=None,
    )
    earlier = make_dossier(
        version=permit,
        officer=officer,
        code="H56.14-261103-0002",
        status=Status.RETURNED,
        received_at=at(3, 8),
        appointment_at=at(12, 16),
        finished_at=at(13, 10),
        returned_at=at(14, 15),
    )
    Handling.objects.create(
        dossier=earlier,
        unit=environment_unit,
        step=_step(permit, environment_unit),
        role=Role.SPECIALIST,
        started_at=at(3, 10),
    )
    make_dossier(
        version=permit, officer=officer, code="H56.14-261031-0003", received_at=at(31, 9, 10)
    )
    make_dossier(version=permit, code="H56.14-261106-0004", status=Status.NEW, received_at=None)
    other = published_procedure(agency=AgencyFactory(code="H40.14", name="Sở NN&MT Nghệ An"))
    make_dossier(version=other, code="H40.14-261110-0001", received_at=at(10))
    return earlier, later


def _step(version, unit):
    from motcua.catalog.models import ProcessDefinition, ProcessStep

    definition = ProcessDefinition.objects.create(
        procedure=version.procedure, agency=version.agency, number=1
    )
    return ProcessStep.objects.create(
        definition=definition,
        position=1,
        name="Thẩm định",
        unit=unit,
        role=Role.SPECIALIST,
        duration=5,
    )


# --- The page -------------------------------------------------------------------------------


def test_the_register_lists_the_periods_received_dossiers_in_order(staff_client, november):
    earlier, later = november
    # when the receiving officer opens the register of November
    response = get(staff_client)
    assert response.status_code == 200
    page = response.content.decode()
    # then it lists the two dossiers received in November, in order of reception
    assert codes_on(page) == [earlier.code, later.code]
    assert "2 hồ sơ tiếp nhận từ ngày 01/11/2026 đến ngày 30/11/2026" in page
    # with the columns of form 06
    for expected in (
        "Cấp giấy phép môi trường",
        "Nguyễn Thị Hoà",
        "Số 12 đường Trần Phú, 0912345678",
        "03/11/2026 08:00",
        "12/11/2026 16:00",
        "03/11/2026 10:00 – Phòng Môi trường",
        "13/11/2026 10:00",
        "14/11/2026 15:00",
        "Giải quyết quá hạn",
        "Công ty TNHH Chè Cầu Đất",
    ):
        assert expected in page, expected


def test_the_register_opens_on_this_month_of_the_officers_agency(staff_client, permit, officer):
    from django.utils import timezone

    today = timezone.localtime()
    dossier = make_dossier(version=permit, officer=officer, received_at=today)
    page = staff_client.get("/can-bo/so-theo-doi/").content.decode()
    assert codes_on(page) == [dossier.code]
    assert 'value="H56.14" selected' in page


def test_filters_by_procedure_and_status(staff_client, november, lam_dong):
    earlier, _later = november
    other = published_procedure(agency=lam_dong, name="Cấp phép khai thác nước dưới đất")
    make_dossier(version=other, code="H56.14-261107-0009", received_at=at(7))
    assert codes_on(get(staff_client, status=Status.RETURNED).content.decode()) == [earlier.code]
    procedure = other.procedure.code
    assert codes_on(get(staff_client, procedure=procedure).content.decode()) == [
        "H56.14-261107-0009"
    ]


def test_notes_name_the_apology_and_the_overdue(staff_client, permit, officer):
    make_dossier(
        version=permit,
        officer=officer,
        code="H56.14-261102-0005",
        status=Status.PROCESSING,
        received_at=at(2),
        appointment_at=at(9),
        rescheduled_appointment_at=at(10, 16),
    )
    page = get(staff_client).content.decode()
    assert "Đã xin lỗi, hẹn lại ngày 10/11/2026" in page
    assert "Đang quá hạn" in page


def test_the_page_reads_a_fixed_number_of_queries(staff_client, permit, officer):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert get(staff_client).status_code == 200
        return len(captured)

    make_dossier(version=permit, officer=officer, code="H56.14-261101-0001", received_at=at(1))
    few = queries()
    for number in range(2, 8):
        make_dossier(
            version=permit, officer=officer, code=f"H56.14-261101-{number:04d}", received_at=at(1)
        )
    assert queries() == few


def test_pages_keep_the_filters_and_number_on(staff_client, permit, officer, monkeypatch):
    monkeypatch.setattr(views_forms, "REGISTER_PAGE_SIZE", 2)
    for number in range(1, 6):
        make_dossier(
            version=permit,
            officer=officer,
            code=f"H56.14-2611{number:02d}-0001",
            received_at=at(number),
        )
    page = get(staff_client, page=3).content.decode()
    assert codes_on(page) == ["H56.14-261105-0001"]
    assert "<td>5</td>" in page
    assert "date_from=2026-11-01&amp;date_to=2026-11-30&amp;page=2" in page


# --- Bad input never gives 500 ----------------------------------------------------------------


def test_a_reversed_period_is_named_next_to_its_field(staff_client, november):
    response = get(staff_client, date_from="2026-11-30", date_to="2026-11-01")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ngày kết thúc phải bằng hoặc sau ngày bắt đầu." in page
    assert 'aria-describedby="id_date_to_error"' in page


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "31/02/2026", "2026-13-01"])
def test_impossible_dates_are_named_and_ignored(staff_client, november, day):
    response = get(staff_client, date_from=day, date_to=day)
    assert response.status_code == 200
    assert 'id="id_date_from_error"' in response.content.decode()


def test_an_unknown_format_is_400_with_its_field(staff_client):
    response = get(staff_client, format="docx", json=True)
    assert response.status_code == 400
    assert response.json()["field"] == "format"


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.dictionaries(
        st.sampled_from(["agency", "date_from", "date_to", "procedure", "status", "page"]),
        st.text(
            alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
            max_size=30,
        ),
    )
)
def test_any_filter_values_give_a_page(staff_client, params):
    assert staff_client.get("/can-bo/so-theo-doi/", params).status_code == 200


# --- Exports --------------------------------------------------------------------------------


def test_the_excel_export_has_every_row(staff_client, november):
    earlier, later = november
    # given an applicant whose name looks like a formula
    later.applicant_name = '=HYPERLINK("http://evil.example","x")'
    later.save(update_fields=["applicant_name"])
    # when the register is downloaded as Excel
    response = get(staff_client, format="xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "so-theo-doi-H56.14-20261101-20261130.xlsx" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    # then it has the agency, the title, the period, the header and one row per dossier
    assert rows[0][0] == "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG"
    assert rows[1][0] == "SỔ THEO DÕI HỒ SƠ"
    assert rows[2][0] == "Hồ sơ tiếp nhận từ ngày 01/11/2026 đến ngày 30/11/2026"
    header = next(index for index, row in enumerate(rows) if row[0] == "STT")
    lines = rows[header + 1 :]
    assert [line[1] for line in lines] == [earlier.code, later.code]
    first = lines[0]
    assert first[0] == 1 and first[3] == "Nguyễn Thị Hoà"
    assert first[5] == datetime(2026, 11, 3, 8, 0)  # a real date, in Vietnam's time
    assert first[7] == "03/11/2026 10:00 – Phòng Môi trường"
    # and the formula-like name is kept as text, never as a formula
    cell = sheet.cell(row=header + 3, column=4)
    assert cell.value == '=HYPERLINK("http://evil.example","x")'
    assert cell.data_type == "s"


def test_the_pdf_export_is_a4_landscape(staff_client, november):
    earlier, later = november
    response = get(staff_client, format="pdf")
    assert response.status_code == 200
    page = PdfReader(io.BytesIO(response.content)).pages[0]
    assert page.mediabox.width > page.mediabox.height
    text = pdf_text(response.content)
    assert "SỔ THEO DÕI HỒ SƠ" in text and "UBND TỈNH LÂM ĐỒNG" in text
    assert "Hồ sơ tiếp nhận từ ngày 01/11/2026 đến ngày 30/11/2026" in text
    assert earlier.code in text and later.code in text


def test_too_many_rows_for_a_pdf_asks_to_narrow_the_filter(staff_client, november, monkeypatch):
    monkeypatch.setattr(views_forms, "REGISTER_PDF_MAX_ROWS", 1)
    # the page says so instead of offering the PDF
    page = get(staff_client).content.decode()
    assert "Bản PDF chỉ in tối đa 1 hồ sơ" in page
    assert "format=pdf" not in page and "format=xlsx" in page
    # and the PDF address answers 400 with the reason
    response = get(staff_client, format="pdf", json=True)
    assert response.status_code == 400
    assert "thu hẹp khoảng ngày" in response.json()["message"]


# --- Who may read it ------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client):
    assert client.get("/can-bo/so-theo-doi/").status_code == 302


def test_a_citizen_is_refused(client):
    client.force_login(UserFactory())
    response = client.get("/can-bo/so-theo-doi/")
    assert response.status_code == 403
    assert "Chỉ cán bộ" in response.content.decode()


def test_staff_cannot_read_another_agencys_register(client, november):
    elsewhere = AgencyFactory(code="H40.15", name="Sở NN&MT Hà Tĩnh")
    client.force_login(StaffFactory(agency=elsewhere, role=Role.RECEIVING_OFFICER))
    # asking for Lâm Đồng's register names the problem and shows their own agency's instead
    response = get(client, agency="H56.14")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Bạn không được xem sổ theo dõi của cơ quan này." in page
    assert codes_on(page) == []
    export = get(client, agency="H56.14", format="xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    assert not any("H56.14-" in str(row[1]) for row in sheet.iter_rows(values_only=True))
