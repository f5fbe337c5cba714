"""Demo dossiers: a few dozen dossiers across the demo procedures and every status, moved through
the real back office, so that a newcomer sees a living system (`motcua load_demo_dossiers`).

Every dossier is drafted with `dossier_draft_create`, given its form and generated documents
(a small PDF or PNG) with `dossier_draft_update` and `attachment_upload`, and submitted with
`dossier_submit` at a moment of the last weeks. From there every move is the engine's own
`backoffice.dossier_act` at a past moment (`at=`): reception (which forwards to the first step
of the procedure's published internal process), assignment by least load where a step has
several holders, forwarding through the steps, supplement requests and answers (form 02), the
financial obligation of a tax step recorded by its officer (pause, then resume once paid; the
real `transfer` is never called, it would queue a send to the tax authority), consultations,
site inspections, a return to an earlier step, the result with its PDF, its return and the
applicant's rating; refusals (form 03), withdrawals and stops; and one late dossier whose unit
issued form 04. Each action is taken by the first demo account the engine allows (its check,
through `actions_available`): the applicant's own account for applicant actions, else the
assignee, the staff of the unit holding the dossier, then the other staff; so the journeys
follow whatever process an administrator publishes.

Dossiers still being processed are timed against now: a few are overdue at their step, a few
due within a working day, the others on track, so that the inboxes show their marks.

The showcase dossier is submitted online by the demo citizen Nguyễn Văn An (phone 0912345678)
on 1 October 2026 at 09:15, before any other, so its code is H56.14-261001-0001 (the README
names it for trying the lookup); its journey, through the tax step, ends returned and rated.

Names, addresses, ID numbers and phone numbers are made up; communes are the real communes of
Lâm Đồng (province code 68) from core.Commune. Every random choice comes from generators seeded
with SEED, one per planned dossier.
"""

from __future__ import annotations

import math
import random
import re
import struct
import unicodedata
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from motcua.accounts.models import Role, StaffRole, Unit, User
from motcua.catalog.models import (
    ApplicantKind,
    Channel,
    Procedure,
    ProcedureVersion,
    ProcessStep,
    RequiredDocument,
)
from motcua.catalog.selectors import process_definition_published, process_steps
from motcua.core.audit import audit_record
from motcua.core.calendar import (
    DurationUnit,
    WorkingCalendar,
    WorkingHours,
    add_working_days,
    due_at,
    next_working_moment,
    reception_start,
    working_hours_for,
)
from motcua.core.errors import DomainError
from motcua.core.models import AuditEntry, Commune
from motcua.dossiers.backoffice import ACTIONS, actions_available, dossier_act
from motcua.dossiers.models import Consultation, Dossier, ReturnMethod, Status
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

# --- What the staff and the applicants write ----------------------------------------------------

RECEIVE_NOTE = "Hồ sơ đầy đủ, hợp lệ; đã cấp giấy tiếp nhận và hẹn trả kết quả."
HOLD_NOTE = "Đã tiếp nhận hồ sơ giấy; đang số hóa trước khi chuyển phòng chuyên môn."
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
SUPPLEMENT_REASONS = [
    "Bản chụp mờ, thiếu trang; đề nghị nộp bản rõ nét, đủ các trang.",
    "Chưa ký, ghi rõ họ tên tại trang cuối.",
    "Thông tin về diện tích chưa khớp với tờ khai; đề nghị kiểm tra, nộp bản sao có chứng thực.",
    "Giấy tờ đã hết hiệu lực; đề nghị nộp bản mới.",
]
SUPPLEMENT_NOTE = (
    "Đề nghị bổ sung trong thời hạn 10 ngày làm việc; thời gian bổ sung không tính vào thời hạn "
    "giải quyết."
)
SUPPLEMENT_ANSWERS = [
    "Đã nộp bổ sung giấy tờ theo phiếu yêu cầu.",
    "Xin gửi bản rõ nét, đã ký đầy đủ theo yêu cầu.",
]
# Field of law -> what an officer finds on site.
INSPECTION_FINDINGS = {
    "dat-dai": "Đã kiểm tra thực địa cùng người sử dụng đất và cán bộ địa chính xã: ranh giới, "
    "mốc giới thửa đất đúng với hồ sơ; không có tranh chấp.",
    "moi-truong": "Kiểm tra thực tế tại khu vực dự án: hiện trạng phù hợp với hồ sơ đề nghị; hệ "
    "thống xử lý nước thải đã lắp đặt, đang vận hành thử nghiệm.",
    "tai-nguyen-nuoc": "Đã kiểm tra hiện trường công trình khai thác: lưu lượng đo thực tế phù "
    "hợp hồ sơ; đề nghị lắp thiết bị đo mực nước tự động.",
    "khoang-san": "Đã kiểm tra hiện trường khu vực đề nghị: ranh giới, tọa độ các điểm góc phù "
    "hợp hồ sơ; không chồng lấn khu vực cấm hoạt động khoáng sản.",
    "": "Đã kiểm tra thực tế: hiện trạng phù hợp với hồ sơ đề nghị.",
}
CONSULT_QUESTIONS = [
    "Đề nghị cho ý kiến về sự phù hợp của đề nghị với quy hoạch, kế hoạch sử dụng đất và các "
    "hạn chế về môi trường tại khu vực.",
    "Đề nghị cung cấp thông tin về tình hình chấp hành pháp luật của tổ chức, cá nhân tại khu "
    "vực đề nghị trong 2 năm gần đây.",
    "Đề nghị cho ý kiến về khả năng ảnh hưởng đến nguồn nước và các công trình khai thác lân cận.",
]
CONSULT_ANSWERS = [
    "Thống nhất với đề nghị; khu vực không thuộc vùng hạn chế, không có phản ánh vi phạm.",
    "Đơn vị không có ý kiến khác; đề nghị lưu ý bảo đảm hành lang bảo vệ nguồn nước.",
]
FORWARD_NOTES = {
    "handle": "Đã thẩm tra, hồ sơ đủ điều kiện; trình lãnh đạo đơn vị xem xét.",
    "approve": "Đồng ý với đề xuất của chuyên viên; trình lãnh đạo Sở ký.",
    "transfer": "Đã có thông báo và chứng từ nộp nghĩa vụ tài chính; chuyển bước tiếp theo.",
    "sign": "Đã ký.",
}
RETURN_TO_STEP_REASONS = [
    "Đề nghị chuyên viên kiểm tra lại số liệu diện tích và sơ đồ thửa đất trước khi trình ký.",
    "Dự thảo kết quả còn sai sót về căn cứ pháp lý; đề nghị hoàn thiện lại.",
]
WITHDRAW_REASONS = [
    "Người nộp có đơn xin rút hồ sơ để hoàn thiện lại giấy tờ.",
    "Người nộp đề nghị rút hồ sơ do thay đổi nhu cầu sử dụng đất.",
]
STOP_REASONS = [
    "Dừng xử lý do có đơn tranh chấp đối với thửa đất; Tòa án nhân dân đã thụ lý vụ án.",
    "Dừng xử lý theo văn bản của cơ quan điều tra đề nghị tạm dừng giải quyết hồ sơ.",
]
APOLOGY_REASON = (
    "Hồ sơ cần lấy ý kiến của đơn vị liên quan về quy hoạch sử dụng đất; đơn vị được xin ý kiến "
    "chưa trả lời nên chưa thể trả kết quả đúng hẹn. Cơ quan xin lỗi ông (bà) và hẹn lại ngày trả "
    "kết quả."
)
# Field of law -> what its result is called and how its number is written.
RESULTS = {
    "dat-dai": (
        "Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
        "CS {n:05d}",
    ),
    "moi-truong": ("Quyết định của Ủy ban nhân dân tỉnh", "{n}/QĐ-UBND"),
    "tai-nguyen-nuoc": ("Giấy phép tài nguyên nước", "{n}/GP-UBND"),
    "khoang-san": ("Giấy phép khoáng sản", "{n}/GP-UBND"),
}
RESULT_OTHER = ("Văn bản giải quyết thủ tục hành chính", "{n}/KQ")
RETURN_NOTES = {
    ReturnMethod.COUNTER: "Đã trả kết quả cho người nộp tại bộ phận một cửa.",
    ReturnMethod.POST: "Đã gửi kết quả qua dịch vụ bưu chính công ích.",
    ReturnMethod.ELECTRONIC: "Đã trả kết quả điện tử vào kho dữ liệu của người nộp.",
}
RATING_COMMENTS = [
    "Cán bộ hướng dẫn tận tình, trả kết quả trước hẹn.",
    "Thủ tục nhanh gọn, được nhắn tin báo từng bước.",
    "",
]

# --- The plan -----------------------------------------------------------------------------------

# Ways to reach each status, in words of the journey (see _Loader._expand: a supplement before
# "receive" is asked at reception, after it at the step); the plan takes them in turn for the
# dossiers of a status.
PATHS: dict[str, list[tuple[str, ...]]] = {
    Status.NEW: [(), (), ("supplement_round",)],
    Status.RECEIVED: [("hold",)],
    Status.REFUSED: [("refuse",), ("supplement_round", "refuse")],
    Status.PROCESSING: [
        ("receive", "inspect", "step"),
        ("receive", "supplement_round", "step"),
        ("receive", "consult"),
        ("receive", "step", "step"),
        ("receive",),
    ],
    Status.SUPPLEMENT_REQUESTED: [("receive", "ask_supplement"), ("ask_supplement",)],
    Status.FINANCIAL_OBLIGATION: [("receive", "tax")],
    Status.WITHDRAWN: [("withdraw",), ("receive", "withdraw")],
    Status.STOPPED: [("receive", "stop"), ("receive", "consult_answered", "stop")],
    Status.DONE: [("receive", "finish"), ("receive", "inspect", "finish")],
    Status.RETURNED: [
        ("receive", "finish", "return", "rate"),
        ("receive", "supplement_round", "finish", "return"),
        ("receive", "consult_answered", "back", "finish", "return", "rate"),
    ],
}
# Dossiers being processed that are timed against now (see _Loader._entry_for).
OVERDUE, DUE_SOON, LATE = "overdue", "due_soon", "late"
MARKED_PATHS = {
    OVERDUE: ("receive", "step"),
    DUE_SOON: ("receive",),
    # Held up by a consultation nobody answered: past its legal appointment, with form 04.
    LATE: ("receive", "consult", "apologize"),
}
SHOWCASE_PATH = ("receive", "finish", "return", "rate")
# When each move of the showcase's journey happened (Thursday 1 to Thursday 8 October 2026),
# used when its process has the demo's four steps (11 moves); otherwise its moves are timed
# like the others'.
SHOWCASE_MOMENTS = [
    datetime(2026, 10, 1, 10, 5, tzinfo=VN),  # received, at step 1 (two specialists)
    datetime(2026, 10, 1, 10, 40, tzinfo=VN),  # assigned by the head
    datetime(2026, 10, 1, 15, 20, tzinfo=VN),  # checked, to the tax step
    datetime(2026, 10, 1, 16, 10, tzinfo=VN),  # assigned
    datetime(2026, 10, 2, 9, 0, tzinfo=VN),  # tax notice recorded: financial obligation
    datetime(2026, 10, 5, 8, 30, tzinfo=VN),  # paid
    datetime(2026, 10, 5, 9, 10, tzinfo=VN),  # to the head
    datetime(2026, 10, 6, 10, 0, tzinfo=VN),  # to the director
    datetime(2026, 10, 7, 16, 0, tzinfo=VN),  # signed: result ready
    datetime(2026, 10, 8, 9, 30, tzinfo=VN),  # returned at the desk
    datetime(2026, 10, 8, 20, 15, tzinfo=VN),  # rated by An
]


@dataclass(frozen=True)
class Planned:
    """One demo dossier: its final status, channel, applicant (a demo account's username, or
    None for a made-up applicant at the counter or by post), procedure code and, for one being
    processed, its deadline mark against now (OVERDUE, DUE_SOON, LATE or "" for on track)."""

    status: str
    channel: str
    account: str | None
    procedure: str
    mark: str = ""


# The demo accounts' own dossiers, so that "Hồ sơ của tôi" is alive for each of them.
ACCOUNT_PLAN = [
    Planned(Status.PROCESSING, Channel.ONLINE, CITIZEN_AN, "1.012784"),
    Planned(Status.SUPPLEMENT_REQUESTED, Channel.ONLINE, CITIZEN_AN, "1.012786"),
    Planned(Status.NEW, Channel.ONLINE, CITIZEN_AN, "1.012801"),
    Planned(Status.DONE, Channel.ONLINE, CITIZEN_AN, "1.004253"),
    Planned(Status.RECEIVED, Channel.ONLINE, CITIZEN_BINH, "1.012784"),
    Planned(Status.FINANCIAL_OBLIGATION, Channel.ONLINE, CITIZEN_BINH, "1.012783"),
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
    Status.PROCESSING: 6,
    Status.SUPPLEMENT_REQUESTED: 2,
    Status.FINANCIAL_OBLIGATION: 2,
    Status.WITHDRAWN: 1,
    Status.STOPPED: 2,
    Status.DONE: 3,
    Status.RETURNED: 3,
}
# The marks of the walk-ins being processed, in turn; the late one is a land subdivision (15
# working days), so that its story fits in a few weeks.
PROCESSING_MARKS = [OVERDUE, DUE_SOON, OVERDUE, DUE_SOON, LATE, ""]
LATE_PROCEDURE = "1.012784"

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
    """What the demo dossiers need is not loaded (demo accounts, catalogue and its processes,
    communes), or the demo staff cannot take a step of a process."""


@dataclass
class DemoSummary:
    created: int = 0
    by_status: Counter = field(default_factory=Counter)
    showcase_code: str = ""
    showcase_phone: str = SHOWCASE_PHONE
    skipped: bool = False


def demo_dossiers_exist() -> bool:
    return AuditEntry.objects.filter(action=MARKER_ACTION).exists()


# A move's payload, or what builds it when the move is made (it needs the dossier as it is then,
# or a file uploaded by the account that acts).
Payload = dict[str, Any] | Callable[[Dossier, User, datetime], dict[str, Any]]
# Working time of a day at the default hours (07:00-11:30, 13:30-17:00), to turn the fraction of
# a day of a move's gap into minutes.
WORKING_MINUTES = 8 * 60


@dataclass
class Move:
    """One `dossier_act` of a planned journey. It happens `hours` calendar hours after the
    previous move (an applicant acts at any hour), else `work` working days after it (staff,
    in working hours)."""

    action: str
    payload: Payload
    work: float = 0.0
    hours: float = 0.0
    enters: ProcessStep | None = None  # the step the move brings the dossier to


@dataclass
class Journey:
    """One demo dossier with everything decided before anything is written: applicant,
    procedure, its internal process, the moves and when each happens."""

    planned: Planned
    rng: random.Random
    applicant: Applicant
    procedure: Procedure
    steps: list[ProcessStep]
    moves: list[Move] = field(default_factory=list)
    position: int = 0  # the step reached by the moves planned so far; 0: none
    taxed: bool = False  # the tax step's obligation was paid (a return to a step keeps it paid)
    requested: RequiredDocument | None = None  # the document of the last supplement request
    submitted_at: datetime | None = None
    moments: list[datetime] = field(default_factory=list)

    @property
    def step(self) -> ProcessStep | None:
        return self.steps[self.position - 1] if self.position else None

    @property
    def version(self) -> ProcedureVersion:
        return self.procedure.current_version


class _Loader:
    def __init__(self, now: datetime):
        self.now = now
        self.rng = random.Random(SEED)  # the applicants, drawn in the order of the plan
        self.calendar = WorkingCalendar.load()
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
        self._steps_of: dict[int, list[ProcessStep]] = {}
        if not any(self._steps(procedure) for procedure in self.procedures.values()):
            raise DemoDataMissing(
                "Chưa có quy trình nội bộ nào được ban hành: chạy `motcua demo` rồi "
                "`motcua load_demo_catalog`."
            )
        self._staff_roles()
        self.soon_until = add_working_days(now, 1, calendar=self.calendar)
        self.summary = DemoSummary()
        self._used_ids: set[str] = set()
        self._turns: Counter = Counter()
        self._units: dict[int, list[Unit]] = {}

    def _staff_roles(self) -> None:
        """Who holds what: the number of holders of each (unit, role), as the engine counts them
        to assign a step by itself, and the staff who may act, in the order they are tried.
        Superusers pass every check, so they are never tried (they would do everything)."""
        self.holders: Counter = Counter()
        self.staff_order: list[User] = []
        self.unit_staff: dict[int, list[User]] = {}
        rows = (
            StaffRole.objects.filter(user__is_active=True, unit__is_active=True)
            .select_related("user")
            .order_by("user_id", "pk")
        )
        for row in rows:
            self.holders[(row.unit_id, row.role)] += 1
            if row.user.is_superuser:
                continue
            if row.user not in self.staff_order:
                self.staff_order.append(row.user)
            members = self.unit_staff.setdefault(row.unit_id, [])
            if row.user not in members:
                members.append(row.user)

    def _steps(self, procedure: Procedure) -> list[ProcessStep]:
        """The steps of the process a dossier of `procedure` follows (none: not receivable)."""
        if procedure.pk not in self._steps_of:
            definition = process_definition_published(
                procedure_id=procedure.pk, agency_id=procedure.current_version.agency_id
            )
            self._steps_of[procedure.pk] = (
                process_steps(definition_id=definition.pk) if definition else []
            )
        return self._steps_of[procedure.pk]

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

    # -- the plan --

    def _for_organisations_only(self, code: str) -> bool:
        procedure = self.procedures.get(code)
        kinds = procedure.current_version.applicant_kinds if procedure else []
        return ApplicantKind.CITIZEN not in kinds

    def _procedure(
        self, code: str, kind: str, channel: str, *, needs_process: bool
    ) -> Procedure | None:
        """The planned procedure, or another that accepts this applicant and channel (and has
        a published process when the dossier is to be received)."""
        others = sorted(self.procedures.values(), key=lambda procedure: procedure.code)
        candidates = [self.procedures.get(code), *others]
        for procedure in candidates:
            if procedure is None or (needs_process and not self._steps(procedure)):
                continue
            version = procedure.current_version
            if kind in version.applicant_kinds and (
                version.allows_online if channel == Channel.ONLINE else channel in version.channels
            ):
                return procedure
        return None

    def _walk_ins(self) -> list[Planned]:
        codes = sorted(self.procedures)
        # Financial obligations come from the tax step where a process has one.
        taxed = [
            code
            for code in codes
            if any(step.transfer_adapter for step in self._steps(self.procedures[code]))
        ] or codes
        marks = iter(PROCESSING_MARKS)
        planned, number = [], 0
        for status, count in WALK_IN_STATUSES.items():
            for turn in range(count):
                code = codes[number % len(codes)]
                mark = next(marks, "") if status == Status.PROCESSING else ""
                if mark == LATE and LATE_PROCEDURE in self.procedures:
                    code = LATE_PROCEDURE
                if status == Status.FINANCIAL_OBLIGATION:
                    code = taxed[turn % len(taxed)]
                channel = (
                    Channel.POST if status == Status.NEW or number % 5 == 4 else Channel.COUNTER
                )
                planned.append(Planned(status, channel, None, code, mark))
                number += 1
        return planned

    def _path(self, planned: Planned) -> tuple[str, ...]:
        if planned.mark in MARKED_PATHS:
            return MARKED_PATHS[planned.mark]
        paths = PATHS[planned.status]
        path = paths[self._turns[planned.status] % len(paths)]
        self._turns[planned.status] += 1
        return path

    def _journey(
        self, number: int, planned: Planned, path: tuple[str, ...] | None = None
    ) -> Journey | None:
        account = self.accounts.get(planned.account) if planned.account else None
        if planned.account and account is None:
            return None
        if account is not None:
            applicant = self._account_applicant(account)
        elif self._for_organisations_only(planned.procedure) or self.rng.random() < 0.2:
            applicant = self._made_up_organisation()
        else:
            applicant = self._made_up_citizen()
        path = self._path(planned) if path is None else path
        procedure = self._procedure(
            planned.procedure, applicant.kind, planned.channel, needs_process=bool(path)
        )
        if procedure is None:
            return None
        journey = Journey(
            planned=planned,
            rng=random.Random(f"{SEED}:{number}"),
            applicant=applicant,
            procedure=procedure,
            steps=self._steps(procedure),
        )
        for word in path:
            self._expand(journey, word)
        return journey

    # -- the journey's words, as engine actions along the process --

    def _expand(self, journey: Journey, word: str) -> None:
        {
            "receive": self._receive,
            "hold": lambda journey: self._receive(journey, forward=False),
            "refuse": self._refuse,
            "supplement_round": self._supplement_round,
            "ask_supplement": self._ask_supplement,
            "inspect": self._inspect,
            "consult": self._consult,
            "consult_answered": lambda journey: self._consult(journey, answered=True),
            "step": self._step,
            "tax": self._tax,
            "back": self._back,
            "finish": self._finish,
            "return": self._return,
            "rate": self._rate,
            "withdraw": self._withdraw,
            "stop": self._stop,
            "apologize": self._apologize,
        }[word](journey)

    def _add(
        self,
        journey: Journey,
        action: str,
        payload: Payload,
        *,
        work: float = 0.0,
        hours: float = 0.0,
        enters: ProcessStep | None = None,
    ) -> None:
        journey.moves.append(Move(action, payload, work=work, hours=hours, enters=enters))

    def _by_applicant(self, journey: Journey, action: str, payload: Payload) -> None:
        """An applicant's action: online at any hour, or at the desk on a later working day."""
        if journey.applicant.account is not None:
            self._add(journey, action, payload, hours=journey.rng.uniform(20, 110))
        else:
            self._add(journey, action, payload, work=journey.rng.uniform(1, 3))

    def _work_at(self, journey: Journey, step: ProcessStep) -> float:
        """Working days spent at a step: mostly well within its time, now and then late."""
        days = float(step.duration)
        if days <= 5 and journey.rng.random() < 0.12:
            return days + journey.rng.uniform(1, 2.5)
        return min(days * journey.rng.uniform(0.25, 0.9), 6.0)

    def _entered(self, journey: Journey, position: int, *, assigned: bool = False) -> None:
        journey.position = position
        step = journey.step
        if not assigned and self.holders[(step.unit_id, step.role)] > 1:
            # Several people hold the step: the head gives it to the least loaded one.
            self._add(journey, "assign", {"assignee": "auto"}, hours=journey.rng.uniform(0.2, 1.5))

    def _receive(self, journey: Journey, *, forward: bool = True) -> None:
        rng = journey.rng
        at_counter = journey.planned.channel == Channel.COUNTER
        work = rng.uniform(0.02, 0.08) if at_counter else rng.uniform(0.1, 0.9)
        if not forward:
            self._add(journey, "receive", {"forward": False, "note": HOLD_NOTE}, work=work)
            return
        self._add(journey, "receive", {"note": RECEIVE_NOTE}, work=work, enters=journey.steps[0])
        self._entered(journey, 1)

    def _refuse(self, journey: Journey) -> None:
        reasons = [journey.rng.choice(REFUSAL_REASONS)]
        self._add(journey, "refuse", {"reasons": reasons}, work=journey.rng.uniform(0.1, 0.8))

    def _ask_supplement(self, journey: Journey) -> bool:
        """Form 02: at reception, or at a step that allows it (the clock stops)."""
        if journey.step is not None and not journey.step.allows("request_supplement"):
            return False
        rng = journey.rng
        documents = list(journey.version.documents.order_by("order", "id"))
        chosen = rng.sample(documents, k=min(len(documents), rng.choice([1, 1, 2])))
        journey.requested = chosen[0] if chosen else None
        reasons = rng.sample(SUPPLEMENT_REASONS, len(chosen))
        items = [
            {"document_id": document.pk, "name": document.name, "reason": reason}
            for document, reason in zip(chosen, reasons, strict=True)
        ] or [{"name": "Đơn đề nghị", "reason": SUPPLEMENT_REASONS[1]}]
        work = rng.uniform(0.1, 0.8) if journey.step is None else rng.uniform(0.3, 1.5)
        self._add(
            journey, "request_supplement", {"items": items, "note": SUPPLEMENT_NOTE}, work=work
        )
        return True

    def _answer_supplement(self, journey: Journey) -> None:
        document, seed = journey.requested, journey.rng.randint(0, 10**9)
        note = journey.rng.choice(SUPPLEMENT_ANSWERS)

        def payload(dossier: Dossier, actor: User, at: datetime) -> dict[str, Any]:
            name = document.name if document else "Giấy tờ bổ sung"
            attachment = attachment_upload(
                actor=actor,
                uploaded_file=document_file(name, dossier=dossier, seed=seed),
                required_document=document,
                is_digitized=actor.pk != dossier.owner_id,
            )
            return {"note": note, "attachment_ids": [attachment.pk]}

        self._by_applicant(journey, "supplement", payload)

    def _supplement_round(self, journey: Journey) -> None:
        if self._ask_supplement(journey):
            self._answer_supplement(journey)

    def _inspect(self, journey: Journey) -> None:
        if not journey.step.allows("inspect"):
            return
        findings = INSPECTION_FINDINGS.get(
            getattr(journey.procedure.field, "code", ""), INSPECTION_FINDINGS[""]
        )
        self._add(journey, "inspect", {"findings": findings}, work=journey.rng.uniform(0.3, 1.2))

    def _consulted_unit(self, journey: Journey) -> Unit | None:
        """Another unit of the agency with a head to answer (not a one-stop desk)."""
        agency_id = journey.version.agency_id
        if agency_id not in self._units:
            self._units[agency_id] = list(
                Unit.objects.filter(
                    agency_id=agency_id, is_active=True, is_one_stop_desk=False
                ).order_by("code")
            )
        candidates = [
            unit
            for unit in self._units[agency_id]
            if unit.pk != journey.step.unit_id and self.holders[(unit.pk, Role.UNIT_HEAD)]
        ]
        return journey.rng.choice(candidates) if candidates else None

    def _consult(self, journey: Journey, *, answered: bool = False) -> None:
        rng = journey.rng
        unit = self._consulted_unit(journey) if journey.step.allows("consult") else None
        if unit is None:
            return
        payload = {"unit": unit.pk, "question": rng.choice(CONSULT_QUESTIONS), "days": 5}
        if journey.planned.status == Status.PROCESSING:
            # Still open: asked within hours of receiving the dossier at the step.
            self._add(journey, "consult", payload, hours=rng.uniform(1, 3))
        else:
            self._add(journey, "consult", payload, work=rng.uniform(0.2, 1))
        if answered:
            answer = rng.choice(CONSULT_ANSWERS)

            def answer_payload(dossier: Dossier, actor: User, at: datetime) -> dict[str, Any]:
                consultation = (
                    Consultation.objects.filter(dossier=dossier, answered_at__isnull=True)
                    .order_by("pk")
                    .first()
                )
                return {"consultation": consultation.pk, "answer": answer}

            self._add(journey, "answer_consultation", answer_payload, work=rng.uniform(1, 4))

    def _pause(self, journey: Journey) -> None:
        """The step's officer records the financial obligation notice: the tax authority's for
        a tax step (the stand-in is not asked: no `transfer`), else the agency's appraisal fee."""
        rng, step = journey.rng, journey.step
        if step.transfer_adapter:
            issuer = step.transfer_agency.name if step.transfer_agency_id else "Thuế tỉnh Lâm Đồng"
            # Registration fee: 0.5 % of a land value between 0.3 and 3 billion đồng.
            items = [{"name": "Lệ phí trước bạ nhà, đất", "amount": rng.randint(300, 3000) * 5000}]
            number = f"{rng.randint(1, 99999):06d}/TB-CCT"
            note = "Cơ quan thuế đã thông báo lệ phí trước bạ; đề nghị người nộp nộp tiền."
        else:
            issuer = journey.version.agency.name
            items = [{"name": "Phí thẩm định hồ sơ", "amount": rng.choice([3, 5, 8, 12]) * 10**6}]
            number = f"{rng.randint(1, 999)}/TB-{journey.version.agency.code}"
            note = (
                "Đề nghị người nộp nộp phí thẩm định hồ sơ trước khi cơ quan tiếp tục giải quyết."
            )
        payload = {
            "issuer": issuer,
            "notice_number": number,
            "amount": sum(item["amount"] for item in items),
            "items": items,
            "note": note,
        }
        work = min(float(step.duration), 3.0) * rng.uniform(0.3, 0.8)
        self._add(journey, "pause", payload, work=work)

    def _settle_tax(self, journey: Journey) -> bool:
        """At a tax step not yet settled: the notice, then the payment a few days later."""
        if not journey.step.transfer_adapter or journey.taxed:
            return False
        self._pause(journey)
        receipt = f"BL{journey.rng.randint(100000, 999999)}"
        self._add(journey, "resume", {"payment_ref": receipt}, work=journey.rng.uniform(1, 3))
        journey.taxed = True
        return True

    def _step(self, journey: Journey) -> bool:
        """Forward to the next step (settling a tax step first); False at the last step."""
        step = journey.step
        if step is None or journey.position >= len(journey.steps) or not step.allows("forward"):
            return False
        settled = self._settle_tax(journey)
        work = journey.rng.uniform(0.1, 0.4) if settled else self._work_at(journey, step)
        following = journey.steps[journey.position]
        note = FORWARD_NOTES.get(step.kind, "")
        self._add(journey, "forward", {"note": note}, work=work, enters=following)
        self._entered(journey, journey.position + 1)
        return True

    def _tax(self, journey: Journey) -> None:
        """Up to the step passing the dossier to the tax authority (if the process has one),
        whose officer records the notice: the applicant has to pay."""
        while not journey.step.transfer_adapter and any(
            step.transfer_adapter for step in journey.steps[journey.position :]
        ):
            if not self._step(journey):
                break
        self._pause(journey)

    def _back(self, journey: Journey) -> None:
        """A head sends the dossier back to the step before (not to the tax authority's)."""
        while journey.position <= 1 or not journey.step.allows("return_to_step"):
            if not self._step(journey):
                return
        earlier = [
            step for step in journey.steps[: journey.position - 1] if not step.transfer_adapter
        ]
        if not earlier:
            return
        target = earlier[-1]
        reason = journey.rng.choice(RETURN_TO_STEP_REASONS)
        self._add(
            journey,
            "return_to_step",
            {"reason": reason, "step": target.position},
            work=self._work_at(journey, journey.step) / 2,
            enters=target,
        )
        # The engine gives it back to the person who handled that step.
        self._entered(journey, target.position, assigned=True)

    def _finish(self, journey: Journey) -> None:
        while self._step(journey):
            pass
        self._settle_tax(journey)
        rng = journey.rng
        name, number = RESULTS.get(getattr(journey.procedure.field, "code", ""), RESULT_OTHER)
        summary = f"{name} số {number.format(n=rng.randint(100, 9999))}"

        def payload(dossier: Dossier, actor: User, at: datetime) -> dict[str, Any]:
            day = timezone.localtime(at, VN).strftime("%d/%m/%Y")
            lines = [
                summary,
                f"Hồ sơ: {dossier.code}",
                f"Người nộp: {dossier.applicant_name}",
                f"Ngày ký: {day}",
                "",
                "Kết quả mẫu của bản trình diễn Motcua (không có giá trị pháp lý).",
            ]
            attachment = attachment_upload(
                actor=actor,
                uploaded_file=ContentFile(
                    demo_pdf(name, lines), name=f"ket-qua-{_slug(dossier.code)}.pdf"
                ),
            )
            return {"result_summary": f"{summary} ngày {day}", "attachment_ids": [attachment.pk]}

        self._add(journey, "finish", payload, work=self._work_at(journey, journey.step))

    def _return(self, journey: Journey) -> None:
        rng = journey.rng
        if journey.planned.channel == Channel.POST:
            method = ReturnMethod.POST
        elif journey.applicant.account is not None:
            method = rng.choice([ReturnMethod.ELECTRONIC, ReturnMethod.COUNTER])
        else:
            method = ReturnMethod.COUNTER
        work = rng.uniform(0.05, 0.3) if method == ReturnMethod.ELECTRONIC else rng.uniform(0.2, 2)
        payload = {"method": method.value, "note": RETURN_NOTES[method]}
        self._add(journey, "return_result", payload, work=work)

    def _rate(self, journey: Journey) -> None:
        if journey.applicant.account is None:
            return
        rng = journey.rng
        payload = {"score": rng.choice([5, 5, 5, 4, 4, 3]), "comment": rng.choice(RATING_COMMENTS)}
        self._add(journey, "rate", payload, hours=rng.uniform(1, 48))

    def _withdraw(self, journey: Journey) -> None:
        self._by_applicant(journey, "withdraw", {"reason": journey.rng.choice(WITHDRAW_REASONS)})

    def _stop(self, journey: Journey) -> None:
        reasons = [journey.rng.choice(STOP_REASONS)]
        self._add(journey, "stop", {"reasons": reasons}, work=journey.rng.uniform(1, 4))

    def _apologize(self, journey: Journey) -> None:
        """Form 04, a working day or so before the appointment (SPEC §3.7): the new date is a
        week of work after now."""
        version = journey.version
        legal = float(version.processing_time)
        if version.processing_time_unit == DurationUnit.CALENDAR_DAYS:
            legal = legal * 5 / 7

        def payload(dossier: Dossier, actor: User, at: datetime) -> dict[str, Any]:
            new_at = add_working_days(
                max(self.now, dossier.promised_at),
                5,
                hours=working_hours_for(dossier.agency),
                calendar=self.calendar,
            )
            return {"reason": APOLOGY_REASON, "new_appointment_at": new_at}

        self._add(journey, "apologize", payload, work=max(0.5, legal - 1.5))

    # -- when things happen --

    def _in_hours(self, moment: datetime, hours: WorkingHours) -> datetime:
        """The moment, or a few minutes after the next opening when the office is closed."""
        opened = next_working_moment(moment, hours, calendar=self.calendar)
        if opened != moment:
            opened += timedelta(minutes=7 + moment.minute % 30)
        return opened

    def _after(self, moment: datetime, move: Move, hours: WorkingHours) -> datetime:
        if move.hours:
            return moment + timedelta(hours=move.hours)
        halves = math.floor(move.work * 2) / 2
        minutes = (move.work - halves) * WORKING_MINUTES
        at = moment
        if halves:
            at = add_working_days(moment, Decimal(str(halves)), hours=hours, calendar=self.calendar)
        at = self._in_hours(at + timedelta(minutes=minutes), hours)
        return max(at, moment + timedelta(minutes=3))

    def _timeline(self, journey: Journey, start: datetime) -> tuple[datetime, list[datetime]]:
        hours = working_hours_for(journey.version.agency)
        submitted = start
        if journey.planned.channel != Channel.ONLINE:
            submitted = self._in_hours(start, hours)
        moments, at = [], submitted
        for move in journey.moves:
            at = self._after(at, move, hours)
            moments.append(at)
        return submitted, moments

    def _entry_for(
        self, journey: Journey, step: ProcessStep, mark: str
    ) -> tuple[datetime, datetime]:
        """Between when and when the dossier must reach `step` for its deadline to be, now,
        overdue, due within a working day, or (otherwise) beyond that if the step is long
        enough."""
        latest = self.now - timedelta(hours=4)

        def due(entered: datetime) -> datetime:
            return due_at(
                entered,
                step.duration,
                step.duration_unit,
                agency=journey.version.agency,
                calendar=self.calendar,
            )

        hour = timedelta(hours=1)
        if mark == OVERDUE:
            high = latest - timedelta(days=journey.rng.uniform(0, 2))
            while due(high) >= self.now - 2 * hour:
                high -= timedelta(days=1)
            return high - timedelta(days=2), high
        if mark == DUE_SOON:
            high = latest
            while due(high) > self.soon_until:
                high -= timedelta(days=1)
            while high + hour <= latest and due(high + hour) <= self.soon_until:
                high += hour
            low = high
            while due(low - hour) > self.now:
                low -= hour
            return low, high
        low = self.now - timedelta(hours=journey.rng.uniform(4, 30))
        while due(low) <= self.soon_until and low < latest:
            low += hour
        return min(low, latest), latest

    def _late_reception(self, journey: Journey) -> datetime:
        """A reception whose legal appointment passed a few hours ago or more."""
        version, agency = journey.version, journey.version.agency
        received = self.now - timedelta(days=1)
        while True:
            start = reception_start(received, agency=agency, calendar=self.calendar)
            appointment = due_at(
                start,
                version.processing_time,
                version.processing_time_unit,
                agency=agency,
                calendar=self.calendar,
            )
            if appointment < self.now - timedelta(hours=2):
                return received
            received -= timedelta(days=1)

    def _window(self, journey: Journey) -> tuple[int, datetime, datetime]:
        """Which move is placed when: its index (-1: the submission) and the earliest and
        latest moments it may happen at."""
        rng, status, moves = journey.rng, journey.planned.status, journey.moves
        day = timedelta(days=1)
        if not moves:
            high = self.now - timedelta(hours=rng.uniform(2, 72))
            return -1, high - day, high
        if journey.planned.mark == LATE:
            index = next(i for i, move in enumerate(moves) if move.action == "receive")
            high = self._late_reception(journey)
            return index, high - 2 * day, high
        entering = [i for i, move in enumerate(moves) if move.enters is not None]
        if status == Status.PROCESSING and entering:
            index = entering[-1]
            low, high = self._entry_for(journey, moves[index].enters, journey.planned.mark)
            return index, low, high
        if status in (Status.RECEIVED, Status.SUPPLEMENT_REQUESTED, Status.FINANCIAL_OBLIGATION):
            high = self.now - timedelta(hours=rng.uniform(3, 120))
        else:
            high = self.now - timedelta(hours=rng.uniform(6, 24 * 25))
        return len(moves) - 1, high - day, high

    def _schedule(self, journey: Journey) -> None:
        """Choose the submission moment so that the placed move falls in its window (or as
        close below it as working hours allow); then nothing may be in the future."""
        index, low, high = self._window(journey)
        head = journey.moves[: index + 1]
        start = high - timedelta(days=sum(move.work * 1.6 + move.hours / 24 for move in head))
        best: datetime | None = None  # the start placing the move latest, not after `high`
        best_placed: datetime | None = None
        for _attempt in range(40):
            submitted, moments = self._timeline(journey, start)
            placed = submitted if index < 0 else moments[index]
            if placed <= high and (best_placed is None or placed > best_placed):
                best, best_placed = start, placed
            if low <= placed <= high:
                break
            if placed > high:
                start -= placed - high + timedelta(minutes=10)
            else:
                start += low - placed + timedelta(minutes=10)
        else:
            start = best if best is not None else start - timedelta(days=3)
        latest = self.now - timedelta(minutes=5)
        for _attempt in range(200):
            submitted, moments = self._timeline(journey, start)
            last = moments[-1] if moments else submitted
            if last < latest:
                break
            start -= last - latest + timedelta(hours=1)
        journey.submitted_at, journey.moments = submitted, moments

    # -- writing --

    def _draft(self, journey: Journey) -> Dossier:
        applicant, channel, rng = journey.applicant, journey.planned.channel, journey.rng
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
            procedure_code=journey.procedure.code,
            owner=applicant.account,
            actor=actor,
            channel=channel,
            applicant=details,
        )
        version = journey.version
        dossier = dossier_draft_update(
            dossier=dossier,
            actor=actor,
            form_data=form_data_for(version, applicant, rng),
            expected_version=dossier.version,
        )
        for document in version.documents.order_by("order", "id"):
            if not document.is_required and rng.random() < 0.5:
                continue
            attachment_upload(
                actor=actor,
                uploaded_file=document_file(
                    document.name, dossier=dossier, seed=rng.randint(0, 10**9)
                ),
                required_document=document,
                dossier=dossier,
                is_digitized=channel != Channel.ONLINE,
            )
        return dossier

    def _actor(self, dossier: Dossier, action: str) -> User:
        """The first account the engine lets take `action` now: the applicant's own for their
        actions, else the assignee, the staff of the unit holding the dossier, the others."""
        candidates: list[User] = []
        if ACTIONS[action].applicant and dossier.owner_id:
            candidates.append(dossier.owner)
        if dossier.assignee_id:
            candidates.append(dossier.assignee)
        candidates += self.unit_staff.get(dossier.current_unit_id, [])
        candidates += self.staff_order
        for user in candidates:
            if any(spec.name == action for spec in actions_available(dossier=dossier, user=user)):
                return user
        raise DemoDataMissing(
            f"Không có tài khoản mẫu nào được “{ACTIONS[action].label}” hồ sơ {dossier.code}: "
            "kiểm tra cán bộ và quy trình nội bộ mẫu (`motcua demo`, `motcua load_demo_catalog`)."
        )

    def _make(self, journey: Journey) -> Dossier:
        draft = self._draft(journey)
        actor = journey.applicant.account or self.staff["tiepnhan"]
        dossier = dossier_submit(dossier=draft, actor=actor, submitted_at=journey.submitted_at)
        if journey.moves:
            # The desk receives an online dossier once its fees are paid (payments app).
            from motcua.payments.demo_data import demo_payment

            demo_payment(dossier=dossier, at=dossier.submitted_at)
        for move, at in zip(journey.moves, journey.moments, strict=True):
            actor = self._actor(dossier, move.action)
            payload = move.payload(dossier, actor, at) if callable(move.payload) else move.payload
            dossier = dossier_act(
                actor=actor, dossier=dossier, action=move.action, payload=payload, at=at
            )
        self.summary.created += 1
        self.summary.by_status[dossier.status] += 1
        return dossier

    def _showcase(self) -> Journey | None:
        """An's land certificate exchange of 1 October 2026, through the tax step to its
        return; at the moments of SHOWCASE_MOMENTS when the process has the demo's steps."""
        planned = Planned(Status.RETURNED, Channel.ONLINE, CITIZEN_AN, SHOWCASE_PROCEDURE)
        journey = self._journey(0, planned, SHOWCASE_PATH)
        if journey is None:
            return None
        if len(journey.moves) == len(SHOWCASE_MOMENTS):
            journey.submitted_at, journey.moments = SHOWCASE_SUBMITTED_AT, SHOWCASE_MOMENTS
        else:
            journey.submitted_at, journey.moments = self._timeline(journey, SHOWCASE_SUBMITTED_AT)
        return journey if journey.moments[-1] < self.now else None

    def load(self) -> DemoSummary:
        showcase = self._showcase() if self.now > SHOWCASE_SUBMITTED_AT else None
        if showcase is not None:
            dossier = self._make(showcase)
            self.summary.showcase_code = dossier.code
            self.summary.showcase_phone = dossier.applicant_phone
        journeys = []
        for number, planned in enumerate([*ACCOUNT_PLAN, *self._walk_ins()], start=1):
            journey = self._journey(number, planned)
            if journey is not None:
                self._schedule(journey)
                journeys.append(journey)
        # In the order of submission, so that codes count up through each day.
        for journey in sorted(journeys, key=lambda journey: journey.submitted_at):
            dossier = self._make(journey)
            if not self.summary.showcase_code:
                self.summary.showcase_code = dossier.code
                self.summary.showcase_phone = dossier.applicant_phone
        return self.summary


def demo_dossiers_load(*, now: datetime | None = None) -> DemoSummary:
    """Create the demo dossiers once; when they were loaded before, do nothing (`skipped`).
    Raises DemoDataMissing when the demo accounts, catalogue, processes or communes are not
    loaded."""
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
