"""Browser test: a citizen finds a procedure, fills in the online submission with two
documents, reviews, submits, sees the code and downloads the acknowledgement; an officer
records a counter dossier."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from motcua.accounts.models import Role
from motcua.core.models import Commune
from motcua.dossiers.models import Dossier, Status
from tests.dossiers.samples import citizen, image_bytes, pdf_bytes, submission_procedure
from tests.factories import DEFAULT_TEST_PASSWORD, AgencyFactory, StaffFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("administrative_units"),
]


@pytest.fixture
def folder(tmp_path) -> Path:
    """SCREENSHOT_DIR keeps the pictures for a human to look at."""
    return Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)


@pytest.fixture
def console_errors(page):
    """Errors the pages report (a Content-Security-Policy violation is one); a form answered
    400 on purpose, to show its errors, is not one."""
    errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and not message.location.get("url", "").endswith("/favicon.ico")
            and "status of 400" not in message.text
            and errors.append(message.text)
        ),
    )
    return errors


@pytest.fixture
def procedure():
    agency = AgencyFactory(code="H56.14", name="Sở Nông nghiệp và Môi trường tỉnh Lâm Đồng")
    return submission_procedure(
        agency=agency, name="Cấp giấy phép môi trường", processing_time="17"
    )


def log_in(page, settings, user):
    settings.AXES_ENABLED = False  # logging in is not what these tests are about
    page.goto("/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(user.username)
    page.get_by_label("Mật khẩu").fill(DEFAULT_TEST_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()


def test_a_citizen_submits_online_and_downloads_the_acknowledgement(
    page, settings, procedure, folder, console_errors, tmp_path
):
    # given a citizen with an account and the two documents on their computer
    person = citizen(full_name="Nguyễn Văn Bình", username="binh")
    plan, form = tmp_path / "Sơ đồ vị trí.png", tmp_path / "Đơn đề nghị.pdf"
    plan.write_bytes(image_bytes())
    form.write_bytes(pdf_bytes())
    log_in(page, settings, person)

    # when they open the procedure and start the online submission
    page.goto(f"/thu-tuc/{procedure.procedure.code}/")
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
    page.wait_for_url("**/ho-so/nhap/*/")
    assert page.get_by_label("Họ và tên").input_value() == "Nguyễn Văn Bình"

    # and fill in the form: the draft is saved automatically
    page.get_by_label("Tên dự án").fill("Nhà máy nước Đà Lạt")
    page.get_by_label("Số bản").fill("2")
    page.get_by_label("Số bản").blur()
    page.get_by_role("status").filter(has_text="Đã lưu lúc").wait_for()

    # when they go to the review too early, every problem is shown next to its field
    page.get_by_role("button", name="Xem lại và nộp").click()
    page.wait_for_load_state()
    first, second = procedure.documents.order_by("order")
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator(f"#document-{first.pk}-error")).to_be_visible()
    assert page.get_by_label("Tên dự án").input_value() == "Nhà máy nước Đà Lạt"
    page.screenshot(path=folder / "submission-errors.png", full_page=True)

    # and upload one document for each required document
    page.locator(f"#doc-{first.pk}").set_input_files(str(form))
    page.locator(f"#doc-{second.pk}").set_input_files(str(plan))
    page.screenshot(path=folder / "submission-form.png", full_page=True)
    page.get_by_role("button", name="Xem lại và nộp").click()

    # then the review lists both files; they submit
    page.wait_for_url("**/xem-lai/")
    expect(page.get_by_role("link", name="Đơn đề nghị.pdf")).to_be_visible()
    expect(page.get_by_role("link", name="Sơ đồ vị trí.png")).to_be_visible()
    page.get_by_role("button", name="Nộp hồ sơ").click()

    # and they see the code and the expected date
    page.wait_for_url("**/xac-nhan/")
    dossier = Dossier.objects.get(owner=person)
    assert dossier.status == Status.NEW
    assert page.locator("#dossier-code").inner_text() == dossier.code
    assert dossier.code.startswith("H56.14-")
    page.screenshot(path=folder / "submission-confirmation.png", full_page=True)

    # and the acknowledgement downloads as a PDF
    link = page.get_by_role("link", name="Tải giấy xác nhận (PDF)")
    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-")
    (folder / "acknowledgement.pdf").write_bytes(response.body())
    assert console_errors == []


def test_an_officer_records_a_counter_dossier(
    page, settings, procedure, folder, console_errors, tmp_path
):
    # given a receiving officer of the procedure's agency and a scanned paper
    officer = StaffFactory(
        agency=procedure.agency,
        role=Role.RECEIVING_OFFICER,
        username="tiepnhan",
        full_name="Lê Thị Một Cửa",
    )
    scan = tmp_path / "ban-quet.pdf"
    scan.write_bytes(pdf_bytes())
    log_in(page, settings, officer)

    # when they start a counter dossier for a person without an account
    page.goto("/can-bo/ho-so/moi/")
    page.get_by_label("Thủ tục hành chính").select_option(procedure.procedure.code)
    page.get_by_label("Trực tiếp tại bộ phận một cửa").check()
    page.get_by_role("button", name="Tạo hồ sơ").click()
    page.wait_for_url("**/ho-so/nhap/*/")

    # and type the applicant's details, the form, and upload the scans
    page.get_by_label("Họ và tên").fill("Phạm Thị Đến Quầy")
    page.get_by_label("Số định danh cá nhân").fill("001090777777")
    page.get_by_label("Số điện thoại").fill("0987123456")
    page.get_by_label("Địa chỉ (số nhà, đường, thôn, xóm)").fill("Số 5 đường Trần Phú")
    commune = Commune.objects.select_related("province").order_by("code").first()
    page.get_by_label("Tỉnh, thành phố", exact=True).select_option(commune.province_id)
    page.wait_for_function(
        "code => !!document.querySelector(`#id_applicant-commune_commune option[value='${code}']`)",
        arg=commune.code,
    )
    page.get_by_label("Xã, phường, đặc khu", exact=True).select_option(commune.code)
    page.get_by_label("Tên dự án").fill("Trại chăn nuôi Phú Hội")
    page.get_by_label("Số bản").fill("1")
    for document in procedure.documents.all():
        page.locator(f"#doc-{document.pk}").set_input_files(str(scan))
    page.get_by_role("button", name="Xem lại và nộp").click()
    page.wait_for_url("**/xem-lai/")
    page.get_by_role("button", name="Nộp hồ sơ").click()

    # then the dossier is recorded with its code, its scans marked as digitized
    page.wait_for_url("**/xac-nhan/")
    dossier = Dossier.objects.get(created_by=officer)
    assert (dossier.channel, dossier.status, dossier.owner) == ("counter", Status.NEW, None)
    assert page.locator("#dossier-code").inner_text() == dossier.code
    assert all(attachment.is_digitized for attachment in dossier.attachments.all())
    page.screenshot(path=folder / "counter-confirmation.png", full_page=True)
    assert console_errors == []
