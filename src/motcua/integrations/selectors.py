"""Reads of inter-agency transfers, already filtered to what the asking staff member may see:
requests to the agencies they work at, and transfers of the dossiers of agencies in their scope."""

from __future__ import annotations

from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from motcua.accounts.selectors import agency_scope_ids, is_staff_user, staff_roles
from motcua.core.errors import NotFound
from motcua.integrations.adapters import adapters
from motcua.integrations.models import InterAgencyTransfer

Status = InterAgencyTransfer.Status
_RELATED = (
    "dossier__agency",
    "dossier__procedure_version__procedure",
    "target_agency",
    "step",
    "answered_by",
)


def _working_agency_ids(user) -> set[int]:
    """The agencies `user` works at (their own and those of their units): they answer for
    these, not for every agency they may read."""
    ids = set(staff_roles(user).values_list("unit__agency_id", flat=True))
    if user.agency_id:
        ids.add(user.agency_id)
    return ids


def transfer_list_incoming(*, user) -> QuerySet[InterAgencyTransfer]:
    """Requests from other agencies of this installation to the agencies `user` works at,
    waiting ones first, then the most recently answered."""
    if not is_staff_user(user):
        return InterAgencyTransfer.objects.none()
    answered_by_staff = [name for name, adapter in adapters().items() if adapter.answered_by_staff]
    return (
        InterAgencyTransfer.objects.filter(
            adapter__in=answered_by_staff,
            target_agency_id__in=_working_agency_ids(user),
            status__in=[Status.SENT, Status.COMPLETED],
        )
        .select_related(*_RELATED)
        .order_by(F("completed_at").desc(nulls_first=True), "-sent_at", "-pk")
    )


def transfer_list_outgoing(*, user) -> QuerySet[InterAgencyTransfer]:
    """Transfers of the dossiers of agencies in `user`'s scope, newest first."""
    if not is_staff_user(user):
        return InterAgencyTransfer.objects.none()
    scope = agency_scope_ids(user)
    transfers = InterAgencyTransfer.objects.select_related(*_RELATED)
    if scope is not None:
        transfers = transfers.filter(dossier__agency_id__in=scope)
    return transfers.order_by("-created_at", "-pk")


def transfer_get(*, user, pk: int) -> InterAgencyTransfer:
    """A transfer `user` sees as incoming or outgoing; NotFound otherwise."""
    transfer = (
        (transfer_list_incoming(user=user) | transfer_list_outgoing(user=user))
        .filter(Q(pk=pk))
        .first()
    )
    if transfer is None:
        raise NotFound(_("Không tìm thấy yêu cầu liên thông."), field="transfer")
    return transfer
