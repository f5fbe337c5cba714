"""The legal forms 01-04 and the process control sheet as PDFs: their content in the official
layout, Vietnamese number and date style, the lookup QR, and who may download them."""

from __future__ import annotations

import io
import time
import unicodedata
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from pypdf import PdfReader

from motcua.accounts.models import Agency
from motcua.catalog.models import ProcessDefinition, ProcessStep
from motcua.core.models import Province
from motcua.dossiers import forms_pdf
from motcua.dossiers.models import (
    ApologyLetter,
    Attachment,
    Dossier,
    DossierEvent,
    Handling,
    ReturnMethod,
    Status,
    SupplementRequest,
)
from motcua.dossiers.templatetags.legal_forms import vn_long_date, vn_money, vn_number, vn_time
from tests.catalog.factories import published_procedure
from tests.factories import AgencyFactory, Role, StaffFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")
RECEIVED_AT = datetime(2026, 11, 23, 9, 30, tzinfo=VN)
APPOINTMENT_AT = datetime(2026, 12, 15, 15, 30, tzinfo=VN)
CODE = "H56.14-261123-0007"
APPLICANT = "Nguyễn Thị Hoà"


def pdf_text(content: bytes) -> str:
    """The text of a PDF with its line breaks as spaces (a long line may wrap anywhere)."""
    pages = PdfReader(io.BytesIO(content)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


# --- Data: an agency of Lâm Đồng, its units and officers, and dossiers at each stage --------


@pytest.fixture
def lam_dong(administrative_units):
    province = Province.objects.get(code="68")
    ubnd = AgencyFactory(
        code="H56", name="UBND tỉnh Lâm Đồng", kind=Agency.Kind.OTHER, province=province
    )
    return AgencyFactory(
        code="H56.14",
        name="Sở Nông nghiệp và Môi trường",
        parent=ubnd,
        province=province,
        phone="0263 3822 000",
    )


@pytest.fixture
def desk(lam_dong):
    return UnitFactory(
        agency=lam_dong, code="MOTCUA", name="Bộ phận một cửa", is_one_stop_desk=True
    )


@pytest.fixture
def environment_unit(lam_dong):
    return UnitFactory(agency=lam_dong, code="PMT", name="Phòng Môi trường")


@pytest.fixture
def officer(lam_dong, desk):
    return StaffFactory(
        agency=lam_dong, full_name="Trần Văn Bình", role=Role.RECEIVING_OFFICER, role__unit=desk
    )


@pytest.fixture
def specialist(lam_dong, environment_unit):
    return StaffFactory(
        agency=lam_dong,
        full_name="Lê Thị Cúc",
        role=Role.SPECIALIST,
        role__unit=environment_unit,
    )


@pytest.fixture
def permit(lam_dong):
    version = published_procedure(
        agency=lam_dong, name="Cấp giấy phép môi trường", documents=2, fee_amount=1_234_567
    )
    version.documents.filter(order=1).update(name="Báo cáo đề xuất cấp giấy phép", copies=2)
    return version


@pytest.fixture
def applicant():
    return UserFactory(full_name=APPLICANT)


def make_dossier(
    *,
    version,
    owner=None,
    officer=None,
    code: str = CODE,
    status: str = Status.RECEIVED,
    received_at: datetime | None = RECEIVED_AT,
    applicant_name: str = APPLICANT,
    **fields,
) -> Dossier:
    """A dossier as reception leaves it: code, dates, and the "receive" event by `officer`."""
    creator = owner or officer or UserFactory()
    submitted_at = (received_at or RECEIVED_AT) - timedelta(hours=1)
    fields.setdefault("appointment_at", APPOINTMENT_AT if received_at else None)
    dossier = Dossier.objects.create(
        procedure_version=version,
        agency=version.agency,
        channel="online",
        owner=owner,
        created_by=creator,
        applicant_kind="citizen",
        applicant_name=applicant_name,
        applicant_phone="0912345678",
        applicant_email="hoa.nguyen@example.vn",
        applicant_address="Số 12 đường Trần Phú",
        form_data={"project_name": "Nhà máy chè Cầu Đất", "copies": 1},
        code=code,
        status=status,
        submitted_at=submitted_at,
        received_at=received_at,
        **fields,
    )
    if received_at:
        DossierEvent.objects.create(
            dossier=dossier,
            occurred_at=received_at,
            actor=officer,
            action="receive",
            from_status=Status.NEW,
            to_status=Status.RECEIVED,
        )
    return dossier


def attach(dossier: Dossier, name: str, *, document=None) -> Attachment:
    return Attachment.objects.create(
        dossier=dossier,
        required_document=document,
        file=ContentFile(b"%PDF-1.4", name="scan.pdf"),
        original_name=name,
        content_type="application/pdf",
        size=8,
        sha256="0" * 64,
        uploaded_by=dossier.created_by,
        uploaded_at=RECEIVED_AT - timedelta(hours=2),
    )


@pytest.fixture
def received(permit, applicant, officer):
    dossier = make_dossier(
        version=permit, owner=applicant, officer=officer, return_method=ReturnMethod.POST
    )
    first, second = permit.documents.order_by("order")
    attach(dossier, "Đơn đề nghị cấp giấy phép.pdf", document=first)
    attach(dossier, "Báo cáo ĐTM.pdf", document=second)
    attach(dossier, "Ảnh hiện trạng.jpg")
    return dossier


@pytest.fixture
def staff_client(client, officer):
    client.force_login(officer)
    return client


# --- Vietnamese style ---------------------------------------------------------------------


@given(st.integers(min_value=0, max_value=10**15))
def test_numbers_are_grouped_by_three_with_dots(number):
    written = vn_number(number)
    groups = written.split(".")
    assert int("".join(groups)) == number
    assert 1 <= len(groups[0]) <= 3 and all(len(group) == 3 for group in groups[1:])


def test_money_and_dates_read_as_in_official_documents():
    assert vn_money(1_234_567) == "1.234.567 đồng"
    # a day below 10 and the months 1 and 2 take a leading zero; other months do not
    assert vn_long_date(date(2026, 2, 5)) == "ngày 05 tháng 02 năm 2026"
    assert vn_long_date(date(2026, 11, 23)) == "ngày 23 tháng 11 năm 2026"
    # an aware time is shown in Vietnam's time
    assert vn_time(datetime(2026, 11, 23, 8, 30, tzinfo=ZoneInfo("UTC"))) == "15 giờ 30 phút"


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_every_long_date_names_its_own_day_month_and_year(day):
    words = vn_long_date(day).split()
    assert words[0::2] == ["ngày", "tháng", "năm"]
    assert (int(words[1]), int(words[3]), int(words[5])) == (day.day, day.month, day.year)


# --- Form 01 ------------------------------------------------------------------------------


def test_form01_has_the_official_layout_and_everything_received(received, capsys):
    # given a dossier received on 23/11/2026 at 09:30 with two documents and an extra photo
    # when its form 01 is made
    # (the first PDF of a process also pays for importing WeasyPrint and loading fonts)
    forms_pdf.form01_pdf(received)
    started = time.perf_counter()
    content = forms_pdf.form01_pdf(received)
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        print(f"\nform 01 rendered in {elapsed * 1000:.0f} ms (warm)")
    text = pdf_text(content)
    # then the header carries the parent agency, the agency, the national motto and the date
    for expected in (
        "UBND TỈNH LÂM ĐỒNG",
        "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        f"Số: {CODE}/TNHS",
        "Lâm Đồng, ngày 23 tháng 11 năm 2026",
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
    ):
        assert expected in text, expected
    # and the applicant, the procedure, each document with originals and copies, the files
    for expected in (
        APPLICANT,
        "Số 12 đường Trần Phú",
        "0912345678",
        "Cấp giấy phép môi trường",
        "Giấy tờ số 1",
        "Báo cáo đề xuất cấp giấy phép 1 2",
        "Đơn đề nghị cấp giấy phép.pdf",
        "Báo cáo ĐTM.pdf",
        "Giấy tờ khác",
        "Ảnh hiện trạng.jpg",
        "17 ngày làm việc",
        "1.234.567 đồng",
    ):
        assert expected in text, expected
    # and the times in words, the return method, the officer and the lookup link
    assert "Thời gian nhận hồ sơ: 09 giờ 30 phút, ngày 23 tháng 11 năm 2026" in text
    assert "15 giờ 30 phút, ngày 15 tháng 12 năm 2026" in text
    assert "Qua dịch vụ bưu chính công ích" in text
    assert "Trần Văn Bình" in text
    assert f"/tra-cuu/?code={CODE}" in text
    assert elapsed < 2


def test_form01_promises_form04s_new_date_once_there_is_one(received):
    # given a dossier whose appointment was moved by an apology
    received.rescheduled_appointment_at = datetime(2026, 12, 22, 10, 0, tzinfo=VN)
    received.save(update_fields=["rescheduled_appointment_at"])
    # then form 01 shows the date last promised
    assert "10 giờ 00 phút, ngày 22 tháng 12 năm 2026" in pdf_text(forms_pdf.form01_pdf(received))


def test_form01_embeds_the_lookup_qr(received):
    html = render_to_string("dossiers/forms/form01.html", forms_pdf.form01_context(received))
    assert 'src="data:image/svg+xml' in html
    assert 'alt="Mã QR tra cứu hồ sơ"' in html


def test_decomposed_names_come_out_composed(permit, officer):
    # given an applicant name typed in decomposed Unicode (NFD)
    decomposed = unicodedata.normalize("NFD", "Phạm Thị Huệ")
    dossier = make_dossier(version=permit, officer=officer, applicant_name=decomposed)
    # then the PDF text holds the composed (NFC) name
    assert "Phạm Thị Huệ" in pdf_text(forms_pdf.form01_pdf(dossier))


def test_a_dossier_not_received_has_no_form01(staff_client, permit):
    dossier = make_dossier(version=permit, status=Status.NEW, received_at=None)
    response = staff_client.get(f"/can-bo/ho-so/{dossier.code}/phieu/01.pdf")
    assert response.status_code == 404
    assert "chưa được tiếp nhận" in response.content.decode()


# --- Form 02 ------------------------------------------------------------------------------


@pytest.fixture
def supplemented(permit, applicant, officer, specialist):
    dossier = make_dossier(version=permit, owner=applicant, officer=officer)
    SupplementRequest.objects.create(
        dossier=dossier,
        number=1,
        stage=SupplementRequest.Stage.RECEPTION,
        items=[{"document_id": None, "name": "Giấy tờ số 1", "reason": "Thiếu chữ ký"}],
        requested_by=officer,
        requested_at=RECEIVED_AT - timedelta(days=2),
    )
    SupplementRequest.objects.create(
        dossier=dossier,
        number=2,
        stage=SupplementRequest.Stage.PROCESSING,
        items=[
            {"document_id": None, "name": "Bản vẽ mặt bằng", "reason": "Bản vẽ không rõ nét"},
            {"document_id": None, "name": "Báo cáo ĐTM", "reason": "Thiếu phụ lục quan trắc"},
        ],
        note="Nộp bản scan màu.",
        requested_by=specialist,
        requested_at=datetime(2026, 12, 1, 14, 5, tzinfo=VN),
    )
    return dossier


def test_form02_lists_each_item_with_its_reason_and_the_online_link(staff_client, supplemented):
    # when an officer downloads form 02 without saying which request
    response = staff_client.get(f"/can-bo/ho-so/{supplemented.code}/phieu/02.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    # then it is the latest request, with each item, its reason, the note and who asked
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    assert f"Số: {CODE}-2/YCBS" in text
    assert "Lâm Đồng, ngày 01 tháng 12 năm 2026" in text
    for expected in (
        "Bản vẽ mặt bằng",
        "Bản vẽ không rõ nét",
        "Thiếu phụ lục quan trắc",
        "Nộp bản scan màu.",
        "Lê Thị Cúc",
        "14 giờ 05 phút",
        "0263 3822 000",
        f"/ho-so/cua-toi/{CODE}/",
        "Thời gian giải quyết tạm dừng",
    ):
        assert expected in text, expected
    assert "Thiếu chữ ký" not in text


def test_form02_of_an_earlier_request_with_lan(staff_client, supplemented):
    response = staff_client.get(f"/can-bo/ho-so/{supplemented.code}/phieu/02.pdf?lan=1")
    text = pdf_text(response.content)
    assert "Thiếu chữ ký" in text and "Trần Văn Bình" in text
    assert "Bản vẽ mặt bằng" not in text


@pytest.mark.parametrize(
    ("lan", "status", "message"),
    [
        ("9", 404, "không có phiếu yêu cầu bổ sung này"),
        ("abc", 400, "phải là một số nguyên dương"),
        ("-1", 400, "phải là một số nguyên dương"),
        ("٣", 400, "phải là một số nguyên dương"),
        ("99999999999999999999", 400, "phải là một số nguyên dương"),
    ],
)
def test_form02_with_a_bad_or_unknown_number(staff_client, supplemented, lan, status, message):
    response = staff_client.get(
        f"/can-bo/ho-so/{supplemented.code}/phieu/02.pdf",
        {"lan": lan},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == status
    body = response.json()
    assert message in body["message"]
    assert body["field"] == "lan"


# --- Forms 03 and 04 ----------------------------------------------------------------------


def test_form03_gives_each_reason_of_the_refusal(staff_client, permit, officer):
    # given a dossier refused at reception with two reasons
    dossier = make_dossier(version=permit, status=Status.REFUSED, received_at=None)
    DossierEvent.objects.create(
        dossier=dossier,
        occurred_at=datetime(2026, 11, 24, 8, 15, tzinfo=VN),
        actor=officer,
        action="refuse",
        from_status=Status.NEW,
        to_status=Status.REFUSED,
        note="Người nộp đã được hướng dẫn trực tiếp.",
        data={"reasons": ["Không thuộc thẩm quyền của Sở", "Dự án thuộc thẩm quyền của Bộ"]},
    )
    # when its form 03 is downloaded
    text = pdf_text(staff_client.get(f"/can-bo/ho-so/{dossier.code}/phieu/03.pdf").content)
    # then it has the title, each reason, the note and the officer
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text
    assert "Lâm Đồng, ngày 24 tháng 11 năm 2026" in text
    assert "1. Không thuộc thẩm quyền của Sở" in text
    assert "2. Dự án thuộc thẩm quyền của Bộ" in text
    assert "Người nộp đã được hướng dẫn trực tiếp." in text
    assert "Trần Văn Bình" in text and f"Số: {CODE}/TCTN" in text


def test_form03_reads_the_reasons_from_the_note_when_no_list_was_given(permit, officer):
    dossier = make_dossier(version=permit, status=Status.REFUSED, received_at=None)
    DossierEvent.objects.create(
        dossier=dossier,
        occurred_at=RECEIVED_AT,
        actor=officer,
        action="refuse",
        from_status=Status.NEW,
        to_status=Status.REFUSED,
        note="Hồ sơ giả mạo giấy tờ",
        data={"reasons": "not a list"},
    )
    context = forms_pdf.form03_context(dossier)
    assert context["reasons"] == ["Hồ sơ giả mạo giấy tờ"] and context["note"] == ""


def test_form04_apologises_with_the_reason_and_the_new_date(received, environment_unit):
    # given a late dossier whose unit head issued the apology
    head = StaffFactory(agency=received.agency, full_name="Phạm Quốc Dũng")
    ApologyLetter.objects.create(
        dossier=received,
        reason="Phải lấy ý kiến của Bộ Nông nghiệp và Môi trường",
        previous_appointment_at=APPOINTMENT_AT,
        new_appointment_at=datetime(2026, 12, 29, 16, 0, tzinfo=VN),
        issued_by=head,
        unit=environment_unit,
        issued_at=datetime(2026, 12, 11, 10, 0, tzinfo=VN),
    )
    # when the applicant downloads form 04 of their own dossier
    text = pdf_text(forms_pdf.form04_pdf(received))
    # then it names the dossier, both dates, the reason and who signs
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text
    assert f"Kính gửi: {APPLICANT}" in text
    assert "Lâm Đồng, ngày 11 tháng 12 năm 2026" in text
    assert "15 giờ 30 phút, ngày 15 tháng 12 năm 2026" in text
    assert "16 giờ 00 phút, ngày 29 tháng 12 năm 2026" in text
    assert "Phải lấy ý kiến của Bộ Nông nghiệp và Môi trường" in text
    assert "Phạm Quốc Dũng" in text and "Phòng Môi trường" in text


@pytest.mark.parametrize("form", ["02", "03", "04"])
def test_a_form_that_does_not_exist_yet_is_404(staff_client, received, form):
    response = staff_client.get(f"/can-bo/ho-so/{received.code}/phieu/{form}.pdf")
    assert response.status_code == 404


def test_an_unknown_form_number_is_404(staff_client, received):
    assert staff_client.get(f"/can-bo/ho-so/{received.code}/phieu/05.pdf").status_code == 404


# --- Who may download ---------------------------------------------------------------------


def test_the_owner_downloads_the_forms_of_their_dossier(client, received, applicant):
    client.force_login(applicant)
    response = client.get(f"/ho-so/cua-toi/{received.code}/phieu/01.pdf")
    assert response.status_code == 200
    assert "giay-tiep-nhan-H56.14-261123-0007.pdf" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    # but not through the officers' address
    assert client.get(f"/can-bo/ho-so/{received.code}/phieu/01.pdf").status_code == 404


def test_another_citizen_gets_404_everywhere(client, received):
    client.force_login(UserFactory())
    assert client.get(f"/ho-so/cua-toi/{received.code}/phieu/01.pdf").status_code == 404
    assert client.get(f"/can-bo/ho-so/{received.code}/phieu/01.pdf").status_code == 404
    assert client.get(f"/can-bo/ho-so/{received.code}/phieu-kiem-soat.pdf").status_code == 404


def test_staff_of_another_agency_gets_404(client, received):
    elsewhere = AgencyFactory(code="H40.14", name="Sở Nông nghiệp và Môi trường Nghệ An")
    client.force_login(StaffFactory(agency=elsewhere, role=Role.RECEIVING_OFFICER))
    assert client.get(f"/can-bo/ho-so/{received.code}/phieu/01.pdf").status_code == 404
    assert client.get(f"/can-bo/ho-so/{received.code}/phieu-kiem-soat.xlsx").status_code == 404


def test_staff_of_the_parent_agency_may_print(client, received, lam_dong):
    # the province's staff see the departments under it
    client.force_login(StaffFactory(agency=lam_dong.parent, role=Role.DIRECTOR))
    assert client.get(f"/can-bo/ho-so/{received.code}/phieu/01.pdf").status_code == 200


def test_anonymous_visitors_are_sent_to_log_in(client, received):
    response = client.get(f"/can-bo/ho-so/{received.code}/phieu/01.pdf")
    assert response.status_code == 302


# --- Process control sheet ----------------------------------------------------------------


@pytest.fixture
def handled(received, desk, environment_unit, officer, specialist):
    """Reception handed on the same day, the unit's specialist a day late."""
    Handling.objects.create(
        dossier=received,
        unit=desk,
        role=Role.RECEIVING_OFFICER,
        handler=officer,
        started_at=RECEIVED_AT,
        due_at=RECEIVED_AT + timedelta(hours=4),
        completed_at=RECEIVED_AT + timedelta(hours=1),
        completed_by=officer,
        completed_action="forward",
        outcome="early",
    )
    definition = ProcessDefinition.objects.create(
        procedure=received.procedure_version.procedure, agency=received.agency, number=1
    )
    step = ProcessStep.objects.create(
        definition=definition,
        position=1,
        name="Thẩm định hồ sơ",
        unit=environment_unit,
        role=Role.SPECIALIST,
        duration=5,
    )
    Handling.objects.create(
        dossier=received,
        step=step,
        unit=environment_unit,
        role=Role.SPECIALIST,
        handler=specialist,
        started_at=RECEIVED_AT + timedelta(hours=1),
        due_at=datetime(2026, 11, 30, 17, 0, tzinfo=VN),
        completed_at=datetime(2026, 12, 1, 9, 0, tzinfo=VN),
        completed_by=specialist,
        completed_action="forward",
        outcome="late",
        note="Chờ ý kiến Phòng Đất đai",
    )
    return received


def test_the_control_sheet_pdf_shows_every_hand_off(staff_client, handled):
    response = staff_client.get(f"/can-bo/ho-so/{handled.code}/phieu-kiem-soat.pdf")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    page = reader.pages[0]
    assert page.mediabox.width > page.mediabox.height  # A4 landscape
    text = pdf_text(response.content)
    for expected in (
        "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
        f"{CODE}/TNHS",
        "Bộ phận một cửa",
        "Phòng Môi trường",
        "Thẩm định hồ sơ",
        "Lê Thị Cúc",
        "10:30 23/11/2026",
        "17:00 30/11/2026",
        "09:00 01/12/2026",
        "Trước hạn",
        "Quá hạn",
        "Chờ ý kiến Phòng Đất đai",
        f"/tra-cuu/?code={CODE}",
    ):
        assert expected in text, expected


def test_the_control_sheet_xlsx_has_one_row_per_hand_off(staff_client, handled):
    response = staff_client.get(f"/can-bo/ho-so/{handled.code}/phieu-kiem-soat.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "phieu-kiem-soat-H56.14-261123-0007.xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [row for row in sheet.iter_rows(values_only=True) if row and row[0] is not None]
    assert rows[1][0] == "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"
    header = next(index for index, row in enumerate(rows) if row[0] == "STT")
    lines = rows[header + 1 :]
    assert [line[1] for line in lines] == ["Bộ phận một cửa", "Phòng Môi trường"]
    assert lines[1][2] == "Thẩm định hồ sơ" and lines[1][8] == "Quá hạn"
    # times are real Excel dates, in Vietnam's wall-clock time
    assert lines[1][6] == datetime(2026, 12, 1, 9, 0)
