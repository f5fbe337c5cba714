"""The demo catalogue: real procedures of land, environment, water and minerals, with their forms.

Where the facts come from (read before reusing this data outside the demo):
- "SPEC §5" marks a code, time or fee taken from ../shared/SPEC.md §5.
- "listing" marks a national code seen in public listings of the procedures published under the
  Land Law 2024 (Decision 2304/QĐ-BTNMT, 2024); not checked against the national database.
- "ILLUSTRATIVE" marks a code (and, where said, a time or fee) written for the demo: the shape is
  that of a national code but the value was not verified. Replace it with the code published on
  dichvucong.gov.vn before using the catalogue for real dossiers.
Legal bases name the law and decree in force as we understand them (2026); fees that a
provincial People's Council sets have no amount (amount None) and say so.

Application forms hold only the procedure's own fields: the applicant's identity, address and
contacts come from the account when a dossier is made.
"""

from __future__ import annotations

from typing import Any

FIELDS: list[dict[str, Any]] = [
    {"code": "dat-dai", "name": "Đất đai", "name_en": "Land", "sort_order": 1},
    {"code": "moi-truong", "name": "Môi trường", "name_en": "Environment", "sort_order": 2},
    {
        "code": "tai-nguyen-nuoc",
        "name": "Tài nguyên nước",
        "name_en": "Water resources",
        "sort_order": 3,
    },
    {"code": "khoang-san", "name": "Khoáng sản", "name_en": "Minerals", "sort_order": 4},
]

# The demo department of `motcua demo`; created with these values if the catalogue loads first.
DEMO_AGENCY = {
    "code": "H56.14",
    "name": "Sở Nông nghiệp và Môi trường tỉnh Lâm Đồng",
    "name_en": "Lam Dong Department of Agriculture and Environment",
}

ALL_CHANNELS = ["online", "counter", "post"]
EVERYONE = ["citizen", "organisation"]

LAND_LAW = (
    "Luật Đất đai số 31/2024/QH15.\n"
    "Nghị định số 101/2024/NĐ-CP của Chính phủ quy định về điều tra cơ bản đất đai; đăng ký, "
    "cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất và hệ thống "
    "thông tin đất đai."
)
ENVIRONMENT_LAW = (
    "Luật Bảo vệ môi trường số 72/2020/QH14 (Điều 39 đến Điều 47 về giấy phép môi trường, "
    "Điều 30 đến Điều 38 về đánh giá tác động môi trường).\n"
    "Nghị định số 08/2022/NĐ-CP quy định chi tiết một số điều của Luật Bảo vệ môi trường, "
    "được sửa đổi, bổ sung bởi Nghị định số 05/2025/NĐ-CP."
)
WATER_LAW = (
    "Luật Tài nguyên nước số 28/2023/QH15.\n"
    "Nghị định số 54/2024/NĐ-CP quy định việc hành nghề khoan nước dưới đất, kê khai, đăng ký, "
    "cấp phép, dịch vụ tài nguyên nước và tiền cấp quyền khai thác tài nguyên nước."
)
MINERALS_LAW = "Luật Địa chất và khoáng sản số 54/2024/QH15 và các văn bản hướng dẫn thi hành."
PROVINCIAL_FEE = "Mức thu theo nghị quyết của Hội đồng nhân dân tỉnh nơi thực hiện thủ tục."

# --- Reusable form fields -------------------------------------------------------------------

PARCEL_NUMBER = {
    "type": "integer",
    "title": "Thửa đất số",
    "description": "Số thứ tự thửa đất ghi trên Giấy chứng nhận hoặc bản đồ địa chính.",
    "minimum": 1,
    "maximum": 99999,
}
MAP_SHEET = {
    "type": "integer",
    "title": "Tờ bản đồ số",
    "minimum": 1,
    "maximum": 9999,
}
AREA_M2 = {
    "type": "number",
    "title": "Diện tích (m²)",
    "description": "Ví dụ 125,5",
    "exclusiveMinimum": 0,
    "maximum": 100000000,
}
PARCEL_ADDRESS = {
    "type": "string",
    "title": "Địa chỉ thửa đất",
    "description": "Số nhà (nếu có), thôn/tổ dân phố, xã/phường, tỉnh/thành phố.",
    "maxLength": 255,
}
CERTIFICATE_SERIAL = {
    "type": "string",
    "title": "Số phát hành (số seri) Giấy chứng nhận",
    "description": (
        "Hai chữ cái in hoa và sáu chữ số ở trang 1 của Giấy chứng nhận, ví dụ AA 123456."
    ),
    "pattern": "^[A-Z]{2} ?[0-9]{6}$",
    "maxLength": 9,
}
CERTIFICATE_ENTRY = {
    "type": "string",
    "title": "Số vào sổ cấp Giấy chứng nhận",
    "description": "Ví dụ CS 01234.",
    "maxLength": 30,
}
LAND_USE_PURPOSES = [
    "Đất ở tại nông thôn",
    "Đất ở tại đô thị",
    "Đất trồng lúa",
    "Đất trồng cây lâu năm",
    "Đất trồng cây hằng năm khác",
    "Đất rừng sản xuất",
    "Đất nuôi trồng thủy sản",
    "Đất thương mại, dịch vụ",
    "Đất cơ sở sản xuất phi nông nghiệp",
]
PROJECT_NAME = {
    "type": "string",
    "title": "Tên dự án, cơ sở",
    "maxLength": 255,
}
PROJECT_LOCATION = {
    "type": "string",
    "title": "Địa điểm thực hiện",
    "description": "Xã/phường, tỉnh/thành phố; khu, cụm công nghiệp nếu có.",
    "maxLength": 255,
}
WATER_PURPOSES = [
    "Cấp nước sinh hoạt",
    "Sản xuất công nghiệp",
    "Sản xuất nông nghiệp",
    "Nuôi trồng thủy sản",
    "Kinh doanh, dịch vụ",
]
TERM_YEARS = {
    "type": "integer",
    "title": "Thời hạn đề nghị cấp phép (năm)",
    "minimum": 1,
    "maximum": 10,
}
DECLARATION = {
    "type": "boolean",
    "title": "Tôi cam đoan nội dung kê khai là đúng sự thật và chịu trách nhiệm trước pháp luật.",
    "const": True,
}


def _form(title: str, properties: dict[str, Any], required: list[str], **ui: Any) -> dict[str, Any]:
    return {
        "schema": {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": title,
            "type": "object",
            "properties": properties,
            "required": required,
        },
        "ui": ui,
    }


def _document(
    name: str,
    name_en: str,
    *,
    originals: int = 1,
    copies: int = 0,
    required: bool = True,
    reusable: bool = False,
    template: bool = False,
    note: str = "",
) -> dict[str, Any]:
    return {
        "name": name,
        "name_en": name_en,
        "originals": originals,
        "copies": copies,
        "is_required": required,
        "reusable_from_data_store": reusable,
        "template": template,
        "note": note,
    }


LAND_STEPS = (
    "Bước 1: Người nộp nộp hồ sơ trực tuyến, tại bộ phận một cửa hoặc qua bưu chính.\n"
    "Bước 2: Bộ phận một cửa kiểm tra tính đầy đủ của hồ sơ, tiếp nhận và hẹn ngày trả kết quả.\n"
    "Bước 3: Văn phòng đăng ký đất đai kiểm tra hồ sơ, trích lục hoặc trích đo thửa đất nếu "
    "cần, gửi thông tin để xác định nghĩa vụ tài chính (nếu có), cập nhật hồ sơ địa chính.\n"
    "Bước 4: Trả kết quả cho người nộp."
)

PROCEDURES: list[dict[str, Any]] = [
    # --- Land -----------------------------------------------------------------------------
    {
        # Code, time and "toàn trình": SPEC §5. Name as published for this code (listing).
        "code": "1.012756",
        "field": "dat-dai",
        "name": "Đăng ký đất đai lần đầu đối với trường hợp được Nhà nước giao đất để quản lý",
        "name_en": "First land registration of land allocated by the State for management",
        "agency_level": "province",
        "service_level": 4,
        "processing_time": "17",
        "processing_time_unit": "working_days",
        "processing_time_note": (
            "Không kể thời gian xem xét xử lý trường hợp vi phạm pháp luật đất đai và thời gian "
            "trích đo địa chính thửa đất."
        ),
        "legal_basis": LAND_LAW,
        "result_type": (
            "Cập nhật cơ sở dữ liệu đất đai, hồ sơ địa chính; thông báo kết quả đăng ký."
        ),
        "channels": ALL_CHANNELS,
        "applicant_kinds": ["organisation"],
        "conditions": "Tổ chức được Nhà nước giao đất để quản lý theo quy định của Luật Đất đai.",
        "steps": LAND_STEPS,
        "fee_note": "Không thu phí, lệ phí.",
        "documents": [
            _document(
                "Đơn đăng ký đất đai, tài sản gắn liền với đất",
                "Application for land and land-attached asset registration",
                template=True,
            ),
            _document(
                "Quyết định giao đất để quản lý của cơ quan có thẩm quyền",
                "Decision allocating the land for management",
                originals=0,
                copies=1,
                reusable=True,
            ),
            _document(
                "Trích lục hoặc trích đo bản đồ địa chính thửa đất",
                "Cadastral map extract or survey of the parcel",
                required=False,
                note="Nếu đã có.",
            ),
        ],
        "fees": [],
        "form": _form(
            "Đăng ký đất đai lần đầu đối với đất được giao để quản lý",
            {
                "parcel_number": PARCEL_NUMBER,
                "map_sheet": MAP_SHEET,
                "area_m2": AREA_M2,
                "parcel_address": PARCEL_ADDRESS,
                "allocation_decision_number": {
                    "type": "string",
                    "title": "Số quyết định giao đất",
                    "description": "Ví dụ 1234/QĐ-UBND.",
                    "maxLength": 50,
                },
                "allocation_decision_date": {
                    "type": "string",
                    "format": "date",
                    "title": "Ngày ký quyết định giao đất",
                },
                "management_purpose": {
                    "type": "string",
                    "title": "Mục đích quản lý",
                    "description": "Ví dụ: đất hành lang bảo vệ công trình thủy lợi.",
                    "maxLength": 500,
                },
                "declaration": DECLARATION,
            },
            [
                "parcel_number",
                "map_sheet",
                "area_m2",
                "parcel_address",
                "allocation_decision_number",
                "allocation_decision_date",
                "declaration",
            ],
        ),
    },
    {
        # Code, time and fee: SPEC §5.
        "code": "1.012783",
        "field": "dat-dai",
        "name": "Cấp đổi Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
        "name_en": (
            "Exchange of the certificate of land-use rights and ownership of attached assets"
        ),
        "agency_level": "province",
        "service_level": 4,
        "processing_time": "5",
        "processing_time_unit": "working_days",
        "processing_time_note": "Không kể thời gian trích đo địa chính thửa đất (nếu có).",
        "legal_basis": LAND_LAW,
        "result_type": "Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất.",
        "channels": ALL_CHANNELS,
        "applicant_kinds": EVERYONE,
        "conditions": (
            "Giấy chứng nhận đã cấp bị ố, nhòe, rách, hư hỏng; đo đạc lại bản đồ địa chính; "
            "hoặc người sử dụng đất có nhu cầu đổi sang mẫu Giấy chứng nhận mới."
        ),
        "steps": LAND_STEPS,
        "fee_note": "Lệ phí cấp Giấy chứng nhận nộp khi nhận kết quả hoặc trực tuyến.",
        "documents": [
            _document(
                "Đơn đăng ký biến động đất đai, tài sản gắn liền với đất",
                "Application for registration of changes to land and attached assets",
                template=True,
            ),
            _document(
                "Bản gốc Giấy chứng nhận đã cấp",
                "Original of the certificate already issued",
                note="Khi nộp trực tuyến, tải lên bản quét và nộp bản gốc khi nhận kết quả.",
            ),
        ],
        "fees": [
            {
                "name": "Lệ phí cấp Giấy chứng nhận",
                "name_en": "Certificate issuance levy",
                "amount": 50000,
                "unit": "giấy chứng nhận",
                "quantity_field": "certificate_count",
            }
        ],
        "form": _form(
            "Cấp đổi Giấy chứng nhận",
            {
                "certificate_serial": CERTIFICATE_SERIAL,
                "certificate_entry_number": CERTIFICATE_ENTRY,
                "parcel_number": PARCEL_NUMBER,
                "map_sheet": MAP_SHEET,
                "parcel_address": PARCEL_ADDRESS,
                "reason": {
                    "type": "string",
                    "title": "Lý do cấp đổi",
                    "enum": [
                        "Giấy chứng nhận bị ố, nhòe, rách, hư hỏng",
                        "Đo đạc lại bản đồ địa chính",
                        "Đổi sang mẫu Giấy chứng nhận mới",
                        "Lý do khác",
                    ],
                },
                "certificate_count": {
                    "type": "integer",
                    "title": "Số Giấy chứng nhận đề nghị cấp đổi",
                    "description": "Lệ phí tính theo số giấy chứng nhận.",
                    "minimum": 1,
                    "maximum": 20,
                    "default": 1,
                },
                "remarks": {
                    "type": "string",
                    "title": "Ghi chú thêm",
                    "maxLength": 1000,
                },
                "declaration": DECLARATION,
            },
            [
                "certificate_serial",
                "parcel_number",
                "map_sheet",
                "parcel_address",
                "reason",
                "certificate_count",
                "declaration",
            ],
            widgets={"remarks": "textarea"},
        ),
    },
    {
        # Code, time and "một phần": SPEC §5. Name as published for this code (listing).
        "code": "1.012766",
        "field": "dat-dai",
        "name": (
            "Xóa đăng ký cho thuê, cho thuê lại quyền sử dụng đất trong dự án xây dựng kinh "
            "doanh kết cấu hạ tầng"
        ),
        "name_en": (
            "Deletion of the registration of a land lease or sublease in an infrastructure "
            "development project"
        ),
        "agency_level": "province",
        "service_level": 3,
        "processing_time": "3",
        "processing_time_unit": "working_days",
        "legal_basis": LAND_LAW,
        "result_type": "Xác nhận xóa đăng ký cho thuê, cho thuê lại trên Giấy chứng nhận đã cấp.",
        "channels": ALL_CHANNELS,
        "applicant_kinds": EVERYONE,
        "conditions": "Hợp đồng thuê, thuê lại quyền sử dụng đất đã chấm dứt.",
        "steps": LAND_STEPS,
        "documents": [
            _document(
                "Đơn đăng ký biến động đất đai, tài sản gắn liền với đất",
                "Application for registration of changes to land and attached assets",
                template=True,
            ),
            _document(
                "Văn bản thanh lý hoặc chấm dứt hợp đồng thuê, cho thuê lại quyền sử dụng đất",
                "Document terminating the lease or sublease contract",
            ),
            _document(
                "Bản gốc Giấy chứng nhận đã cấp", "Original of the certificate already issued"
            ),
        ],
        "fees": [
            {
                "name": "Phí thẩm định hồ sơ, lệ phí đăng ký",
                "name_en": "Appraisal fee and registration levy",
                "amount": None,
                "unit": "hồ sơ",
                "note": PROVINCIAL_FEE,
            }
        ],
        "form": _form(
            "Xóa đăng ký cho thuê, cho thuê lại quyền sử dụng đất",
            {
                "infrastructure_project": {
                    "type": "string",
                    "title": "Tên dự án xây dựng kinh doanh kết cấu hạ tầng",
                    "maxLength": 255,
                },
                "lease_contract_number": {
                    "type": "string",
                    "title": "Số hợp đồng thuê, thuê lại",
                    "maxLength": 50,
                },
                "termination_date": {
                    "type": "string",
                    "format": "date",
                    "title": "Ngày chấm dứt hợp đồng",
                },
                "certificate_serial": CERTIFICATE_SERIAL,
                "parcel_number": PARCEL_NUMBER,
                "map_sheet": MAP_SHEET,
                "declaration": DECLARATION,
            },
            [
                "infrastructure_project",
                "lease_contract_number",
                "termination_date",
                "certificate_serial",
                "declaration",
            ],
        ),
    },
    {
        # ILLUSTRATIVE code. Time: SPEC §5 (same working day, next day after 15:00), stored as
        # half a working day so that the calendar's due date lands where the rule puts it.
        # Fee: ILLUSTRATIVE amount (80,000 VND per dossier), check the current circular.
        "code": "1.012801",
        "field": "dat-dai",
        "name": "Đăng ký thế chấp quyền sử dụng đất, tài sản gắn liền với đất",
        "name_en": "Registration of a mortgage of land-use rights and land-attached assets",
        "agency_level": "province",
        "service_level": 4,
        "processing_time": "0.5",
        "processing_time_unit": "working_days",
        "processing_time_note": (
            "Trong ngày nhận hồ sơ hợp lệ; hồ sơ nhận sau 15 giờ thì hoàn thành trong ngày làm "
            "việc tiếp theo."
        ),
        "legal_basis": (
            "Bộ luật Dân sự số 91/2015/QH13.\n" + LAND_LAW.split("\n")[0] + "\n"
            "Nghị định số 99/2022/NĐ-CP của Chính phủ về đăng ký biện pháp bảo đảm."
        ),
        "result_type": (
            "Chứng nhận nội dung đăng ký thế chấp trên Giấy chứng nhận và phiếu yêu cầu."
        ),
        "channels": ALL_CHANNELS,
        "applicant_kinds": EVERYONE,
        "conditions": "Hợp đồng thế chấp đã được ký kết theo quy định của pháp luật.",
        "steps": (
            "Bước 1: Bên thế chấp hoặc bên nhận thế chấp nộp phiếu yêu cầu đăng ký và hồ sơ.\n"
            "Bước 2: Văn phòng đăng ký đất đai kiểm tra, ghi nội dung đăng ký vào hồ sơ địa "
            "chính và Giấy chứng nhận.\n"
            "Bước 3: Trả kết quả trong ngày (nhận sau 15 giờ thì trả trong ngày làm việc tiếp "
            "theo)."
        ),
        "fee_note": "Mức thu minh họa; kiểm tra văn bản quy định phí hiện hành.",
        "documents": [
            _document(
                "Phiếu yêu cầu đăng ký biện pháp bảo đảm",
                "Request form for registration of a security interest",
                template=True,
            ),
            _document(
                "Hợp đồng thế chấp",
                "Mortgage contract",
                note="Bản chính hoặc bản sao có chứng thực.",
            ),
            _document(
                "Bản gốc Giấy chứng nhận đã cấp", "Original of the certificate already issued"
            ),
        ],
        "fees": [
            {
                "name": "Phí đăng ký biện pháp bảo đảm",
                "name_en": "Security interest registration fee",
                "amount": 80000,
                "unit": "hồ sơ",
                "note": "Mức thu minh họa.",
            }
        ],
        "form": _form(
            "Đăng ký thế chấp quyền sử dụng đất",
            {
                "mortgagee_name": {
                    "type": "string",
                    "title": "Tên bên nhận thế chấp",
                    "description": "Ví dụ: Ngân hàng TMCP ..., Chi nhánh ...",
                    "maxLength": 255,
                },
                "contract_number": {
                    "type": "string",
                    "title": "Số hợp đồng thế chấp",
                    "maxLength": 50,
                },
                "contract_date": {
                    "type": "string",
                    "format": "date",
                    "title": "Ngày ký hợp đồng thế chấp",
                },
                "certificate_serial": CERTIFICATE_SERIAL,
                "parcel_number": PARCEL_NUMBER,
                "map_sheet": MAP_SHEET,
                "includes_attached_assets": {
                    "type": "boolean",
                    "title": "Thế chấp cả tài sản gắn liền với đất",
                },
                "notification_email": {
                    "type": "string",
                    "format": "email",
                    "title": "Thư điện tử nhận thông báo kết quả của bên nhận thế chấp",
                    "maxLength": 254,
                },
            },
            ["mortgagee_name", "contract_number", "contract_date", "certificate_serial"],
        ),
    },
    {
        # Code: listing. Time: ILLUSTRATIVE (10 working days), not verified.
        "code": "1.012786",
        "field": "dat-dai",
        "name": (
            "Cấp lại Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất do "
            "bị mất"
        ),
        "name_en": "Re-issue of a lost certificate of land-use rights and attached-asset ownership",
        "agency_level": "province",
        "service_level": 3,
        "processing_time": "10",
        "processing_time_unit": "working_days",
        "processing_time_note": "Không kể thời gian niêm yết thông báo mất Giấy chứng nhận.",
        "legal_basis": LAND_LAW,
        "result_type": "Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất.",
        "channels": ALL_CHANNELS,
        "applicant_kinds": EVERYONE,
        "conditions": "Giấy chứng nhận đã cấp bị mất.",
        "steps": LAND_STEPS,
        "documents": [
            _document(
                "Đơn đề nghị cấp lại Giấy chứng nhận",
                "Application for re-issue of the certificate",
                template=True,
            ),
            _document(
                "Giấy xác nhận của cơ quan công an về việc mất giấy tờ (nếu có)",
                "Police confirmation of the loss (if any)",
                required=False,
            ),
        ],
        "fees": [
            {
                "name": "Lệ phí cấp Giấy chứng nhận",
                "name_en": "Certificate issuance levy",
                "amount": None,
                "unit": "giấy chứng nhận",
                "note": PROVINCIAL_FEE,
            }
        ],
        "form": _form(
            "Cấp lại Giấy chứng nhận do bị mất",
            {
                "certificate_serial": {
                    **CERTIFICATE_SERIAL,
                    "description": "Nếu còn nhớ hoặc còn bản sao, ví dụ AA 123456.",
                },
                "parcel_number": PARCEL_NUMBER,
                "map_sheet": MAP_SHEET,
                "parcel_address": PARCEL_ADDRESS,
                "loss_date": {
                    "type": "string",
                    "format": "date",
                    "title": "Ngày phát hiện mất Giấy chứng nhận",
                },
                "loss_circumstances": {
                    "type": "string",
                    "title": "Hoàn cảnh mất Giấy chứng nhận",
                    "maxLength": 1000,
                },
                "declaration": DECLARATION,
            },
            [
                "parcel_number",
                "map_sheet",
                "parcel_address",
                "loss_date",
                "loss_circumstances",
                "declaration",
            ],
        ),
    },
    {
        # Code: listing. Time: ILLUSTRATIVE (15 working days), not verified.
        "code": "1.012784",
        "field": "dat-dai",
        "name": "Tách thửa hoặc hợp thửa đất",
        "name_en": "Subdivision or consolidation of land parcels",
        "agency_level": "province",
        "service_level": 3,
        "processing_time": "15",
        "processing_time_unit": "working_days",
        "processing_time_note": (
            "Không kể thời gian trích đo địa chính và thực hiện nghĩa vụ tài chính."
        ),
        "legal_basis": LAND_LAW,
        "result_type": "Giấy chứng nhận cho các thửa đất sau khi tách, hợp thửa.",
        "channels": ALL_CHANNELS,
        "applicant_kinds": EVERYONE,
        "conditions": (
            "Thửa đất đáp ứng điều kiện và diện tích tối thiểu tách thửa theo quy định của Ủy "
            "ban nhân dân tỉnh."
        ),
        "steps": LAND_STEPS,
        "documents": [
            _document(
                "Đơn đề nghị tách thửa đất, hợp thửa đất",
                "Application for subdivision or consolidation",
                template=True,
            ),
            _document(
                "Bản vẽ tách thửa đất, hợp thửa đất",
                "Subdivision or consolidation drawing",
            ),
            _document(
                "Bản gốc Giấy chứng nhận đã cấp", "Original of the certificate already issued"
            ),
        ],
        "fees": [
            {
                "name": "Phí đo đạc, lập bản đồ địa chính; lệ phí cấp Giấy chứng nhận",
                "name_en": "Cadastral survey fee and certificate levy",
                "amount": None,
                "unit": "thửa đất",
                "note": PROVINCIAL_FEE,
            }
        ],
        "form": _form(
            "Tách thửa hoặc hợp thửa đất",
            {
                "operation": {
                    "type": "string",
                    "title": "Đề nghị",
                    "enum": ["Tách thửa", "Hợp thửa"],
                },
                "parcel_number": PARCEL_NUMBER,
                "map_sheet": MAP_SHEET,
                "area_m2": AREA_M2,
                "land_use_purpose": {
                    "type": "string",
                    "title": "Mục đích sử dụng đất",
                    "enum": LAND_USE_PURPOSES,
                },
                "resulting_parcels": {
                    "type": "integer",
                    "title": "Số thửa đất sau khi tách, hợp",
                    "minimum": 1,
                    "maximum": 50,
                },
                "parcel_address": PARCEL_ADDRESS,
                "reason": {
                    "type": "string",
                    "title": "Lý do tách, hợp thửa",
                    "maxLength": 1000,
                },
                "declaration": DECLARATION,
            },
            [
                "operation",
                "parcel_number",
                "map_sheet",
                "area_m2",
                "land_use_purpose",
                "resulting_parcels",
                "parcel_address",
                "declaration",
            ],
            widgets={"reason": "textarea"},
        ),
    },
    # --- Environment ----------------------------------------------------------------------
    {
        # Code: provincial portals list 1.010727 for this procedure. Time: SPEC §5 (≤ 30 days,
        # Law on Environmental Protection 2020 art. 43). Fee: set by the province.
        "code": "1.010727",
        "field": "moi-truong",
        "name": "Cấp giấy phép môi trường (cấp tỉnh)",
        "name_en": "Environmental permit (provincial level)",
        "agency_level": "province",
        "service_level": 4,
        "processing_time": "30",
        "processing_time_unit": "calendar_days",
        "processing_time_note": (
            "Kể từ ngày nhận đủ hồ sơ hợp lệ; không kể thời gian chủ dự án, cơ sở chỉnh sửa, "
            "bổ sung hồ sơ."
        ),
        "legal_basis": ENVIRONMENT_LAW,
        "result_type": "Giấy phép môi trường.",
        "channels": ALL_CHANNELS,
        "applicant_kinds": EVERYONE,
        "conditions": (
            "Dự án đầu tư, cơ sở có phát sinh nước thải, bụi, khí thải xả ra môi trường phải "
            "được xử lý hoặc phát sinh chất thải nguy hại phải được quản lý theo quy định, "
            "thuộc thẩm quyền cấp phép của Ủy ban nhân dân tỉnh."
        ),
        "steps": (
            "Bước 1: Chủ dự án, cơ sở nộp hồ sơ đề nghị cấp giấy phép môi trường.\n"
            "Bước 2: Sở kiểm tra hồ sơ; thành lập hội đồng thẩm định hoặc đoàn kiểm tra, tổ chức "
            "kiểm tra thực tế.\n"
            "Bước 3: Chủ dự án, cơ sở hoàn thiện hồ sơ theo kết luận của hội đồng, đoàn kiểm tra "
            "(nếu có).\n"
            "Bước 4: Ủy ban nhân dân tỉnh cấp giấy phép môi trường; trả kết quả."
        ),
        "documents": [
            _document(
                "Văn bản đề nghị cấp giấy phép môi trường",
                "Application letter for an environmental permit",
                template=True,
            ),
            _document(
                "Báo cáo đề xuất cấp giấy phép môi trường",
                "Environmental permit proposal report",
                note="Kèm bản điện tử.",
            ),
            _document(
                "Báo cáo nghiên cứu khả thi hoặc tài liệu tương đương của dự án đầu tư",
                "Feasibility study or equivalent document of the investment project",
                originals=0,
                copies=1,
                required=False,
                reusable=True,
                note="Đối với dự án đầu tư chưa đi vào vận hành.",
            ),
        ],
        "fees": [
            {
                "name": "Phí thẩm định cấp giấy phép môi trường",
                "name_en": "Environmental permit appraisal fee",
                "amount": None,
                "unit": "hồ sơ",
                "note": PROVINCIAL_FEE,
            }
        ],
        "form": _form(
            "Đề nghị cấp giấy phép môi trường",
            {
                "project_name": PROJECT_NAME,
                "project_location": PROJECT_LOCATION,
                "project_group": {
                    "type": "string",
                    "title": "Nhóm dự án theo tiêu chí về môi trường",
                    "enum": ["Nhóm I", "Nhóm II", "Nhóm III"],
                },
                "main_activity": {
                    "type": "string",
                    "title": "Loại hình sản xuất, kinh doanh, dịch vụ",
                    "maxLength": 255,
                },
                "design_capacity": {
                    "type": "string",
                    "title": "Công suất thiết kế",
                    "description": "Ví dụ: 5.000 tấn sản phẩm/năm.",
                    "maxLength": 255,
                },
                "wastewater_m3_per_day": {
                    "type": "number",
                    "title": "Lưu lượng nước thải lớn nhất (m³/ngày đêm)",
                    "minimum": 0,
                },
                "emission_m3_per_hour": {
                    "type": "number",
                    "title": "Lưu lượng khí thải lớn nhất (m³/giờ)",
                    "minimum": 0,
                },
                "has_hazardous_waste": {
                    "type": "boolean",
                    "title": "Có phát sinh chất thải nguy hại",
                },
                "requested_term_years": TERM_YEARS,
                "declaration": DECLARATION,
            },
            [
                "project_name",
                "project_location",
                "project_group",
                "main_activity",
                "wastewater_m3_per_day",
                "requested_term_years",
                "declaration",
            ],
        ),
    },
    {
        # ILLUSTRATIVE code. Time: SPEC §5 (group II, ≤ 30 days, revision time not counted).
        "code": "1.010733",
        "field": "moi-truong",
        "name": "Thẩm định báo cáo đánh giá tác động môi trường (dự án nhóm II, cấp tỉnh)",
        "name_en": "Appraisal of an environmental impact assessment report (group II project)",
        "agency_level": "province",
        "service_level": 3,
        "processing_time": "30",
        "processing_time_unit": "calendar_days",
        "processing_time_note": "Không kể thời gian chủ dự án chỉnh sửa, bổ sung báo cáo.",
        "legal_basis": ENVIRONMENT_LAW,
        "result_type": (
            "Quyết định phê duyệt kết quả thẩm định báo cáo đánh giá tác động môi trường."
        ),
        "channels": ALL_CHANNELS,
        "applicant_kinds": EVERYONE,
        "conditions": "Dự án đầu tư nhóm II thuộc đối tượng phải đánh giá tác động môi trường.",
        "steps": (
            "Bước 1: Chủ dự án nộp hồ sơ đề nghị thẩm định.\n"
            "Bước 2: Sở thành lập hội đồng thẩm định, khảo sát thực tế và lấy ý kiến (nếu cần).\n"
            "Bước 3: Chủ dự án chỉnh sửa báo cáo theo kết luận của hội đồng.\n"
            "Bước 4: Phê duyệt kết quả thẩm định; trả kết quả."
        ),
        "documents": [
            _document(
                "Văn bản đề nghị thẩm định báo cáo đánh giá tác động môi trường",
                "Request for appraisal of the EIA report",
                template=True,
            ),
            _document(
                "Báo cáo đánh giá tác động môi trường",
                "Environmental impact assessment report",
                note="Kèm bản điện tử.",
            ),
            _document(
                "Báo cáo nghiên cứu khả thi hoặc tài liệu tương đương",
                "Feasibility study or equivalent document",
                originals=0,
                copies=1,
                reusable=True,
            ),
        ],
        "fees": [
            {
                "name": "Phí thẩm định báo cáo đánh giá tác động môi trường",
                "name_en": "EIA report appraisal fee",
                "amount": None,
                "unit": "báo cáo",
                "note": PROVINCIAL_FEE,
            }
        ],
        "form": _form(
            "Đề nghị thẩm định báo cáo đánh giá tác động môi trường",
            {
                "project_name": PROJECT_NAME,
                "project_location": PROJECT_LOCATION,
                "total_investment_billion_vnd": {
                    "type": "number",
                    "title": "Tổng vốn đầu tư (tỷ đồng)",
                    "minimum": 0,
                },
                "land_area_ha": {
                    "type": "number",
                    "title": "Diện tích sử dụng đất (ha)",
                    "exclusiveMinimum": 0,
                },
                "sensitive_factors": {
                    "type": "array",
                    "title": "Yếu tố nhạy cảm về môi trường",
                    "description": "Chọn tất cả các yếu tố có liên quan.",
                    "items": {
                        "type": "string",
                        "enum": [
                            "Sử dụng đất trồng lúa nước từ 02 vụ trở lên",
                            "Sử dụng đất rừng",
                            "Gần khu dân cư tập trung",
                            "Xả nước thải vào nguồn nước dùng cho cấp nước sinh hoạt",
                            "Phải di dân, tái định cư",
                        ],
                    },
                    "uniqueItems": True,
                },
                "consultant_name": {
                    "type": "string",
                    "title": "Đơn vị tư vấn lập báo cáo",
                    "maxLength": 255,
                },
                "declaration": DECLARATION,
            },
            ["project_name", "project_location", "total_investment_billion_vnd", "declaration"],
        ),
    },
    # --- Water resources ------------------------------------------------------------------
    {
        # ILLUSTRATIVE code and time (SPEC §5 says "look up").
        "code": "1.004253",
        "field": "tai-nguyen-nuoc",
        "name": "Cấp giấy phép khai thác, sử dụng nước dưới đất (cấp tỉnh)",
        "name_en": "Groundwater extraction and use licence (provincial level)",
        "agency_level": "province",
        "service_level": 3,
        "processing_time": "30",
        "processing_time_unit": "working_days",
        "processing_time_note": "Không kể thời gian bổ sung, hoàn thiện hồ sơ.",
        "legal_basis": WATER_LAW,
        "result_type": "Giấy phép khai thác, sử dụng nước dưới đất.",
        "channels": ALL_CHANNELS,
        "applicant_kinds": EVERYONE,
        "conditions": "Có đề án hoặc báo cáo khai thác, sử dụng nước dưới đất phù hợp quy hoạch.",
        "steps": (
            "Bước 1: Tổ chức, cá nhân nộp hồ sơ đề nghị cấp giấy phép.\n"
            "Bước 2: Sở kiểm tra hồ sơ, kiểm tra thực tế hiện trường, lập hội đồng thẩm định "
            "(nếu cần).\n"
            "Bước 3: Trình Ủy ban nhân dân tỉnh cấp giấy phép; trả kết quả."
        ),
        "documents": [
            _document(
                "Đơn đề nghị cấp giấy phép khai thác, sử dụng nước dưới đất",
                "Application for a groundwater extraction licence",
                template=True,
            ),
            _document(
                "Đề án hoặc báo cáo khai thác, sử dụng nước dưới đất",
                "Groundwater extraction plan or report",
            ),
            _document(
                "Kết quả phân tích chất lượng nguồn nước",
                "Water quality analysis results",
                note="Không quá 06 tháng tính đến thời điểm nộp hồ sơ.",
            ),
        ],
        "fees": [
            {
                "name": "Phí thẩm định đề án, báo cáo khai thác, sử dụng nước dưới đất",
                "name_en": "Appraisal fee for the groundwater extraction plan",
                "amount": None,
                "unit": "hồ sơ",
                "note": PROVINCIAL_FEE,
            }
        ],
        "form": _form(
            "Đề nghị cấp giấy phép khai thác, sử dụng nước dưới đất",
            {
                "project_name": PROJECT_NAME,
                "extraction_location": PROJECT_LOCATION,
                "well_count": {
                    "type": "integer",
                    "title": "Số giếng khai thác",
                    "minimum": 1,
                    "maximum": 500,
                },
                "total_flow_m3_per_day": {
                    "type": "number",
                    "title": "Tổng lưu lượng khai thác (m³/ngày đêm)",
                    "exclusiveMinimum": 0,
                },
                "aquifer": {
                    "type": "string",
                    "title": "Tầng chứa nước khai thác",
                    "description": "Ví dụ: tầng chứa nước Pleistocen.",
                    "maxLength": 120,
                },
                "purpose": {
                    "type": "string",
                    "title": "Mục đích khai thác, sử dụng",
                    "enum": WATER_PURPOSES,
                },
                "requested_term_years": TERM_YEARS,
                "declaration": DECLARATION,
            },
            [
                "project_name",
                "extraction_location",
                "well_count",
                "total_flow_m3_per_day",
                "purpose",
                "requested_term_years",
                "declaration",
            ],
        ),
    },
    {
        # ILLUSTRATIVE code and time.
        "code": "1.004232",
        "field": "tai-nguyen-nuoc",
        "name": "Cấp giấy phép thăm dò nước dưới đất (cấp tỉnh)",
        "name_en": "Groundwater exploration licence (provincial level)",
        "agency_level": "province",
        "service_level": 3,
        "processing_time": "25",
        "processing_time_unit": "working_days",
        "legal_basis": WATER_LAW,
        "result_type": "Giấy phép thăm dò nước dưới đất.",
        "channels": ALL_CHANNELS,
        "applicant_kinds": EVERYONE,
        "steps": (
            "Bước 1: Tổ chức, cá nhân nộp hồ sơ.\n"
            "Bước 2: Sở thẩm định đề án thăm dò, kiểm tra thực địa (nếu cần).\n"
            "Bước 3: Trình cấp giấy phép; trả kết quả."
        ),
        "documents": [
            _document(
                "Đơn đề nghị cấp giấy phép thăm dò nước dưới đất",
                "Application for a groundwater exploration licence",
                template=True,
            ),
            _document("Đề án thăm dò nước dưới đất", "Groundwater exploration plan"),
        ],
        "fees": [
            {
                "name": "Phí thẩm định đề án thăm dò nước dưới đất",
                "name_en": "Appraisal fee for the exploration plan",
                "amount": None,
                "unit": "đề án",
                "note": PROVINCIAL_FEE,
            }
        ],
        "form": _form(
            "Đề nghị cấp giấy phép thăm dò nước dưới đất",
            {
                "project_name": PROJECT_NAME,
                "exploration_location": PROJECT_LOCATION,
                "planned_well_count": {
                    "type": "integer",
                    "title": "Số giếng thăm dò dự kiến",
                    "minimum": 1,
                    "maximum": 200,
                },
                "planned_flow_m3_per_day": {
                    "type": "number",
                    "title": "Lưu lượng dự kiến khai thác (m³/ngày đêm)",
                    "exclusiveMinimum": 0,
                },
                "duration_months": {
                    "type": "integer",
                    "title": "Thời gian thăm dò (tháng)",
                    "minimum": 1,
                    "maximum": 24,
                },
                "declaration": DECLARATION,
            },
            [
                "project_name",
                "exploration_location",
                "planned_well_count",
                "planned_flow_m3_per_day",
                "duration_months",
                "declaration",
            ],
        ),
    },
    {
        # ILLUSTRATIVE code and time.
        "code": "1.004179",
        "field": "tai-nguyen-nuoc",
        "name": "Cấp giấy phép khai thác, sử dụng nước mặt (cấp tỉnh)",
        "name_en": "Surface water extraction and use licence (provincial level)",
        "agency_level": "province",
        "service_level": 3,
        "processing_time": "30",
        "processing_time_unit": "working_days",
        "legal_basis": WATER_LAW,
        "result_type": "Giấy phép khai thác, sử dụng nước mặt.",
        "channels": ALL_CHANNELS,
        "applicant_kinds": EVERYONE,
        "steps": (
            "Bước 1: Tổ chức, cá nhân nộp hồ sơ.\n"
            "Bước 2: Sở kiểm tra hồ sơ, kiểm tra thực tế công trình lấy nước.\n"
            "Bước 3: Trình cấp giấy phép; trả kết quả."
        ),
        "documents": [
            _document(
                "Đơn đề nghị cấp giấy phép khai thác, sử dụng nước mặt",
                "Application for a surface water extraction licence",
                template=True,
            ),
            _document(
                "Đề án hoặc báo cáo khai thác, sử dụng nước mặt",
                "Surface water extraction plan or report",
            ),
        ],
        "fees": [
            {
                "name": "Phí thẩm định đề án khai thác, sử dụng nước mặt",
                "name_en": "Appraisal fee for the surface water extraction plan",
                "amount": None,
                "unit": "hồ sơ",
                "note": PROVINCIAL_FEE,
            }
        ],
        "form": _form(
            "Đề nghị cấp giấy phép khai thác, sử dụng nước mặt",
            {
                "project_name": PROJECT_NAME,
                "water_source": {
                    "type": "string",
                    "title": "Nguồn nước khai thác",
                    "description": "Tên sông, suối, hồ chứa.",
                    "maxLength": 120,
                },
                "intake_location": {**PROJECT_LOCATION, "title": "Vị trí công trình lấy nước"},
                "intake_type": {
                    "type": "string",
                    "title": "Loại công trình lấy nước",
                    "enum": ["Trạm bơm", "Cống lấy nước", "Hồ chứa, đập dâng"],
                },
                "max_flow_m3_per_day": {
                    "type": "number",
                    "title": "Lưu lượng khai thác lớn nhất (m³/ngày đêm)",
                    "exclusiveMinimum": 0,
                },
                "purpose": {
                    "type": "string",
                    "title": "Mục đích khai thác, sử dụng",
                    "enum": WATER_PURPOSES,
                },
                "requested_term_years": TERM_YEARS,
                "declaration": DECLARATION,
            },
            [
                "project_name",
                "water_source",
                "intake_location",
                "intake_type",
                "max_flow_m3_per_day",
                "purpose",
                "declaration",
            ],
        ),
    },
    # --- Minerals -------------------------------------------------------------------------
    {
        # ILLUSTRATIVE code and time. Fees: the amounts of Circular 191/2016/TT-BTC as we recall
        # them (4 and 10 million VND by area): ILLUSTRATIVE, check the current circular.
        "code": "1.004446",
        "field": "khoang-san",
        "name": "Cấp giấy phép thăm dò khoáng sản (thuộc thẩm quyền cấp tỉnh)",
        "name_en": "Mineral exploration licence (provincial competence)",
        "agency_level": "province",
        "service_level": 3,
        "processing_time": "90",
        "processing_time_unit": "calendar_days",
        "processing_time_note": "Kể từ ngày nhận đủ hồ sơ hợp lệ.",
        "legal_basis": MINERALS_LAW,
        "result_type": "Giấy phép thăm dò khoáng sản.",
        "channels": ["online", "counter"],
        "applicant_kinds": ["organisation"],
        "conditions": (
            "Tổ chức, doanh nghiệp có đủ điều kiện hành nghề thăm dò khoáng sản hoặc hợp đồng "
            "với tổ chức đủ điều kiện."
        ),
        "steps": (
            "Bước 1: Tổ chức nộp hồ sơ đề nghị cấp giấy phép thăm dò.\n"
            "Bước 2: Sở kiểm tra tọa độ, diện tích khu vực thăm dò, kiểm tra thực địa, thẩm "
            "định đề án thăm dò.\n"
            "Bước 3: Trình Ủy ban nhân dân tỉnh cấp giấy phép; trả kết quả."
        ),
        "fee_note": "Mức thu minh họa; kiểm tra thông tư quy định lệ phí hiện hành.",
        "documents": [
            _document(
                "Đơn đề nghị cấp giấy phép thăm dò khoáng sản",
                "Application for a mineral exploration licence",
                template=True,
            ),
            _document("Đề án thăm dò khoáng sản", "Mineral exploration plan"),
            _document(
                "Bản đồ khu vực thăm dò khoáng sản",
                "Map of the exploration area",
            ),
        ],
        "fees": [
            {
                "name": "Lệ phí cấp giấy phép thăm dò khoáng sản",
                "name_en": "Exploration licence levy",
                "amount": 4000000,
                "unit": "giấy phép, diện tích thăm dò dưới 100 ha",
                "note": "Mức thu minh họa.",
            },
            {
                "name": "Lệ phí cấp giấy phép thăm dò khoáng sản",
                "name_en": "Exploration licence levy",
                "amount": 10000000,
                "unit": "giấy phép, diện tích thăm dò từ 100 ha trở lên",
                "note": "Mức thu minh họa.",
                "order": 1,
            },
        ],
        "form": _form(
            "Đề nghị cấp giấy phép thăm dò khoáng sản",
            {
                "mineral_type": {
                    "type": "string",
                    "title": "Loại khoáng sản",
                    "description": "Ví dụ: cát, sỏi làm vật liệu xây dựng thông thường.",
                    "maxLength": 120,
                },
                "exploration_location": PROJECT_LOCATION,
                "exploration_area_ha": {
                    "type": "number",
                    "title": "Diện tích khu vực thăm dò (ha)",
                    "exclusiveMinimum": 0,
                },
                "duration_months": {
                    "type": "integer",
                    "title": "Thời gian thăm dò (tháng)",
                    "minimum": 1,
                    "maximum": 48,
                },
                "exploration_methods": {
                    "type": "string",
                    "title": "Phương pháp thăm dò dự kiến",
                    "maxLength": 2000,
                },
                "budget_million_vnd": {
                    "type": "number",
                    "title": "Dự toán thăm dò (triệu đồng)",
                    "minimum": 0,
                },
                "declaration": DECLARATION,
            },
            [
                "mineral_type",
                "exploration_location",
                "exploration_area_ha",
                "duration_months",
                "declaration",
            ],
        ),
    },
    {
        # ILLUSTRATIVE code and time.
        "code": "1.004345",
        "field": "khoang-san",
        "name": "Cấp giấy phép khai thác khoáng sản (thuộc thẩm quyền cấp tỉnh)",
        "name_en": "Mineral extraction licence (provincial competence)",
        "agency_level": "province",
        "service_level": 3,
        "processing_time": "90",
        "processing_time_unit": "calendar_days",
        "processing_time_note": "Kể từ ngày nhận đủ hồ sơ hợp lệ.",
        "legal_basis": MINERALS_LAW,
        "result_type": "Giấy phép khai thác khoáng sản.",
        "channels": ["online", "counter"],
        "applicant_kinds": ["organisation"],
        "conditions": (
            "Có kết quả thăm dò khoáng sản được phê duyệt; có dự án đầu tư khai thác và kết "
            "quả thẩm định báo cáo đánh giá tác động môi trường hoặc giấy phép môi trường."
        ),
        "steps": (
            "Bước 1: Tổ chức nộp hồ sơ đề nghị cấp giấy phép khai thác.\n"
            "Bước 2: Sở kiểm tra hồ sơ, kiểm tra thực địa, lấy ý kiến các cơ quan liên quan.\n"
            "Bước 3: Trình Ủy ban nhân dân tỉnh cấp giấy phép; thông báo nộp tiền cấp quyền "
            "khai thác khoáng sản; trả kết quả."
        ),
        "fee_note": "Lệ phí cấp giấy phép khai thác khoáng sản theo quy định hiện hành.",
        "documents": [
            _document(
                "Đơn đề nghị cấp giấy phép khai thác khoáng sản",
                "Application for a mineral extraction licence",
                template=True,
            ),
            _document(
                "Dự án đầu tư khai thác khoáng sản kèm quyết định phê duyệt",
                "Mining investment project with its approval",
                originals=0,
                copies=1,
            ),
            _document(
                "Quyết định phê duyệt kết quả thẩm định báo cáo đánh giá tác động môi trường",
                "Decision approving the EIA report",
                originals=0,
                copies=1,
                reusable=True,
            ),
            _document("Bản đồ khu vực khai thác khoáng sản", "Map of the mining area"),
        ],
        "fees": [
            {
                "name": "Lệ phí cấp giấy phép khai thác khoáng sản",
                "name_en": "Extraction licence levy",
                "amount": None,
                "unit": "giấy phép",
                "note": (
                    "Theo thông tư của Bộ Tài chính quy định lệ phí cấp giấy phép hoạt động khoáng "
                    "sản."
                ),
            }
        ],
        "form": _form(
            "Đề nghị cấp giấy phép khai thác khoáng sản",
            {
                "mineral_type": {
                    "type": "string",
                    "title": "Loại khoáng sản",
                    "maxLength": 120,
                },
                "mining_location": PROJECT_LOCATION,
                "exploration_licence_number": {
                    "type": "string",
                    "title": "Số giấy phép thăm dò đã được cấp",
                    "maxLength": 50,
                },
                "mining_area_ha": {
                    "type": "number",
                    "title": "Diện tích khu vực khai thác (ha)",
                    "exclusiveMinimum": 0,
                },
                "reserves_m3": {
                    "type": "number",
                    "title": "Trữ lượng khai thác (m³)",
                    "exclusiveMinimum": 0,
                },
                "capacity_m3_per_year": {
                    "type": "number",
                    "title": "Công suất khai thác (m³/năm)",
                    "exclusiveMinimum": 0,
                },
                "mining_method": {
                    "type": "string",
                    "title": "Phương pháp khai thác",
                    "enum": ["Lộ thiên", "Hầm lò"],
                },
                "term_years": {
                    "type": "integer",
                    "title": "Thời hạn khai thác đề nghị (năm)",
                    "minimum": 1,
                    "maximum": 30,
                },
                "declaration": DECLARATION,
            },
            [
                "mineral_type",
                "mining_location",
                "mining_area_ha",
                "reserves_m3",
                "capacity_m3_per_year",
                "mining_method",
                "term_years",
                "declaration",
            ],
        ),
    },
]

# --- Internal processes (quy trình nội bộ) -----------------------------------------------------
# One published process per demo procedure, in the demo department (DEMO_AGENCY), loaded by
# `load_demo_catalog` once the units and staff of `motcua demo` exist. Units are codes of
# core/management/commands/demo.py DEPARTMENT_UNITS. ILLUSTRATIVE: the split of the legal time
# between steps is ours (provinces publish their own in a decision on internal processes).
# Every process leaves at least half a day of the legal time to the one-stop desk (reception
# and return), except the same-day mortgage registration. Steps count working days; for a legal
# time in calendar days the steps stay within 5 working days per 7 calendar days (30 calendar
# days: at most 21 working days; 90: at most 64), see catalog/process.py.

CHECK_ACTIONS = ["forward", "consult", "inspect", "request_supplement"]
APPROVE_ACTIONS = ["forward", "return_to_step"]
SIGN_ACTIONS = ["return_to_step", "finish"]


def _process_step(
    name: str,
    name_en: str,
    *,
    unit: str,
    role: str,
    duration: str,
    actions: list[str],
    kind: str = "handle",
    transfer_adapter: str = "",
) -> dict[str, Any]:
    return {
        "name": name,
        "name_en": name_en,
        "kind": kind,
        "unit": unit,
        "role": role,
        "duration": duration,
        "actions": actions,
        "transfer_adapter": transfer_adapter,
    }


def _three_steps(
    *,
    unit: str,
    unit_name: str,
    unit_name_en: str,
    check: tuple[str, str],
    days: tuple[str, str, str],
    tax_days: str = "",
) -> list[dict[str, Any]]:
    """Specialist checks, head of unit approves, the department's leader signs; with `tax_days`,
    a liên thông step to the tax authority (financial obligation) before the head's approval."""
    steps = [
        _process_step(*check, unit=unit, role="specialist", duration=days[0], actions=CHECK_ACTIONS)
    ]
    if tax_days:
        steps.append(
            _process_step(
                "Chuyển thông tin sang cơ quan thuế, nhận thông báo nghĩa vụ tài chính",
                "Send the data to the tax authority and receive the financial obligation notice",
                kind="transfer",
                unit=unit,
                role="specialist",
                duration=tax_days,
                actions=["transfer", "forward"],
                transfer_adapter="tax",
            )
        )
    steps += [
        _process_step(
            f"Lãnh đạo {unit_name} xem xét, trình ký",
            f"The head of the {unit_name_en} reviews and submits for signature",
            kind="approve",
            unit=unit,
            role="unit_head",
            duration=days[1],
            actions=APPROVE_ACTIONS,
        ),
        _process_step(
            "Lãnh đạo Sở ký kết quả",
            "The department's leader signs the result",
            kind="sign",
            unit="VP",
            role="director",
            duration=days[2],
            actions=SIGN_ACTIONS,
        ),
    ]
    return steps


LAND_OFFICE = {
    "unit": "VPDKDD",
    "unit_name": "Văn phòng Đăng ký đất đai",
    "unit_name_en": "Land Registration Office",
}
ENVIRONMENT_OFFICE = {
    "unit": "CCBVMT",
    "unit_name": "Chi cục Bảo vệ môi trường",
    "unit_name_en": "Environmental Protection Sub-department",
}
WATER_OFFICE = {
    "unit": "TNNKS",
    "unit_name": "Phòng Tài nguyên nước và Khoáng sản",
    "unit_name_en": "Water and Minerals Division",
}
LAND_CHECK = (
    "Thẩm tra hồ sơ, kiểm tra thực địa (nếu cần), cập nhật hồ sơ địa chính",
    "Examine the dossier, inspect the site if needed, update the cadastral records",
)
PERMIT_CHECK = (
    "Thẩm định hồ sơ, kiểm tra thực tế, lấy ý kiến (nếu cần), dự thảo giấy phép",
    "Appraise the dossier, inspect on site, consult if needed, draft the permit",
)

# Procedure code -> the steps of its demo process, in order.
PROCESSES: dict[str, list[dict[str, Any]]] = {
    # 17 working days: 15 in the steps (8 + 3 with the tax authority + 2 + 2).
    "1.012756": _three_steps(**LAND_OFFICE, check=LAND_CHECK, days=("8", "2", "2"), tax_days="3"),
    # 5 working days: 1.5 + 1 (tax) + 1 + 1.
    "1.012783": _three_steps(**LAND_OFFICE, check=LAND_CHECK, days=("1.5", "1", "1"), tax_days="1"),
    # 3 working days: 1.5 + 0.5 + 0.5.
    "1.012766": _three_steps(**LAND_OFFICE, check=LAND_CHECK, days=("1.5", "0.5", "0.5")),
    # Same working day (0.5): one step, in which the registration office records and certifies.
    "1.012801": [
        _process_step(
            "Kiểm tra, ghi nội dung đăng ký thế chấp và chứng nhận đăng ký",
            "Check, record the mortgage and certify the registration",
            unit="VPDKDD",
            role="specialist",
            duration="0.5",
            actions=["request_supplement", "finish"],
        )
    ],
    # 10 working days (the public notice of the loss is not counted): 5 + 2 + 2.
    "1.012786": _three_steps(**LAND_OFFICE, check=LAND_CHECK, days=("5", "2", "2")),
    # 15 working days: 9 + 2.5 + 2.5.
    "1.012784": _three_steps(**LAND_OFFICE, check=LAND_CHECK, days=("9", "2.5", "2.5")),
    # 30 calendar days (at most 21 working days): 12 + 4 + 3.
    "1.010727": _three_steps(**ENVIRONMENT_OFFICE, check=PERMIT_CHECK, days=("12", "4", "3")),
    "1.010733": _three_steps(
        **ENVIRONMENT_OFFICE,
        check=(
            "Tổ chức hội đồng thẩm định, tổng hợp ý kiến, dự thảo quyết định phê duyệt",
            "Convene the appraisal council, collect opinions, draft the approval decision",
        ),
        days=("12", "4", "3"),
    ),
    # 30 and 25 working days.
    "1.004253": _three_steps(**WATER_OFFICE, check=PERMIT_CHECK, days=("18", "5", "4")),
    "1.004232": _three_steps(**WATER_OFFICE, check=PERMIT_CHECK, days=("15", "4", "3")),
    "1.004179": _three_steps(**WATER_OFFICE, check=PERMIT_CHECK, days=("18", "5", "4")),
    # 90 calendar days (at most 64 working days): 40 + 10 + 8.
    "1.004446": _three_steps(**WATER_OFFICE, check=PERMIT_CHECK, days=("40", "10", "8")),
    "1.004345": _three_steps(**WATER_OFFICE, check=PERMIT_CHECK, days=("40", "10", "8")),
}
