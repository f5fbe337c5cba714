"""Reads of dossiers and attachments, already filtered to what the asking user may see.

Visibility: a person sees the dossiers they own (`owner`) or created (a counter officer); staff
also see the submitted dossiers of the agencies in their scope (accounts.selectors.agency_scope).
A draft is private to its owner and creator. Anything else answers 404, never 403, so that a
code's existence is not revealed.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Max, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from motcua.accounts.models import Role, StaffRole, User
from motcua.accounts.selectors import agency_scope_ids, is_staff_user, staff_roles
from motcua.catalog.models import Channel, Procedure, RequiredDocument
from motcua.catalog.selectors import query_tokens
from motcua.core.errors import NotFound
from motcua.dossiers.codes import normalize_code
from motcua.dossiers.models import Attachment, AttachmentKind, Dossier, Status
from motcua.dossiers.tracking import (
    OwnDossierFilters,
    StatusGroup,
    dossier_tracking_queryset,
    event_action_label,
)

# How many earlier files the "reuse" picker offers.
REUSABLE_LIMIT = 50


def _visibility(user) -> Q | None:
    """The condition on Dossier for `user`; None when they may see nothing."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    mine = Q(owner=user) | Q(created_by=user)
    if not is_staff_user(user):
        return mine
    scope = agency_scope_ids(user)
    submitted = ~Q(status=Status.DRAFT)
    if scope is None:
        return mine | submitted
    return mine | (submitted & Q(agency_id__in=scope))


def dossier_list_visible_to(*, user) -> QuerySet[Dossier]:
    """Every dossier `user` may open (drafts only their own)."""
    condition = _visibility(user)
    if condition is None:
        return Dossier.objects.none()
    return Dossier.objects.filter(condition)


def dossier_get_visible_to(*, user, code: str) -> Dossier:
    """The submitted dossier with this code, if `user` may see it; NotFound otherwise."""
    wanted = normalize_code(code)[:40]
    dossier = (
        dossier_list_visible_to(user=user)
        .filter(code=wanted)
        .select_related(
            "procedure_version__procedure",
            "procedure_version__agency",
            "agency",
            "applicant_commune__province",
            "owner",
        )
        .first()
        if wanted
        else None
    )
    if dossier is None:
        raise NotFound(_("Không tìm thấy hồ sơ có mã này."), field="code")
    return dossier


def dossier_list_own(*, user) -> QuerySet[Dossier]:
    """The submitted dossiers `user` applied for or recorded, newest first, ready to list."""
    if user is None or not user.is_authenticated:
        return Dossier.objects.none()
    return (
        Dossier.objects.filter(Q(owner=user) | Q(created_by=user))
        .exclude(status=Status.DRAFT)
        .select_related("procedure_version__procedure", "agency")
        .order_by("-submitted_at", "-pk")
    )


def dossier_draft_list(*, user) -> QuerySet[Dossier]:
    """The drafts `user` may go on with: their own online drafts and the ones they created."""
    if user is None or not user.is_authenticated:
        return Dossier.objects.none()
    return (
        Dossier.objects.filter(status=Status.DRAFT)
        .filter(Q(owner=user, channel=Channel.ONLINE) | Q(created_by=user))
        .select_related("procedure_version__procedure", "agency")
        .order_by("-updated_at", "-pk")
    )


def dossier_draft_get_editable(*, user, pk: int) -> Dossier:
    """A draft that `user` may edit, with what its page needs; NotFound otherwise."""
    dossier = (
        dossier_draft_list(user=user)
        .select_related(
            "procedure_version__form_template",
            "procedure_version__agency",
            "applicant_commune__province",
            "owner",
        )
        .filter(pk=pk)
        .first()
    )
    if dossier is None:
        raise NotFound(_("Không tìm thấy bản nháp này."), field="dossier")
    return dossier


def dossier_draft_for_procedure(*, owner, procedure: Procedure) -> Dossier | None:
    """The owner's latest online draft of the procedure's current version, to resume it."""
    return (
        Dossier.objects.filter(
            owner=owner,
            created_by=owner,
            channel=Channel.ONLINE,
            status=Status.DRAFT,
            procedure_version=procedure.current_version,
        )
        .order_by("-updated_at", "-pk")
        .first()
    )


def dossier_attachments(
    *, dossier: Dossier, kinds: Iterable[str] | None = None
) -> list[Attachment]:
    """The dossier's files, oldest first; only those of `kinds` (AttachmentKind) when given."""
    attachments = dossier.attachments.select_related("required_document")
    if kinds is not None:
        attachments = attachments.filter(kind__in=list(kinds))
    return list(attachments.order_by("uploaded_at", "pk"))


def dossier_total_size(*, dossier: Dossier) -> int:
    """The bytes of all files of a dossier (a reused file counts: it is part of the dossier)."""
    return dossier.attachments.aggregate(total=Sum("size"))["total"] or 0


def required_documents(*, dossier: Dossier) -> list[RequiredDocument]:
    return list(dossier.procedure_version.documents.order_by("order", "id"))


def attachment_get_visible_to(*, user, pk: int) -> Attachment:
    """An attachment whose dossier `user` may see, or one they uploaded and not yet attached.
    An applicant sees the files they submitted, and the result's files once it is returned;
    never the officers' inspection minutes."""
    condition = _visibility(user)
    attachment = None
    if condition is not None:
        visible = Dossier.objects.filter(condition).values("pk")
        attachment = (
            Attachment.objects.filter(
                Q(dossier__in=visible) | Q(dossier__isnull=True, uploaded_by=user), pk=pk
            )
            .select_related("dossier")
            .first()
        )
    if attachment is None or not _applicant_may_open(user, attachment):
        raise NotFound(_("Không tìm thấy tệp này."), field="file")
    return attachment


def _applicant_may_open(user, attachment: Attachment) -> bool:
    if is_staff_user(user) or attachment.kind == AttachmentKind.DOCUMENT:
        return True
    return attachment.kind == AttachmentKind.RESULT and attachment.dossier.status == Status.RETURNED


def attachment_list_reusable(*, owner) -> list[Attachment]:
    """The applicant's files in their submitted dossiers (the data store, for now), newest
    first, one per distinct content."""
    if owner is None:
        return []
    candidates = (
        Attachment.objects.filter(dossier__owner=owner)
        .filter(
            Q(kind=AttachmentKind.DOCUMENT)
            | Q(kind=AttachmentKind.RESULT, dossier__status=Status.RETURNED)
        )
        .exclude(dossier__status=Status.DRAFT)
        .select_related("dossier", "required_document")
        .order_by("-uploaded_at", "-pk")[: REUSABLE_LIMIT * 4]
    )
    seen: set[str] = set()
    reusable = []
    for attachment in candidates:
        if attachment.sha256 in seen:
            continue
        seen.add(attachment.sha256)
        reusable.append(attachment)
    return reusable[:REUSABLE_LIMIT]


def attachment_get_reusable(*, owner, pk: int) -> Attachment:
    attachment = (
        Attachment.objects.filter(pk=pk, dossier__owner=owner)
        .exclude(dossier__status=Status.DRAFT)
        .select_related("dossier")
        .first()
        if owner is not None
        else None
    )
    if attachment is None:
        raise NotFound(_("Không tìm thấy giấy tờ này trong kho dữ liệu của bạn."), field="reuse")
    return attachment


def counter_agencies(*, user) -> list[int]:
    """Ids of the agencies where `user` is a receiving officer."""
    return sorted(
        set(
            staff_roles(user)
            .filter(role=Role.RECEIVING_OFFICER)
            .values_list("unit__agency_id", flat=True)
        )
    )


def counter_procedures(*, user) -> QuerySet[Procedure]:
    """Published procedures that `user` may record at the counter or from the post."""
    agencies = counter_agencies(user=user)
    return (
        Procedure.objects.filter(
            is_active=True,
            current_version__isnull=False,
            current_version__agency_id__in=agencies,
        )
        .select_related("current_version", "current_version__agency")
        .order_by("code")
    )


def applicant_account_find(*, user, identifier: str) -> User | None:
    """The citizen or organisation account with this ID number, tax code or phone, for a
    receiving officer linking a counter dossier to it; None when none or when `user` is no
    receiving officer."""
    value = "".join((identifier or "").split())[:20]
    if (
        not value
        or not StaffRole.objects.filter(
            user=user, role=Role.RECEIVING_OFFICER, unit__is_active=True
        ).exists()
    ):
        return None
    phone = value
    if phone.startswith("+84"):
        phone = "0" + phone[3:]
    return (
        User.objects.filter(kind__in=[User.Kind.CITIZEN, User.Kind.ORGANISATION], is_active=True)
        .filter(Q(personal_id=value) | Q(tax_code=value) | Q(phone=phone))
        .select_related("commune__province")
        .first()
    )


# --- "Hồ sơ của tôi" (tracking) -------------------------------------------------------------


def dossier_list_mine(*, user, filters: OwnDossierFilters) -> QuerySet[Dossier]:
    """The submitted dossiers `user` owns (not those an officer recorded for someone else),
    filtered by status group, procedure, year and a diacritic-free search of code or name."""
    dossiers = dossier_list_own(user=user).filter(owner=user)
    if filters.group:
        dossiers = dossiers.filter(status__in=StatusGroup.members.get(filters.group, ()))
    if filters.procedure:
        dossiers = dossiers.filter(procedure_version__procedure__code=filters.procedure)
    if filters.year:
        dossiers = dossiers.filter(submitted_at__year=filters.year)
    tokens = query_tokens(filters.query)
    if tokens:
        by_name = Q()
        for token in tokens:
            by_name &= Q(procedure_version__procedure__search_name__contains=token)
        code = normalize_code(filters.query)[:40]
        dossiers = dossiers.filter(by_name | Q(code__contains=code))
    return dossiers


def dossier_mine_filter_options(*, user) -> tuple[list[tuple[str, str]], list[int]]:
    """The procedures (code, name) and the years the owner has dossiers in, for the filters."""
    mine = dossier_list_own(user=user).filter(owner=user).order_by()
    procedures = (
        mine.values("procedure_version__procedure__code")
        .annotate(name=Max("procedure_version__name"))
        .order_by("name")
    )
    years = mine.dates("submitted_at", "year", order="DESC")
    return (
        [(row["procedure_version__procedure__code"], row["name"]) for row in procedures],
        [moment.year for moment in years],
    )


def dossier_get_mine(*, user, code: str) -> Dossier:
    """A submitted dossier `user` owns, with what its tracking page shows; NotFound for
    anyone else (the same answer as for a code that does not exist)."""
    dossier = None
    if user is not None and user.is_authenticated:
        dossier = (
            dossier_tracking_queryset()
            .filter(owner=user, code=normalize_code(code)[:40])
            .order_by()
            .first()
        )
    if dossier is None:
        raise NotFound(_("Không tìm thấy hồ sơ có mã này trong hồ sơ của bạn."), field="code")
    return dossier


# --- History -----------------------------------------------------------------------------------


def dossier_history_for(*, dossier: Dossier, user) -> list[dict]:
    """The dossier's events for `user`: every event with notes and actors for staff of its
    agency, the public events without internal notes for the applicant."""
    staff = is_staff_user(user)
    events = dossier.events.select_related("actor").order_by("occurred_at", "pk")
    if not staff:
        events = events.filter(is_public=True)
    return [
        {
            "occurred_at": event.occurred_at,
            "action": event.action,
            "action_label": event_action_label(event.action, event.to_status),
            "from_status": event.from_status,
            "to_status": event.to_status,
            "status_label": str(Status(event.to_status).label),
            "actor": (event.actor.full_name if event.actor else None) if staff else None,
            "note": event.note if staff or event.action in _APPLICANT_NOTES else "",
            "data": event.data if staff else {},
        }
        for event in events
    ]


# Events whose note is written for the applicant (reasons they must read).
_APPLICANT_NOTES = frozenset(
    {"refuse", "request_supplement", "stop", "apologize", "withdraw", "pause", "supplement"}
)
