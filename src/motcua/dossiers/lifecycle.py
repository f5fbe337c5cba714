"""The dossier state machine: which status may follow which, and the one function that changes a
dossier's status, always together with its history event.

The states map to the national portal's status codes (models.NATIONAL_STATUS_CODE). Who may
make a transition and what it requires (a refusal needs reasons...) is checked by the service
that calls `transition`; this module guarantees that nothing else changes a status.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.audit import audit_record
from motcua.core.errors import Conflict
from motcua.dossiers.models import Dossier, DossierEvent, Status

S = Status

ALLOWED: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.NEW}),
    S.NEW: frozenset({S.RECEIVED, S.REFUSED, S.SUPPLEMENT_REQUESTED, S.WITHDRAWN}),
    S.SUPPLEMENT_REQUESTED: frozenset({S.NEW, S.PROCESSING, S.WITHDRAWN, S.STOPPED}),
    S.RECEIVED: frozenset({S.PROCESSING, S.WITHDRAWN, S.STOPPED}),
    S.PROCESSING: frozenset(
        {S.SUPPLEMENT_REQUESTED, S.FINANCIAL_OBLIGATION, S.DONE, S.WITHDRAWN, S.STOPPED}
    ),
    S.FINANCIAL_OBLIGATION: frozenset({S.PROCESSING, S.WITHDRAWN, S.STOPPED}),
    S.DONE: frozenset({S.RETURNED}),
    S.REFUSED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.STOPPED: frozenset(),
    S.RETURNED: frozenset(),
}

FINAL = frozenset(status for status, following in ALLOWED.items() if not following)

# Called with every event `transition` records, inside its transaction (so what a hook writes is
# rolled back with the action). Other apps register here in their AppConfig.ready() rather than
# being imported by this module (integrations: the national portal sync).
event_recorded: list[Callable[[Dossier, DossierEvent], None]] = []


def can_transition(from_status: str, to_status: str) -> bool:
    return to_status in ALLOWED.get(from_status, frozenset())


def transition(
    *,
    dossier: Dossier,
    to_status: str,
    actor: Any | None,
    action: str,
    note: str = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
    is_public: bool = True,
    update_fields: dict[str, Any] | None = None,
) -> DossierEvent:
    """Move `dossier` (already locked by the caller, or fetched in this transaction) to
    `to_status`, set `update_fields` on it, and append the event and the audit entry.

    The write is conditional on the status and version the caller read, so two officials acting
    on the same dossier at once cannot both succeed: the second gets 409.

    `to_status` equal to the current status records an action that keeps the status (assign,
    forward to the next step, consult...), allowed in every status but the final ones."""
    same = to_status == dossier.status
    if same and dossier.status in FINAL:
        raise Conflict(
            _("Hồ sơ đã kết thúc (“%(status)s”), không thể thao tác thêm.")
            % {"status": Status(dossier.status).label},
            code="invalid_transition",
            field="status",
        )
    if not same and not can_transition(dossier.status, to_status):
        raise Conflict(
            _("Không thể chuyển hồ sơ từ trạng thái “%(from)s” sang “%(to)s”.")
            % {"from": Status(dossier.status).label, "to": Status(to_status).label},
            code="invalid_transition",
            field="status",
        )
    at = at or timezone.now()
    from_status = dossier.status
    changes = {"status": to_status, "updated_at": at, **(update_fields or {})}
    with transaction.atomic():
        updated = Dossier.objects.filter(
            pk=dossier.pk, status=from_status, version=dossier.version
        ).update(version=dossier.version + 1, **changes)
        if updated != 1:
            raise Conflict(
                _("Hồ sơ vừa được người khác xử lý. Vui lòng tải lại trang."),
                code="stale_version",
                field="version",
            )
        for name, value in changes.items():
            setattr(dossier, name, value)
        dossier.version += 1
        event = DossierEvent.objects.create(
            dossier=dossier,
            occurred_at=at,
            actor=actor if getattr(actor, "pk", None) else None,
            action=action,
            from_status=from_status,
            to_status=to_status,
            note=note,
            data=data or {},
            is_public=is_public,
        )
        audit_record(
            actor=actor,
            action=f"dossier.{action}",
            obj=dossier,
            changes={
                **({} if same else {"status": [from_status, to_status]}),
                **({"fields": sorted(update_fields)} if update_fields else {}),
            },
            occurred_at=at,
        )
        for hook in event_recorded:
            hook(dossier, event)
    return event
