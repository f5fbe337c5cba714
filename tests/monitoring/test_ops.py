"""The operations view of the monitoring centre: who may see it, what it shows, the station
page's invalidate/restore form and the CSV upload pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from motcua.monitoring.ingestion import Reading, readings_store
from motcua.monitoring.models import CsvUpload, HourlyMeasurement, OperationalAlert, Parameter
from tests.factories import AgencyFactory, Role, StaffFactory, UserFactory
from tests.monitoring.factories import hours_ago, operator, station

pytestmark = pytest.mark.django_db
OPS = reverse("monitoring:ops")


def store(target, values: dict[str, dict]) -> None:
    readings = [
        Reading(Parameter.objects.get(code=code).pk, hour, value, True)
        for code, hours in values.items()
        for hour, value in hours.items()
    ]
    readings_store(station=target, readings=readings, source="http")


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(OPS)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize(
    "make_user",
    [lambda: UserFactory(), lambda: StaffFactory(role=Role.SPECIALIST)],
    ids=["citizen", "specialist"],
)
def test_other_users_are_refused(client, make_user):
    client.force_login(make_user())
    for url in [OPS, reverse("monitoring:csv-upload"), reverse("monitoring:csv-template")]:
        response = client.get(url)
        assert response.status_code == 403
        assert "cán bộ quan trắc" in response.content.decode()


def test_the_overview_shows_stations_completeness_flags_and_alerts(
    client, django_assert_max_num_queries
):
    # given an operator, two stations with some hours (one flagged) and an open alert
    user = operator()
    first, second = station(code="OPS-01", name="Trạm Hồ Xuân Hương"), station(code="OPS-02")
    today_hours = [hours_ago(h) for h in range(1, 4)]
    store(first, {"PM2.5": {hour: 10 + i for i, hour in enumerate(today_hours)}})
    store(first, {"PM10": {hours_ago(1): -5}})
    OperationalAlert.objects.create(
        station=second,
        kind="silent",
        message="Trạm OPS-02 không gửi số liệu 3 giờ qua.",
        opened_at=timezone.now(),
    )
    client.force_login(user)
    # when they open the overview
    with django_assert_max_num_queries(20):
        response = client.get(OPS)
    # then both stations, the PM2.5 hours received today, the flag and the alert are shown
    assert response.status_code == 200
    page = response.content.decode()
    assert "Trạm Hồ Xuân Hương" in page and "OPS-02" in page
    assert "Trạm OPS-02 không gửi số liệu 3 giờ qua." in page
    overview = {item.station.code: item for item in response.context["stations"]}
    counts_today = overview["OPS-01"].completeness["PM2.5"][-1]
    assert counts_today == sum(
        1 for hour in today_hours if timezone.localtime(hour).date() == timezone.localdate()
    )
    assert overview["OPS-01"].open_flags == 1
    assert [alert.kind for alert in overview["OPS-02"].open_alerts] == ["silent"]


def test_operators_see_only_the_stations_of_their_agencies(client):
    # given an operator of one agency and a station of another agency
    user = operator()
    mine = station(code="OPS-10", agency=user.agency)
    theirs = station(code="OPS-11", agency=AgencyFactory())
    client.force_login(user)
    # then the overview lists only theirs and the other station's page is not found
    codes = [item.station.code for item in client.get(OPS).context["stations"]]
    assert codes == [mine.code]
    url = reverse("monitoring:ops-station", args=[theirs.code])
    assert client.get(url).status_code == 404


def test_the_station_page_shows_hours_and_invalidates_a_range(client):
    # given a station with three hours of NO2 and an operator on its page
    user = operator()
    target = station(code="OPS-20")
    hours = [hours_ago(h) for h in (3, 2, 1)]
    store(target, {"NO2": {hour: 20 + i for i, hour in enumerate(hours)}})
    client.force_login(user)
    url = reverse("monitoring:ops-station", args=["OPS-20"])
    page = client.get(url)
    assert page.status_code == 200
    assert "NO2" in page.content.decode()
    # when they invalidate the first two hours with a reason
    local = [timezone.localtime(hour).strftime("%Y-%m-%dT%H:%M") for hour in hours]
    response = client.post(
        url,
        {
            "action": "invalidate",
            "parameter": Parameter.objects.get(code="NO2").pk,
            "start": local[0],
            "end": local[2],
            "reason": "Thiết bị hỏng",
        },
    )
    # then they are sent back to the page with a message, and the two hours are invalidated
    assert response.status_code == 302
    validity = dict(HourlyMeasurement.objects.values_list("hour_start", "validity"))
    assert [validity[hour] for hour in hours] == ["invalidated", "invalidated", "valid"]
    page = client.get(response["Location"]).content.decode()
    assert "Đã loại bỏ 2 giá trị giờ" in page
    assert "ops-invalidated" in page and "Thiết bị hỏng" in page


def test_a_review_without_reason_is_answered_with_the_field_error(client):
    user = operator()
    target = station(code="OPS-21")
    store(target, {"CO": {hours_ago(2): 700}})
    client.force_login(user)
    response = client.post(
        reverse("monitoring:ops-station", args=["OPS-21"]),
        {"action": "restore", "start": "2026-01-02T10:00", "end": "2026-01-01T10:00"},
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"reason", "end"}
    assert 'aria-describedby="id_reason_error"' in response.content.decode()


def test_a_day_can_be_chosen_and_a_bad_day_falls_back_to_24_hours(client):
    client.force_login(operator())
    station(code="OPS-22")
    url = reverse("monitoring:ops-station", args=["OPS-22"])
    day = client.get(url, {"ngay": (timezone.localdate() - timedelta(days=3)).isoformat()})
    assert len(day.context["rows"]) == 24
    assert len(client.get(url, {"ngay": "hôm qua"}).context["rows"]) in (24, 25)


# --- CSV upload ------------------------------------------------------------------------------


def test_the_csv_template_downloads(client):
    client.force_login(operator())
    response = client.get(reverse("monitoring:csv-template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode().startswith("station,parameter,time,value,period")


def test_upload_preview_and_confirm_through_the_pages(client):
    # given an operator and a station
    user = operator()
    station(code="OPS-30", parameters=["PM2.5"])
    client.force_login(user)
    hour = hours_ago(3).isoformat()
    content = (
        f"station,parameter,time,value,period\nOPS-30,PM2.5,{hour},25,1h\nOPS-30,PM10,{hour},9,1h\n"
    )
    # when they upload a file
    response = client.post(
        reverse("monitoring:csv-upload"),
        {"file": SimpleUploadedFile("ngay.csv", content.encode(), "text/csv")},
    )
    # then they see the preview: one value to store, one line refused with its reason
    assert response.status_code == 302
    preview = client.get(response["Location"])
    page = preview.content.decode()
    assert "1 giá trị sẽ được lưu" in page
    assert "Trạm OPS-30 không đo thông số PM10." in page
    assert not HourlyMeasurement.objects.exists()
    # when they confirm, the value is stored and the page reports it
    done = client.post(response["Location"])
    assert done.status_code == 302
    assert HourlyMeasurement.objects.get().value == 25.0
    assert "Đã lưu 1 giá trị" in client.get(done["Location"]).content.decode()


def test_a_bad_file_is_answered_on_the_upload_page(client):
    client.force_login(operator())
    response = client.post(
        reverse("monitoring:csv-upload"),
        {"file": SimpleUploadedFile("x.csv", b"a;b;c\n1;2;3\n", "text/csv")},
    )
    assert response.status_code == 400
    assert "Sai cột" in response.content.decode()
    assert not CsvUpload.objects.exists()


def test_someone_elses_preview_is_not_found(client):
    station(code="OPS-31")
    owner = operator()
    client.force_login(owner)
    content = f"station,parameter,time,value,period\nOPS-31,CO,{hours_ago(2).isoformat()},900,1h\n"
    location = client.post(
        reverse("monitoring:csv-upload"),
        {"file": SimpleUploadedFile("a.csv", content.encode(), "text/csv")},
    )["Location"]
    client.force_login(operator())
    assert client.get(location).status_code == 404
    assert client.post(location).status_code == 404
