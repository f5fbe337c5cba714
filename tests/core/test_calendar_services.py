"""Services that change the working calendar: validation and the audit trail."""

from datetime import date

import pytest

from motcua.core.calendar import WorkingCalendar
from motcua.core.errors import InvalidInput, NotFound
from motcua.core.models import AuditEntry, CalendarOverride
from motcua.core.services import (
    calendar_override_create,
    calendar_override_delete,
    calendar_override_update,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user():
    return UserFactory(is_staff=True, is_superuser=True, kind="staff")


def test_creating_an_override_changes_the_calendar_and_is_audited(admin_user):
    # given an administrator entering a day off for a storm
    override = calendar_override_create(
        actor=admin_user, day=date(2026, 3, 4), kind="day_off", reason="  Bão số 3  "
    )
    # then the day is off and the change is in the audit log
    assert not WorkingCalendar.load().is_working_day(date(2026, 3, 4))
    assert override.reason == "Bão số 3"
    entry = AuditEntry.objects.get(action="calendar_override.create")
    assert entry.actor == admin_user
    assert entry.object_id == str(override.pk)
    assert entry.changes["kind"] == [None, "day_off"]
    assert entry.changes["date"] == [None, "2026-03-04"]


def test_updating_records_only_what_changed(admin_user):
    override = calendar_override_create(
        actor=admin_user, day=date(2026, 3, 7), kind="working_day", reason="Làm bù"
    )
    calendar_override_update(
        actor=admin_user,
        override=override,
        day=date(2026, 3, 7),
        kind="working_day",
        reason="Làm bù cho ngày 2/3",
    )
    entry = AuditEntry.objects.get(action="calendar_override.update")
    assert entry.changes == {"reason": ["Làm bù", "Làm bù cho ngày 2/3"]}


def test_deleting_gives_the_day_back_to_the_public_calendar(admin_user):
    override = calendar_override_create(
        actor=admin_user, day=date(2026, 3, 7), kind="working_day", reason="Làm bù"
    )
    calendar_override_delete(actor=admin_user, override=override)
    assert not CalendarOverride.objects.exists()
    assert not WorkingCalendar.load().is_working_day(date(2026, 3, 7))
    entry = AuditEntry.objects.get(action="calendar_override.delete")
    assert entry.changes["kind"] == ["working_day", None]
    with pytest.raises(NotFound):
        calendar_override_delete(actor=admin_user, override=override)


@pytest.mark.parametrize(
    ("day", "kind", "reason", "field"),
    [
        (date(2026, 3, 4), "working_day", "Thứ Tư", "kind"),  # already a working day
        (date(2026, 3, 7), "day_off", "Thứ Bảy", "kind"),  # already a day off
        (date(2026, 2, 17), "day_off", "Tết", "kind"),  # already a holiday
        (date(2026, 3, 4), "holiday", "Không rõ", "kind"),
        (date(2026, 3, 4), "day_off", "   ", "reason"),
    ],
)
def test_overrides_that_change_nothing_or_are_incomplete_are_refused(day, kind, reason, field):
    with pytest.raises(InvalidInput) as error:
        calendar_override_create(actor=None, day=day, kind=kind, reason=reason)
    assert error.value.field == field
    assert not AuditEntry.objects.exists()


def test_one_override_per_day(admin_user):
    calendar_override_create(actor=admin_user, day=date(2026, 3, 4), kind="day_off", reason="Bão")
    with pytest.raises(InvalidInput) as error:
        calendar_override_create(
            actor=admin_user, day=date(2026, 3, 4), kind="day_off", reason="Lũ"
        )
    assert error.value.field == "date"
