"""The statistics page, its Excel export and the leaders' "who holds what" page."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from motcua.accounts.models import Role
from motcua.dossiers.models import Status
from motcua.reports.selectors import dossier_holdings
from tests.catalog.factories import published_procedure
from tests.factories import StaffFactory, UserFactory
from tests.reports.builders import at, dossier, handling

PAGE = "/bao-cao/ho-so/"
EXCEL = "/bao-cao/ho-so/excel/"
HOLDINGS = "/bao-cao/dang-xu-ly/"
MARCH = {"agency": "H56.14", "from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def march_dossiers(department, permit, land, land_unit, officer):
    """Two early, one late, one overdue at the end of March, one handed-on line per unit."""
    for finished in (at(3, 5), at(3, 6)):
        dossier(
            permit,
            creator=officer,
            status=Status.DONE,
            received=at(3, 2),
            due=at(3, 10),
            finished=finished,
        )
    late = dossier(
        land,
        creator=officer,
        status=Status.RETURNED,
        received=at(3, 2),
        due=at(3, 10),
        finished=at(3, 12),
    )
    handling(late, unit=land_unit, started=at(3, 2), due=at(3, 6), completed=at(3, 9))
    dossier(land, creator=officer, received=at(3, 3), due=at(3, 20))


def test_page_shows_cards_tables_chart_and_links(client, officer, march_dossiers):
    # given an officer of the department
    client.force_login(officer)
    # when they open March's statistics
    response = client.get(PAGE, MARCH)
    # then the figures, the tables and the links to the dossier search are there
    assert response.status_code == 200
    html = response.content.decode()
    stats = response.context["stats"]
    assert (stats.totals.early, stats.totals.late, stats.totals.overdue) == (2, 1, 1)
    assert "Thống kê tình hình giải quyết hồ sơ" in html
    assert "1.012756" in html and "Đăng ký đất đai lần đầu" in html
    assert "/can-bo/ho-so/?procedure=1.012756&amp;overdue=1" in html
    assert "Văn phòng đăng ký đất đai" in html
    assert 'class="bar-early" x="0" y="0" height="10" width="100.0"' in html
    assert "66,7 %" in html  # on-time rate of March, in Vietnamese number format
    assert (
        'href="/bao-cao/ho-so/excel/?agency=H56.14&amp;from=2026-03-01&amp;to=2026-03-31"' in html
    )
    assert "style=" not in html.split("<main", 1)[1]


def test_defaults_to_this_month_of_the_own_agency(client, officer, department):
    client.force_login(officer)
    response = client.get(PAGE)
    assert response.status_code == 200
    stats = response.context["stats"]
    today = timezone.localdate()
    assert stats.agency == department
    assert stats.period.start == today.replace(day=1)
    assert "Tháng này" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "31/02/2026", "to": "2026-03-31"}, "from"),
        ({"from": "2026-04-01", "to": "2026-03-31"}, "from"),
        ({"from": "2020-01-01", "to": "2026-03-31"}, "to"),
        ({"agency": "H37.14"}, "agency"),
    ],
)
def test_bad_filters_are_shown_next_to_their_field(
    client, officer, other_department, params, field
):
    client.force_login(officer)
    response = client.get(PAGE, {**MARCH, **params})
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert 'aria-invalid="true"' in html
    assert response.context["form"].errors[field]


def test_query_count_does_not_grow_with_procedures(client, officer, department, march_dossiers):
    client.force_login(officer)
    with CaptureQueriesContext(connection) as few:
        client.get(PAGE, MARCH)
    for number in range(3):
        extra = published_procedure(code=f"2.00000{number}", agency=department)
        dossier(extra, creator=officer, received=at(3, 4), due=at(4, 30))
    with CaptureQueriesContext(connection) as more:
        client.get(PAGE, MARCH)
    assert len(more) == len(few)


def test_excel_export_has_the_same_figures(client, officer, march_dossiers):
    client.force_login(officer)
    response = client.get(EXCEL, MARCH)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "thong-ke-ho-so-H56.14-20260301-20260331.xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Tổng hợp", "Theo thủ tục", "Theo đơn vị"]
    summary = {row[0]: row[1:] for row in book["Tổng hợp"].iter_rows(values_only=True) if row}
    assert summary["Giải quyết trước hạn"][0] == 2
    assert summary["Giải quyết quá hạn"][0] == 1
    assert summary["Tỷ lệ đúng hạn"][0] == pytest.approx(2 / 3)
    assert summary["Đang giải quyết quá hạn"][0] == 1
    rows = [row for row in book["Theo thủ tục"].iter_rows(values_only=True) if row]
    header = next(row for row in rows if row[0] == "Mã thủ tục")
    procedures = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert procedures["1.012756"]["Tên thủ tục"] == "Đăng ký đất đai lần đầu"
    assert procedures["1.012756"]["Giải quyết quá hạn"] == 1
    assert procedures["Tổng cộng"]["Tổng số tiếp nhận"] == 4
    units = [row for row in book["Theo đơn vị"].iter_rows(values_only=True) if row]
    assert ("H56.14", "VPDK", "Văn phòng đăng ký đất đai", 0, 0, 1, 1, 0.0, 0, 0) in units


def test_excel_export_refuses_bad_dates(client, officer, department):
    client.force_login(officer)
    response = client.get(EXCEL, {**MARCH, "to": "2026-02-01"})
    assert response.status_code == 400


def test_pages_are_for_staff(client, department):
    assert client.get(PAGE).status_code == 302
    client.force_login(UserFactory())
    assert client.get(PAGE).status_code == 403
    assert client.get(EXCEL).status_code == 403
    assert client.get(HOLDINGS).status_code == 403


def test_staff_nav_links_to_reports(client, officer, department):
    client.force_login(officer)
    html = client.get("/").content.decode()
    assert 'href="/bao-cao/ho-so/"' in html


# --- Who holds what -------------------------------------------------------------------------


@pytest.fixture
def held(department, permit, land_unit, environment_unit, officer):
    """Now: the officer holds two dossiers (one past its step deadline, one past its
    appointment), one waits unassigned in the land office, one sits in another unit."""
    now = timezone.now()
    common = {"creator": officer, "received": now - timedelta(days=9)}
    dossier(
        permit,
        **common,
        current_unit=land_unit,
        assignee=officer,
        step_started_at=now - timedelta(days=4),
        step_due_at=now - timedelta(days=1),
        due=now + timedelta(days=5),
    )
    dossier(
        permit,
        **common,
        current_unit=land_unit,
        assignee=officer,
        step_started_at=now - timedelta(days=2),
        step_due_at=now + timedelta(days=1),
        due=now - timedelta(hours=3),
    )
    dossier(
        permit,
        **common,
        status=Status.RECEIVED,
        current_unit=land_unit,
        step_started_at=now - timedelta(days=1),
        step_due_at=now + timedelta(days=2),
        due=now + timedelta(days=5),
    )
    dossier(
        permit,
        **common,
        current_unit=environment_unit,
        step_started_at=now - timedelta(days=3),
        step_due_at=now + timedelta(days=2),
        due=now + timedelta(days=5),
    )
    # a finished dossier is held by nobody
    dossier(
        permit,
        **common,
        status=Status.DONE,
        finished=now,
        current_unit=land_unit,
        assignee=officer,
        step_started_at=now - timedelta(days=30),
    )
    return now


def test_holdings_per_unit_and_officer(department, held, officer):
    units = {unit.code: unit for unit in dossier_holdings(agency=department, now=held)}
    land_office = units["VPDK"]
    assert (land_office.held, land_office.step_overdue, land_office.dossier_overdue) == (3, 1, 1)
    by_officer = {o.assignee_id: o for o in land_office.officers}
    mine = by_officer[officer.pk]
    assert mine.held == 2
    assert mine.oldest_started_at == held - timedelta(days=4)
    assert mine.average_age == timedelta(days=3)
    assert by_officer[None].held == 1
    assert land_office.average_age == timedelta(days=7 / 3)
    assert units["CCBVMT"].held == 1


def test_holdings_page_for_leaders(client, leader, officer, held, land_unit):
    # a specialist may not see it
    client.force_login(officer)
    assert client.get(HOLDINGS).status_code == 403
    # a director sees each unit and officer with links to their dossiers
    client.force_login(leader)
    response = client.get(HOLDINGS)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Trần Thị Bình" in html
    assert "Chưa phân công" in html
    assert f"/can-bo/ho-so/?unit={land_unit.pk}&amp;assignee={officer.pk}&amp;overdue=1" in html
    assert f"/can-bo/ho-so/?unit={land_unit.pk}&amp;assignee=none" in html
    assert 'href="/bao-cao/dang-xu-ly/"' in client.get(PAGE).content.decode()


def test_holdings_page_refuses_an_agency_out_of_scope(client, leader, other_department):
    client.force_login(leader)
    response = client.get(HOLDINGS, {"agency": "H37.14"})
    assert response.status_code == 400
    assert 'id="id_agency_error"' in response.content.decode()


def test_a_leader_role_is_needed_even_with_staff_rights(client, department):
    specialist = StaffFactory(agency=department, role=Role.SPECIALIST)
    client.force_login(specialist)
    assert client.get(HOLDINGS).status_code == 403
