"""Demo reports for trying the service: routing rules for the demo department (Lâm Đồng), the
demo Open311 key, and a few reports moved through the real services (one answered and
published, one merged into it, one hotline call in progress, one new)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.accounts.models import Agency, Unit, User
from motcua.core.errors import DomainError
from motcua.core.models import Commune
from motcua.feedback.models import Category, Report, RoutingRule
from motcua.feedback.services import (
    ReportInput,
    api_key_create,
    report_accept,
    report_answer_approve,
    report_answer_write,
    report_merge,
    report_submit,
)

# Development only: documented in README, printed nowhere secret. Production keys are made in
# the admin, shown once and stored hashed.
DEMO_OPEN311_KEY = "motcua-open311-demo-key"
DEPARTMENT = "H56.14"
COMMUNE = "24781"  # Phường Xuân Hương - Đà Lạt
POINT = (Decimal("11.940400"), Decimal("108.458300"))
# category service codes -> unit code in the demo department
ROUTES = {
    "air": "CCBVMT",
    "water": "CCBVMT",
    "noise": "CCBVMT",
    "solid_waste": "CCBVMT",
    "hazardous_waste": "CCBVMT",
    "land_encroachment": "VPDKDD",
    "land_use_change": "VPDKDD",
    "illegal_mining": "TNNKS",
    "misconduct": "TTRA",
}


class DemoDataMissing(DomainError):
    pass


@dataclass(frozen=True)
class DemoSummary:
    created: int
    skipped: bool
    showcase_code: str = ""
    showcase_secret: str = ""


def _user(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise DemoDataMissing(
            _("Thiếu tài khoản mẫu %(name)s: chạy `motcua demo` trước.") % {"name": username}
        )
    return user


def demo_feedback_load() -> DemoSummary:
    """Create the demo rules, key and reports once; nothing when reports exist already."""
    if Report.objects.exists():
        return DemoSummary(created=0, skipped=True)
    department = Agency.objects.filter(code=DEPARTMENT).first()
    commune = Commune.objects.select_related("province").filter(code=COMMUNE).first()
    if department is None or commune is None:
        raise DemoDataMissing(
            _("Thiếu dữ liệu mẫu: chạy `load_administrative_units` và `motcua demo` trước.")
        )
    specialist, head = _user("chuyenvienmt"), _user("truongphongmt")
    operator = _user("tiepnhan")
    categories = {category.service_code: category for category in Category.objects.all()}
    now = timezone.now()
    with transaction.atomic():
        for code, unit_code in ROUTES.items():
            RoutingRule.objects.get_or_create(
                category=categories[code],
                province=commune.province,
                commune=None,
                agency=department,
                defaults={"unit": Unit.objects.filter(agency=department, code=unit_code).first()},
            )
        RoutingRule.objects.get_or_create(
            category=None,
            province=None,
            commune=None,
            agency=department,
            defaults={"note": "Mọi phản ánh khác"},
        )
        api_key_create(name="Ứng dụng Open311 mẫu (chỉ dùng thử)", raw_key=DEMO_OPEN311_KEY)

        def web(category, description, *, days_ago, offset="0", **contact):
            return report_submit(
                data=ReportInput(
                    category=categories[category],
                    description=description,
                    commune=commune,
                    address="Đường Trần Hưng Đạo",
                    latitude=POINT[0] + Decimal(offset),
                    longitude=POINT[1],
                    occurred_at=now - timedelta(days=days_ago, hours=3),
                    is_anonymous=not contact,
                    **contact,
                ),
                channel="web",
                now=now - timedelta(days=days_ago),
            )

        showcase = web(
            "air",
            "Khói đen và mùi khét từ lò hơi của xưởng sấy nông sản, nhiều buổi sáng liên tục.",
            days_ago=6,
        )
        duplicate = web(
            "air",
            "Xưởng sấy đốt lò gây khói bụi cả khu phố.",
            days_ago=5,
            offset="0.000300",
            reporter_name="Trần Văn Bình",
            reporter_phone="0987654321",
        )
        report = report_accept(
            report=showcase.report, actor=specialist, now=now - timedelta(days=5)
        )
        report_merge(
            report=duplicate.report,
            into=report,
            actor=specialist,
            note="Cùng xưởng sấy",
            now=now - timedelta(days=5),
        )
        report_answer_write(
            report=report,
            actor=specialist,
            now=now - timedelta(days=2),
            text="Chi cục đã kiểm tra xưởng sấy, lập biên bản vi phạm về khí thải và yêu cầu "
            "lắp thiết bị xử lý bụi trong 30 ngày.",
        )
        report_answer_approve(report=report, actor=head, now=now - timedelta(days=2))
        hotline = report_submit(
            data=ReportInput(
                category=categories["water"],
                description="Người gọi báo nước suối đổi màu, có mùi hôi gần khu chăn nuôi.",
                commune=commune,
                address="Suối Cam Ly",
                reporter_phone="0977111222",
            ),
            channel="hotline",
            recorded_by=operator,
            now=now - timedelta(days=3),
        )
        report_accept(report=hotline.report, actor=specialist, now=now - timedelta(days=2))
        web("solid_waste", "Đổ trộm xà bần ven đường mỗi tối.", days_ago=1, offset="0.004000")
    return DemoSummary(
        created=Report.objects.count(),
        skipped=False,
        showcase_code=showcase.report.code,
        showcase_secret=showcase.secret,
    )
