"""Browser: an anonymous person reports smoke from a factory with a photo and a map point, gets
a code and follows it; a hotline operator records a call about the same factory; the officer
sees it routed to the environmental unit and flagged as a likely duplicate, merges it, answers
the first report; the head approves; the answer appears on the public page and map without
personal data."""

import io
import os
import re
from pathlib import Path

import pytest
from PIL import Image

from motcua.accounts.models import Role
from motcua.feedback.models import Report, RoutingRule, Status
from tests.factories import DEFAULT_TEST_PASSWORD, AgencyFactory, StaffFactory, UnitFactory
from tests.feedback.conftest import COMMUNE_CODE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def office(administrative_units, settings):
    import importlib

    from django.apps import apps

    settings.AXES_ENABLED = False
    settings.FEEDBACK_CHALLENGE_MIN_SECONDS = 0
    importlib.import_module("motcua.feedback.migrations.0002_seed_categories").seed(apps, None)
    department = AgencyFactory(code="H01", name="Sở Nông nghiệp và Môi trường Hà Nội")
    unit = UnitFactory(agency=department, code="CCBVMT", name="Chi cục Bảo vệ môi trường")
    from motcua.feedback.models import Category

    RoutingRule.objects.create(
        category=Category.objects.get(service_code="air"),
        province_id="01",
        agency=department,
        unit=unit,
    )
    return {
        "operator": StaffFactory(agency=department, role=Role.RECEIVING_OFFICER, role__unit=unit),
        "specialist": StaffFactory(agency=department, role=Role.SPECIALIST, role__unit=unit),
        "head": StaffFactory(agency=department, role=Role.UNIT_HEAD, role__unit=unit),
        "unit": unit,
    }


def _photo(tmp_path: Path) -> Path:
    path = tmp_path / "khoi-nha-may.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), "gray").save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def _screenshot(page, tmp_path, name: str) -> None:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    page.screenshot(path=folder / name, full_page=True)


def _log_in(page, user) -> None:
    page.context.clear_cookies()
    page.goto("/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(user.username)
    page.get_by_label("Mật khẩu").fill(DEFAULT_TEST_PASSWORD)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    page.wait_for_url("**/can-bo/")


def _choose_place(page) -> None:
    page.get_by_label("Tỉnh, thành phố", exact=True).first.select_option("01")
    page.wait_for_function(
        "() => document.querySelectorAll('#id_commune_commune option').length > 2"
    )
    page.locator("#id_commune_commune").select_option(COMMUNE_CODE)


def test_report_is_followed_merged_answered_and_published(
    page, office, tmp_path, browser, live_server
):
    # given an anonymous visitor on the report form, reached from the main navigation
    page.goto("/")
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role(
        "link", name="Phản ánh, kiến nghị"
    ).click()
    page.get_by_role("link", name="Gửi phản ánh").first.click()
    # when they describe the smoke, choose the place, click the map, attach a photo
    page.get_by_label("Lĩnh vực").select_option(label="Ô nhiễm không khí")
    page.get_by_label("Nội dung phản ánh").fill("Khói đen từ ống khói nhà máy <b>suốt đêm</b>")
    _choose_place(page)
    page.locator("#report-map").click(position={"x": 150, "y": 150})
    assert page.locator("#id_latitude").input_value() != ""
    # the point is set precisely, so that the hotline call lands within 100 m
    page.locator("#id_latitude").fill("21.035000")
    page.locator("#id_longitude").fill("105.834000")
    page.locator("#id_photos").set_input_files(str(_photo(tmp_path)))
    page.get_by_label("Gửi ẩn danh").check()
    question = page.locator("label[for=id_challenge_answer]").inner_text()
    first, second = map(int, re.findall(r"\d+", question)[:2])
    page.get_by_label(re.compile("Câu hỏi kiểm tra")).fill(str(first + second))
    _screenshot(page, tmp_path, "feedback-form.png")
    page.get_by_role("button", name="Gửi phản ánh").click()
    # then they get a code and a secret
    code = page.locator("#report-code").inner_text()
    secret = page.locator("#report-secret").inner_text()
    report = Report.objects.get(code=code)
    assert report.is_anonymous and report.attachments.count() == 1
    assert report.unit == office["unit"]

    # and can follow it from another browser with code + secret
    other = browser.new_context(base_url=live_server.url, locale="vi-VN").new_page()
    other.goto("/phan-anh/theo-doi/")
    other.get_by_label("Mã phản ánh").fill(code)
    other.get_by_label("Mã bí mật").fill(secret)
    other.get_by_role("button", name="Xem").click()
    assert other.locator("#report-status").inner_text() == "Đã tiếp nhận"
    assert "<b>suốt đêm</b>" in other.locator(".feedback-text").first.inner_text()

    # when a hotline operator records a call about the same factory
    _log_in(page, office["operator"])
    page.goto("/can-bo/phan-anh/duong-day-nong/")
    page.get_by_label("Số điện thoại người gọi").fill("0977 111 222")
    page.get_by_label("Lĩnh vực").select_option(label="Ô nhiễm không khí")
    page.get_by_label("Nội dung phản ánh").fill("Người gọi báo khói từ nhà máy")
    _choose_place(page)
    page.locator("#id_latitude").fill("21.035300")
    page.locator("#id_longitude").fill("105.834000")
    page.get_by_role("button", name="Ghi nhận").click()
    page.get_by_role("status").filter(has_text="Đã ghi nhận phản ánh").wait_for()
    call = Report.objects.exclude(pk=report.pk).get()
    assert call.channel == "hotline" and call.reporter_phone == "0977111222"

    # then the officer sees it as a likely duplicate and merges it
    _log_in(page, office["specialist"])
    page.goto("/can-bo/phan-anh/")
    page.get_by_role("link", name=call.code).click()
    assert "Chi cục Bảo vệ môi trường" in page.locator("#report-unit").inner_text()
    page.get_by_role("button", name=f"Gộp phản ánh này vào {code}").click()
    page.get_by_role("status").filter(has_text="Đã thực hiện").wait_for()
    assert Report.objects.get(pk=call.pk).status == Status.MERGED
    # and accepts and answers the first report
    page.goto(f"/can-bo/phan-anh/{code}/")
    page.get_by_role("button", name="Thụ lý").click()
    page.get_by_label("Nội dung trả lời").fill("Đã kiểm tra nhà máy và xử phạt vi phạm khí thải.")
    page.get_by_role("button", name="Gửi lãnh đạo duyệt").click()
    page.get_by_role("status").filter(has_text="Đã thực hiện").wait_for()

    # when the head approves
    _log_in(page, office["head"])
    page.goto(f"/can-bo/phan-anh/{code}/")
    page.get_by_role("button", name="Duyệt và gửi trả lời").click()
    page.get_by_role("status").filter(has_text="Đã thực hiện").wait_for()
    assert Report.objects.get(pk=report.pk).status == Status.ANSWERED
    # the caller of the merged report is told
    from motcua.notifications.models import Notification

    assert Notification.objects.filter(
        event="report_answered", recipient_address="0977111222"
    ).exists()

    # then the answer is on the public page and the map, without personal data
    page.context.clear_cookies()
    page.goto("/phan-anh/")
    listing = page.get_by_role("main").inner_text()
    assert "Đã kiểm tra nhà máy" in listing and code in listing
    assert "0977111222" not in listing
    page.goto("/phan-anh/ban-do/")
    page.locator(".feedback-pin").first.wait_for()
    assert code in page.get_by_role("main").inner_text()
    _screenshot(page, tmp_path, "feedback-map.png")
    # and the anonymous reporter sees the answer and rates it
    other.reload()
    assert "Đã kiểm tra nhà máy" in other.locator("#report-answer").inner_text()
    other.get_by_label("4 – Hài lòng").check()
    other.get_by_role("button", name="Gửi đánh giá").click()
    other.get_by_text("Bạn đã đánh giá 4/5").wait_for()
    other.context.close()
