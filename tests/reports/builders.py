"""Dossiers and control-sheet lines built straight with the ORM, with the timestamps a test
names (local Vietnam time), so that every statistics bucket can be set up by hand."""

from __future__ import annotations

import itertools
from datetime import datetime

from motcua.catalog.models import Channel
from motcua.core.calendar import VIETNAM
from motcua.dossiers.models import Dossier, DossierEvent, Handling, Status

_numbers = itertools.count(1)


def at(month: int, day: int, hour: int = 9, minute: int = 0, *, year: int = 2026) -> datetime:
    """A local (Asia/Ho_Chi_Minh) moment."""
    return datetime(year, month, day, hour, minute, tzinfo=VIETNAM)


def dossier(
    version,
    *,
    creator,
    status: str = Status.PROCESSING,
    channel: str = Channel.ONLINE,
    agency=None,
    submitted: datetime | None = None,
    received: datetime | None = None,
    due: datetime | None = None,
    finished: datetime | None = None,
    closed: datetime | None = None,
    events: list[tuple[datetime, str]] = (),
    **fields,
) -> Dossier:
    """A dossier of `version` with these moments. `closed`: when it was refused, withdrawn or
    stopped (its `status`); `events`: extra (moment, to status) history rows."""
    number = next(_numbers)
    submitted = submitted or received or at(1, 2)
    row = Dossier.objects.create(
        code=f"T-{number:06d}",
        procedure_version=version,
        agency=agency or version.agency,
        status=status,
        channel=channel,
        created_by=creator,
        applicant_kind="citizen",
        applicant_name=f"Người nộp {number}",
        submitted_at=submitted,
        received_at=received,
        appointment_at=due,
        finished_at=finished,
        **fields,
    )
    history = [(submitted, Status.NEW), *events]
    if received:
        history.append((received, Status.RECEIVED))
    if closed:
        history.append((closed, status))
    DossierEvent.objects.bulk_create(
        DossierEvent(dossier=row, occurred_at=moment, action="test", to_status=to_status)
        for moment, to_status in history
    )
    return row


def handling(
    row: Dossier,
    *,
    unit,
    started: datetime,
    due: datetime | None = None,
    completed: datetime | None = None,
) -> Handling:
    return Handling.objects.create(
        dossier=row, unit=unit, started_at=started, due_at=due, completed_at=completed
    )
