"""Reads of the personal data store, already limited to what the asking user may see: an owner
sees their own documents, anyone holding a live share link sees that one document."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from motcua.catalog.models import RequiredDocument
from motcua.core.errors import NotFound
from motcua.core.text import search_key
from motcua.dossiers.models import Attachment, StoredDocument, StoredKind, StoreShareLink
from motcua.dossiers.models_store import REUSED_PREFIX, share_token_hash
from motcua.dossiers.selectors import REUSABLE_LIMIT, attachment_list_reusable

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")
SHARE_GONE_MESSAGE = gettext_noop(
    "Liên kết chia sẻ không tồn tại, đã hết hạn hoặc đã bị chủ giấy tờ thu hồi."
)


def store_documents_of(*, owner) -> QuerySet[StoredDocument]:
    """The owner's documents (not those they deleted), newest first."""
    if owner is None or not getattr(owner, "is_authenticated", False):
        return StoredDocument.objects.none()
    return (
        StoredDocument.objects.filter(owner=owner, deleted_at__isnull=True)
        .select_related("source_dossier")
        .order_by("-created_at", "-pk")
    )


def store_document_get_own(*, user, pk: int) -> StoredDocument:
    document = store_documents_of(owner=user).filter(pk=pk).first()
    if document is None:
        raise NotFound(_("Không tìm thấy giấy tờ này trong kho dữ liệu của bạn."), field="document")
    return document


def store_link_get_own(*, user, pk: int) -> StoreShareLink:
    link = (
        StoreShareLink.objects.filter(pk=pk, document__owner=user, created_by=user)
        .select_related("document")
        .first()
        if getattr(user, "is_authenticated", False)
        else None
    )
    if link is None:
        raise NotFound(_("Không tìm thấy liên kết chia sẻ này."), field="link")
    return link


def store_links_active(*, owner, documents: list[StoredDocument]) -> dict[int, list]:
    """The live share links of each of `documents`, newest first."""
    links: dict[int, list[StoreShareLink]] = {}
    if not documents:
        return links
    for link in StoreShareLink.objects.filter(
        document__in=[document.pk for document in documents],
        document__owner=owner,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).order_by("-created_at", "-pk"):
        links.setdefault(link.document_id, []).append(link)
    return links


def store_result_states(*, documents: list[StoredDocument]) -> dict[int, object]:
    """The results app's Result of each stored result (status, verification token), by id;
    empty when that app is not installed."""
    ids = [document.result_id for document in documents if document.result_id]
    if not ids:
        return {}
    try:
        from motcua.results.models import Result
    except ImportError:
        return {}
    return {
        result.pk: result
        for result in Result.objects.filter(pk__in=ids).only("pk", "status", "verify_token")
    }


def store_share_get(*, token: str) -> StoreShareLink:
    """The live share link with this token; NotFound for anything else, with one message."""
    link = None
    if _TOKEN.match(token or ""):
        link = (
            StoreShareLink.objects.filter(
                token_hash=share_token_hash(token),
                revoked_at__isnull=True,
                expires_at__gt=timezone.now(),
                document__deleted_at__isnull=True,
            )
            .select_related("document")
            .first()
        )
    if link is None:
        raise NotFound(_(SHARE_GONE_MESSAGE), field="token")
    return link


# --- Reuse in a submission ---------------------------------------------------------------------


@dataclass
class ReuseChoices:
    """What the submission page offers for one required document: stored documents of the same
    type first, the rest of the store, and earlier uploads not (yet) in the store."""

    matching: list[StoredDocument] = field(default_factory=list)
    others: list[StoredDocument] = field(default_factory=list)
    earlier: list[Attachment] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.matching or self.others or self.earlier)


def _same_type(stored_key: str, wanted_key: str) -> bool:
    # "giay chung nhan quyen su dung dat" matches "ban sao giay chung nhan quyen su dung dat".
    return bool(stored_key and wanted_key) and (
        stored_key in wanted_key or wanted_key in stored_key
    )


def store_reuse_choices(
    *, owner, documents: list[RequiredDocument], today: date | None = None
) -> dict[int, ReuseChoices]:
    """For each required document that may be reused, the owner's stored documents still valid
    `today` and their earlier uploads; {} when there is nothing to offer."""
    reusable = [document for document in documents if document.reusable_from_data_store]
    if owner is None or not reusable:
        return {}
    today = today or timezone.localdate()
    stored = list(
        store_documents_of(owner=owner).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=today)
        )[:REUSABLE_LIMIT]
    )
    # A result since replaced or revoked is no longer a paper anyone may rely on.
    results = store_result_states(documents=stored)
    stored = [
        s
        for s in stored
        if s.result_id is None or getattr(results.get(s.result_id), "status", "valid") == "valid"
    ]
    # Whatever the store holds or held (expired, deleted by the owner) is not offered again as
    # an earlier upload.
    in_store = set(StoredDocument.objects.filter(owner=owner).values_list("sha256", flat=True))
    earlier = [a for a in attachment_list_reusable(owner=owner) if a.sha256 not in in_store]
    choices = {}
    for document in reusable:
        wanted = search_key(document.name)
        matching = [s for s in stored if _same_type(s.document_type_key, wanted)]
        chosen = {s.pk for s in matching}
        choices[document.pk] = ReuseChoices(
            matching=matching,
            others=[s for s in stored if s.pk not in chosen],
            earlier=earlier,
        )
    return choices


def stored_id_of(attachment: Attachment) -> int | None:
    """The stored document an attachment was taken from ("store:<id>"), if any."""
    value = attachment.reused_from or ""
    if not value.startswith(REUSED_PREFIX):
        return None
    number = value[len(REUSED_PREFIX) :]
    return int(number) if number.isdigit() else None


def store_sources_for(*, attachments: list[Attachment]) -> dict[int, StoredDocument]:
    """The stored document each reused attachment came from, by attachment id."""
    wanted = {a.pk: stored_id_of(a) for a in attachments if stored_id_of(a) is not None}
    if not wanted:
        return {}
    found = StoredDocument.objects.in_bulk(set(wanted.values()))
    return {pk: found[stored] for pk, stored in wanted.items() if stored in found}


def store_certified_for(*, attachments: list[Attachment]) -> dict[int, StoredDocument]:
    """The certified e-copy made from each attachment, by attachment id."""
    ids = [attachment.pk for attachment in attachments]
    if not ids:
        return {}
    return {
        document.source_attachment_id: document
        for document in StoredDocument.objects.filter(
            kind=StoredKind.CERTIFIED_COPY, source_attachment_id__in=ids
        ).select_related("certified_by")
    }
