"""Writes and rules of the shared kernel: each service validates, changes and audit-logs."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from motcua.core.audit import audit_record
from motcua.core.calendar import WorkingCalendar
from motcua.core.errors import InvalidInput, NotFound
from motcua.core.models import CalendarOverride

# --- Working-calendar overrides -------------------------------------------------------------


def _duplicate(day: date) -> InvalidInput:
    return InvalidInput(
        _("Ngày %(day)s đã có một điều chỉnh; hãy sửa điều chỉnh đó.") % {"day": f"{day:%d/%m/%Y}"},
        field="date",
    )


def _locked(override: CalendarOverride) -> CalendarOverride:
    current = CalendarOverride.objects.select_for_update().filter(pk=override.pk).first()
    if current is None:
        raise NotFound(
            _("Điều chỉnh này không còn tồn tại (có thể người khác vừa xóa)."), field="date"
        )
    return current


def calendar_override_check(
    *, day: date, kind: str, reason: str, override: CalendarOverride | None = None
) -> None:
    """Validate an override before it is written (`override` is the row being edited)."""
    if kind not in CalendarOverride.Kind.values:
        raise InvalidInput(_("Loại điều chỉnh không hợp lệ."), field="kind")
    if not reason.strip():
        raise InvalidInput(_("Cần ghi lý do hoặc căn cứ của điều chỉnh."), field="reason")
    others = CalendarOverride.objects.filter(date=day)
    if override is not None:
        others = others.exclude(pk=override.pk)
    if others.exists():
        raise _duplicate(day)
    unchanged = override is not None and override.date == day and override.kind == kind
    if unchanged:
        return
    # An override must change something, or the admin believes a day was changed that was not.
    public_is_working = WorkingCalendar().is_working_day(day)
    if kind == CalendarOverride.Kind.WORKING_DAY and public_is_working:
        raise InvalidInput(
            _("Ngày %(day)s vốn đã là ngày làm việc: không cần làm việc bù.")
            % {"day": f"{day:%d/%m/%Y}"},
            field="kind",
        )
    if kind == CalendarOverride.Kind.DAY_OFF and not public_is_working:
        raise InvalidInput(
            _("Ngày %(day)s vốn đã là ngày nghỉ: không cần thêm ngày nghỉ.")
            % {"day": f"{day:%d/%m/%Y}"},
            field="kind",
        )


def _override_summary(override: CalendarOverride) -> dict[str, Any]:
    return {"date": override.date, "kind": override.kind, "reason": override.reason}


def calendar_override_create(
    *, actor: Any | None, day: date, kind: str, reason: str
) -> CalendarOverride:
    """Add an extra day off or a make-up working day to the working calendar."""
    reason = reason.strip()
    with transaction.atomic():
        calendar_override_check(day=day, kind=kind, reason=reason)
        try:
            with transaction.atomic():
                override = CalendarOverride.objects.create(date=day, kind=kind, reason=reason)
        except IntegrityError as exc:  # another administrator added the same day meanwhile
            raise _duplicate(day) from exc
        audit_record(
            actor=actor,
            action="calendar_override.create",
            obj=override,
            changes={name: [None, value] for name, value in _override_summary(override).items()},
        )
    return override


def calendar_override_update(
    *, actor: Any | None, override: CalendarOverride, day: date, kind: str, reason: str
) -> CalendarOverride:
    """Change an override's day, kind or reason."""
    reason = reason.strip()
    with transaction.atomic():
        current = _locked(override)
        calendar_override_check(day=day, kind=kind, reason=reason, override=current)
        before = _override_summary(current)
        current.date, current.kind, current.reason = day, kind, reason
        try:
            with transaction.atomic():
                current.save(update_fields=["date", "kind", "reason"])
        except IntegrityError as exc:
            raise _duplicate(day) from exc
        after = _override_summary(current)
        changes = {
            name: [before[name], after[name]] for name in after if before[name] != after[name]
        }
        if changes:
            audit_record(
                actor=actor, action="calendar_override.update", obj=current, changes=changes
            )
    return current


def calendar_override_delete(*, actor: Any | None, override: CalendarOverride) -> None:
    """Remove an override: the day goes back to the public-holiday calendar."""
    with transaction.atomic():
        current = _locked(override)
        audit_record(
            actor=actor,
            action="calendar_override.delete",
            obj=current,
            changes={name: [value, None] for name, value in _override_summary(current).items()},
        )
        current.delete()
