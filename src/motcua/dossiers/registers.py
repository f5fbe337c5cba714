"""The dossier register (form 06, sổ theo dõi hồ sơ) and the process control sheet (phiếu kiểm
soát quá trình giải quyết hồ sơ): their rows, read within what the user may see, the register's
filters, and both as Excel workbooks."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, BinaryIO

from django import forms
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.accounts.models import Agency
from motcua.accounts.selectors import agency_in_scope, agency_list_visible_to, is_staff_user
from motcua.catalog.models import Procedure
from motcua.core.errors import NotFound, PermissionDenied
from motcua.dossiers.models import Dossier, Handling, Outcome, Status
from motcua.dossiers.selectors import dossier_get_visible_to

REGISTER_PAGE_SIZE = 50
# WeasyPrint lays a register row out in about 10 ms (12 columns): 1,000 rows is a 10-second,
# 20-page PDF. Longer periods go to Excel, which has no such cost.
REGISTER_PDF_MAX_ROWS = 1_000
# An Excel sheet holds 1,048,576 rows; far below that, so that one export cannot hold a worker
# for minutes.
REGISTER_XLSX_MAX_ROWS = 200_000
# Statuses in which a dossier is still in the agency's hands (for "overdue" in the notes).
_OPEN = frozenset(
    {Status.RECEIVED, Status.PROCESSING, Status.SUPPLEMENT_REQUESTED, Status.FINANCIAL_OBLIGATION}
)
# Statuses that end a dossier other than by a result: the register's notes name them.
_NOTED = frozenset(
    {
        Status.REFUSED,
        Status.WITHDRAWN,
        Status.STOPPED,
        Status.SUPPLEMENT_REQUESTED,
        Status.FINANCIAL_OBLIGATION,
    }
)
# The register's dates stay where time zone arithmetic cannot overflow (year 1 or 9999).
EARLIEST_DAY = date(1990, 1, 1)
LATEST_DAY = date(2100, 12, 31)
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _local(value: datetime | None) -> datetime | None:
    return timezone.localtime(value) if value else None


# --- Permission -------------------------------------------------------------------------------


def dossier_get_for_staff(*, user, code: str) -> Dossier:
    """A dossier whose forms an officer may print: staff whose agency scope holds the dossier's
    agency. Anyone else gets NotFound, as for a code that does not exist."""
    if not is_staff_user(user):
        raise NotFound(_("Không tìm thấy hồ sơ có mã này."), field="code")
    dossier = dossier_get_visible_to(user=user, code=code)
    if not agency_in_scope(user, dossier.agency):
        raise NotFound(_("Không tìm thấy hồ sơ có mã này."), field="code")
    return dossier


# --- Process control sheet ----------------------------------------------------------------------


@dataclass(frozen=True)
class ControlSheetRow:
    """One hand-off: the unit (and step) that held the dossier, who, from when, until when."""

    number: int
    unit: str
    step: str
    handler: str
    started_at: datetime
    due_at: datetime | None
    completed_at: datetime | None
    completed_by: str
    outcome: str
    note: str


def control_sheet_rows(*, dossier: Dossier) -> list[ControlSheetRow]:
    """The process control sheet of a dossier, oldest hand-off first (one query)."""
    handlings = dossier.handlings.select_related(
        "unit", "step", "handler", "completed_by"
    ).order_by("started_at", "pk")
    return [
        ControlSheetRow(
            number=number,
            unit=handling.unit.name,
            step=handling.step.name if handling.step else _("Tiếp nhận, trả kết quả"),
            handler=handling.handler.full_name if handling.handler else "",
            started_at=_local(handling.started_at),
            due_at=_local(handling.due_at),
            completed_at=_local(handling.completed_at),
            completed_by=handling.completed_by.full_name if handling.completed_by else "",
            outcome=str(Outcome(handling.outcome).label) if handling.outcome else "",
            note=handling.note,
        )
        for number, handling in enumerate(handlings, start=1)
    ]


# --- Register (form 06) -----------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterFilters:
    """Which dossiers a register shows: one agency's, received in [date_from, date_to]."""

    agency: Agency
    date_from: date
    date_to: date
    procedure: str = ""
    status: str = ""


class RegisterFilterForm(forms.Form):
    """The GET form above the register; a field with an error falls back to its default (and
    the error is shown next to it)."""

    agency = forms.ChoiceField(label=gettext_lazy("Cơ quan"))
    date_from = forms.DateField(
        label=gettext_lazy("Tiếp nhận từ ngày"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=gettext_lazy("Đến ngày"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    procedure = forms.ChoiceField(label=gettext_lazy("Thủ tục"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("Trạng thái"), required=False)

    def __init__(self, data, *, user):
        today = timezone.localdate()
        self.agencies = {agency.code: agency for agency in agency_list_visible_to(user=user)}
        if not self.agencies:
            raise PermissionDenied(
                _("Chỉ cán bộ của cơ quan mới xem được sổ theo dõi hồ sơ."), field="agency"
            )
        own = getattr(user, "agency", None)
        self.default_agency = (
            own
            if own is not None and own.code in self.agencies
            else next(iter(self.agencies.values()))
        )
        self.defaults = {
            "agency": self.default_agency.code,
            "date_from": today.replace(day=1),
            "date_to": today,
        }
        values = {name: data.get(name) or "" for name in ("agency", "procedure", "status")}
        values["date_from"] = data.get("date_from") or self.defaults["date_from"]
        values["date_to"] = data.get("date_to") or self.defaults["date_to"]
        values["agency"] = values["agency"] or self.defaults["agency"]
        super().__init__(values)
        everything = [("", _("Tất cả"))]
        self.fields["agency"].choices = [
            (agency.code, f"{agency.name} ({agency.code})") for agency in self.agencies.values()
        ]
        chosen = self.agencies.get(values["agency"], self.default_agency)
        procedures = (
            Procedure.objects.filter(versions__agency=chosen)
            .distinct()
            .select_related("current_version")
            .order_by("code")
        )
        self.fields["procedure"].choices = everything + [
            (
                procedure.code,
                f"{procedure.code} – {procedure.current_version.name}"
                if procedure.current_version
                else procedure.code,
            )
            for procedure in procedures
        ]
        self.fields["status"].choices = everything + [
            (value, label) for value, label in Status.choices if value != Status.DRAFT
        ]
        for name, message in (
            ("agency", _("Bạn không được xem sổ theo dõi của cơ quan này.")),
            ("procedure", _("Thủ tục đã chọn không thuộc cơ quan này.")),
            ("status", _("Trạng thái đã chọn không hợp lệ.")),
        ):
            self.fields[name].error_messages["invalid_choice"] = message
        for name in ("date_from", "date_to"):
            self.fields[name].error_messages["invalid"] = _(
                "Ngày không hợp lệ; hãy nhập theo dạng ngày/tháng/năm."
            )

    def _clean_day(self, name: str) -> date | None:
        day = self.cleaned_data.get(name)
        if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
            raise forms.ValidationError(
                _("Ngày phải trong khoảng từ %(start)s đến %(end)s.")
                % {
                    "start": EARLIEST_DAY.strftime("%d/%m/%Y"),
                    "end": LATEST_DAY.strftime("%d/%m/%Y"),
                }
            )
        return day

    def clean_date_from(self) -> date | None:
        return self._clean_day("date_from")

    def clean_date_to(self) -> date | None:
        return self._clean_day("date_to")

    def clean(self):
        values = super().clean()
        start, end = values.get("date_from"), values.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("Ngày kết thúc phải bằng hoặc sau ngày bắt đầu."))
        return values

    def filters(self) -> RegisterFilters:
        self.is_valid()
        values = self.cleaned_data
        start = values.get("date_from") or self.defaults["date_from"]
        end = values.get("date_to") or self.defaults["date_to"]
        if "date_to" in self.errors:
            end = max(start, self.defaults["date_to"])
        return RegisterFilters(
            agency=self.agencies.get(values.get("agency") or "", self.default_agency),
            date_from=start,
            date_to=end,
            procedure=values.get("procedure") or "",
            status=values.get("status") or "",
        )


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def register_dossiers(*, user, filters: RegisterFilters) -> QuerySet[Dossier]:
    """The received dossiers of the register, in order of reception, with what a row shows."""
    if not is_staff_user(user) or not agency_in_scope(user, filters.agency):
        raise PermissionDenied(_("Bạn không được xem sổ theo dõi của cơ quan này."), field="agency")
    # The first hand-off to a processing step is "transferred to the unit that handles it".
    first_step = Handling.objects.filter(dossier=OuterRef("pk"), step__isnull=False).order_by(
        "started_at", "pk"
    )
    dossiers = Dossier.objects.filter(
        agency=filters.agency,
        received_at__gte=_day_start(filters.date_from),
        received_at__lt=_day_start(filters.date_to + timedelta(days=1)),
    )
    if filters.procedure:
        dossiers = dossiers.filter(procedure_version__procedure__code=filters.procedure)
    if filters.status:
        dossiers = dossiers.filter(status=filters.status)
    return (
        dossiers.select_related("procedure_version", "applicant_commune__province")
        .annotate(
            transferred_at=Subquery(first_step.values("started_at")[:1]),
            transferred_unit=Subquery(first_step.values("unit__name")[:1]),
        )
        .order_by("received_at", "pk")
    )


@dataclass(frozen=True)
class RegisterRow:
    """One line of form 06."""

    number: int
    code: str
    procedure: str
    applicant: str
    address: str
    phone: str
    received_at: datetime | None
    appointment_at: datetime | None
    transferred_at: datetime | None
    transferred_unit: str
    finished_at: datetime | None
    returned_at: datetime | None
    notes: str


def _address(dossier: Dossier) -> str:
    commune = dossier.applicant_commune
    parts = [dossier.applicant_address]
    if commune is not None:
        parts += [commune.name, commune.province.name]
    return ", ".join(part for part in parts if part)


def _notes(dossier: Dossier, today: date) -> str:
    notes = []
    if dossier.status in _NOTED:
        notes.append(str(Status(dossier.status).label))
    if dossier.rescheduled_appointment_at:
        notes.append(
            _("Đã xin lỗi, hẹn lại ngày %(date)s")
            % {"date": _local(dossier.rescheduled_appointment_at).strftime("%d/%m/%Y")}
        )
    # Late is compared by date, as the statistics do (SPEC §4).
    due = _local(dossier.promised_at)
    if due is not None:
        if dossier.finished_at and _local(dossier.finished_at).date() > due.date():
            notes.append(_("Giải quyết quá hạn"))
        elif dossier.status in _OPEN and today > due.date():
            notes.append(_("Đang quá hạn"))
    return "; ".join(notes)


def register_rows(dossiers: Iterable[Dossier], *, start: int = 1) -> Iterator[RegisterRow]:
    """Rows of form 06 from `register_dossiers(...)`, numbered from `start`."""
    today = timezone.localdate()
    for number, dossier in enumerate(dossiers, start=start):
        yield RegisterRow(
            number=number,
            code=dossier.code,
            procedure=dossier.procedure_version.name,
            applicant=dossier.applicant_name,
            address=_address(dossier),
            phone=dossier.applicant_phone,
            received_at=_local(dossier.received_at),
            appointment_at=_local(dossier.appointment_at),
            transferred_at=_local(dossier.transferred_at),
            transferred_unit=dossier.transferred_unit or "",
            finished_at=_local(dossier.finished_at),
            returned_at=_local(dossier.returned_at),
            notes=_notes(dossier, today),
        )


# --- Excel ------------------------------------------------------------------------------------

_DATETIME_FORMAT = "dd/mm/yyyy hh:mm"


def _cell(sheet, value: Any, *, bold: bool = False):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font

    if isinstance(value, datetime):
        # Excel has no time zones: write the Vietnam wall-clock time the forms print.
        value = (
            timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
        )
    elif isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str):
        # Control characters make the file unreadable; they have no place in a register.
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith("="):
        # An applicant's name is text, never a formula to run in the officer's Excel.
        cell.data_type = "s"
    if isinstance(value, datetime):
        cell.number_format = _DATETIME_FORMAT
    if bold:
        cell.font = Font(bold=True)
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def _xlsx_write(
    *,
    out: BinaryIO,
    sheet_title: str,
    title_lines: Sequence[str],
    headers: Sequence[str],
    widths: Sequence[int],
    rows: Iterable[Sequence[Any]],
) -> None:
    """A one-sheet workbook written row by row (openpyxl's write-only mode keeps memory flat)."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for line in title_lines:
        sheet.append([_cell(sheet, line, bold=True)])
    sheet.append([])
    sheet.append([_cell(sheet, header, bold=True) for header in headers])
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    workbook.save(out)


def register_headers() -> list[str]:
    return [
        _("STT"),
        _("Mã hồ sơ"),
        _("Tên thủ tục hành chính"),
        _("Tên cá nhân, tổ chức"),
        _("Địa chỉ, số điện thoại"),
        _("Ngày nhận hồ sơ"),
        _("Ngày hẹn trả kết quả"),
        _("Chuyển hồ sơ đến cơ quan giải quyết"),
        _("Ngày giải quyết xong"),
        _("Ngày trả kết quả"),
        _("Ký nhận"),
        _("Ghi chú"),
    ]


def register_xlsx(*, filters: RegisterFilters, dossiers: QuerySet[Dossier], out: BinaryIO) -> None:
    """Form 06 as an Excel sheet, read from the database in chunks."""

    def lines() -> Iterator[list[Any]]:
        for row in register_rows(dossiers.iterator(chunk_size=2_000)):
            address = ", ".join(part for part in (row.address, row.phone) if part)
            transferred = " – ".join(
                part
                for part in (
                    row.transferred_at.strftime("%d/%m/%Y %H:%M") if row.transferred_at else "",
                    row.transferred_unit,
                )
                if part
            )
            yield [
                row.number,
                row.code,
                row.procedure,
                row.applicant,
                address,
                row.received_at,
                row.appointment_at,
                transferred,
                row.finished_at,
                row.returned_at,
                "",
                row.notes,
            ]

    _xlsx_write(
        out=out,
        sheet_title=_("Sổ theo dõi hồ sơ"),
        title_lines=[
            filters.agency.name.upper(),
            _("SỔ THEO DÕI HỒ SƠ"),
            _("Hồ sơ tiếp nhận từ ngày %(start)s đến ngày %(end)s")
            % {
                "start": filters.date_from.strftime("%d/%m/%Y"),
                "end": filters.date_to.strftime("%d/%m/%Y"),
            },
        ],
        headers=register_headers(),
        widths=[6, 22, 40, 26, 36, 16, 16, 30, 16, 16, 12, 30],
        rows=lines(),
    )


def control_sheet_headers() -> list[str]:
    return [
        _("STT"),
        _("Đơn vị"),
        _("Bước xử lý"),
        _("Người xử lý"),
        _("Nhận hồ sơ lúc"),
        _("Hạn xử lý"),
        _("Giao hồ sơ lúc"),
        _("Người giao"),
        _("Kết quả (trước hạn / đúng hạn / quá hạn)"),
        _("Ghi chú"),
    ]


def control_sheet_xlsx(*, dossier: Dossier, rows: list[ControlSheetRow], out: BinaryIO) -> None:
    """The process control sheet of one dossier as an Excel sheet."""
    _xlsx_write(
        out=out,
        sheet_title=_("Phiếu kiểm soát"),
        title_lines=[
            dossier.agency.name.upper(),
            _("PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"),
            _("Mã hồ sơ: %(code)s") % {"code": dossier.code},
            _("Thủ tục: %(name)s") % {"name": dossier.procedure_version.name},
            _("Người nộp: %(name)s") % {"name": dossier.applicant_name},
        ],
        headers=control_sheet_headers(),
        widths=[6, 30, 30, 24, 16, 16, 16, 24, 18, 30],
        rows=(
            [
                row.number,
                row.unit,
                row.step,
                row.handler,
                row.started_at,
                row.due_at,
                row.completed_at,
                row.completed_by,
                row.outcome,
                row.note,
            ]
            for row in rows
        ),
    )
