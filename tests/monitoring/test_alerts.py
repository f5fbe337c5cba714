"""Alerts: a value above a QCVN 05:2023 limit or an hourly VN_AQI above the alert level opens one
alert per station, parameter and period, closed when the value is back under; operators are
e-mailed after commit and acknowledge alerts."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from motcua.core.errors import Conflict, PermissionDenied
from motcua.core.models import AuditEntry
from motcua.monitoring import aqi_hooks
from motcua.monitoring.aqi_services import alert_acknowledge, aqi_recompute
from motcua.monitoring.models import Alert, Threshold
from motcua.notifications.models import Notification
from tests.factories import StaffFactory
from tests.monitoring.aqi_data import day_of, immediate_tasks, local_hour, put
from tests.monitoring.factories import operator, station

pytestmark = pytest.mark.django_db
__all__ = ["immediate_tasks"]


def _recompute(site, first=0, last=24):
    aqi_recompute(station_id=site.pk, start=local_hour(first), end=local_hour(last))


def test_qcvn_limits_are_seeded():
    limits = {
        (t.parameter.code, t.averaging_period): t.limit_value
        for t in Threshold.objects.select_related("parameter")
    }
    assert limits[("NO2", "1h")] == 200
    assert limits[("SO2", "24h")] == 125
    assert limits[("CO", "8h")] == 10000
    assert limits[("PM2.5", "24h")] == 50
    assert all(t.source == "QCVN 05:2023/BTNMT" for t in Threshold.objects.all())


def test_an_hourly_exceedance_opens_and_closes_one_alert():
    # given PM2.5 all day and NO2 above its 1-hour limit (200) from 10:00 to 12:00
    site = station()
    put(site, "PM2.5", day_of(20))
    put(site, "NO2", {local_hour(9): 150, local_hour(10): 250, local_hour(11): 320})
    put(site, "NO2", {local_hour(12): 210, local_hour(13): 180})
    # when recomputed
    _recompute(site)
    # then one NO2 1-hour alert from 10:00 to 13:00 with its highest value
    alert = Alert.objects.get(station=site, kind=Alert.Kind.EXCEEDANCE)
    assert (alert.parameter.code, alert.period, alert.limit) == ("NO2", "1h", 200)
    assert alert.value == 320
    assert alert.started_at == local_hour(10)
    assert alert.ended_at == local_hour(13)
    # recomputing the same hours again changes nothing
    _recompute(site)
    assert Alert.objects.filter(station=site).count() == 1


def test_an_open_alert_stays_open_until_a_value_under_the_limit():
    site = station()
    put(site, "PM2.5", day_of(20))
    put(site, "SO2", {local_hour(20): 500})
    _recompute(site)
    alert = Alert.objects.get(station=site, parameter__code="SO2", period="1h")
    assert alert.is_open
    # when later hours come back under the limit (350)
    put(site, "SO2", {local_hour(22): 100})
    _recompute(site, 22, 23)
    alert.refresh_from_db()
    assert alert.ended_at == local_hour(22)


def test_a_daily_mean_above_the_24_hour_limit_opens_a_daily_alert():
    # PM2.5 at 60 all day: the 24-hour mean 60 is above 50
    site = station()
    put(site, "PM2.5", day_of(60))
    _recompute(site)
    alert = Alert.objects.get(station=site, parameter__code="PM2.5", period="24h")
    assert alert.value == 60
    assert alert.started_at == local_hour(0)


def test_an_hourly_index_above_the_alert_level_opens_an_aqi_alert(settings):
    # PM2.5 at 100 → NowCast 100 → 50 / 70 × 20 + 150 = 164.3: above 150
    settings.AQI_ALERT_LEVEL = 150
    site = station()
    put(site, "PM2.5", {local_hour(h): 100 for h in range(6)})
    _recompute(site, 0, 6)
    alert = Alert.objects.get(station=site, kind=Alert.Kind.AQI_LEVEL)
    assert (alert.parameter, alert.period, alert.value, alert.limit) == (None, "1h", 164, 150)
    assert alert.started_at == local_hour(1)  # 00:00 has no NowCast yet


def test_a_disabled_threshold_raises_nothing():
    Threshold.objects.filter(parameter__code="NO2").update(is_active=False)
    site = station()
    put(site, "PM2.5", day_of(20))
    put(site, "NO2", {local_hour(10): 900})
    _recompute(site)
    assert not Alert.objects.filter(station=site, kind=Alert.Kind.EXCEEDANCE).exists()


def test_operators_are_emailed_and_notified_after_commit_for_recent_alerts(
    immediate_tasks, django_capture_on_commit_callbacks
):
    # given an operator of the station and a citizen-facing user who is not one
    officer = operator(email="quantrac@example.vn")
    StaffFactory(email="khac@example.vn")
    site = station(code="AQ-MAIL")
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    put(site, "PM2.5", {now - timedelta(hours=h): 20 for h in range(1, 6)})
    put(site, "SO2", {now - timedelta(hours=2): 400})
    # when the data side reports the hours
    with django_capture_on_commit_callbacks(execute=True):
        aqi_hooks.hours_changed(station_id=site.pk, hours=[now - timedelta(hours=2)])
    # then the operator, and only they, got one e-mail about SO2
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [officer.email]
    assert "AQ-MAIL" in message.subject and "SO2" in message.subject
    assert "/quan-trac/canh-bao/" in message.body
    # and found it in their notifications on the site
    assert Notification.objects.filter(
        user=officer, event="monitoring_alert", channel="in_app"
    ).exists()


def test_history_walked_by_a_first_recomputation_sends_no_email(
    immediate_tasks, django_capture_on_commit_callbacks
):
    operator(email="quantrac@example.vn")
    site = station()
    put(site, "PM2.5", day_of(20))
    put(site, "SO2", {local_hour(10): 400})  # March 2026: long past
    with django_capture_on_commit_callbacks(execute=True):
        _recompute(site)
    assert Alert.objects.filter(station=site).count() == 1
    assert mail.outbox == []


def test_an_operator_acknowledges_an_alert_once():
    site = station()
    put(site, "PM2.5", day_of(20))
    put(site, "SO2", {local_hour(10): 400})  # above 350, index 113
    _recompute(site)
    alert = Alert.objects.get(station=site)
    officer = operator()
    # when they acknowledge it
    acknowledged = alert_acknowledge(actor=officer, alert=alert)
    # then it says who and when, in the audit log too
    assert acknowledged.acknowledged_by == officer and acknowledged.acknowledged_at
    assert AuditEntry.objects.filter(action="alert.acknowledge", object_id=str(alert.pk)).exists()
    # a second time is refused, and someone who is not an operator cannot
    with pytest.raises(Conflict):
        alert_acknowledge(actor=officer, alert=alert)
    with pytest.raises(PermissionDenied):
        alert_acknowledge(actor=StaffFactory(), alert=alert)


# --- Operators' page and the admin ---------------------------------------------------------


@pytest.fixture
def open_alert():
    site = station(code="AQ-PAGE", name="Trạm trang cảnh báo")
    put(site, "PM2.5", day_of(20))
    put(site, "NO2", {local_hour(10): 260})
    _recompute(site, 0, 11)
    return Alert.objects.get(station=site)


def test_operators_see_and_acknowledge_alerts_on_their_page(client, open_alert):
    officer = operator()
    client.force_login(officer)
    page = client.get("/quan-trac/canh-bao/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Trạm trang cảnh báo" in html and "NO2 (1h)" in html and "Đang diễn ra" in html
    response = client.post(f"/quan-trac/canh-bao/{open_alert.pk}/xac-nhan/")
    assert response.status_code == 302
    open_alert.refresh_from_db()
    assert open_alert.acknowledged_by == officer


def test_the_alerts_page_is_for_operators_only(client, open_alert):
    assert client.get("/quan-trac/canh-bao/").status_code == 302  # to the login page
    client.force_login(StaffFactory())
    assert client.get("/quan-trac/canh-bao/").status_code == 403
    assert client.post(f"/quan-trac/canh-bao/{open_alert.pk}/xac-nhan/").status_code == 403


def test_acknowledging_an_unknown_alert_is_404(client):
    client.force_login(operator())
    assert client.post("/quan-trac/canh-bao/999999/xac-nhan/").status_code == 404


def test_an_administrator_edits_a_limit_value_in_the_admin(client):
    admin = StaffFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    threshold = Threshold.objects.get(parameter__code="PM10", averaging_period="24h")
    url = f"/admin/monitoring/threshold/{threshold.pk}/change/"
    form = {
        "parameter": threshold.parameter_id,
        "averaging_period": "24h",
        "limit_value": "0",
        "source": "QCVN 05:2023/BTNMT",
        "is_active": "on",
    }
    refused = client.post(url, form)
    assert refused.status_code == 200
    assert "Giá trị giới hạn phải lớn hơn 0." in refused.content.decode()
    assert client.post(url, {**form, "limit_value": "150"}).status_code == 302
    threshold.refresh_from_db()
    assert threshold.limit_value == 150
    assert AuditEntry.objects.filter(
        action="threshold.update", object_id=str(threshold.pk)
    ).exists()
