"""The service-quality index of Decision 766/QĐ-TTg (SPEC §7), its practice-level indicators
computed from an agency's dossiers for a period, each with its formula and inputs.

What counts (the period and agency rules are those of `dossier_statistics`, reused for the
received / handled / in-progress counts):
- progress and results: (in progress within time at the end + handled early + handled on time
  + handed back) / received × 20. "Handed back" (hồ sơ trả lại, rút) is the dossiers withdrawn
  or stopped in the period: a dossier whose result was returned (Status.RETURNED) is already
  counted as handled early, on time or late, and counting it again would let the numerator
  pass the received count. Paused dossiers (waiting for a supplement or a financial
  obligation) and overdue or late ones earn nothing.
- online submission: dossiers received in the period through the online channel / all received
  in the period.
- online payment: fee-bearing dossiers received in the period (their procedure version has a
  fee that is not zero; a fee without amount is set case by case and still a fee) with a paid
  Payment through a gateway (not cash) / fee-bearing dossiers received in the period.
- electronic results: dossiers handled in the period that have a signed Result (results app:
  every Result is a signed e-document, whatever the way it was handed over) / handled.
- digitization: paper dossiers (counter or post) received in the period with at least one
  digitized document attachment / paper dossiers received in the period.
- data reuse: document attachments reused from the data store (`is_reused` or `reused_from`)
  / all document attachments of the dossiers received in the period.
- satisfaction: average rating score given in the period / 5 × 18, with the number of ratings.
- transparency is scored by the evaluating agency (publication of procedures, answers to
  feedback...), not from dossiers: shown without points.
A share whose denominator is 0 has no points ("không có dữ liệu"); the total adds the points
computed and says the most they could reach.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Avg, Count, Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.accounts.models import Agency
from motcua.catalog.models import Channel, Fee
from motcua.dossiers.models import Attachment, AttachmentKind, Dossier, Rating
from motcua.payments.models import CASH, Payment, PaymentStatus
from motcua.reports.periods import Period
from motcua.reports.selectors import CLOSED, dossier_statistics
from motcua.results.models import Result

# The five groups of Decision 766 and their points (SPEC §7), in the order of the report.
GROUPS: dict[str, tuple[str, int]] = {
    "transparency": (gettext_lazy("Công khai, minh bạch"), 18),
    "progress": (gettext_lazy("Tiến độ, kết quả giải quyết"), 20),
    "online": (gettext_lazy("Dịch vụ công trực tuyến, thanh toán trực tuyến"), 22),
    "digitization": (gettext_lazy("Số hóa hồ sơ, kết quả"), 22),
    "satisfaction": (gettext_lazy("Mức độ hài lòng"), 18),
}
# The practice-level split of the online and digitization groups among their indicators,
# until the official weights of the evaluating agency are configured; each group sums to its
# total above.
SHARE_POINTS: dict[str, int] = {
    "online_submission": 12,
    "online_payment": 10,
    "digitized": 12,
    "electronic_results": 6,
    "reused_data": 4,
}
PAPER_CHANNELS = (Channel.COUNTER, Channel.POST)


@dataclass(frozen=True)
class Input:
    """One number of a formula: `key` for the API, `label` for people."""

    key: str
    label: str
    value: int | float | None


@dataclass(frozen=True)
class Indicator:
    key: str
    name: str
    group: str
    formula: str
    inputs: tuple[Input, ...]
    max_points: int
    # None: no data for the period (denominator 0), or scored by the evaluating agency.
    points: float | None
    scored_by_evaluator: bool = False

    @property
    def group_name(self) -> str:
        return GROUPS[self.group][0]


@dataclass(frozen=True)
class ServiceIndex:
    agency: Agency
    agency_codes: tuple[str, ...]
    include_children: bool
    period: Period
    indicators: tuple[Indicator, ...]

    @property
    def computed(self) -> list[Indicator]:
        return [indicator for indicator in self.indicators if indicator.points is not None]

    @property
    def total(self) -> float | None:
        """The points of the indicators computed; None when none could be."""
        computed = self.computed
        return round(sum(i.points for i in computed), 2) if computed else None

    @property
    def reachable(self) -> int:
        """The most the computed indicators could give together."""
        return sum(indicator.max_points for indicator in self.computed)


def share_points(numerator: int | float, denominator: int | float, max_points: int) -> float | None:
    """`numerator / denominator` of `max_points`, to 2 decimals; None when the denominator is 0."""
    return round(numerator / denominator * max_points, 2) if denominator else None


def service_index(
    *,
    agency: Agency,
    start: date,
    end: date,
    include_children: bool = False,
    now: datetime | None = None,
) -> ServiceIndex:
    """The practice-level index of `agency` (with its child agencies' when asked) for the local
    dates `start`..`end`. The caller checks that the user may see the agency."""
    stats = dossier_statistics(
        agency=agency, start=start, end=end, include_children=include_children, now=now
    )
    ids, period = stats.agency_ids, stats.period
    counts = _dossier_counts(ids, period)
    attachments = _attachment_counts(ids, period)
    ratings = _rating_counts(ids, period)
    totals = stats.totals
    online = stats.by_channel[Channel.ONLINE]
    credited = totals.within_time + totals.early + totals.on_time
    handed_back = totals.withdrawn + totals.stopped
    progress_max = GROUPS["progress"][1]
    satisfaction_max = GROUPS["satisfaction"][1]
    average = ratings["average"]

    def share(key: str, name: str, group: str, formula: str, inputs: list[Input]) -> Indicator:
        top = SHARE_POINTS[key]
        numerator, denominator = inputs[0].value, inputs[1].value
        return Indicator(
            key=key,
            name=name,
            group=group,
            formula=f"{formula} × {top}",
            inputs=tuple(inputs),
            max_points=top,
            points=share_points(numerator, denominator, top),
        )

    indicators = (
        Indicator(
            key="transparency",
            name=_("Công khai, minh bạch thông tin thủ tục, hồ sơ"),
            group="transparency",
            formula=_("Chấm bởi cơ quan đánh giá"),
            inputs=(),
            max_points=GROUPS["transparency"][1],
            points=None,
            scored_by_evaluator=True,
        ),
        Indicator(
            key="progress",
            name=_("Tiến độ, kết quả giải quyết hồ sơ"),
            group="progress",
            formula=_(
                "(đang giải quyết trong hạn + giải quyết trước hạn + giải quyết đúng hạn + "
                "trả lại, rút hồ sơ) / tiếp nhận × %(max)s"
            )
            % {"max": progress_max},
            inputs=(
                Input("within_time", _("Đang giải quyết trong hạn"), totals.within_time),
                Input("early", _("Giải quyết trước hạn"), totals.early),
                Input("on_time", _("Giải quyết đúng hạn"), totals.on_time),
                Input("handed_back", _("Trả lại, rút hồ sơ (rút, dừng xử lý)"), handed_back),
                Input("received", _("Tiếp nhận (kỳ trước chuyển sang và mới)"), totals.received),
            ),
            max_points=progress_max,
            points=share_points(credited + handed_back, totals.received, progress_max),
        ),
        share(
            "online_submission",
            _("Tỷ lệ hồ sơ nộp trực tuyến"),
            "online",
            _("hồ sơ nộp trực tuyến / hồ sơ tiếp nhận mới"),
            [
                Input("online", _("Tiếp nhận mới qua kênh trực tuyến"), online.new),
                Input("received", _("Tiếp nhận mới"), totals.new),
            ],
        ),
        share(
            "online_payment",
            _("Tỷ lệ hồ sơ có phí, lệ phí được thanh toán trực tuyến"),
            "online",
            _("hồ sơ thanh toán trực tuyến / hồ sơ có phí, lệ phí"),
            [
                Input("paid_online", _("Đã thanh toán trực tuyến"), counts["paid_online"]),
                Input("fee_bearing", _("Hồ sơ có phí, lệ phí"), counts["fee_bearing"]),
            ],
        ),
        share(
            "digitized",
            _("Tỷ lệ hồ sơ giấy được số hóa khi tiếp nhận"),
            "digitization",
            _("hồ sơ giấy có thành phần được số hóa / hồ sơ giấy tiếp nhận"),
            [
                Input("digitized", _("Hồ sơ giấy đã số hóa"), counts["digitized"]),
                Input("paper", _("Hồ sơ giấy tiếp nhận (tại một cửa, bưu chính)"), counts["paper"]),
            ],
        ),
        share(
            "electronic_results",
            _("Tỷ lệ kết quả giải quyết được cấp bản điện tử"),
            "digitization",
            _("hồ sơ có kết quả điện tử đã ký số / hồ sơ đã giải quyết"),
            [
                Input("electronic", _("Có kết quả điện tử"), counts["electronic_results"]),
                Input("handled", _("Đã giải quyết"), totals.handled),
            ],
        ),
        share(
            "reused_data",
            _("Tỷ lệ giấy tờ tái sử dụng dữ liệu"),
            "digitization",
            _("giấy tờ tái sử dụng từ kho dữ liệu / giấy tờ của hồ sơ tiếp nhận"),
            [
                Input("reused", _("Giấy tờ tái sử dụng"), attachments["reused"]),
                Input("attachments", _("Giấy tờ của hồ sơ tiếp nhận"), attachments["total"]),
            ],
        ),
        Indicator(
            key="satisfaction",
            name=_("Mức độ hài lòng của người nộp hồ sơ"),
            group="satisfaction",
            formula=_("điểm đánh giá trung bình / 5 × %(max)s") % {"max": satisfaction_max},
            inputs=(
                Input(
                    "average",
                    _("Điểm trung bình (1–5)"),
                    None if average is None else round(average, 2),
                ),
                Input("ratings", _("Số lượt đánh giá"), ratings["count"]),
            ),
            max_points=satisfaction_max,
            points=None if average is None else round(average / 5 * satisfaction_max, 2),
        ),
    )
    return ServiceIndex(
        agency=agency,
        agency_codes=stats.agency_codes,
        include_children=include_children,
        period=period,
        indicators=indicators,
    )


def _dossier_counts(ids: tuple[int, ...], period: Period) -> dict[str, int]:
    """One pass over the dossiers received or handled in the period."""
    received = Q(received_at__gte=period.start_at, received_at__lt=period.end_at)
    handled = Q(finished_at__gte=period.start_at, finished_at__lt=period.end_at) & ~Q(
        status__in=CLOSED
    )
    paper = received & Q(channel__in=PAPER_CHANNELS)
    return (
        Dossier.objects.filter(agency_id__in=ids)
        .filter(received | handled)
        .alias(
            has_fee=Exists(
                Fee.objects.filter(version=OuterRef("procedure_version_id")).exclude(amount=0)
            ),
            paid_by_gateway=Exists(
                Payment.objects.filter(dossier=OuterRef("pk"), status=PaymentStatus.PAID).exclude(
                    gateway=CASH
                )
            ),
            has_result=Exists(Result.objects.filter(dossier=OuterRef("pk"))),
            has_scan=Exists(
                Attachment.objects.filter(
                    dossier=OuterRef("pk"), kind=AttachmentKind.DOCUMENT, is_digitized=True
                )
            ),
        )
        .aggregate(
            fee_bearing=Count("pk", filter=received & Q(has_fee=True)),
            paid_online=Count("pk", filter=received & Q(has_fee=True, paid_by_gateway=True)),
            paper=Count("pk", filter=paper),
            digitized=Count("pk", filter=paper & Q(has_scan=True)),
            electronic_results=Count("pk", filter=handled & Q(has_result=True)),
        )
    )


def _attachment_counts(ids: tuple[int, ...], period: Period) -> dict[str, int]:
    return Attachment.objects.filter(
        dossier__agency_id__in=ids,
        dossier__received_at__gte=period.start_at,
        dossier__received_at__lt=period.end_at,
        kind=AttachmentKind.DOCUMENT,
    ).aggregate(
        total=Count("pk"),
        reused=Count("pk", filter=Q(is_reused=True) | ~Q(reused_from="")),
    )


def _rating_counts(ids: tuple[int, ...], period: Period) -> dict:
    return Rating.objects.filter(
        dossier__agency_id__in=ids, rated_at__gte=period.start_at, rated_at__lt=period.end_at
    ).aggregate(count=Count("pk"), average=Avg("score"))
