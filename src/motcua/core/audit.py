"""The append-only audit log, kept as a hash chain.

Every service that changes data calls `audit_record(...)` inside its transaction. Each entry
stores the SHA-256 of its own content together with the previous entry's hash, so that
`motcua audit verify` finds the first row that was edited, inserted or deleted behind the
application's back.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from motcua.core.middleware import current_request_context
from motcua.core.models import AuditEntry

GENESIS_HASH = "0" * 64
# A fixed key for the advisory lock that serialises appends on PostgreSQL.
_PG_LOCK_KEY = 0x4D4F5443  # "MOTC"


def _canonical(entry: AuditEntry) -> bytes:
    payload = {
        "sequence": entry.sequence,
        "occurred_at": entry.occurred_at.isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_label": entry.object_label,
        "changes": entry.changes,
        "request_id": entry.request_id,
        "ip": entry.ip,
        "previous_hash": entry.previous_hash,
    }
    return json.dumps(
        payload, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    ).encode()


def compute_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(_canonical(entry)).hexdigest()


def _lock_chain() -> None:
    """Only one transaction at a time may append. SQLite already serialises writers (IMMEDIATE
    transactions); PostgreSQL takes a transaction-scoped advisory lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def audit_record(
    *,
    actor: Any | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_label: str = "",
    changes: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> AuditEntry:
    """Append one entry. Call it inside the service's transaction: if the change rolls back, so
    does its audit entry. `changes` summarises before/after: {"status": ["new", "received"]}."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_label = object_label or str(obj)[:255]
    context = current_request_context()
    with transaction.atomic():
        _lock_chain()
        last = AuditEntry.objects.order_by("-sequence").only("sequence", "entry_hash").first()
        entry = AuditEntry(
            sequence=(last.sequence + 1) if last else 1,
            occurred_at=occurred_at or timezone.now(),
            actor=actor if getattr(actor, "pk", None) else None,
            actor_label=_actor_label(actor),
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            object_label=object_label[:255],
            changes=_jsonable(changes or {}),
            request_id=context.request_id if context else "",
            ip=context.ip if context else None,
            previous_hash=last.entry_hash if last else GENESIS_HASH,
        )
        entry.entry_hash = compute_hash(entry)
        entry.save(force_insert=True)
    return entry


def _actor_label(actor: Any | None) -> str:
    if actor is None or not getattr(actor, "pk", None):
        return "hệ thống"
    return f"{actor.get_username()} ({actor.get_full_name() or actor.get_username()})"[:255]


@dataclass(frozen=True)
class ChainBreak:
    sequence: int
    reason: str


def audit_verify(*, batch_size: int = 2000) -> ChainBreak | None:
    """Walk the chain in order; return the first broken entry, or None when the chain is whole."""
    expected_previous = GENESIS_HASH
    expected_sequence = 1
    queryset = AuditEntry.objects.order_by("sequence")
    for entry in queryset.iterator(chunk_size=batch_size):
        if entry.sequence != expected_sequence:
            return ChainBreak(
                expected_sequence,
                f"thiếu bản ghi số {expected_sequence} (bản ghi tiếp theo là {entry.sequence})",
            )
        if entry.previous_hash != expected_previous:
            return ChainBreak(entry.sequence, "mã băm của bản ghi trước không khớp")
        # Re-read the timestamp as the database returns it, so hashing is stable across backends.
        if compute_hash(entry) != entry.entry_hash:
            return ChainBreak(entry.sequence, "nội dung bản ghi đã bị sửa")
        expected_previous = entry.entry_hash
        expected_sequence += 1
    return None
