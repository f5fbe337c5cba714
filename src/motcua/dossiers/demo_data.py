"""Demo dossiers: a few dozen dossiers across the demo procedures and every status, made through
the real services, so that a newcomer sees a living system (`motcua load_demo_dossiers`).

Every dossier is drafted with `dossier_draft_create`, given its form and generated documents
(a small PDF or PNG) with `dossier_draft_update` and `attachment_upload`, submitted with
`dossier_submit` at a moment of the last 60 days, then moved along with `lifecycle.transition`
by the demo staff (`tiepnhan`, `chuyenvien`, `truongphong`, `giamdoc`), with their notes. The
back office (issue 4) will have services for these steps; until then the lifecycle is called
directly, which records the same events and audit entries.

The showcase dossier is submitted online by the demo citizen Nguyễn Văn An (phone 0912345678)
on 1 October 2026 at 09:15: it is the first dossier of the department that day, so its code is
H56.14-261001-0001 (the README names it for trying the lookup).

Names, addresses, ID numbers and phone numbers are made up; communes are the real communes of
Lâm Đồng (province code 68) from core.Commune.
"""

from __future__ import annotations

import random
import re
import struct
import unicodedata
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from motcua.accounts.models import User
from motcua.catalog.models import ApplicantKind, Channel, Procedure, ProcedureVersion
from motcua.core.audit import audit_record
from motcua.core.calendar import due_at, extend_due_for_pause, next_working_moment
from motcua.core.errors import DomainError
from motcua.core.models import AuditEntry, Commune
from motcua.dossiers import lifecycle
from motcua.dossiers.models import Dossier, Status
from motcua.dossiers.services import (
    attachment_upload,
    dossier_draft_create,
    dossier_draft_update,
    dossier_submit,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PROVINCE_CODE = "68"  # Lâm Đồng
MARKER_ACTION = "demo.dossiers_load"
SEED = 2026

SHOWCASE_PROCEDURE = "1.012783"
SHOWCASE_SUBMITTED_AT = datetime(2026, 10, 1, 9, 15, tzinfo=VN)
SHOWCASE_PHONE = "0912345678"

STAFF_USERNAMES = ("tiepnhan", "chuyenvien", "truongphong", "giamdoc")
CITIZEN_AN, CITIZEN_BINH, CITIZEN_CHAU = "068090001234", "068195004321", "079203001122"
ORGANISATION = "5800123456"

# --- People -----------------------------------------------------------------------------------

FAMILY_NAMES = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý", "K'",
]  # fmt: skip
MALE_MIDDLE = ["Văn", "Minh", "Hữu", "Đức", "Quốc", "Thanh", "Công", "Xuân"]
FEMALE_MIDDLE = ["Thị", "Ngọc", "Thu", "Thanh", "Mỹ", "Kim", "Hồng"]
MALE_GIVEN = ["An", "Bảo", "Cường", "Dũng", "Hải", "Hiếu", "Hùng", "Khánh", "Long", "Nam",
              "Phúc", "Quân", "Sơn", "Tài", "Thắng", "Tuấn", "Việt"]  # fmt: skip
FEMALE_GIVEN = ["Anh", "Dung", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai", "Nga",
                "Ngân", "Oanh", "Phương", "Tâm", "Thảo", "Trang", "Vy", "Yến"]  # fmt: skip
# K'Ho names of the Lâm Đồng highlands (K' + given name), for a few applicants.
KHO_GIVEN = ["Brăh", "Điểu", "Sang", "Tiếp", "Hoan"]
STREETS = [
    "đường Trần Phú", "đường Phan Đình Phùng", "đường Hai Bà Trưng", "đường Bùi Thị Xuân",
    "đường 3 Tháng 2", "đường Nguyễn Văn Trỗi", "đường Hùng Vương", "đường Trần Hưng Đạo",
    "đường Lê Hồng Phong", "đường Yersin",
]  # fmt: skip
HAMLETS = ["Thôn 1", "Thôn 3", "Thôn Phú Thạnh", "Thôn Đa Thành", "Tổ dân phố 5",
           "Tổ dân phố Tân Tiến", "Buôn K'Long"]  # fmt: skip
ORGANISATIONS = [
    ("Công ty TNHH Chè Cầu Đất Xanh", "5800234567"),
    ("Công ty Cổ phần Khoáng sản Lâm Viên", "5800345678"),
    ("Hợp tác xã Nông nghiệp Xuân Trường", "5800456789"),
    ("Công ty TNHH Nước sạch Đức Trọng", "5800567890"),
    ("Công ty Cổ phần Vật liệu xây dựng Di Linh", "5800678901"),
    ("Công ty TNHH Cà phê Bảo Lộc", "5800789012"),
]
BANKS = [
    "Ngân hàng TMCP Ngoại thương Việt Nam, Chi nhánh Lâm Đồng",
    "Ngân hàng Nông nghiệp và Phát triển Nông thôn, Chi nhánh Đà Lạt",
    "Ngân hàng TMCP Đầu tư và Phát triển Việt Nam, Chi nhánh Bảo Lộc",
]
PHONE_PREFIXES = ["090", "091", "093", "094", "096", "097", "098", "032", "035", "038", "039",
                  "070", "077", "079", "081", "083", "085", "086", "088"]  # fmt: skip

# --- What the staff write ---------------------------------------------------------------------

REFUSAL_REASONS = [
    "Thửa đất thuộc thẩm quyền giải quyết của Ủy ban nhân dân cấp xã nơi có đất; đề nghị ông "
    "(bà) nộp hồ sơ tại bộ phận một cửa của xã.",
    "Thửa đất đang có tranh chấp chưa được giải quyết; chưa đủ điều kiện thực hiện thủ tục theo "
    "quy định của Luật Đất đai năm 2024.",
    "Khu vực đề nghị nằm trong khu vực cấm hoạt động khoáng sản theo quyết định của Ủy ban nhân "
    "dân tỉnh; không đủ điều kiện cấp phép.",
    "Dự án không thuộc đối tượng phải có giấy phép môi trường cấp tỉnh; đề nghị thực hiện đăng "
    "ký môi trường tại Ủy ban nhân dân cấp xã.",
]
SUPPLEMENT_TEMPLATES = [
    "Đề nghị bổ sung, hoàn thiện hồ sơ: 1) {document} (bản rõ nét, đủ các trang); 2) ký ghi rõ "
    "họ tên tại trang cuối đơn đề nghị.",
    "Hồ sơ chưa đầy đủ: thiếu {document}. Đề nghị bổ sung trong thời hạn 10 ngày làm việc; thời "
    "gian bổ sung không tính vào thời hạn giải quyết.",
    "Thông tin kê khai về diện tích chưa khớp với {document}; đề nghị kiểm tra, kê khai lại và "
    "nộp bổ sung bản sao có chứng thực.",
]
WITHDRAW_REASONS = [
    "Người nộp có đơn xin rút hồ sơ để hoàn thiện lại giấy tờ.",
    "Người nộp đề nghị rút hồ sơ do thay đổi nhu cầu sử dụng đất.",
]
STOP_REASONS = [
    "Dừng xử lý do có đơn tranh chấp đối với thửa đất; Tòa án nhân dân đã thụ lý vụ án.",
    "Dừng xử lý theo văn bản của cơ quan điều tra đề nghị tạm dừng giải quyết hồ sơ.",
]
TRANSFER_NOTES = {
    "dat-dai": "Chuyển Văn phòng Đăng ký đất đai xử lý.",
    "moi-truong": "Chuyển Chi cục Bảo vệ môi trường thẩm định.",
    "tai-nguyen-nuoc": "Chuyển Phòng Tài nguyên nước và Khoáng sản thẩm định.",
    "khoang-san": "Chuyển Phòng Tài nguyên nước và Khoáng sản thẩm định.",
}
FINISH_NOTES = {
    "dat-dai": "Lãnh đạo Sở đã ký Giấy chứng nhận; chuyển bộ phận một cửa trả kết quả.",
    "moi-truong": "Đã ban hành quyết định; chuyển bộ phận một cửa trả kết quả.",
    "tai-nguyen-nuoc": "Đã cấp giấy phép; chuyển bộ phận một cửa trả kết quả.",
    "khoang-san": "Ủy ban nhân dân tỉnh đã cấp giấy phép; chuyển bộ phận một cửa trả kết quả.",
}


@dataclass(frozen=True)
class Step:
    """A move of the lifecycle: its status, who makes it and how long after the previous one
    (hours, before it is fitted into working hours)."""

    to_status: str
    actor: str  # a staff username, or "applicant"
    gap_hours: tuple[float, float]


STEPS: dict[str, Step] = {
    "receive": Step(Status.RECEIVED, "tiepnhan", (0.5, 20)),
    "refuse": Step(Status.REFUSED, "tiepnhan", (1, 24)),
    "transfer": Step(Status.PROCESSING, "tiepnhan", (0.5, 4)),
    "request_supplement": Step(Status.SUPPLEMENT_REQUESTED, "chuyenvien", (24, 96)),
    "supplement": Step(Status.PROCESSING, "applicant", (24, 120)),
    "request_financial_obligation": Step(Status.FINANCIAL_OBLIGATION, "chuyenvien", (24, 96)),
    "financial_obligation_fulfilled": Step(Status.PROCESSING, "tiepnhan", (24, 96)),
    "withdraw": Step(Status.WITHDRAWN, "applicant", (24, 120)),
    "stop": Step(Status.STOPPED, "truongphong", (48, 160)),
    "finish": Step(Status.DONE, "giamdoc", (48, 160)),
    "return_result": Step(Status.RETURNED, "tiepnhan", (2, 72)),
}
# Ways to reach each status from "new"; the plan picks one by the dossier's number.
PATHS: dict[str, list[list[str]]] = {
    Status.NEW: [[]],
    Status.RECEIVED: [["receive"]],
    Status.REFUSED: [["refuse"]],
    Status.PROCESSING: [
        ["receive", "transfer"],
        ["receive", "transfer", "request_supplement", "supplement"],
    ],
    Status.SUPPLEMENT_REQUESTED: [
        ["request_supplement"],
        ["receive", "transfer", "request_supplement"],
    ],
    Status.FINANCIAL_OBLIGATION: [["receive", "transfer", "request_financial_obligation"]],
    Status.WITHDRAWN: [["withdraw"], ["receive", "withdraw"]],
    Status.STOPPED: [["receive", "transfer", "stop"]],
    Status.DONE: [
        ["receive", "transfer", "finish"],
        [
            "receive",
            "transfer",
            "request_financial_obligation",
            "financial_obligation_fulfilled",
            "finish",
        ],
    ],
    Status.RETURNED: [
        ["receive", "transfer", "finish", "return_result"],
        ["receive", "transfer", "request_supplement", "supplement", "finish", "return_result"],
    ],
}
SHOWCASE_PATH = [
    ("receive", datetime(2026, 10, 1, 10, 5, tzinfo=VN)),
    ("transfer", datetime(2026, 10, 1, 14, 30, tzinfo=VN)),
    ("request_financial_obligation", datetime(2026, 10, 2, 9, 0, tzinfo=VN)),
    ("financial_obligation_fulfilled", datetime(2026, 10, 5, 8, 30, tzinfo=VN)),
    ("finish", datetime(2026, 10, 7, 16, 0, tzinfo=VN)),
    ("return_result", datetime(2026, 10, 8, 9, 30, tzinfo=VN)),
]


@dataclass(frozen=True)
class Planned:
    """One demo dossier: its final status, channel, applicant (a demo account's username, or
    None for a made-up applicant at the counter or by post) and procedure code."""

    status: str
    channel: str
    account: str | None
    procedure: str


# The demo accounts' own dossiers, so that "Hồ sơ của tôi" is alive for each of them.
ACCOUNT_PLAN = [
    Planned(Status.PROCESSING, Channel.ONLINE, CITIZEN_AN, "1.012784"),
    Planned(Status.SUPPLEMENT_REQUESTED, Channel.ONLINE, CITIZEN_AN, "1.012786"),
    Planned(Status.NEW, Channel.ONLINE, CITIZEN_AN, "1.012801"),
    Planned(Status.DONE, Channel.ONLINE, CITIZEN_AN, "1.004253"),
    Planned(Status.RECEIVED, Channel.ONLINE, CITIZEN_BINH, "1.012783"),
    Planned(Status.FINANCIAL_OBLIGATION, Channel.ONLINE, CITIZEN_BINH, "1.012784"),
    Planned(Status.WITHDRAWN, Channel.ONLINE, CITIZEN_BINH, "1.012766"),
    Planned(Status.REFUSED, Channel.ONLINE, CITIZEN_CHAU, "1.004232"),
    Planned(Status.RETURNED, Channel.ONLINE, CITIZEN_CHAU, "1.012801"),
    Planned(Status.PROCESSING, Channel.ONLINE, ORGANISATION, "1.010727"),
    Planned(Status.SUPPLEMENT_REQUESTED, Channel.ONLINE, ORGANISATION, "1.010733"),
    Planned(Status.RECEIVED, Channel.ONLINE, ORGANISATION, "1.004446"),
    Planned(Status.RETURNED, Channel.ONLINE, ORGANISATION, "1.012756"),
]
# Dossiers of made-up applicants, by final status; their procedures go round the catalogue.
WALK_IN_STATUSES = {
    Status.NEW: 4,
    Status.RECEIVED: 3,
    Status.REFUSED: 2,
    Status.PROCESSING: 5,
    Status.SUPPLEMENT_REQUESTED: 2,
    Status.FINANCIAL_OBLIGATION: 2,
    Status.WITHDRAWN: 1,
    Status.STOPPED: 2,
    Status.DONE: 3,
    Status.RETURNED: 3,
}

# --- Form data --------------------------------------------------------------------------------


@dataclass
class Applicant:
    kind: str
    name: str
    id_number: str
    phone: str
    email: str
    address: str
    commune: Commune | None
    account: User | None = None

    @property
    def place(self) -> str:
        commune = f", {self.commune.name}" if self.commune else ""
        return f"{self.address}{commune}, tỉnh Lâm Đồng"


def _date_before(rng: random.Random, days_min: int, days_max: int) -> str:
    return (timezone.localdate() - timedelta(days=rng.randint(days_min, days_max))).isoformat()


def _serial(rng: random.Random) -> str:
    return f"{rng.choice(['AA', 'AB', 'AC', 'BT', 'CS', 'DA'])} {rng.randint(100000, 999999)}"


def _parcel(rng: random.Random) -> dict[str, Any]:
    return {"parcel_number": rng.randint(12, 980), "map_sheet": rng.randint(1, 64)}


def _land_exchange(rng, applicant):
    return {
        "certificate_serial": _serial(rng),
        "certificate_entry_number": f"CS {rng.randint(1000, 9999):05d}",
        **_parcel(rng),
        "parcel_address": applicant.place,
        "reason": rng.choice(
            [
                "Giấy chứng nhận bị ố, nhòe, rách, hư hỏng",
                "Đổi sang mẫu Giấy chứng nhận mới",
                "Đo đạc lại bản đồ địa chính",
            ]
        ),
        "certificate_count": rng.choice([1, 1, 1, 2]),
        "declaration": True,
    }


def _land_first_registration(rng, applicant):
    return {
        **_parcel(rng),
        "area_m2": round(rng.uniform(800, 25000), 1),
        "parcel_address": applicant.place,
        "allocation_decision_number": f"{rng.randint(100, 3999)}/QĐ-UBND",
        "allocation_decision_date": _date_before(rng, 200, 900),
        "management_purpose": "Đất hành lang bảo vệ công trình thủy lợi hồ Tuyền Lâm.",
        "declaration": True,
    }


def _lease_deletion(rng, applicant):
    return {
        "infrastructure_project": "Khu công nghiệp Lộc Sơn",
        "lease_contract_number": f"{rng.randint(10, 250)}/HĐTĐ",
        "termination_date": _date_before(rng, 20, 120),
        "certificate_serial": _serial(rng),
        **_parcel(rng),
        "declaration": True,
    }


def _mortgage(rng, applicant):
    return {
        "mortgagee_name": rng.choice(BANKS),
        "contract_number": f"{rng.randint(1000, 9999)}/{timezone.localdate().year}/HĐTC",
        "contract_date": _date_before(rng, 1, 10),
        "certificate_serial": _serial(rng),
        **_parcel(rng),
        "includes_attached_assets": rng.random() < 0.5,
        "notification_email": "dangkybaodam@example.com",
    }


def _lost_certificate(rng, applicant):
    return {
        **_parcel(rng),
        "parcel_address": applicant.place,
        "loss_date": _date_before(rng, 30, 200),
        "loss_circumstances": (
            "Bị mất trong lúc chuyển nhà; đã trình báo công an phường và niêm yết thông báo tại "
            "trụ sở Ủy ban nhân dân phường."
        ),
        "declaration": True,
    }


def _subdivision(rng, applicant):
    operation = rng.choice(["Tách thửa", "Hợp thửa"])
    return {
        "operation": operation,
        **_parcel(rng),
        "area_m2": round(rng.uniform(180, 2400), 1),
        "land_use_purpose": rng.choice(["Đất ở tại đô thị", "Đất trồng cây lâu năm"]),
        "resulting_parcels": rng.randint(2, 4) if operation == "Tách thửa" else 1,
        "parcel_address": applicant.place,
        "reason": "Tặng cho con một phần thửa đất để xây nhà ở.",
        "declaration": True,
    }


def _environmental_permit(rng, applicant):
    return {
        "project_name": rng.choice(
            [
                "Nhà máy chế biến chè Cầu Đất",
                "Trang trại chăn nuôi bò sữa Đơn Dương",
                "Nhà máy sản xuất phân bón hữu cơ Đức Trọng",
            ]
        ),
        "project_location": applicant.place,
        "project_group": rng.choice(["Nhóm II", "Nhóm III"]),
        "main_activity": "Chế biến nông sản",
        "design_capacity": f"{rng.randint(2, 40) * 500:,} tấn sản phẩm/năm".replace(",", "."),
        "wastewater_m3_per_day": round(rng.uniform(20, 450), 1),
        "emission_m3_per_hour": round(rng.uniform(1000, 20000)),
        "has_hazardous_waste": rng.random() < 0.4,
        "requested_term_years": rng.choice([7, 10]),
        "declaration": True,
    }


def _eia(rng, applicant):
    return {
        "project_name": rng.choice(
            ["Khu du lịch sinh thái hồ Tuyền Lâm", "Dự án trồng rau công nghệ cao Lạc Dương"]
        ),
        "project_location": applicant.place,
        "total_investment_billion_vnd": round(rng.uniform(45, 900), 1),
        "land_area_ha": round(rng.uniform(5, 120), 2),
        "sensitive_factors": ["Sử dụng đất rừng"],
        "consultant_name": "Công ty TNHH Tư vấn Môi trường Cao Nguyên",
        "declaration": True,
    }


def _groundwater(rng, applicant):
    return {
        "project_name": rng.choice(
            ["Trạm cấp nước sinh hoạt thôn Phú Thạnh", "Trang trại rau Lạc Dương"]
        ),
        "extraction_location": applicant.place,
        "well_count": rng.randint(1, 4),
        "total_flow_m3_per_day": round(rng.uniform(30, 600), 1),
        "aquifer": "Tầng chứa nước khe nứt Jura",
        "purpose": rng.choice(["Cấp nước sinh hoạt", "Sản xuất nông nghiệp"]),
        "requested_term_years": rng.choice([5, 10]),
        "declaration": True,
    }


def _groundwater_exploration(rng, applicant):
    return {
        "project_name": "Thăm dò nước dưới đất phục vụ tưới cà phê",
        "exploration_location": applicant.place,
        "planned_well_count": rng.randint(1, 3),
        "planned_flow_m3_per_day": round(rng.uniform(50, 300), 1),
        "duration_months": rng.randint(3, 9),
        "declaration": True,
    }


def _surface_water(rng, applicant):
    return {
        "project_name": "Trạm bơm tưới Đạ Đờn",
        "water_source": rng.choice(["Sông Đa Nhim", "Suối Đạ Đờn", "Hồ Nam Phương"]),
        "intake_location": applicant.place,
        "intake_type": "Trạm bơm",
        "max_flow_m3_per_day": round(rng.uniform(200, 3000)),
        "purpose": "Sản xuất nông nghiệp",
        "requested_term_years": 10,
        "declaration": True,
    }


def _mineral_exploration(rng, applicant):
    return {
        "mineral_type": "Cát, sỏi làm vật liệu xây dựng thông thường",
        "exploration_location": f"Lòng sông Đồng Nai, {applicant.place}",
        "exploration_area_ha": round(rng.uniform(8, 60), 1),
        "duration_months": rng.randint(6, 18),
        "exploration_methods": "Khoan tay, lấy mẫu lòng sông, đo địa vật lý.",
        "budget_million_vnd": rng.randint(800, 4500),
        "declaration": True,
    }


def _mineral_extraction(rng, applicant):
    return {
        "mineral_type": "Đá xây dựng (đá bazan)",
        "mining_location": applicant.place,
        "exploration_licence_number": f"{rng.randint(10, 99)}/GP-UBND",
        "mining_area_ha": round(rng.uniform(3, 30), 1),
        "reserves_m3": rng.randint(300, 2000) * 1000,
        "capacity_m3_per_year": rng.randint(30, 150) * 1000,
        "mining_method": "Lộ thiên",
        "term_years": rng.randint(10, 25),
        "declaration": True,
    }


FORM_BUILDERS: dict[str, Callable[[random.Random, Applicant], dict[str, Any]]] = {
    "1.012756": _land_first_registration,
    "1.012783": _land_exchange,
    "1.012766": _lease_deletion,
    "1.012801": _mortgage,
    "1.012786": _lost_certificate,
    "1.012784": _subdivision,
    "1.010727": _environmental_permit,
    "1.010733": _eia,
    "1.004253": _groundwater,
    "1.004232": _groundwater_exploration,
    "1.004179": _surface_water,
    "1.004446": _mineral_exploration,
    "1.004345": _mineral_extraction,
}


def form_data_sample(schema: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """Values that satisfy a form schema of the subset catalog/forms.py allows, for a procedure
    without a hand-written example (a catalogue changed by an administrator)."""
    data = {}
    for name, prop in schema.get("properties", {}).items():
        value = _sample_value(prop, rng)
        if value is not None:
            data[name] = value
    return data


def _sample_value(prop: dict[str, Any], rng: random.Random) -> Any:
    if "const" in prop:
        return prop["const"]
    if "enum" in prop:
        return rng.choice(prop["enum"])
    kind = prop.get("type")
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        low = prop.get("minimum", prop.get("exclusiveMinimum", 0) + 1)
        high = prop.get("maximum", prop.get("exclusiveMaximum", low + 100) - 1)
        return rng.randint(int(low), max(int(low), int(min(high, low + 20))))
    if kind == "array":
        choices = prop.get("items", {}).get("enum", [])
        return choices[:1] if choices else None
    if kind == "string":
        if prop.get("format") == "date":
            return _date_before(rng, 10, 300)
        if prop.get("format") == "email":
            return "lienhe@example.com"
        if "pattern" in prop:
            return None
        return str(prop.get("title") or "Nội dung")[: prop.get("maxLength", 255)]
    return None


def form_data_for(version: ProcedureVersion, applicant: Applicant, rng: random.Random) -> dict:
    template = getattr(version, "form_template", None)
    schema = template.schema if template else {}
    data = form_data_sample(schema, rng)
    builder = FORM_BUILDERS.get(version.procedure.code)
    if builder is not None:
        data.update(builder(rng, applicant))
    properties = schema.get("properties", {})
    return {name: value for name, value in data.items() if name in properties}


# --- Documents --------------------------------------------------------------------------------


def ascii_text(value: str) -> str:
    """Vietnamese without diacritics, for the standard PDF fonts."""
    decomposed = unicodedata.normalize("NFD", value.replace("Đ", "D").replace("đ", "d"))
    text = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return text.encode("ascii", "replace").decode("ascii")


def _pdf_string(value: str) -> str:
    return ascii_text(value).replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def demo_pdf(title: str, lines: list[str]) -> bytes:
    """A small valid one-page A4 PDF with a title and lines of text (Helvetica)."""
    text = [f"BT /F1 15 Tf 56 780 Td ({_pdf_string(title[:80])}) Tj ET"]
    for number, line in enumerate(lines):
        text.append(f"BT /F1 11 Tf 56 {744 - 18 * number} Td ({_pdf_string(line[:95])}) Tj ET")
    stream = "\n".join(text).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def demo_png(seed: int, width: int = 240, height: int = 170) -> bytes:
    """A small PNG that looks like a scanned page: paper, lines of "text", a red stamp."""
    rng = random.Random(seed)
    paper, ink, stamp = (246, 243, 232), (70, 74, 84), (190, 40, 40)
    line_rows = {row: rng.randint(60, width - 24) for row in range(28, height - 30, 12)}
    cx, cy, radius = width - 52, height - 38, 22
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")
        for x in range(width):
            colour = paper
            if (y in line_rows and 20 <= x < line_rows[y]) or (y in (14, 15) and 60 <= x < 180):
                colour = ink
            if radius - 3 <= ((x - cx) ** 2 + (y - cy) ** 2) ** 0.5 <= radius:
                colour = stamp
            row += bytes(colour)
        rows.append(bytes(row))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"".join(rows), 6))
        + _png_chunk(b"IEND", b"")
    )


def _slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", ascii_text(value).lower()).strip("-")[:60] or "giay-to"


def document_file(document_name: str, *, dossier: Dossier, seed: int) -> ContentFile:
    """The file an applicant would upload for a required document: scans of certificates, maps
    and drawings as PNG, everything else as PDF."""
    scanned = re.search(r"Giấy chứng nhận|[Bb]ản đồ|[Bb]ản vẽ", document_name)
    if scanned:
        return ContentFile(demo_png(seed), name=f"ban-quet-{_slug(document_name)}.png")
    lines = [
        f"Kinh gui: {dossier.procedure_version.agency.name}",
        f"Nguoi nop: {dossier.applicant_name}",
        f"Dia chi: {dossier.applicant_address}",
        f"Thu tuc: {dossier.procedure_version.name}",
        "",
        "Tai lieu mau tao tu dong cho ban trinh dien Motcua (khong co gia tri phap ly).",
    ]
    return ContentFile(demo_pdf(document_name, lines), name=f"{_slug(document_name)}.pdf")


# --- Loading ----------------------------------------------------------------------------------


class DemoDataMissing(DomainError):
    """What the demo dossiers need is not loaded (demo accounts, catalogue, communes)."""


@dataclass
class DemoSummary:
    created: int = 0
    by_status: Counter = field(default_factory=Counter)
    showcase_code: str = ""
    showcase_phone: str = SHOWCASE_PHONE
    skipped: bool = False


def demo_dossiers_exist() -> bool:
    return AuditEntry.objects.filter(action=MARKER_ACTION).exists()


class _Loader:
    def __init__(self, now: datetime):
        self.now = now
        self.rng = random.Random(SEED)
        self.staff = {u.username: u for u in User.objects.filter(username__in=STAFF_USERNAMES)}
        missing = set(STAFF_USERNAMES) - set(self.staff)
        if missing:
            raise DemoDataMissing(
                f"Thiếu tài khoản cán bộ mẫu {', '.join(sorted(missing))}: chạy `motcua demo`."
            )
        self.accounts = {
            u.username: u
            for u in User.objects.filter(
                username__in=[CITIZEN_AN, CITIZEN_BINH, CITIZEN_CHAU, ORGANISATION]
            )
        }
        self.communes = list(Commune.objects.filter(province_id=PROVINCE_CODE).order_by("code"))
        if not self.communes:
            raise DemoDataMissing(
                "Chưa có danh mục xã, phường của tỉnh Lâm Đồng: chạy "
                "`motcua load_administrative_units`."
            )
        self.procedures = {
            procedure.code: procedure
            for procedure in Procedure.objects.filter(
                is_active=True, current_version__status=ProcedureVersion.Status.PUBLISHED
            ).select_related("current_version__form_template", "current_version__agency", "field")
        }
        if not self.procedures:
            raise DemoDataMissing("Chưa có thủ tục mẫu: chạy `motcua load_demo_catalog`.")
        self.summary = DemoSummary()
        self._used_ids: set[str] = set()

    # -- applicants --

    def _phone(self) -> str:
        return self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randint(0, 9_999_999):07d}"

    def _address(self) -> str:
        if self.rng.random() < 0.6:
            return f"Số {self.rng.randint(2, 180)} {self.rng.choice(STREETS)}"
        return self.rng.choice(HAMLETS)

    def _made_up_citizen(self) -> Applicant:
        female = self.rng.random() < 0.5
        family = self.rng.choice(FAMILY_NAMES)
        if family == "K'":
            name = f"K'{self.rng.choice(KHO_GIVEN)}"
        else:
            middle = self.rng.choice(FEMALE_MIDDLE if female else MALE_MIDDLE)
            given = self.rng.choice(FEMALE_GIVEN if female else MALE_GIVEN)
            name = f"{family} {middle} {given}"
        year = self.rng.randint(1955, 2004)
        century = (0 if year < 2000 else 2) + (1 if female else 0)
        while True:
            number = f"068{century}{year % 100:02d}{self.rng.randint(0, 999_999):06d}"
            if number not in self._used_ids:
                self._used_ids.add(number)
                break
        return Applicant(
            kind=ApplicantKind.CITIZEN,
            name=name,
            id_number=number,
            phone=self._phone(),
            email="",
            address=self._address(),
            commune=self.rng.choice(self.communes),
        )

    def _made_up_organisation(self) -> Applicant:
        name, tax_code = self.rng.choice(ORGANISATIONS)
        return Applicant(
            kind=ApplicantKind.ORGANISATION,
            name=name,
            id_number=tax_code,
            phone=self._phone(),
            email=f"lienhe.{_slug(name)[-20:].strip('-')}@example.com",
            address=self._address(),
            commune=self.rng.choice(self.communes),
        )

    def _account_applicant(self, account: User) -> Applicant:
        kind = (
            ApplicantKind.ORGANISATION
            if account.kind == User.Kind.ORGANISATION
            else ApplicantKind.CITIZEN
        )
        commune = account.commune or self.rng.choice(self.communes)
        return Applicant(
            kind=kind,
            name=account.full_name,
            id_number=account.tax_code
            if kind == ApplicantKind.ORGANISATION
            else account.personal_id,
            phone=account.phone,
            email=account.email,
            address=account.address or self._address(),
            commune=commune,
            account=account,
        )

    # -- one dossier --

    def _for_organisations_only(self, code: str) -> bool:
        procedure = self.procedures.get(code)
        kinds = procedure.current_version.applicant_kinds if procedure else []
        return ApplicantKind.CITIZEN not in kinds

    def _procedure(self, code: str, kind: str, channel: str) -> Procedure | None:
        """The planned procedure, or another that accepts this applicant and channel."""
        others = sorted(self.procedures.values(), key=lambda procedure: procedure.code)
        candidates = [self.procedures.get(code), *others]
        for procedure in candidates:
            if procedure is None:
                continue
            version = procedure.current_version
            if kind in version.applicant_kinds and (
                version.allows_online if channel == Channel.ONLINE else channel in version.channels
            ):
                return procedure
        return None

    def _draft(self, procedure: Procedure, applicant: Applicant, channel: str) -> Dossier:
        actor = applicant.account if channel == Channel.ONLINE else self.staff["tiepnhan"]
        details = {"address": applicant.address, "commune": applicant.commune}
        if applicant.account is None:
            details.update(
                kind=applicant.kind,
                name=applicant.name,
                id_number=applicant.id_number,
                phone=applicant.phone,
                email=applicant.email,
            )
        dossier = dossier_draft_create(
            procedure_code=procedure.code,
            owner=applicant.account,
            actor=actor,
            channel=channel,
            applicant=details,
        )
        version = procedure.current_version
        dossier = dossier_draft_update(
            dossier=dossier,
            actor=actor,
            form_data=form_data_for(version, applicant, self.rng),
            expected_version=dossier.version,
        )
        for document in version.documents.order_by("order", "id"):
            if not document.is_required and self.rng.random() < 0.5:
                continue
            attachment_upload(
                actor=actor,
                uploaded_file=document_file(
                    document.name, dossier=dossier, seed=self.rng.randint(0, 10**9)
                ),
                required_document=document,
                dossier=dossier,
                is_digitized=channel != Channel.ONLINE,
            )
        return dossier

    def _note(self, action: str, dossier: Dossier) -> str:
        version = dossier.procedure_version
        field_code = getattr(version.procedure.field, "code", "")
        if action == "refuse":
            return self.rng.choice(REFUSAL_REASONS)
        if action == "request_supplement":
            documents = [document.name for document in version.documents.all()] or ["đơn"]
            template = self.rng.choice(SUPPLEMENT_TEMPLATES)
            return template.format(document=self.rng.choice(documents).lower())
        if action == "supplement":
            return "Đã nộp bổ sung giấy tờ theo yêu cầu."
        if action == "receive":
            return "Hồ sơ đầy đủ, hợp lệ; đã cấp giấy tiếp nhận và hẹn trả kết quả."
        if action == "transfer":
            return TRANSFER_NOTES.get(field_code, "Chuyển phòng chuyên môn xử lý.")
        if action == "request_financial_obligation":
            return (
                "Đã chuyển thông tin sang cơ quan thuế; đề nghị người nộp thực hiện nghĩa vụ tài "
                "chính theo thông báo nộp tiền."
            )
        if action == "financial_obligation_fulfilled":
            return f"Người nộp đã nộp tiền theo biên lai số {self.rng.randint(10000, 99999)}."
        if action == "withdraw":
            return self.rng.choice(WITHDRAW_REASONS)
        if action == "stop":
            return self.rng.choice(STOP_REASONS)
        if action == "finish":
            return FINISH_NOTES.get(field_code, "Đã có kết quả; chuyển bộ phận một cửa.")
        if action == "return_result":
            return "Đã trả kết quả cho người nộp tại bộ phận một cửa."
        return ""

    def _timeline(self, submitted_at: datetime, path: list[str]) -> list[tuple[str, datetime]]:
        """When each step happened: random gaps, staff steps in working hours, the whole
        compressed when it would reach into the future."""
        gaps = [self.rng.uniform(*STEPS[action].gap_hours) for action in path]
        room = (self.now - timedelta(hours=1) - submitted_at).total_seconds() / 3600
        scale = min(1.0, room / sum(gaps)) if gaps and room > 0 else 1.0
        moments, at = [], submitted_at
        for action, gap in zip(path, gaps, strict=True):
            candidate = at + timedelta(hours=gap * scale)
            if STEPS[action].actor != "applicant":
                snapped = next_working_moment(candidate)
                if snapped < self.now:
                    candidate = snapped
            at = max(candidate, at + timedelta(minutes=5))
            moments.append((action, at))
        return moments

    def _walk(self, dossier: Dossier, timeline: list[tuple[str, datetime]]) -> Dossier:
        version = dossier.procedure_version
        paused_at = None
        for action, at in timeline:
            step = STEPS[action]
            if step.actor == "applicant":
                actor = dossier.owner or self.staff["tiepnhan"]
            elif action == "request_supplement" and dossier.status == Status.NEW:
                actor = self.staff["tiepnhan"]  # form 02, at reception
            else:
                actor = self.staff[step.actor]
            fields: dict[str, Any] = {}
            if action == "receive":
                fields = {
                    "received_at": at,
                    "appointment_at": due_at(
                        at, version.processing_time, version.processing_time_unit
                    ),
                }
            elif step.to_status in (Status.SUPPLEMENT_REQUESTED, Status.FINANCIAL_OBLIGATION):
                paused_at = at
            elif paused_at is not None and dossier.appointment_at:
                # The clock stood still while the applicant supplemented or paid.
                fields = {
                    "appointment_at": extend_due_for_pause(dossier.appointment_at, paused_at, at)
                }
                paused_at = None
            if action == "finish":
                fields["finished_at"] = at
            if action == "return_result":
                fields["returned_at"] = at
            lifecycle.transition(
                dossier=dossier,
                to_status=step.to_status,
                actor=actor,
                action=action,
                note=self._note(action, dossier),
                at=at,
                update_fields=fields,
            )
        return dossier

    def dossier(self, planned: Planned, *, submitted_at: datetime, timeline=None) -> Dossier | None:
        account = self.accounts.get(planned.account) if planned.account else None
        if planned.account and account is None:
            return None
        if account is not None:
            applicant = self._account_applicant(account)
        elif self._for_organisations_only(planned.procedure) or self.rng.random() < 0.2:
            applicant = self._made_up_organisation()
        else:
            applicant = self._made_up_citizen()
        procedure = self._procedure(planned.procedure, applicant.kind, planned.channel)
        if procedure is None:
            return None
        draft = self._draft(procedure, applicant, planned.channel)
        actor = applicant.account or self.staff["tiepnhan"]
        dossier = dossier_submit(dossier=draft, actor=actor, submitted_at=submitted_at)
        if timeline is None:
            path = PATHS[planned.status][self.summary.created % len(PATHS[planned.status])]
            timeline = self._timeline(submitted_at, path)
        self._walk(dossier, timeline)
        self.summary.created += 1
        self.summary.by_status[dossier.status] += 1
        return dossier

    # -- the plan --

    def _submitted_at(self, planned: Planned) -> datetime:
        steps = max(len(path) for path in PATHS[planned.status])
        if planned.status == Status.NEW:
            days = self.rng.uniform(0.1, 3)
        else:
            days = self.rng.uniform(4 + 6 * steps, 58) if steps >= 3 else self.rng.uniform(3, 40)
        moment = self.now - timedelta(days=min(days, 59.5))
        if planned.channel != Channel.ONLINE:
            snapped = next_working_moment(moment)
            moment = snapped if snapped < self.now else moment
        return moment

    def _walk_ins(self) -> list[Planned]:
        codes = sorted(self.procedures)
        planned, number = [], 0
        for status, count in WALK_IN_STATUSES.items():
            for _ in range(count):
                code = codes[number % len(codes)]
                channel = (
                    Channel.POST if status == Status.NEW or number % 5 == 4 else Channel.COUNTER
                )
                planned.append(Planned(status, channel, None, code))
                number += 1
        return planned

    def load(self) -> DemoSummary:
        showcase_owner = self.accounts.get(CITIZEN_AN)
        if showcase_owner is not None and self.now > SHOWCASE_SUBMITTED_AT:
            showcase = self.dossier(
                Planned(Status.RETURNED, Channel.ONLINE, CITIZEN_AN, SHOWCASE_PROCEDURE),
                submitted_at=SHOWCASE_SUBMITTED_AT,
                timeline=SHOWCASE_PATH,
            )
            if showcase is not None:
                self.summary.showcase_code = showcase.code
                self.summary.showcase_phone = showcase.applicant_phone
        plan = [
            (self._submitted_at(planned), planned) for planned in [*ACCOUNT_PLAN, *self._walk_ins()]
        ]
        # In the order of submission, so that codes count up through each day.
        for submitted_at, planned in sorted(plan, key=lambda item: item[0]):
            dossier = self.dossier(planned, submitted_at=submitted_at)
            if dossier is not None and not self.summary.showcase_code:
                self.summary.showcase_code = dossier.code
                self.summary.showcase_phone = dossier.applicant_phone
        return self.summary


def demo_dossiers_load(*, now: datetime | None = None) -> DemoSummary:
    """Create the demo dossiers once; when they were loaded before, do nothing (`skipped`).
    Raises DemoDataMissing when the demo accounts, catalogue or communes are not loaded."""
    if demo_dossiers_exist():
        return DemoSummary(skipped=True)
    with transaction.atomic():
        summary = _Loader(now or timezone.now()).load()
        audit_record(
            actor=None,
            action=MARKER_ACTION,
            object_type="dossiers.demo",
            object_label="Hồ sơ mẫu",
            changes={"created": summary.created, "showcase": summary.showcase_code},
        )
    return summary
