"""The admin of the working calendar: overrides through services, and the year view."""

import re
from datetime import date

import pytest

from motcua.core.models import AuditEntry, CalendarOverride
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
YEAR_URL = "/admin/core/calendaroverride/year/"


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, kind="staff"))
    return client


def day_classes(html: str, day: str) -> str:
    cell = re.search(rf'<td class="([^"]*)" data-date="{day}"', html)
    assert cell, f"no cell for {day}"
    return cell.group(1)


def test_year_view_shows_what_each_day_is(admin_client):
    # given a day off and a make-up Saturday entered by an administrator
    CalendarOverride.objects.create(date=date(2026, 3, 4), kind="day_off", reason="Bão số 3")
    CalendarOverride.objects.create(date=date(2026, 3, 7), kind="working_day", reason="Làm bù")
    # when the year view of 2026 is opened
    response = admin_client.get(YEAR_URL, {"year": "2026"})
    html = response.content.decode()
    # then every kind of day has its class, and the reasons and holiday names are written out
    assert response.status_code == 200
    assert "calendar-day--holiday" in day_classes(html, "2026-02-17")
    assert "calendar-day--holiday" in day_classes(html, "2026-04-27")
    assert "calendar-day--weekend" in day_classes(html, "2026-02-14")
    assert "calendar-day--makeup" in day_classes(html, "2026-08-22")
    assert "calendar-day--holiday" in day_classes(html, "2026-08-31")
    assert "calendar-day--working" in day_classes(html, "2026-02-23")
    assert "calendar-day--day_off" in day_classes(html, "2026-03-04")
    assert "calendar-day--makeup" in day_classes(html, "2026-03-07")
    assert "Bão số 3" in html
    assert "Giỗ Tổ Hùng Vương" in html
    assert html.count('<table class="calendar-month__table">') == 12
    assert html.count("<caption>Tháng ") == 12
    assert '<abbr title="Chủ Nhật">CN</abbr>' in html
    assert 'href="?year=2025"' in html
    assert 'href="?year=2027"' in html


def test_year_view_refuses_a_bad_year_with_the_field(admin_client):
    response = admin_client.get(YEAR_URL, {"year": "abc"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'aria-describedby="id_year_errors"' in html
    assert 'id="id_year_errors"' in html
    # and still shows the current year's calendar
    assert html.count("<caption>Tháng ") == 12


def test_year_view_needs_an_administrator(client):
    client.force_login(UserFactory(kind="citizen"))
    response = client.get(YEAR_URL)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_changelist_links_to_the_year_view(admin_client):
    response = admin_client.get(
        "/admin/core/calendaroverride/", {"year": "2026", "kind": "day_off"}
    )
    assert response.status_code == 200
    assert f'href="{YEAR_URL}"' in response.content.decode()


def test_adding_an_override_in_the_admin_goes_through_the_service(admin_client):
    response = admin_client.post(
        "/admin/core/calendaroverride/add/",
        {"date": "04/03/2026", "kind": "day_off", "reason": "Bão số 3"},
    )
    assert response.status_code == 302, response.content.decode()
    override = CalendarOverride.objects.get()
    assert override.date == date(2026, 3, 4)
    assert AuditEntry.objects.filter(action="calendar_override.create").count() == 1


def test_an_override_that_changes_nothing_gets_a_form_error(admin_client):
    response = admin_client.post(
        "/admin/core/calendaroverride/add/",
        {"date": "07/03/2026", "kind": "day_off", "reason": "Thứ Bảy"},
    )
    assert response.status_code == 200
    assert "vốn đã là ngày nghỉ" in response.content.decode()
    assert not CalendarOverride.objects.exists()


def test_deleting_in_the_admin_is_audited(admin_client):
    override = CalendarOverride.objects.create(
        date=date(2026, 3, 4), kind="day_off", reason="Bão số 3"
    )
    response = admin_client.post(
        "/admin/core/calendaroverride/",
        {"action": "delete_selected", "_selected_action": [override.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not CalendarOverride.objects.exists()
    assert AuditEntry.objects.filter(action="calendar_override.delete").count() == 1
