"""Tracking a dossier: the public lookup by code and phone (or the last 4 digits of the
applicant's ID number), its rate limits, and the status groups and filters of "Hồ sơ của tôi".

The lookup shows where a dossier stands and its public history, with nothing personal but the
applicant's initials. A wrong code and a right code with a wrong phone get the same answer
(404, same message, same database work), so the lookup cannot tell whether a code exists.
"""

from __future__ import annotations

import hmac
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache as memoize
from functools import lru_cache
from typing import Any

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import FilteredRelation, OuterRef, Q, QuerySet, Subquery
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.accounts.identifiers import normalise_phone
from motcua.accounts.models import Agency, Unit
from motcua.catalog.models import Procedure, ProcedureVersion, localized
from motcua.core.errors import InvalidInput, NotFound, TooManyRequests
from motcua.core.ratelimit import (
    Rate,
    ratelimit_enabled,
    ratelimit_enforce,
    ratelimit_hit,
    ratelimit_peek,
)
from motcua.core.text import nfc
from motcua.dossiers.codes import normalize_code
from motcua.dossiers.lifecycle import FINAL
from motcua.dossiers.models import NATIONAL_STATUS_CODE, Dossier, DossierEvent, Status

MAX_CODE_LENGTH = 40
# The stored shape, ASCII only: `\d` would also take the digits of other scripts.
_CODE = re.compile(r"[A-Z0-9][A-Z0-9.]{0,30}-[0-9]{6}-[0-9]{4,6}", re.ASCII)
_ID_LAST4 = re.compile(r"[0-9]{4}", re.ASCII)
# An organisation may have given its switchboard (a landline, 10-11 digits), as submission allows.
_LANDLINE = re.compile(r"0[0-9]{9,10}", re.ASCII)
_PHONE_NOISE = re.compile(r"[\s.\-()]")
# Dashes people paste from documents and chat apps instead of "-".
_DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−", "-"))
_AGENCY_CODES_CACHE_KEY = "dossiers:lookup:agency-codes"

# --- Labels -------------------------------------------------------------------------------

# What each history event is called in public. Services name their events with these actions;
# an unknown action is shown with the status it led to.
ACTION_LABELS: dict[str, str] = {
    "submit": gettext_lazy("Nộp hồ sơ"),
    "resubmit": gettext_lazy("Nộp bổ sung hồ sơ"),
    "supplement": gettext_lazy("Nộp bổ sung hồ sơ"),
    "receive": gettext_lazy("Tiếp nhận hồ sơ"),
    "refuse": gettext_lazy("Từ chối tiếp nhận hồ sơ"),
    "request_supplement": gettext_lazy("Yêu cầu bổ sung, hoàn thiện hồ sơ"),
    "transfer": gettext_lazy("Chuyển liên thông cơ quan khác"),
    "transfer_returned": gettext_lazy("Cơ quan liên thông đã trả lời"),
    "forward": gettext_lazy("Chuyển xử lý"),
    "start_processing": gettext_lazy("Chuyển xử lý"),
    "return_to_step": gettext_lazy("Trả lại bước trước"),
    "consult": gettext_lazy("Xin ý kiến đơn vị khác"),
    "answer_consultation": gettext_lazy("Trả lời xin ý kiến"),
    "inspect": gettext_lazy("Kiểm tra thực địa"),
    "pause": gettext_lazy("Thông báo thực hiện nghĩa vụ tài chính"),
    "resume": gettext_lazy("Hoàn thành nghĩa vụ tài chính, tiếp tục xử lý"),
    "apologize": gettext_lazy("Xin lỗi và hẹn lại ngày trả kết quả"),
    "rate": gettext_lazy("Đánh giá mức độ hài lòng"),
    "assign": gettext_lazy("Phân công xử lý"),
    "request_financial_obligation": gettext_lazy("Thông báo thực hiện nghĩa vụ tài chính"),
    "financial_obligation_fulfilled": gettext_lazy("Hoàn thành nghĩa vụ tài chính"),
    "withdraw": gettext_lazy("Rút hồ sơ theo đề nghị của người nộp"),
    "stop": gettext_lazy("Dừng xử lý hồ sơ"),
    "finish": gettext_lazy("Hoàn thành xử lý, chờ trả kết quả"),
    "return_result": gettext_lazy("Trả kết quả"),
}


def event_action_label(action: str, to_status: str) -> str:
    label = ACTION_LABELS.get(action)
    if label is not None:
        return str(label)
    return str(Status(to_status).label) if to_status in Status.values else action


def applicant_initials(name: str) -> str:
    """ "Nguyễn Văn An" -> "N.V.A.": the only trace of the applicant a lookup shows."""
    letters = [word[0].upper() for word in nfc(name or "").split() if word[:1].isalpha()]
    return "".join(f"{letter}." for letter in letters)


# --- Status groups of "Hồ sơ của tôi" and badges ------------------------------------------


class StatusGroup:
    """How an applicant reads the ten statuses: being handled, waiting for me, result, closed."""

    IN_PROGRESS = "dang-xu-ly"
    ACTION_NEEDED = "can-bo-sung"
    HAS_RESULT = "co-ket-qua"
    CLOSED = "da-ket-thuc"

    choices = [
        (IN_PROGRESS, gettext_lazy("Đang xử lý")),
        (ACTION_NEEDED, gettext_lazy("Cần bổ sung")),
        (HAS_RESULT, gettext_lazy("Đã có kết quả")),
        (CLOSED, gettext_lazy("Đã kết thúc")),
    ]
    members: dict[str, tuple[str, ...]] = {
        IN_PROGRESS: (Status.NEW, Status.RECEIVED, Status.PROCESSING),
        # The applicant must act: supplement the documents, or pay the financial obligation.
        ACTION_NEEDED: (Status.SUPPLEMENT_REQUESTED, Status.FINANCIAL_OBLIGATION),
        HAS_RESULT: (Status.DONE, Status.RETURNED),
        CLOSED: (Status.REFUSED, Status.WITHDRAWN, Status.STOPPED),
    }


_BADGE_BY_GROUP = {
    StatusGroup.IN_PROGRESS: "badge-info",
    StatusGroup.ACTION_NEEDED: "badge-warn",
    StatusGroup.HAS_RESULT: "badge-ok",
    StatusGroup.CLOSED: "badge-muted",
}
STATUS_BADGE: dict[str, str] = {
    status: _BADGE_BY_GROUP[group]
    for group, statuses in StatusGroup.members.items()
    for status in statuses
}


def status_badge(status: str) -> str:
    return STATUS_BADGE.get(status, "badge-muted")


# --- Names of agencies and procedures, cached ---------------------------------------------

# The lookup shows an agency's and a procedure's names, which change rarely (a published
# procedure version never): each process keeps them for LABELS_SECONDS, and forgets them at
# once when it saves an agency, a unit or a procedure (another process within LABELS_SECONDS).
LABELS_SECONDS = 300


@dataclass(frozen=True)
class AgencyLabels:
    code: str
    name: str
    name_en: str
    one_stop_desk: str | None

    @property
    def display_name(self) -> str:
        return localized(self.name, self.name_en)


@dataclass(frozen=True)
class VersionLabels:
    procedure_code: str
    name: str
    name_en: str

    @property
    def display_name(self) -> str:
        return localized(self.name, self.name_en)


@lru_cache(maxsize=2048)
def _agency_labels(agency_id: int, _period: int) -> AgencyLabels:
    desk = (
        Unit.objects.filter(agency=OuterRef("pk"), is_one_stop_desk=True, is_active=True)
        .order_by("code")
        .values("name")[:1]
    )
    code, name, name_en, one_stop_desk = (
        Agency.objects.filter(pk=agency_id)
        .annotate(desk=Subquery(desk))
        .values_list("code", "name", "name_en", "desk")
        .get()
    )
    return AgencyLabels(code=code, name=name, name_en=name_en, one_stop_desk=one_stop_desk)


@lru_cache(maxsize=4096)
def _version_labels(version_id: int, _period: int) -> VersionLabels:
    code, name, name_en = (
        ProcedureVersion.objects.filter(pk=version_id)
        .values_list("procedure__code", "name", "name_en")
        .get()
    )
    return VersionLabels(procedure_code=code, name=name, name_en=name_en)


def agency_labels(agency_id: int) -> AgencyLabels:
    return _agency_labels(agency_id, int(time.monotonic() // LABELS_SECONDS))


def version_labels(version_id: int) -> VersionLabels:
    return _version_labels(version_id, int(time.monotonic() // LABELS_SECONDS))


@receiver([post_save, post_delete], sender=Agency)
@receiver([post_save, post_delete], sender=Unit)
def _forget_agency_labels(**kwargs) -> None:
    _agency_labels.cache_clear()
    _unit_label.cache_clear()
    cache.delete(_AGENCY_CODES_CACHE_KEY)


@receiver([post_save, post_delete], sender=ProcedureVersion)
@receiver([post_save, post_delete], sender=Procedure)
def _forget_version_labels(**kwargs) -> None:
    _version_labels.cache_clear()


# --- The current step's unit --------------------------------------------------------------


@dataclass(frozen=True)
class DossierPlace:
    """What decides which unit holds a dossier: its status, agency and procedure version."""

    pk: int
    status: str
    agency_id: int
    procedure_version_id: int
    current_unit_id: int | None = None

    @classmethod
    def of(cls, dossier: Dossier) -> DossierPlace:
        return cls(
            pk=dossier.pk,
            status=dossier.status,
            agency_id=dossier.agency_id,
            procedure_version_id=dossier.procedure_version_id,
            current_unit_id=dossier.current_unit_id,
        )


@lru_cache(maxsize=4096)
def _unit_label(unit_id: int, _period: int) -> tuple[str, str]:
    return Unit.objects.filter(pk=unit_id).values_list("name", "name_en").get()


def _step_unit(place: DossierPlace) -> str | None:
    """The unit the back office handed the dossier to (dossiers/backoffice.py)."""
    if place.current_unit_id is None:
        return None
    name, name_en = _unit_label(place.current_unit_id, int(time.monotonic() // LABELS_SECONDS))
    return localized(name, name_en)


# Functions that name the unit now holding a dossier, or None when they do not know; when none
# answers, the agency's one-stop desk.
CurrentUnitResolver = Callable[[DossierPlace], str | None]
current_unit_resolvers: list[CurrentUnitResolver] = [_step_unit]


def dossier_current_unit(place: DossierPlace) -> str | None:
    """The unit handling the dossier now; None once it is closed (refused, withdrawn, stopped,
    result returned)."""
    if place.status in FINAL:
        return None
    for resolver in current_unit_resolvers:
        name = resolver(place)
        if name:
            return name
    return agency_labels(place.agency_id).one_stop_desk or _("Bộ phận một cửa")


def dossier_tracking_queryset() -> QuerySet[Dossier]:
    """Submitted dossiers with the procedure and agency that tracking pages show."""
    return Dossier.objects.exclude(status=Status.DRAFT).select_related(
        "procedure_version__procedure", "agency"
    )


# --- Public lookup ------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicEvent:
    occurred_at: datetime
    action: str
    action_label: str
    status: str
    status_label: str
    national_status_code: int | None
    # Only for the applicant's own page: the public lookup never shows notes.
    note: str = ""

    @property
    def status_badge(self) -> str:
        return status_badge(self.status)


@dataclass(frozen=True)
class DossierLookup:
    """What anyone holding the code and the phone may read: no name, no contacts, no files."""

    code: str
    status: str
    status_label: str
    national_status_code: int | None
    procedure_code: str
    procedure_name: str
    agency_code: str
    agency_name: str
    current_unit: str | None
    applicant_initials: str
    submitted_at: datetime | None
    received_at: datetime | None
    appointment_at: datetime | None
    finished_at: datetime | None
    returned_at: datetime | None
    events: list[PublicEvent]

    @property
    def status_badge(self) -> str:
        return status_badge(self.status)

    def as_json(self) -> dict[str, Any]:
        """The API's answer (GET /api/v1/lookup, schema LookupOut), built directly: this is the
        busiest public endpoint, and validating our own output cost as much as the query."""
        dates = ("submitted_at", "received_at", "appointment_at", "finished_at", "returned_at")
        texts = (
            "code",
            "status",
            "status_label",
            "national_status_code",
            "procedure_code",
            "procedure_name",
            "agency_code",
            "agency_name",
            "current_unit",
            "applicant_initials",
        )
        data: dict[str, Any] = {name: getattr(self, name) for name in texts}
        for name in dates:
            moment = getattr(self, name)
            data[name] = moment.isoformat() if moment else None
        data["events"] = [
            {
                "occurred_at": event.occurred_at.isoformat(),
                "action": event.action,
                "action_label": event.action_label,
                "status": event.status,
                "status_label": event.status_label,
                "national_status_code": event.national_status_code,
            }
            for event in self.events
        ]
        return data


@dataclass(frozen=True)
class LookupQuery:
    code: str
    phone: str
    id_last4: str


def lookup_not_found_message() -> str:
    return _(
        "Không tìm thấy hồ sơ khớp với mã hồ sơ và thông tin đã nhập. Vui lòng kiểm tra lại mã "
        "hồ sơ và số điện thoại (hoặc 4 số cuối số định danh, mã số thuế) đã khai khi nộp."
    )


def lookup_too_many_message() -> str:
    return _("Bạn đã tra cứu quá nhiều lần. Vui lòng thử lại sau ít phút.")


@memoize
def _rates(client_rates: tuple[str, ...], failure_rate: str) -> tuple[tuple[Rate, ...], Rate]:
    return tuple(Rate.parse(text) for text in client_rates), Rate.parse(failure_rate)


def lookup_rates() -> tuple[tuple[Rate, ...], Rate]:
    """(limits per client, limit of failed attempts per dossier code), from the settings."""
    return _rates(tuple(settings.LOOKUP_RATE_LIMITS), settings.LOOKUP_CODE_FAILURE_LIMIT)


def _agency_codes_by_compact_form() -> dict[str, list[str]]:
    """{"H5614": ["H56.14"], ...}: agency codes without their dots, to read a code typed
    without them. Cached for five minutes; agencies rarely change."""
    mapping = cache.get(_AGENCY_CODES_CACHE_KEY)
    if mapping is None:
        mapping = {}
        for agency_code in Agency.objects.values_list("code", flat=True):
            mapping.setdefault(agency_code.replace(".", "").upper(), []).append(agency_code)
        cache.set(_AGENCY_CODES_CACHE_KEY, mapping, 300)
    return mapping


def lookup_code_clean(value: str) -> str:
    """A dossier code as stored, from what someone typed: case, spaces and dashes do not
    matter, and the dots of the agency's identifier may be left out when that is unambiguous.
    Raises InvalidInput (field "code") for anything that cannot be a code."""
    code = normalize_code((value or "")[: MAX_CODE_LENGTH * 4].translate(_DASHES))
    if not code:
        raise InvalidInput(_("Vui lòng nhập mã hồ sơ."), field="code")
    if len(code) > MAX_CODE_LENGTH or not _CODE.fullmatch(code):
        raise InvalidInput(
            _("Mã hồ sơ không đúng định dạng, ví dụ đúng: H56.14-261001-0001."), field="code"
        )
    agency_part, rest = code.split("-", 1)
    if "." not in agency_part:
        candidates = _agency_codes_by_compact_form().get(agency_part, [])
        if len(candidates) == 1:
            code = f"{candidates[0]}-{rest}"
    return code


def lookup_query_clean(*, code: str, phone: str = "", id_last4: str = "") -> LookupQuery:
    """Check what was typed; the first field at fault is named in the InvalidInput."""
    clean_code = lookup_code_clean(code)
    phone = (phone or "").strip()
    id_last4 = re.sub(r"\s", "", id_last4 or "")
    if not phone and not id_last4:
        raise InvalidInput(
            _(
                "Nhập số điện thoại đã khai khi nộp hồ sơ, hoặc 4 số cuối của số định danh cá "
                "nhân (mã số thuế với tổ chức)."
            ),
            field="phone",
        )
    clean_phone = _phone_clean(phone[:40]) if phone else ""
    if id_last4 and not _ID_LAST4.fullmatch(id_last4):
        raise InvalidInput(
            _("4 số cuối của số định danh cá nhân hoặc mã số thuế phải gồm đúng 4 chữ số."),
            field="id_last4",
        )
    return LookupQuery(code=clean_code, phone=clean_phone, id_last4=id_last4)


def _phone_clean(value: str) -> str:
    try:
        return normalise_phone(value, field="phone")
    except InvalidInput:
        digits = _PHONE_NOISE.sub("", value)
        if _LANDLINE.fullmatch(digits):
            return digits
        raise


def _stored_phone(value: str) -> str:
    try:
        return _phone_clean(value)
    except InvalidInput:
        return value or ""


def _last_four_digits(value: str) -> str:
    digits = re.sub(r"[^0-9]", "", value or "")
    return digits[-4:] if len(digits) >= 4 else ""


def _public_event(
    occurred_at: datetime, action: str, to_status: str, note: str = ""
) -> PublicEvent:
    return PublicEvent(
        occurred_at=timezone.localtime(occurred_at),
        action=action,
        action_label=event_action_label(action, to_status),
        status=to_status,
        status_label=str(Status(to_status).label) if to_status in Status.values else "",
        national_status_code=NATIONAL_STATUS_CODE.get(to_status),
        note=note,
    )


def public_events(dossier: Dossier, *, with_notes: bool = False) -> list[PublicEvent]:
    """The dossier's public history, oldest first; notes only for its applicant's page."""
    rows = (
        DossierEvent.objects.filter(dossier_id=dossier.pk, is_public=True)
        .order_by("occurred_at", "pk")
        .values_list("occurred_at", "action", "to_status", "note")
    )
    return [
        _public_event(occurred_at, action, to_status, note if with_notes else "")
        for occurred_at, action, to_status, note in rows
    ]


# The lookup reads the dossier and its public events in one query, whose SQL the ORM builds once
# per process: building it costs more than running it, and this is the busiest public page.
# The code is the only parameter that changes.
_CODE_PARAMETER = "\x00code\x00"  # never a valid code: codes are checked before the query
_LOOKUP_COLUMNS = (
    "pk",
    "code",
    "status",
    "agency_id",
    "procedure_version_id",
    "applicant_name",
    "applicant_phone",
    "applicant_id_number",
    "submitted_at",
    "received_at",
    "appointment_at",
    "finished_at",
    "returned_at",
    "current_unit_id",
    "rescheduled_appointment_at",
    "public_event__occurred_at",
    "public_event__action",
    "public_event__to_status",
)
_DATETIME_COLUMNS = [index for index, name in enumerate(_LOOKUP_COLUMNS) if name.endswith("_at")]


@memoize
def _lookup_statement(alias: str, vendor: str) -> tuple[str, tuple]:
    queryset = (
        Dossier.objects.exclude(status=Status.DRAFT)
        .filter(code=_CODE_PARAMETER)
        .annotate(public_event=FilteredRelation("events", condition=Q(events__is_public=True)))
        .order_by("public_event__occurred_at", "public_event__id")
        .values_list(*_LOOKUP_COLUMNS)
    )
    return queryset.query.get_compiler(using=alias).as_sql()


def _lookup_rows(code: str) -> list[dict[str, Any]]:
    """The dossier with this code, one row per public event (one row without events), as
    dicts of _LOOKUP_COLUMNS with aware datetimes; [] when no submitted dossier has it."""
    connection = connections[DEFAULT_DB_ALIAS]
    sql, params = _lookup_statement(DEFAULT_DB_ALIAS, connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [code if param == _CODE_PARAMETER else param for param in params])
        rows = [list(row) for row in cursor.fetchall()]
    for row in rows:
        for index in _DATETIME_COLUMNS:
            value = row[index]
            if isinstance(value, str):  # SQLite without declared-type conversion
                value = datetime.fromisoformat(value)
            if value is not None and timezone.is_naive(value):
                value = timezone.make_aware(value, UTC)
            row[index] = value
    return [dict(zip(_LOOKUP_COLUMNS, row, strict=True)) for row in rows]


def _matches(row: dict[str, Any] | None, query: LookupQuery) -> bool:
    """Constant-time comparisons, made whether or not a dossier was found."""
    phone = _stored_phone(row["applicant_phone"]) if row else "0000000000"
    last4 = _last_four_digits(row["applicant_id_number"]) if row else "----"
    matches = True
    if query.phone:
        matches &= hmac.compare_digest(query.phone.encode(), phone.encode())
    if query.id_last4:
        matches &= hmac.compare_digest(query.id_last4.encode(), last4.encode())
    return row is not None and matches


def _local(value: datetime | None) -> datetime | None:
    return timezone.localtime(value) if value else None


def _lookup_result(rows: list[dict[str, Any]]) -> DossierLookup:
    first = rows[0]
    agency = agency_labels(first["agency_id"])
    version = version_labels(first["procedure_version_id"])
    place = DossierPlace(
        pk=first["pk"],
        status=first["status"],
        agency_id=first["agency_id"],
        procedure_version_id=first["procedure_version_id"],
        current_unit_id=first["current_unit_id"],
    )
    return DossierLookup(
        code=first["code"],
        status=first["status"],
        status_label=str(Status(first["status"]).label),
        national_status_code=NATIONAL_STATUS_CODE.get(first["status"]),
        procedure_code=version.procedure_code,
        procedure_name=version.display_name,
        agency_code=agency.code,
        agency_name=agency.display_name,
        current_unit=dossier_current_unit(place),
        applicant_initials=applicant_initials(first["applicant_name"]),
        submitted_at=_local(first["submitted_at"]),
        received_at=_local(first["received_at"]),
        appointment_at=_local(first["rescheduled_appointment_at"] or first["appointment_at"]),
        finished_at=_local(first["finished_at"]),
        returned_at=_local(first["returned_at"]),
        events=[
            _public_event(
                row["public_event__occurred_at"],
                row["public_event__action"],
                row["public_event__to_status"],
            )
            for row in rows
            if row["public_event__occurred_at"] is not None
        ],
    )


def dossier_lookup(
    *, code: str, phone: str = "", id_last4: str = "", client: str | None
) -> DossierLookup:
    """The public lookup. `client` identifies the caller for the rate limit (its IP address).

    Raises TooManyRequests (429) past the limits, InvalidInput (400) for a malformed field and
    NotFound (404) when no dossier has this code together with this phone or ID ending."""
    client_rates, failure_rate = lookup_rates()
    ratelimit_enforce(
        scope="lookup:client",
        key=client or "unknown",
        rates=client_rates,
        message=lookup_too_many_message(),
    )
    query = lookup_query_clean(code=code, phone=phone, id_last4=id_last4)
    # Counted per code, known or not, so that the limit itself does not reveal a code.
    if ratelimit_enabled():
        failures = ratelimit_peek(scope="lookup:code-failures", key=query.code, rate=failure_rate)
        if failures.exhausted:
            raise TooManyRequests(
                _(
                    "Mã hồ sơ này đã bị tra cứu sai nhiều lần. Vui lòng thử lại sau hoặc liên hệ "
                    "bộ phận một cửa."
                ),
                retry_after=failures.retry_after,
                field="code",
            )
    rows = _lookup_rows(query.code)
    if not _matches(rows[0] if rows else None, query):
        if ratelimit_enabled():
            ratelimit_hit(scope="lookup:code-failures", key=query.code, rate=failure_rate)
        raise NotFound(lookup_not_found_message(), field="code")
    return _lookup_result(rows)


# --- "Hồ sơ của tôi": filters -------------------------------------------------------------

MAX_SEARCH_LENGTH = 100


@dataclass(frozen=True)
class OwnDossierFilters:
    group: str = ""
    procedure: str = ""
    year: int | None = None
    query: str = ""

    @property
    def is_filtered(self) -> bool:
        return bool(self.group or self.procedure or self.year or self.query)


class OwnDossierFilterForm(forms.Form):
    """The GET form above the applicant's list; a field with an error is ignored (and shown)."""

    q = forms.CharField(
        label=gettext_lazy("Tìm theo mã hồ sơ hoặc tên thủ tục"),
        required=False,
        max_length=MAX_SEARCH_LENGTH,
    )
    group = forms.ChoiceField(label=gettext_lazy("Tình trạng"), required=False)
    procedure = forms.ChoiceField(label=gettext_lazy("Thủ tục"), required=False)
    year = forms.ChoiceField(label=gettext_lazy("Năm nộp"), required=False)

    def __init__(self, data, *, procedures: list[tuple[str, str]], years: list[int]):
        super().__init__(data)
        everything = [("", _("Tất cả"))]
        self.fields["group"].choices = everything + StatusGroup.choices
        self.fields["procedure"].choices = everything + procedures
        self.fields["year"].choices = everything + [(str(year), str(year)) for year in years]
        for name, message in (
            ("group", _("Tình trạng đã chọn không hợp lệ.")),
            ("procedure", _("Bạn chưa có hồ sơ nào của thủ tục đã chọn.")),
            ("year", _("Bạn chưa có hồ sơ nào nộp trong năm đã chọn.")),
        ):
            self.fields[name].error_messages["invalid_choice"] = message
        self.fields["q"].error_messages["max_length"] = _(
            "Từ khóa tìm kiếm không được dài quá %(limit_value)d ký tự."
        )

    def filters(self) -> OwnDossierFilters:
        self.is_valid()
        values = self.cleaned_data
        year = values.get("year")
        return OwnDossierFilters(
            group=values.get("group") or "",
            procedure=values.get("procedure") or "",
            year=int(year) if year else None,
            query=values.get("q") or "",
        )
