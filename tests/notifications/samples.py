"""Data a caller passes to notify() for each event, as the back office would."""

from datetime import UTC, datetime
from decimal import Decimal

CODE = "H56.14-251123-0007"
# 09:00 UTC is 16:00 in Việt Nam.
APPOINTMENT = datetime(2025, 12, 8, 9, 0, tzinfo=UTC)
URL = "https://dichvucong.example.gov.vn/ho-so/cua-toi/H56.14-251123-0007/"

SAMPLE_DATA = {
    "code": CODE,
    "procedure": "Cấp đổi giấy chứng nhận quyền sử dụng đất",
    "appointment_at": APPOINTMENT,
    "items": [
        {"name": "Bản sao căn cước công dân", "reason": "Ảnh chụp bị mờ"},
        {"name": "Sơ đồ thửa đất", "reason": "Thiếu chữ ký của chủ sử dụng"},
    ],
    "reasons": "Thủ tục không thuộc thẩm quyền giải quyết của cơ quan",
    "amount": Decimal("1250000"),
    "notice_number": "TB-1234/2025",
    "reason": "Đang chờ kết quả đo đạc lại thửa đất",
    "new_appointment_at": datetime(2025, 12, 15, 9, 0, tzinfo=UTC),
    "method": "post",
    "step": "Thẩm định hồ sơ",
    "question": "Thửa đất có nằm trong quy hoạch hành lang bảo vệ sông không?",
    "due_at": datetime(2025, 12, 1, 3, 0, tzinfo=UTC),
    "url": URL,
}

APPLICANT_EVENTS = [
    "dossier_submitted",
    "dossier_received",
    "supplement_requested",
    "dossier_refused",
    "financial_obligation",
    "apology_issued",
    "result_ready",
    "result_returned",
    "dossier_withdrawn",
    "dossier_stopped",
]
STAFF_EVENTS = ["dossier_assigned", "apology_needed", "consultation_requested"]
