"""Made-up data that every event's message can be previewed with, as callers pass it."""

from datetime import UTC, datetime
from decimal import Decimal

CODE = "H56.14-251123-0007"


def sample_data() -> dict:
    """Values for every variable the shipped templates use (fixed, so that a preview's length
    does not change from one view to the next)."""
    return {
        "recipient_name": "Nguyễn Thị Lan",
        "code": CODE,
        "procedure": "Cấp đổi giấy chứng nhận quyền sử dụng đất",
        "appointment_at": datetime(2025, 12, 8, 9, 0, tzinfo=UTC),
        "new_appointment_at": datetime(2025, 12, 15, 9, 0, tzinfo=UTC),
        "due_at": datetime(2025, 12, 1, 3, 0, tzinfo=UTC),
        "items": [
            {"name": "Bản sao căn cước công dân", "reason": "Ảnh chụp bị mờ"},
            {"name": "Sơ đồ thửa đất", "reason": "Thiếu chữ ký của chủ sử dụng"},
        ],
        "note": "Vui lòng bổ sung trong 10 ngày làm việc.",
        "number": 1,
        "reasons": "Thủ tục không thuộc thẩm quyền giải quyết của cơ quan",
        "reason": "Đang chờ kết quả đo đạc lại thửa đất",
        "amount": Decimal("1250000"),
        "notice_number": "TB-1234/2025",
        "method": "post",
        "result_summary": "Giấy chứng nhận số CS 123456",
        "verify_url": "https://dichvucong.example.gov.vn/verify/3q2-7xKpLmN0aBcDeFgHiJkLmNoPqRsT",
        "step": "Thẩm định hồ sơ",
        "question": "Thửa đất có nằm trong quy hoạch hành lang bảo vệ sông không?",
        "url": f"https://dichvucong.example.gov.vn/ho-so/cua-toi/{CODE}/",
        # The answer to an inbound "TC <code>" text.
        "found": True,
        "status": "Đang xử lý",
        "unit": "Văn phòng đăng ký đất đai",
        # An officer's daily digest.
        "today": datetime(2025, 12, 1, 0, 0, tzinfo=UTC).date(),
        "until": datetime(2025, 12, 2, 0, 0, tzinfo=UTC).date(),
        "overdue": [
            {
                "code": "H56.14-251120-0003",
                "procedure": "Đăng ký biến động đất đai",
                "due_at": datetime(2025, 11, 28, 9, 0, tzinfo=UTC),
                "url": f"https://dichvucong.example.gov.vn/can-bo/ho-so/{CODE}/",
            }
        ],
        "overdue_count": 1,
        "overdue_more": 0,
        "due_soon": [
            {
                "code": CODE,
                "procedure": "Cấp đổi giấy chứng nhận quyền sử dụng đất",
                "due_at": datetime(2025, 12, 2, 9, 0, tzinfo=UTC),
                "url": f"https://dichvucong.example.gov.vn/can-bo/ho-so/{CODE}/",
            }
        ],
        "due_soon_count": 1,
        "due_soon_more": 0,
        # A one-time code.
        "minutes": 10,
        # An air-quality alert to monitoring operators.
        "kind": "exceedance",
        "station_code": "AQ-LD-01",
        "station_name": "Trạm quan trắc không khí Đà Lạt",
        "parameter": "PM2.5",
        "period": "24h",
        "value": "62.4",
        "limit": "50",
        "started_at": datetime(2025, 11, 23, 1, 0, tzinfo=UTC),
        # Payments.
        "order_ref": "MC20251123000123",
        "paid_at": datetime(2025, 11, 23, 8, 15, tzinfo=UTC),
        # Reports (phản ánh, kiến nghị).
        "category": "Ô nhiễm môi trường",
        "secret": "K7P2-9QX4",
        "answer": "Đơn vị đã kiểm tra và yêu cầu cơ sở khắc phục trong 15 ngày.",
        "merged_into": "",
        "into": "PA-2025-000118",
    }
