"""API of the shared kernel: working calendar, administrative units."""

from decimal import Decimal
from typing import Annotated

from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Query, Router, Schema

from motcua.accounts.models import Agency
from motcua.core import calendar
from motcua.core.errors import InvalidInput
from motcua.core.places import (
    commune_list,
    commune_search,
    legacy_lookup,
    province_list,
)
from motcua.core.schemas import ErrorSchema

router = Router(tags=["core"])


# --- Working calendar ---


class DueOut(Schema):
    due_at: str


@router.get(
    "/calendar/due",
    response={200: DueOut, 400: ErrorSchema},
    summary="Hạn xử lý: thời điểm bắt đầu + thời hạn",
    description=(
        "Cộng một thời hạn theo ngày làm việc (bội số của 0,5 ngày) hoặc theo ngày lịch vào "
        "một thời điểm, theo lịch làm việc Việt Nam và giờ làm việc của cơ quan (nếu có). "
        "Trả về thời điểm theo giờ Việt Nam (+07:00). Nhớ mã hóa dấu + của múi giờ là %2B."
    ),
)
def calendar_due(
    request: HttpRequest,
    start: Annotated[str, Query(description="Thời điểm ISO 8601 có múi giờ")],
    amount: Annotated[Decimal, Query(description="Số ngày, bội số của 0,5")],
    unit: Annotated[calendar.DurationUnit, Query(description="Đơn vị thời hạn")],
    agency: Annotated[str | None, Query(description="Mã định danh cơ quan")] = None,
) -> DueOut:
    moment = calendar.parse_moment(start, field="start")
    found = None
    if agency:
        found = Agency.objects.filter(code=agency).first()
        if found is None:
            raise InvalidInput(
                gettext("Không có cơ quan (agency) mang mã %(code)s.") % {"code": agency},
                field="agency",
            )
    due = calendar.due_at(moment, amount, unit, agency=found)
    return DueOut(due_at=due.isoformat(timespec="seconds"))


# --- Administrative units ---


class ProvinceOut(Schema):
    code: str
    name: str
    division_type: str


class CommuneOut(Schema):
    code: str
    name: str
    division_type: str
    province_code: str
    province_name: str

    @staticmethod
    def resolve_province_code(obj) -> str:
        return obj.province_id

    @staticmethod
    def resolve_province_name(obj) -> str:
        return obj.province.name


class LegacyCommuneOut(Schema):
    code: str
    name: str
    district_name: str
    province_name: str
    partly_merged: bool
    new_communes: list[CommuneOut]

    @staticmethod
    def resolve_new_communes(obj) -> list:
        return list(obj.new_communes.all())


SearchText = Annotated[
    str, Query(min_length=1, max_length=100, description="Tên, có dấu hoặc không")
]
Limit = Annotated[int, Query(ge=1, le=100, description="Số kết quả tối đa")]


@router.get(
    "/provinces",
    response={200: list[ProvinceOut]},
    summary="Danh sách 34 tỉnh, thành phố",
)
def provinces(request: HttpRequest) -> list:
    return province_list()


@router.get(
    "/provinces/{code}/communes",
    response={200: list[CommuneOut], 400: ErrorSchema, 404: ErrorSchema},
    summary="Các xã, phường, đặc khu của một tỉnh",
    description="Lọc theo tên nếu có `q` (không phân biệt dấu, hoa thường, thứ tự từ).",
)
def province_communes(
    request: HttpRequest,
    code: str,
    q: Annotated[str | None, Query(max_length=100, description="Tên, có dấu hoặc không")] = None,
) -> list:
    return list(commune_list(code, q=q, field="code"))


@router.get(
    "/communes",
    response={200: list[CommuneOut], 400: ErrorSchema, 404: ErrorSchema},
    summary="Tìm xã, phường, đặc khu theo tên",
    description=(
        "Không phân biệt dấu, hoa thường và thứ tự từ: “phan dinh phung” tìm thấy “Phường Phan "
        "Đình Phùng”. Tên trùng khớp hoặc bắt đầu bằng từ khóa được xếp trước."
    ),
)
def communes(
    request: HttpRequest,
    q: SearchText,
    province: Annotated[str | None, Query(max_length=2, description="Mã tỉnh")] = None,
    limit: Limit = 20,
) -> list:
    return commune_search(q, province_code=province, limit=limit)


@router.get(
    "/communes/legacy",
    response={200: list[LegacyCommuneOut], 400: ErrorSchema},
    summary="Đơn vị mới của một địa chỉ cũ (trước 1/7/2025)",
    description=(
        "Tìm xã, phường, thị trấn cũ theo tên (và quận/huyện, tỉnh cũ nếu có); mỗi kết quả kèm "
        "các xã, phường mới đã nhận địa bàn của nó."
    ),
)
def communes_legacy(
    request: HttpRequest,
    name: SearchText,
    district: Annotated[str | None, Query(max_length=100, description="Quận, huyện cũ")] = None,
    province: Annotated[str | None, Query(max_length=100, description="Tỉnh cũ")] = None,
    limit: Limit = 20,
) -> list:
    return legacy_lookup(name, district=district, province=province, limit=limit)
