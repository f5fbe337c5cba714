"""Monitoring API: stations send measurements to POST /api/v1/monitoring/measurements."""

from __future__ import annotations

import json
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.security import HttpBearer
from pydantic import Field as SchemaField

from motcua.core.errors import DomainError, InvalidInput, PermissionDenied
from motcua.core.schemas import ErrorSchema
from motcua.monitoring.ingestion import readings_ingest
from motcua.monitoring.models import Source, Station
from motcua.monitoring.selectors import station_by_key

router = Router(tags=["monitoring"])


class StationKey(HttpBearer):
    """`Authorization: Bearer <station ingestion key>`; request.auth is the station."""

    def authenticate(self, request: HttpRequest, token: str) -> Station | None:
        return station_by_key(raw=token)


class ReadingIn(Schema):
    parameter: str = SchemaField(examples=["PM2.5"], description="Mã thông số.")
    time: str = SchemaField(
        examples=["2026-11-23T14:00:00+07:00"], description="ISO 8601, bắt buộc có múi giờ."
    )
    value: float
    period: Literal["1h", "raw"] = SchemaField(
        description="1h: trung bình của giờ bắt đầu lúc `time`; raw: số liệu thô bất kỳ chu kỳ."
    )
    unit: str | None = SchemaField(None, description="Không bắt buộc; nếu có phải khớp đơn vị.")


class MeasurementBatchIn(Schema):
    station: str = SchemaField(examples=["DL-01"], description="Mã trạm, khớp với khóa.")
    readings: list[ReadingIn]


class RejectedOut(Schema):
    index: int = SchemaField(description="Vị trí của số liệu trong danh sách gửi (từ 0).")
    parameter: str | None
    time: str | None
    reason: str


class IngestOut(Schema):
    stored: int
    rejected: list[RejectedOut]


def inline_schema(schema: type[Schema]) -> dict[str, Any]:
    """The JSON Schema of `schema` with its "$defs" references inlined: the body is parsed by
    hand (see below), so ninja does not list it among the OpenAPI components."""
    document = schema.model_json_schema()
    definitions = document.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            reference = node.get("$ref", "")
            if reference.startswith("#/$defs/"):
                return inline(definitions[reference.removeprefix("#/$defs/")])
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    return inline(document)


class PayloadTooLarge(DomainError):
    status = 413
    default_code = "too_large"


def batch_from_body(body: bytes) -> tuple[str, list[Any]]:
    """The station code and readings list of a JSON batch, or a domain error for the whole
    request. Parsed with the json module, not a schema: each reading is checked on its own so
    one bad reading does not refuse the rest (NaN and Infinity literals reach that check)."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput(_("Nội dung gửi không phải JSON hợp lệ."), field="body") from None
    if not isinstance(payload, dict):
        raise InvalidInput(_("Nội dung gửi phải là một đối tượng JSON."), field="body")
    station = payload.get("station")
    if not isinstance(station, str) or not station.strip():
        raise InvalidInput(_("Thiếu mã trạm (station)."), field="station")
    readings = payload.get("readings")
    if not isinstance(readings, list):
        raise InvalidInput(_("readings phải là một danh sách số liệu."), field="readings")
    if len(readings) > settings.MONITORING_MAX_BATCH:
        raise PayloadTooLarge(
            _("Tối đa %(count)s số liệu mỗi lần gửi.") % {"count": settings.MONITORING_MAX_BATCH},
            field="readings",
        )
    return station.strip(), readings


def check_station_matches(station: Station, code: str) -> None:
    if code != station.code:
        raise PermissionDenied(
            _("Khóa này không phải của trạm %(code)s.") % {"code": code},
            code="station_mismatch",
            field="station",
        )


@router.post(
    "/monitoring/measurements",
    auth=StationKey(),
    response={
        200: IngestOut,
        400: ErrorSchema,
        401: ErrorSchema,
        403: ErrorSchema,
        413: ErrorSchema,
    },
    summary="Trạm gửi số liệu quan trắc",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": inline_schema(MeasurementBatchIn)}},
        }
    },
)
def measurements_post(request: HttpRequest):
    """Store a batch of readings. Each bad reading is rejected with its index and a reason in
    Vietnamese; the others are stored. Re-sending the same readings is harmless (upsert)."""
    try:
        body = request.body
    except RequestDataTooBig:
        raise PayloadTooLarge(_("Nội dung gửi quá lớn."), field="body") from None
    code, readings = batch_from_body(body)
    check_station_matches(request.auth, code)
    result = readings_ingest(station=request.auth, items=readings, source=Source.HTTP)
    return result.as_dict()


# The public air-quality endpoints (AQI side: current index, hourly and daily series).
from motcua.monitoring.api_aqi import router as air_quality_router  # noqa: E402

router.add_router("", air_quality_router)
