"""Browser: issue 4's "Done when", everything together in one office whose three-step process
transfers land dossiers to the stand-in tax authority. A citizen's online dossier is sent back
for a supplement (form 02), received (form 01), assigned, transferred, paid, finished, returned
and rated; another runs late and gets form 04; a third is refused with form 03; the statistics
page counts each in its bucket."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from motcua.dossiers.models import Dossier, FinancialObligation, Status
from motcua.dossiers.tasks import apologies_due
from motcua.dossiers.templatetags.legal_forms import vn_datetime
from motcua.integrations.tasks import transfers_poll
from motcua.notifications.models import Notification
from tests.dossiers.backoffice_samples import Office, office, submitted
from tests.dossiers.samples import pdf_bytes
from tests.dossiers.test_issue4_api_journey import TAX_PROCESS, received_long_ago
from tests.e2e.test_backoffice import _act, _screenshot
from tests.integrations.conftest import _tax_standin_url, tax_authority

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
__all__ = ["_tax_standin_url", "tax_authority"]

DONE = "Đã thực hiện"


@pytest.fixture
def place(administrative_units, tax_authority, settings) -> Office:
    settings.AXES_ENABLED = False  # logging in is tested elsewhere
    return office(steps=TAX_PROCESS)


def _sign_in(page, live_server, user) -> None:
    """Switch the browser to `user` (the login form has its own tests)."""
    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def _staff_page(page, dossier: Dossier) -> None:
    page.goto(f"/can-bo/ho-so/{dossier.code}/")


def _my_page(page, dossier: Dossier) -> None:
    page.goto(f"/ho-so/cua-toi/{dossier.code}/")


def _open_form(page, action: str) -> None:
    page.locator("details", has=page.locator(f"#act-{action}")).locator("summary").click()


def _submit(page, action: str, label: str) -> None:
    page.locator(f"#act-{action}").get_by_role("button", name=label).click()
    page.get_by_role("status").filter(has_text=DONE).wait_for()


def _pdf_text(page, link_name: str) -> str:
    """Open a legal form's link as the signed-in officer; the PDF's text, one space apart."""
    href = page.get_by_role("link", name=link_name).get_attribute("href")
    response = page.request.get(href)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.body()))
    return " ".join(" ".join(part.extract_text() for part in reader.pages).split())


def _card(page, title: str) -> dict[str, str]:
    """A statistics card, found by its title: its big number and each figure by label."""
    card = page.locator(".report-card", has=page.get_by_role("heading", name=title, exact=True))
    figures = card.locator("dl").evaluate(
        "dl => Object.fromEntries([...dl.querySelectorAll('dt')].map("
        "dt => [dt.textContent.trim(), dt.nextElementSibling.textContent.trim()]))"
    )
    number = card.locator(".report-number")
    return {**figures, "number": number.inner_text() if number.count() else ""}


def test_issue_4_done_when(page, live_server, place, tax_authority, tmp_path):
    online = _online_dossier_goes_all_the_way(page, live_server, place, tax_authority, tmp_path)
    late, submitted_on = _late_dossier_gets_an_apology(page, live_server, place, tmp_path)
    refused = _dossier_refused(page, live_server, place, tmp_path)
    _statistics_count_each(page, live_server, place, submitted_on, tmp_path)
    assert {online.status, late.status, refused.status} == {
        Status.RETURNED,
        Status.PROCESSING,
        Status.REFUSED,
    }


def _online_dossier_goes_all_the_way(page, live_server, place, tax_authority, tmp_path):
    dossier = submitted(place)
    document = place.version.documents.order_by("pk").first()

    # given the receiving officer on the new online dossier
    _sign_in(page, live_server, place.officer)
    _staff_page(page, dossier)
    # when they ask for a supplement at reception
    _open_form(page, "request_supplement")
    page.get_by_label("Giấy tờ (dòng 1)").select_option(value=str(document.pk))
    page.get_by_label("Lý do (dòng 1)").fill("Bản chụp mờ, không đọc được số thửa")
    _submit(page, "request_supplement", "Yêu cầu bổ sung hồ sơ")
    # then form 02 lists what is missing and why
    form02 = _pdf_text(page, "Mẫu 02 – Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (lần 1)")
    assert "Bản chụp mờ, không đọc được số thửa" in form02
    assert dossier.code in form02

    # when the citizen opens "Hồ sơ của tôi" and sends the clear copy
    _sign_in(page, live_server, place.applicant)
    _my_page(page, dossier)
    section = page.get_by_role("region", name="Hồ sơ cần bổ sung, hoàn thiện (lần 1)")
    expect(section.get_by_text("Bản chụp mờ, không đọc được số thửa")).to_be_visible()
    section.get_by_label(f"Tệp bổ sung cho “{document.name}”").set_input_files(
        {"name": "ban-chup-ro.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}
    )
    section.get_by_role("button", name="Nộp bổ sung").click()
    expect(page.get_by_role("status").get_by_text("Đã nộp bổ sung hồ sơ")).to_be_visible()
    # then it is back at reception, waiting for the officer
    expect(page.locator(".tracking-status").get_by_text("Mới đăng ký")).to_be_visible()

    # when the officer receives it from the reception queue
    _sign_in(page, live_server, place.officer)
    page.goto("/can-bo/ban-lam-viec/")
    page.get_by_role("region", name="Chờ tiếp nhận (1)").get_by_role(
        "link", name=dossier.code
    ).click()
    page.get_by_role("button", name="Tiếp nhận hồ sơ").click()
    page.get_by_role("status").filter(has_text=DONE).wait_for()
    # then form 01 gives the appointment the page shows, and the land office has it
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING and dossier.current_unit == place.land
    appointment = dossier.appointment_at
    shown = timezone.localtime(appointment).strftime("%d/%m/%Y %H:%M")
    expect(page.locator("dd", has_text=shown).first).to_be_visible()
    form01 = _pdf_text(page, "Mẫu 01 – Giấy tiếp nhận hồ sơ và hẹn trả kết quả")
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in form01
    assert f"Thời gian trả kết quả giải quyết hồ sơ: {vn_datetime(appointment)}" in form01
    _screenshot(page, tmp_path, "issue4-received.png")

    # when the head of the land office assigns the first specialist
    _sign_in(page, live_server, place.head)
    _staff_page(page, dossier)
    _open_form(page, "assign")
    page.get_by_label("Cán bộ xử lý").select_option(label=place.specialist.full_name)
    _submit(page, "assign", "Phân công xử lý")

    # and the specialist transfers it to the tax authority
    _sign_in(page, live_server, place.specialist)
    _staff_page(page, dossier)
    _open_form(page, "transfer")
    page.locator("#act-transfer").get_by_label("Ý kiến, ghi chú (nếu có)").fill(
        "Chuyển thông tin địa chính để xác định nghĩa vụ tài chính"
    )
    _submit(page, "transfer", "Chuyển liên thông")
    expect(page.get_by_text("Đang chờ cơ quan liên thông")).to_be_visible()

    # when the worker sends it and the periodic poll brings the tax notice
    call_command(
        "db_worker", queue_name="integrations", batch=True, startup_delay=False, reload=False
    )
    transfers_poll.call()
    # then the dossier waits in status 6 for the citizen, the clock stopped
    obligation = FinancialObligation.objects.get(dossier=dossier)
    _staff_page(page, dossier)
    expect(
        page.get_by_role("heading", level=1).filter(has_text="Yêu cầu thực hiện nghĩa vụ tài chính")
    ).to_be_visible()
    _sign_in(page, live_server, place.applicant)
    _my_page(page, dossier)
    status = page.locator(".tracking-status")
    expect(status.get_by_text("Yêu cầu thực hiện nghĩa vụ tài chính")).to_be_visible()
    assert "mã trạng thái 6" in status.inner_text()
    notice = page.get_by_role("region", name="Nghĩa vụ tài chính")
    expect(notice.get_by_text("500.000 đồng").first).to_be_visible()
    expect(notice.get_by_text("Chưa nộp")).to_be_visible()
    _screenshot(page, tmp_path, "issue4-financial-obligation.png")

    # when the citizen follows the link to the tax authority's page and pays there
    notice.get_by_role("link", name="Nộp tiền trực tuyến tại").click()
    page.wait_for_url(f"{tax_authority.url}/dossiers/*")
    expect(page.get_by_text(obligation.notice_number)).to_be_visible()
    page.get_by_role("button", name="Nộp tiền").click()
    page.get_by_role("status").filter(has_text="Đã nộp tiền").wait_for()
    # and the poll learns it
    transfers_poll.call()
    # then the dossier is processing again, at the same step, its appointment moved by the wait
    _my_page(page, dossier)
    expect(page.locator(".tracking-status").get_by_text("Đang xử lý")).to_be_visible()
    expect(notice.get_by_text("Đã nộp ngày")).to_be_visible()
    dossier.refresh_from_db()
    assert (dossier.waiting_on, dossier.current_step.position) == ("", 1)
    assert dossier.appointment_at >= appointment

    # when the specialist and the head forward it and the director finishes it
    for user in (place.specialist, place.head):
        _sign_in(page, live_server, user)
        _staff_page(page, dossier)
        _act(page, "forward", "Chuyển bước tiếp theo")
    _sign_in(page, live_server, place.director)
    _staff_page(page, dossier)
    _open_form(page, "finish")
    page.get_by_label("Kết quả giải quyết").fill("Giấy chứng nhận quyền sử dụng đất số CS 01234")
    _submit(page, "finish", "Hoàn thành, có kết quả")

    # and the officer returns the result
    _sign_in(page, live_server, place.officer)
    page.goto("/can-bo/ban-lam-viec/")
    page.get_by_role("region", name="Chờ trả kết quả (1)").get_by_role(
        "link", name=dossier.code
    ).click()
    _act(page, "return_result", "Trả kết quả")
    expect(page.get_by_role("heading", level=1).filter(has_text="Đã trả kết quả")).to_be_visible()

    # then the citizen rates it
    _sign_in(page, live_server, place.applicant)
    _my_page(page, dossier)
    section = page.get_by_role("region", name="Đánh giá mức độ hài lòng")
    section.get_by_label("5 – Rất hài lòng").check()
    section.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.get_by_role("status").get_by_text("Cảm ơn bạn đã đánh giá")).to_be_visible()
    _screenshot(page, tmp_path, "issue4-returned-rated.png")

    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED and dossier.rating.score == 5
    assert [event.action for event in dossier.events.order_by("pk")] == [
        "submit",
        "request_supplement",
        "supplement",
        "receive",
        "forward",
        "assign",
        "transfer",
        "pause",
        "resume",
        "transfer_returned",
        "forward",
        "forward",
        "finish",
        "return_result",
        "rate",
    ]
    # every hand-off is on the control sheet: the desk, the three steps each handed on early
    # (well before the step's deadline), the desk again for the return
    sheet = dossier.handlings.order_by("started_at", "pk")
    assert [(line.step.position if line.step else None) for line in sheet] == [
        None,
        1,
        2,
        3,
        None,
    ]
    assert [line.outcome for line in sheet if line.step] == ["early"] * 3
    return dossier


def _late_dossier_gets_an_apology(page, live_server, place, tmp_path):
    # given a dossier received 45 days ago and still with the second specialist, past its
    # appointment (17 working days)
    dossier, moment = received_long_ago(place)
    appointment = dossier.appointment_at
    assert appointment < timezone.now()

    # when the hourly job looks for dossiers that will miss their appointment
    assert apologies_due.call() == 1
    # then the head of the land office is asked for form 04, once
    assert apologies_due.call() == 0
    _sign_in(page, live_server, place.head)
    page.goto("/can-bo/thong-bao/")
    asked = page.locator(".notification-body", has_text=f"Hồ sơ {dossier.code} có nguy cơ trễ hẹn")
    expect(asked).to_be_visible()
    assert Notification.objects.filter(dossier_code=dossier.code, event="apology_needed").exists()

    # when the head finds it among the overdue dossiers and issues form 04 with a new date
    page.goto("/can-bo/ho-so/?overdue=1")
    page.get_by_role("link", name=dossier.code).click()
    expect(page.get_by_text("Hệ thống nhắc lúc")).to_be_visible()
    new_day = timezone.localdate() + timedelta(days=10)
    _open_form(page, "apologize")
    page.get_by_label("Lý do chậm trả kết quả").fill("Phải đo đạc lại ranh giới thửa đất")
    page.get_by_label("Ngày hẹn trả mới").fill(new_day.isoformat())
    _submit(page, "apologize", "Lập phiếu xin lỗi và hẹn lại")
    # then form 04 carries the reason and the new date
    dossier.refresh_from_db()
    form04 = _pdf_text(page, "Mẫu 04 – Phiếu xin lỗi và hẹn lại ngày trả kết quả")
    assert "Phải đo đạc lại ranh giới thửa đất" in form04
    assert vn_datetime(dossier.rescheduled_appointment_at) in form04
    assert vn_datetime(appointment) in form04
    _screenshot(page, tmp_path, "issue4-apology.png")

    # and the citizen sees the new date on "Hồ sơ của tôi"
    _sign_in(page, live_server, place.applicant)
    _my_page(page, dossier)
    letter = page.get_by_role("region", name="Cơ quan xin lỗi và hẹn lại ngày trả kết quả")
    new_date = new_day.strftime("%d/%m/%Y")
    expect(letter.get_by_text("Phải đo đạc lại ranh giới thửa đất")).to_be_visible()
    assert new_date in letter.locator("strong").inner_text()
    assert new_date in page.locator(".tracking-summary").inner_text()
    # the legal due date stays what statistics judge the dossier by
    assert dossier.appointment_at == appointment
    return dossier, moment.date()


def _dossier_refused(page, live_server, place, tmp_path):
    dossier = submitted(place)
    # given the officer on a dossier the agency is not competent for
    _sign_in(page, live_server, place.officer)
    _staff_page(page, dossier)
    # when they refuse it with the reason
    _open_form(page, "refuse")
    page.get_by_label("Lý do từ chối tiếp nhận").fill(
        "Thửa đất thuộc thẩm quyền đăng ký của Chi nhánh Văn phòng đăng ký đất đai cấp huyện"
    )
    _submit(page, "refuse", "Từ chối tiếp nhận")
    # then the page and form 03 say so
    expect(
        page.get_by_role("heading", level=1).filter(has_text="Không được tiếp nhận")
    ).to_be_visible()
    form03 = _pdf_text(page, "Mẫu 03 – Phiếu từ chối tiếp nhận giải quyết hồ sơ")
    assert "thuộc thẩm quyền đăng ký của Chi nhánh" in form03
    _screenshot(page, tmp_path, "issue4-refused.png")
    dossier.refresh_from_db()
    return dossier


def _statistics_count_each(page, live_server, place, start, tmp_path):
    # when the director reads the statistics from the day the late dossier came in until today
    _sign_in(page, live_server, place.director)
    page.goto("/can-bo/")
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role(
        "link", name="Báo cáo"
    ).click()
    page.wait_for_url("**/bao-cao/ho-so/")
    page.get_by_label("Từ ngày").fill(start.isoformat())
    page.get_by_label("Đến ngày (tính cả ngày này)").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Xem số liệu").click()
    page.wait_for_url(f"**from={start.isoformat()}**")
    _screenshot(page, tmp_path, "issue4-statistics.png")

    # then the returned dossier is handled early, the late one overdue in progress, the
    # third refused; three submitted, two received, both online
    received = _card(page, "Tiếp nhận")
    assert (received["number"], received["Tiếp nhận mới"], received["Trực tuyến"]) == (
        "2",
        "2",
        "2",
    )
    handled = _card(page, "Đã giải quyết")
    assert (handled["number"], handled["Trước hạn"], handled["Đúng hạn"]) == ("1", "1", "0")
    assert handled["Quá hạn"] == "0"
    progress = _card(page, "Đang giải quyết cuối kỳ")
    assert (progress["number"], progress["Còn hạn"], progress["Quá hạn"]) == ("1", "0", "1")
    other = _card(page, "Tiếp nhận, rút và dừng")
    assert (other["Nộp trong kỳ"], other["Từ chối tiếp nhận"]) == ("3", "1")
    assert other["Chờ tiếp nhận cuối kỳ"] == "0"
    row = page.get_by_role("row", name=place.version.procedure.code)
    assert row.get_by_role("link", name="1", exact=True).get_attribute("href").endswith("overdue=1")
    # and by unit, from the control sheet: the land office handed the returned dossier on
    # early twice (appraisal, review) and still holds the late one past its step's deadline
    land = [
        cell.inner_text()
        for cell in page.get_by_role("row", name=place.land.name).get_by_role("cell").all()
    ]
    assert land == ["2", "0", "0", "100,0 %", "0", "1"]
