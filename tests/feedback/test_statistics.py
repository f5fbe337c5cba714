"""Report statistics: each figure counted by hand for a small month, the page and the Excel."""

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from motcua.feedback.models import Channel, Report, RoutingRule
from motcua.feedback.services import (
    report_accept,
    report_answer_approve,
    report_answer_write,
    report_rate,
    report_reject,
)
from motcua.feedback.statistics import feedback_statistics
from motcua.reports.periods import Period
from tests.feedback.conftest import at

pytestmark = pytest.mark.django_db

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))


def _answer(report, specialist, head, when, *, personal=False):
    report_accept(report=report, actor=specialist)
    report_answer_write(report=report, actor=specialist, text="Đã xử lý", is_personal=personal)
    return report_answer_approve(report=report, actor=head, now=at(when))


@pytest.fixture
def month(submit, air_rule, specialist, head, department, environment_unit):
    """November 2026: a report carried over from October and answered late, two on-time
    answers (one personal, one rated 4), a hotline report still open and overdue at the end,
    one open within time, one rejected; and a December report that does not count."""
    RoutingRule.objects.create(agency=department, unit=environment_unit)
    october = submit(now=at("2026-10-20 09:00"), latitude=None, longitude=None).report
    _answer(october, specialist, head, "2026-11-10 09:00")  # due 3/11: late
    first = submit(now=at("2026-11-02 09:00"), latitude=None, longitude=None).report
    _answer(first, specialist, head, "2026-11-04 09:00")
    report_rate(report=first, rating=4)
    second = submit("water", now=at("2026-11-03 09:00"), latitude=None, longitude=None).report
    _answer(second, specialist, head, "2026-11-05 09:00", personal=True)
    submit(
        channel=Channel.HOTLINE,
        recorded_by=specialist,
        now=at("2026-11-05 09:00"),
        latitude=None,
        longitude=None,
    )  # due 19/11: overdue at the end
    submit(now=at("2026-11-27 09:00"), latitude=None, longitude=None)  # due in December
    rejected = submit(now=at("2026-11-06 09:00"), latitude=None, longitude=None).report
    report_reject(report=rejected, actor=specialist, reason="Thư rác")
    Report.objects.filter(pk=rejected.pk).update(closed_at=at("2026-11-06 10:00"))
    submit(now=at("2026-12-02 09:00"), latitude=None, longitude=None)


def test_figures_of_a_month(month):
    stats = feedback_statistics(
        reports=Report.objects.all(), period=NOVEMBER, now=at("2026-12-05 12:00")
    )
    total = stats.total
    assert (total.received, total.web, total.hotline, total.open311) == (5, 4, 1, 0)
    assert (total.on_time, total.late) == (2, 1)
    assert (total.open_within, total.open_overdue) == (1, 1)
    assert total.published_share == pytest.approx(2 / 3)
    assert total.average_rating == 4
    # 21 days, 2 days and 2 days from reception to answer
    assert total.average_days == pytest.approx(25 / 3)
    by_category = {row.label: row.received for row in stats.by_category}
    assert by_category == {"Ô nhiễm không khí": 4, "Ô nhiễm nguồn nước": 1}


def test_page_and_excel(client, month, specialist):
    client.force_login(specialist)
    page = client.get(reverse("feedback:statistics"), {"from": "2026-11-01", "to": "2026-11-30"})
    assert page.status_code == 200
    assert page.context["stats"].total.received == 5
    excel = client.get(
        reverse("feedback:statistics-excel"), {"from": "01/11/2026", "to": "30/11/2026"}
    )
    book = load_workbook(io.BytesIO(excel.content))
    assert book.sheetnames == ["Tổng hợp", "Theo lĩnh vực", "Theo đơn vị"]
    assert book["Tổng hợp"]["B3"].value == 5
    bad = client.get(reverse("feedback:statistics"), {"from": "2026-12-01", "to": "2026-11-01"})
    assert bad.status_code == 400


def test_statistics_are_for_staff(client, month):
    assert client.get(reverse("feedback:statistics")).status_code == 302
