"""The audit log: a hash chain that `motcua audit verify` checks end to end."""

import threading
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, OperationalError, connection, connections, transaction

from motcua.core.audit import ChainBreak, ChainState, audit_record, audit_verify, compute_hash
from motcua.core.middleware import RequestContext, _current
from motcua.core.models import AuditEntry, AuditHead
from tests.factories import AgencyFactory, UserFactory

PG_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL only"
)


def _record(n: int, *, actor=None) -> list[AuditEntry]:
    return [
        audit_record(
            actor=actor,
            action="agency.update",
            object_type="accounts.agency",
            object_id=str(i),
            object_label=f"Cơ quan {i}",
            changes={"name": [f"cũ {i}", f"mới {i}"], "phí": 50_000},
        )
        for i in range(n)
    ]


@contextmanager
def _database_owner():
    """Act as someone editing the database directly; on PostgreSQL that person must first
    switch off the triggers that keep the log append-only."""
    statements = [
        "ALTER TABLE core_auditentry {} TRIGGER core_auditentry_append_only",
        "ALTER TABLE core_audithead {} TRIGGER core_audithead_forward_only",
    ]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement.format("DISABLE"))
    yield
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement.format("ENABLE"))


@pytest.mark.django_db
class TestChain:
    def test_entries_link_to_each_other_and_the_chain_verifies(self):
        # given three changes recorded by a staff member
        actor = UserFactory()
        first, second, third = _record(3, actor=actor)
        # then each entry carries the previous one's hash and the head follows the newest
        assert second.previous_hash == first.entry_hash
        assert third.previous_hash == second.entry_hash
        assert (third.sequence, second.sequence) == (first.sequence + 2, first.sequence + 1)
        head = AuditHead.objects.get()
        assert (head.sequence, head.entry_hash) == (third.sequence, third.entry_hash)
        assert third.actor_label == f"{actor.username} ({actor.full_name})"
        # and verify finds the chain whole
        assert audit_verify() == ChainState(
            count=third.sequence, head_sequence=third.sequence, head_hash=third.entry_hash
        )

    def test_entry_takes_its_object_from_a_model_instance(self):
        agency = AgencyFactory()
        entry = audit_record(actor=None, action="agency.create", obj=agency)
        assert (entry.object_type, entry.object_id, entry.object_label) == (
            "accounts.agency",
            str(agency.pk),
            str(agency),
        )
        assert entry.actor_label == "hệ thống"

    def test_request_id_and_ip_are_kept_as_the_database_returns_them(self):
        # given a request whose proxy sent a long-form IPv6 address
        token = _current.set(RequestContext(request_id="req-1", ip="2001:0db8:0000::0001"))
        try:
            entry = audit_record(actor=None, action="x.y", object_type="t", object_id="1")
            garbage = _current.set(RequestContext(request_id="req-2", ip="not an address"))
            try:
                second = audit_record(actor=None, action="x.y", object_type="t", object_id="2")
            finally:
                _current.reset(garbage)
        finally:
            _current.reset(token)
        # then what is hashed is what is stored, and a bad header is dropped, not a 500
        assert (entry.request_id, entry.ip) == ("req-1", "2001:db8::1")
        assert second.ip is None
        assert isinstance(audit_verify(), ChainState)

    def test_a_moment_in_another_offset_still_verifies(self):
        hanoi = timezone(timedelta(hours=7))
        audit_record(
            actor=None,
            action="x.y",
            object_type="t",
            object_id="1",
            occurred_at=datetime(2026, 11, 23, 9, 30, 0, 123456, tzinfo=hanoi),
        )
        assert isinstance(audit_verify(), ChainState)

    def test_deleting_the_user_leaves_the_entries_intact(self):
        actor = UserFactory()
        _record(2, actor=actor)
        actor.delete()
        assert isinstance(audit_verify(), ChainState)
        assert AuditEntry.objects.filter(actor_label__startswith=actor.username).count() == 2

    def test_a_rolled_back_change_leaves_no_entry(self):
        before = AuditHead.objects.filter(pk=1).values_list("sequence", flat=True).first()
        with pytest.raises(RuntimeError), transaction.atomic():
            _record(1)
            raise RuntimeError
        assert AuditHead.objects.filter(pk=1).values_list("sequence", flat=True).first() == before
        assert isinstance(audit_verify(), ChainState)

    def test_an_edited_entry_is_named(self):
        # given a whole chain
        _, middle, _ = _record(3)
        # when someone edits one entry's changes in the database
        with _database_owner():
            AuditEntry.objects.filter(pk=middle.pk).update(changes={"name": ["cũ", "sửa"]})
        # then verify names that entry and why
        broken = audit_verify()
        assert broken == ChainBreak(
            middle.sequence, "nội dung bản ghi đã bị sửa", middle.occurred_at
        )

    def test_a_deleted_middle_entry_is_named(self):
        _, middle, last = _record(3)
        with _database_owner():
            AuditEntry.objects.filter(pk=middle.pk).delete()
        broken = audit_verify()
        assert broken.sequence == middle.sequence
        assert broken.reason == (
            f"thiếu bản ghi số {middle.sequence} (bản ghi tiếp theo là số {last.sequence})"
        )

    def test_a_tampered_previous_hash_is_named(self):
        _, middle, _ = _record(3)
        with _database_owner():
            AuditEntry.objects.filter(pk=middle.pk).update(previous_hash="f" * 64)
        broken = audit_verify()
        assert (broken.sequence, broken.reason) == (
            middle.sequence,
            "mã băm của bản ghi trước không khớp",
        )

    def test_a_cut_tail_is_named(self):
        # given a chain whose newest entries are deleted: what is left is a valid chain
        _, second, third = _record(3)
        with _database_owner():
            AuditEntry.objects.filter(sequence__gte=second.sequence).delete()
        # then the head row still knows how long it was
        broken = audit_verify()
        assert (broken.sequence, broken.reason) == (
            second.sequence,
            f"thiếu các bản ghi cuối, từ số {second.sequence} đến số {third.sequence}",
        )
        # and later entries keep the break visible
        _record(1)
        assert audit_verify().sequence == second.sequence

    def test_an_entry_appended_behind_the_head_is_named(self):
        (last,) = _record(1)
        forged = AuditEntry(
            sequence=last.sequence + 1,
            occurred_at=last.occurred_at,
            actor_label="x",
            action="forged",
            object_type="t",
            object_id="1",
            object_label="x",
            previous_hash=last.entry_hash,
        )
        forged.entry_hash = compute_hash(forged)
        forged.save(force_insert=True)
        broken = audit_verify()
        assert (broken.sequence, broken.reason) == (
            forged.sequence,
            "điểm cuối của chuỗi không khớp với bản ghi mới nhất",
        )

    def test_a_lost_head_is_rebuilt_by_the_next_entry(self):
        # given a database restored without the head row
        _, second = _record(2)
        with _database_owner():
            AuditHead.objects.all().delete()
        assert audit_verify().reason == "mất bản ghi điểm cuối của chuỗi (AuditHead)"
        # when the next change is recorded, the chain continues from the newest entry
        (third,) = _record(1)
        assert (third.sequence, third.previous_hash) == (second.sequence + 1, second.entry_hash)
        assert isinstance(audit_verify(), ChainState)


@pytest.mark.django_db
@PG_ONLY
class TestDatabaseGuard:
    def test_postgresql_refuses_to_update_or_delete_entries(self):
        (entry,) = _record(1)
        with pytest.raises(IntegrityError), transaction.atomic():
            AuditEntry.objects.filter(pk=entry.pk).update(action="sửa")
        with pytest.raises(IntegrityError), transaction.atomic():
            AuditEntry.objects.filter(pk=entry.pk).delete()

    def test_postgresql_keeps_the_head_moving_forward(self):
        _record(2)
        with pytest.raises(IntegrityError), transaction.atomic():
            AuditHead.objects.update(sequence=1)
        with pytest.raises(IntegrityError), transaction.atomic():
            AuditHead.objects.all().delete()


@pytest.mark.django_db
class TestVerifyCommand:
    def test_whole_chain_prints_the_count_and_exits_0(self, capsys):
        entries = _record(2)
        call_command("audit", "verify")
        lines = capsys.readouterr().out.splitlines()
        assert lines[0] == f"Nhật ký toàn vẹn: {entries[-1].sequence} bản ghi"
        assert lines[1].startswith(f"Bản ghi cuối: số {entries[-1].sequence}, mã băm ")

    def test_broken_chain_names_the_entry_its_time_and_exits_1(self):
        (entry,) = _record(1)
        with _database_owner():
            AuditEntry.objects.filter(pk=entry.pk).update(object_label="khác")
        with pytest.raises(CommandError) as raised:
            call_command("audit", "verify")
        assert raised.value.returncode == 1
        message = str(raised.value)
        assert f"bản ghi số {entry.sequence}" in message
        assert "nội dung bản ghi đã bị sửa" in message
        local = entry.occurred_at.astimezone(timezone(timedelta(hours=7)))
        assert f"lúc {local:%d/%m/%Y %H:%M:%S}" in message


@pytest.mark.django_db(transaction=True)
def test_concurrent_records_from_two_threads_form_one_chain():
    # given two threads, each with its own connection, recording at the same time
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def record_one() -> None:
        for _ in range(500):
            try:
                with transaction.atomic():
                    _record(1)
                return
            except OperationalError as exc:
                # The in-memory SQLite test database shares one cache between connections: a
                # writer meeting another's lock fails at once ("table is locked") where a file
                # database (as in production) waits. Either way it never writes a half chain.
                if connection.vendor != "sqlite" or "locked" not in str(exc):
                    raise
                time.sleep(0.002)
        raise AssertionError("the audit chain stayed locked")

    def work() -> None:
        try:
            start.wait()
            for _ in range(10):
                record_one()
        except BaseException as exc:  # reported to the main thread below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then every entry got its own sequence and the chain is whole
    assert errors == []
    assert audit_verify() == ChainState(
        count=20,
        head_sequence=20,
        head_hash=AuditEntry.objects.get(sequence=20).entry_hash,
    )
