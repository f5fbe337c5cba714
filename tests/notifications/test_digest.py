"""The staff daily digest: each officer is told, in the app and by e-mail, once a day on working
days, what they hold that is overdue or due before the end of the next working day."""

from datetime import datetime, timedelta

import pytest

from motcua.core.calendar import VIETNAM
from motcua.core.scheduler import registered_jobs
from motcua.dossiers.backoffice import dossier_act
from motcua.dossiers.models import Dossier
from motcua.notifications.models import Notification
from motcua.notifications.services import staff_digest_send
from tests.dossiers.backoffice_samples import office, submitted

pytestmark = pytest.mark.django_db
# Monday 23/11/2026, 07:00; Tuesday 24/11 is Vietnamese Culture Day (a holiday), so the next
# working day is Wednesday 25/11.
MONDAY = datetime(2026, 11, 23, 7, tzinfo=VIETNAM)


@pytest.fixture
def place(administrative_units):
    return office()


def received(place, *, step_due_at: datetime) -> Dossier:
    """A dossier received and waiting, unassigned, at the land office's specialists."""
    dossier = submitted(place, at=MONDAY - timedelta(days=20))
    dossier_act(actor=place.officer, dossier=dossier.code, action="receive", payload={})
    Dossier.objects.filter(pk=dossier.pk).update(step_due_at=step_due_at)
    return dossier


def digests(user) -> dict[str, Notification]:
    return {n.channel: n for n in Notification.objects.filter(user=user, event="staff_digest")}


def test_each_officer_is_told_what_they_hold_that_is_overdue_or_due_next_working_day(place):
    # given, at the specialists' role, one dossier overdue since Friday, one due Wednesday
    # (the next working day) and one due Thursday
    late = received(place, step_due_at=datetime(2026, 11, 20, 16, tzinfo=VIETNAM))
    soon = received(place, step_due_at=datetime(2026, 11, 25, 10, tzinfo=VIETNAM))
    later = received(place, step_due_at=datetime(2026, 11, 26, 10, tzinfo=VIETNAM))
    # and the second specialist is given the overdue one
    Dossier.objects.filter(pk=late.pk).update(assignee=place.specialist2)
    # when the digest runs on Monday morning
    told = staff_digest_send(now=MONDAY)
    # then each specialist gets one message in the app and one e-mail; the head, the desk
    # officer and the director, who hold nothing due, get nothing
    assert told == 2
    first, second = digests(place.specialist), digests(place.specialist2)
    assert set(first) == set(second) == {"in_app", "email"}
    for user in (place.head, place.officer, place.director):
        assert digests(user) == {}
    # the first specialist's lists the one due Wednesday, not Thursday's or the one assigned
    # to the other specialist
    assert "0 hồ sơ quá hạn, 1 hồ sơ đến hạn trước hết ngày 25/11/2026" in first["in_app"].body
    email = first["email"]
    assert email.recipient_address == place.specialist.email
    assert email.subject == "Hồ sơ quá hạn và sắp đến hạn ngày 23/11/2026"
    assert soon.code in email.body and f"/can-bo/ho-so/{soon.code}/" in email.body
    assert later.code not in email.body and late.code not in email.body
    # the second specialist's lists the overdue one as well
    assert "1 hồ sơ quá hạn, 1 hồ sơ đến hạn" in second["in_app"].body
    assert late.code in second["email"].body and "hạn 20/11/2026 16:00" in second["email"].body


def test_the_digest_is_sent_once_a_day_and_not_on_days_off(place):
    received(place, step_due_at=datetime(2026, 11, 20, 16, tzinfo=VIETNAM))
    # not on Sunday, nor on the Tuesday holiday
    assert staff_digest_send(now=MONDAY - timedelta(days=1)) == 0
    assert staff_digest_send(now=MONDAY + timedelta(days=1)) == 0
    # once on Monday, however many times it runs
    assert staff_digest_send(now=MONDAY) == 2
    assert staff_digest_send(now=MONDAY + timedelta(hours=3)) == 0
    assert Notification.objects.filter(event="staff_digest", channel="in_app").count() == 2
    # and again on Wednesday
    assert staff_digest_send(now=MONDAY + timedelta(days=2)) == 2


def test_a_paused_dossier_is_left_out(place):
    dossier = received(place, step_due_at=datetime(2026, 11, 20, 16, tzinfo=VIETNAM))
    Dossier.objects.filter(pk=dossier.pk).update(paused_at=MONDAY - timedelta(days=5))
    assert staff_digest_send(now=MONDAY) == 0


def test_the_digest_is_a_daily_periodic_job():
    [job] = [job for job in registered_jobs() if job.name.endswith("notifications_staff_digest")]
    assert job.every == timedelta(days=1)
    # slots start at midnight UTC: 07:00 in Việt Nam
    assert job.slot_for(MONDAY + timedelta(hours=5)) == MONDAY
