"""The append-only audit log, kept as a hash chain.

Every service that changes data calls `audit_record(...)` inside its transaction. Each entry
stores the SHA-256 of its own content together with the previous entry's hash, and the single
`AuditHead` row remembers the newest sequence and hash, so that `motcua audit verify` finds the
first row that was edited, inserted or deleted behind the application's back, including rows cut
from the end.

Limit: someone who can write to the database can rebuild the whole chain and the head. Keep the
head that `motcua audit verify` prints somewhere else (a ticket, the operations log) to detect
that too; on PostgreSQL a trigger also refuses UPDATE and DELETE on the log (migration 0004).
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from motcua.core.middleware import current_request_context
from motcua.core.models import AuditEntry, AuditHead

GENESIS_HASH = "0" * 64
# A fixed key for the advisory lock that serialises appends on PostgreSQL.
_PG_LOCK_KEY = 0x4D4F5443  # "MOTC"


def _canonical(entry: AuditEntry) -> bytes:
    payload = {
        "sequence": entry.sequence,
        # In UTC: the database hands the moment back in UTC whatever offset it was given in.
        "occurred_at": entry.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
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


def _clean_ip(value: str | None) -> str | None:
    """The address as the database will return it (IPv6 compressed), or None when the header
    held something that is not an address: hashing must see exactly what is stored."""
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def _current_head() -> AuditHead:
    """The head row; rebuilt from the newest entry when it is missing (a database flushed by
    tests, or restored without it)."""
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None:
        return head
    last = AuditEntry.objects.order_by("-sequence").only("sequence", "entry_hash").first()
    return AuditHead(
        pk=1,
        sequence=last.sequence if last else 0,
        entry_hash=last.entry_hash if last else GENESIS_HASH,
    )


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
        head = _current_head()
        entry = AuditEntry(
            sequence=head.sequence + 1,
            occurred_at=occurred_at or timezone.now(),
            actor=actor if getattr(actor, "pk", None) else None,
            actor_label=_actor_label(actor),
            action=action[:64],
            object_type=object_type[:100],
            object_id=str(object_id)[:64],
            object_label=object_label[:255],
            changes=_jsonable(changes or {}),
            request_id=context.request_id if context else "",
            ip=_clean_ip(context.ip) if context else None,
            previous_hash=head.entry_hash,
        )
        entry.entry_hash = compute_hash(entry)
        entry.save(force_insert=True)
        head.sequence = entry.sequence
        head.entry_hash = entry.entry_hash
        head.save()
    return entry


def audit_value(value: Any) -> Any:
    """A value as the audit log stores it: objects by their name, decimals as text."""
    if isinstance(value, models.Model | Decimal):
        return str(value)
    return value


def apply_changes(instance: models.Model, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set `values` on `instance`; return {field: [before, after]} for those that changed, ready
    to pass as `audit_record(changes=...)`."""
    changed = {}
    for name, new in values.items():
        old = getattr(instance, name)
        if old != new:
            changed[name] = [audit_value(old), audit_value(new)]
            setattr(instance, name, new)
    return changed


def _actor_label(actor: Any | None) -> str:
    if actor is None or not getattr(actor, "pk", None):
        return "hệ thống"
    return f"{actor.get_username()} ({actor.get_full_name() or actor.get_username()})"[:255]


@dataclass(frozen=True)
class ChainBreak:
    """The first place where the chain is broken; `occurred_at` is None when the entry is gone."""

    sequence: int
    reason: str
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class ChainState:
    """A whole chain: how many entries, and the newest one (worth keeping outside the database)."""

    count: int
    head_sequence: int
    head_hash: str


def audit_verify(*, batch_size: int = 2000) -> ChainBreak | ChainState:
    """Walk the chain in order and compare its end with the head row; return the first break,
    or the state of a whole chain."""
    expected_previous = GENESIS_HASH
    expected_sequence = 1
    queryset = AuditEntry.objects.order_by("sequence")
    for entry in queryset.iterator(chunk_size=batch_size):
        if entry.sequence != expected_sequence:
            return ChainBreak(
                expected_sequence,
                f"thiếu bản ghi số {expected_sequence} (bản ghi tiếp theo là số {entry.sequence})",
            )
        if entry.previous_hash != expected_previous:
            return ChainBreak(
                entry.sequence, "mã băm của bản ghi trước không khớp", entry.occurred_at
            )
        if compute_hash(entry) != entry.entry_hash:
            return ChainBreak(entry.sequence, "nội dung bản ghi đã bị sửa", entry.occurred_at)
        expected_previous = entry.entry_hash
        expected_sequence += 1
    last_sequence = expected_sequence - 1
    head = AuditHead.objects.filter(pk=1).first()
    if head is None:
        if last_sequence:
            return ChainBreak(last_sequence, "mất bản ghi điểm cuối của chuỗi (AuditHead)")
        return ChainState(count=0, head_sequence=0, head_hash=GENESIS_HASH)
    if head.sequence > last_sequence:
        return ChainBreak(
            last_sequence + 1,
            f"thiếu các bản ghi cuối, từ số {last_sequence + 1} đến số {head.sequence}",
        )
    if head.sequence < last_sequence or head.entry_hash != expected_previous:
        return ChainBreak(
            head.sequence + 1 if head.sequence < last_sequence else last_sequence,
            "điểm cuối của chuỗi không khớp với bản ghi mới nhất",
        )
    return ChainState(count=last_sequence, head_sequence=head.sequence, head_hash=head.entry_hash)
