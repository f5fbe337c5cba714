"""Reads of the procedure catalogue: public search and the published procedure's full content.

The catalogue is public: these return only active procedures with a published version. Search
matches every token of the query (any order, without diacritics) against the procedure's
denormalised `search_document`, and ranks an exact code, then a name that starts with the
query, before the rest. Every list runs a fixed number of queries whatever its length.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Length, StrIndex
from django.urls import reverse
from django.utils.translation import gettext as _

from motcua.accounts.models import Agency
from motcua.catalog.models import (
    Field,
    Procedure,
    ProcedureVersion,
    ProcessDefinition,
    ProcessStep,
    RequiredDocument,
)
from motcua.core.errors import NotFound
from motcua.core.text import search_key

# A query longer than this is cut: no procedure name is longer, and it bounds the work.
MAX_QUERY_LENGTH = 200
MAX_QUERY_TOKENS = 12


@dataclass(frozen=True)
class CatalogFilters:
    """What a person asked the catalogue for; every part optional."""

    query: str = ""
    field: str = ""
    agency: str = ""
    level: int | None = None
    agency_level: str = ""


def _published() -> QuerySet[Procedure]:
    return Procedure.objects.filter(is_active=True, current_version__isnull=False).select_related(
        "field", "current_version", "current_version__agency"
    )


def _printable(value: str, *, limit: int = MAX_QUERY_LENGTH) -> str:
    """Without control characters: PostgreSQL refuses a NUL in a string parameter, and no code,
    name or query needs one."""
    return "".join(ch for ch in value[:limit] if unicodedata.category(ch)[0] != "C")


def query_tokens(query: str) -> list[str]:
    """The search keys of the words of a query, without repeats, in typing order."""
    tokens = search_key(_printable(query)).split()
    return list(dict.fromkeys(tokens))[:MAX_QUERY_TOKENS]


def procedure_search(filters: CatalogFilters) -> QuerySet[Procedure]:
    """Published procedures matching the filters, best matches first."""
    procedures = _published()
    if filters.field:
        procedures = procedures.filter(field__code=_printable(filters.field))
    if filters.agency:
        procedures = procedures.filter(current_version__agency__code=_printable(filters.agency))
    if filters.level is not None:
        procedures = procedures.filter(current_version__service_level=filters.level)
    if filters.agency_level:
        procedures = procedures.filter(
            current_version__agency_level=_printable(filters.agency_level)
        )
    tokens = query_tokens(filters.query)
    if not tokens:
        return procedures.order_by("field__sort_order", "field__name", "code")
    for token in tokens:
        # Both sides are lower-case ASCII: `contains` avoids the UPPER() of icontains.
        procedures = procedures.filter(search_document__contains=token)
    phrase = " ".join(tokens)
    rank = Case(
        When(code=_printable(filters.query).strip(), then=Value(0)),
        When(
            Q(search_name__startswith=phrase) | Q(search_name__contains=f"|{phrase}"), then=Value(1)
        ),
        When(search_name__contains=phrase, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    # Within a rank, the phrase earlier in the name, then the shorter (more specific) name.
    return procedures.annotate(
        rank=rank,
        position=StrIndex("search_name", Value(phrase)),
        name_length=Length("search_name"),
    ).order_by("rank", "position", "name_length", "code")


def field_list() -> QuerySet[Field]:
    return Field.objects.order_by("sort_order", "name")


def agency_list_with_procedures() -> QuerySet[Agency]:
    """Agencies that implement at least one published procedure, for the agency filter."""
    return (
        Agency.objects.filter(
            procedure_versions__status=ProcedureVersion.Status.PUBLISHED,
            procedure_versions__procedure__is_active=True,
        )
        .distinct()
        .order_by("name")
    )


def procedure_get_published(*, code: str) -> Procedure:
    """A published procedure with everything its page and API show: documents, fees and form.
    Raises NotFound (404) for an unknown, inactive or never-published code."""
    procedure = (
        _published()
        .select_related("current_version__form_template")
        .prefetch_related(
            Prefetch(
                "current_version__documents",
                queryset=RequiredDocument.objects.order_by("order", "id"),
            ),
            "current_version__fees",
        )
        .filter(code=_printable(code, limit=64))
        .first()
    )
    if procedure is None:
        raise NotFound(
            _("Không tìm thấy thủ tục có mã %(code)s.") % {"code": _printable(code, limit=64)},
            field="code",
        )
    return procedure


def required_document_get_template(*, code: str, document_id: int) -> RequiredDocument:
    """A blank template of a version that is or was public (never of a draft)."""
    if not 0 < document_id < 2**63:
        raise NotFound(_("Không tìm thấy mẫu đơn này."), field="document")
    document = (
        RequiredDocument.objects.filter(
            pk=document_id,
            version__procedure__code=_printable(code, limit=64),
            version__status__in=[
                ProcedureVersion.Status.PUBLISHED,
                ProcedureVersion.Status.RETIRED,
            ],
        )
        .exclude(template="")
        .first()
    )
    if document is None:
        raise NotFound(_("Không tìm thấy mẫu đơn này."), field="document")
    return document


def online_submission_url(procedure: Procedure) -> str | None:
    """Where to start an online dossier for this procedure, or None when its service level does
    not allow online submission."""
    if not procedure.current_version.allows_online:
        return None
    return reverse("dossiers:submit", kwargs={"code": procedure.code})


# --- Internal processes ------------------------------------------------------------------------


def process_definition_published(*, procedure_id: int, agency_id: int) -> ProcessDefinition | None:
    """The internal process a dossier of this procedure received by this agency follows now."""
    return (
        ProcessDefinition.objects.filter(
            procedure_id=procedure_id,
            agency_id=agency_id,
            status=ProcessDefinition.Status.PUBLISHED,
        )
        .prefetch_related("steps")
        .first()
    )


def process_steps(*, definition_id: int) -> list[ProcessStep]:
    """The steps of a definition in order, with their units."""
    return list(
        ProcessStep.objects.filter(definition_id=definition_id)
        .select_related("unit", "transfer_agency")
        .order_by("position")
    )
