"""JSON Schema application forms: checking schemas, accessible rendering, server validation."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.http import QueryDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from motcua.catalog.demo_data import PROCEDURES
from motcua.catalog.forms import (
    NON_FIELD,
    form_data_from_post,
    form_render,
    form_schema_problems,
    form_validate,
)
from tests.catalog.factories import SIMPLE_SCHEMA
from tests.catalog.html_form import FormControls

DEMO_FORMS = [(procedure["code"], procedure["form"]) for procedure in PROCEDURES]
LETTERS = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệóòỏõọốồổỗộớờởỡợúùủũụứừửữựíìỉĩịýỳỷỹỵ"
)
TEXT = st.text(alphabet=LETTERS + LETTERS.upper() + "0123456789 ,.-/()", min_size=1, max_size=40)


# --- Generating valid data for a schema ---------------------------------------------------------


def _value(prop: dict[str, Any]) -> st.SearchStrategy:
    kind = prop["type"]
    if kind == "boolean":
        return st.just(True) if prop.get("const") is True else st.booleans()
    if kind == "array":
        options = prop["items"]["enum"]
        # A browser sends ticked boxes in the order of the options.
        return st.sets(st.sampled_from(options), min_size=1).map(
            lambda chosen: [option for option in options if option in chosen]
        )
    if kind in {"integer", "number"}:
        low = prop.get("minimum", prop.get("exclusiveMinimum", -(10**6)))
        high = prop.get("maximum", prop.get("exclusiveMaximum", 10**9))
        if kind == "integer":
            low += 1 if "exclusiveMinimum" in prop else 0
            return st.integers(min_value=low, max_value=high)
        return st.floats(
            min_value=low,
            max_value=high,
            exclude_min="exclusiveMinimum" in prop,
            allow_nan=False,
            allow_infinity=False,
        )
    if "enum" in prop:
        return st.sampled_from(prop["enum"])
    if prop.get("format") == "date":
        return st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)).map(date.isoformat)
    if prop.get("format") == "email":
        return st.from_regex(r"[a-z]{1,12}(\.[a-z]{1,8})?@[a-z]{2,12}\.(vn|com)", fullmatch=True)
    if "pattern" in prop:
        return st.from_regex(prop["pattern"], fullmatch=True).filter(
            lambda s: s == s.strip() and len(s) <= prop.get("maxLength", 10**6)
        )
    return (
        TEXT.map(str.strip)
        .filter(bool)
        .map(lambda s: s[: prop.get("maxLength", 255)].strip())
        .filter(bool)
    )


@st.composite
def valid_data(draw, schema: dict[str, Any]) -> dict[str, Any]:
    required = set(schema.get("required", []))
    data = {}
    for name, prop in schema["properties"].items():
        # An HTML form always sends a boolean (an unticked box is false).
        if name in required or prop["type"] == "boolean" or draw(st.booleans()):
            data[name] = draw(_value(prop))
    return data


def _browser_round_trip(schema, ui, data):
    """Render the form filled with `data`, submit it as a browser would, read it back."""
    controls = FormControls(form_render(schema, ui, data=data, prefix="f-"))
    return form_data_from_post(schema, controls.submitted(), prefix="f-")


# --- Checking schemas ---------------------------------------------------------------------------


def test_a_number_with_thousands_of_digits_is_an_error_not_a_crash():
    huge = "9" * 5000
    post = QueryDict(f"project_name=A&copies={huge}&area_m2={huge}", mutable=True)
    data = form_data_from_post(SIMPLE_SCHEMA, post)
    _, errors = form_validate(SIMPLE_SCHEMA, data)
    assert {"copies", "area_m2"} <= set(errors)


@pytest.mark.parametrize(("code", "form"), DEMO_FORMS, ids=[code for code, _ in DEMO_FORMS])
def test_every_demo_form_is_a_supported_schema(code, form):
    assert form_schema_problems(form["schema"], form["ui"]) == []


@pytest.mark.parametrize(
    ("schema", "ui", "expected"),
    [
        ([], None, "phải là một đối tượng JSON"),
        ({"type": 5}, None, "không đúng chuẩn JSON Schema 2020-12 tại /type: giá trị phải"),
        ({"type": "object", "required": "a"}, None, "giá trị phải là danh sách [...]"),
        ({"type": "array", "items": {"type": "string"}}, None, '"type": "object"'),
        ({"type": "object", "properties": {}}, None, "ít nhất một trường"),
        (
            {"type": "object", "properties": {"a": {"type": "object", "title": "A"}}},
            None,
            "kiểu “object” chưa được hỗ trợ",
        ),
        (
            {
                "type": "object",
                "properties": {"a": {"type": "string", "title": "A", "oneOf": [{"const": "a"}]}},
            },
            None,
            "từ khóa “oneOf” chưa được hỗ trợ",
        ),
        (
            {"type": "object", "properties": {"a": {"type": "string"}}},
            None,
            "cần có “title”",
        ),
        (
            {"type": "object", "properties": {"Tên": {"type": "string", "title": "Tên"}}},
            None,
            "Tên trường “Tên” không hợp lệ",
        ),
        (
            {
                "type": "object",
                "properties": {"a": {"type": "string", "title": "A", "pattern": "("}},
            },
            None,
            "biểu thức chính quy không hợp lệ",
        ),
        (
            {
                "type": "object",
                "properties": {"a": {"type": "string", "title": "A", "format": "uri"}},
            },
            None,
            "định dạng “uri” chưa được hỗ trợ",
        ),
        (
            {
                "type": "object",
                "properties": {"a": {"type": "string", "title": "A"}},
                "required": ["b"],
            },
            None,
            "Trường bắt buộc “b”",
        ),
        (SIMPLE_SCHEMA, {"widgets": {"copies": "radio"}}, "không dùng được cho trường “copies”"),
        (SIMPLE_SCHEMA, {"order": ["nope"]}, "trường “nope” không có trong lược đồ"),
        (SIMPLE_SCHEMA, {"colour": "red"}, "khóa “colour” chưa được hỗ trợ"),
    ],
)
def test_unsupported_schemas_are_refused_with_a_clear_message(schema, ui, expected):
    problems = form_schema_problems(schema, ui)
    assert any(expected in problem for problem in problems), problems


# --- Rendering ----------------------------------------------------------------------------------


def test_every_field_has_a_label_and_linked_help():
    schema = PROCEDURES[1]["form"]["schema"]  # 1.012783: text, pattern, enum, integer, boolean
    controls = FormControls(form_render(schema))

    named = [c for c in controls.controls if c.get("name")]
    assert {c["name"] for c in named} == set(schema["properties"])
    for control in named:
        if control.get("type") == "radio":
            continue  # radios are labelled one by one and grouped by a legend
        assert controls.labels[control["id"]], control
    serial = next(c for c in named if c["name"] == "certificate_serial")
    help_text = controls.ids[serial["aria-describedby"]]
    assert "AA 123456" in help_text
    assert serial["aria-required"] == "true"
    assert "required" not in serial  # the server validates, in Vietnamese


def test_errors_are_next_to_their_field_and_the_typed_values_are_kept():
    data = {"project_name": "Nhà máy nước Đà Lạt", "copies": "mười"}
    _, errors = form_validate(
        SIMPLE_SCHEMA,
        form_data_from_post(
            SIMPLE_SCHEMA,
            QueryDict(
                "project_name=Nh%C3%A0+m%C3%A1y+n%C6%B0%E1%BB%9Bc+%C4%90%C3%A0+L%E1%BA%A1t&copies=m%C6%B0%E1%BB%9Di"
            ),
        ),
    )
    html = form_render(SIMPLE_SCHEMA, data=data, errors=errors)
    controls = FormControls(html)

    copies = next(c for c in controls.controls if c.get("name") == "copies")
    assert copies["value"] == "mười"
    assert copies["aria-invalid"] == "true"
    assert controls.ids[copies["aria-describedby"]] == "Số bản phải là một số nguyên."
    name = next(c for c in controls.controls if c.get("name") == "project_name")
    assert name["value"] == "Nhà máy nước Đà Lạt" and "aria-invalid" not in name


def test_choices_render_as_radios_or_a_select_and_checkboxes():
    schema = {
        "type": "object",
        "properties": {
            "few": {"type": "string", "title": "Ít", "enum": ["A", "B"]},
            "many": {"type": "string", "title": "Nhiều", "enum": list("ABCDEF")},
            "several": {
                "type": "array",
                "title": "Nhiều lựa chọn",
                "items": {"type": "string", "enum": ["X", "Y"]},
            },
            "note": {"type": "string", "title": "Ghi chú", "maxLength": 2000},
        },
    }
    controls = FormControls(form_render(schema))
    kinds = {(c.get("name"), c["tag"], c.get("type")) for c in controls.controls}

    assert ("few", "input", "radio") in kinds
    assert ("many", "select", None) in kinds
    assert ("several", "input", "checkbox") in kinds
    assert ("note", "textarea", None) in kinds


def test_html_is_escaped():
    schema = {"type": "object", "properties": {"a": {"type": "string", "title": "<b>x</b>"}}}
    html = form_render(schema, data={"a": '"><script>alert(1)</script>'})
    assert "<script>" not in html and "<b>x</b>" not in html


# --- Validating ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"copies": 1}, "project_name", "Vui lòng nhập Tên dự án."),
        ({"project_name": "   ", "copies": 1}, "project_name", "Vui lòng nhập Tên dự án."),
        ({"project_name": "x" * 101, "copies": 1}, "project_name", "không được dài quá 100 ký tự"),
        ({"project_name": "A", "copies": 0}, "copies", "Số bản phải lớn hơn hoặc bằng 1."),
        ({"project_name": "A", "copies": 11}, "copies", "Số bản phải nhỏ hơn hoặc bằng 10."),
        ({"project_name": "A", "copies": 2, "area_m2": 0}, "area_m2", "phải lớn hơn 0"),
        ({"project_name": "A", "copies": 2.5}, "copies", "phải là một số nguyên"),
        ({"project_name": "A", "copies": True}, "copies", "phải là một số nguyên"),
        ({"project_name": "A", "copies": 1, "extra": 1}, "extra", "không có trong biểu mẫu"),
    ],
)
def test_each_error_names_its_field_in_vietnamese(data, field, message):
    _, errors = form_validate(SIMPLE_SCHEMA, data)
    assert field in errors
    assert any(message in text for text in errors[field]), errors


def test_formats_patterns_enums_and_confirmations():
    form = PROCEDURES[3]["form"]["schema"]  # the mortgage: date, email, pattern
    _, errors = form_validate(
        form,
        {
            "mortgagee_name": "Ngân hàng A",
            "contract_number": "01/HĐTC",
            "contract_date": "2026-02-30",
            "certificate_serial": "A 12",
            "notification_email": "not-an-email",
        },
    )
    assert errors["contract_date"] == ["Ngày ký hợp đồng thế chấp phải là một ngày hợp lệ."]
    assert errors["certificate_serial"] == [
        "Số phát hành (số seri) Giấy chứng nhận không đúng định dạng yêu cầu."
    ]
    assert "thư điện tử hợp lệ" in errors["notification_email"][0]

    exchange = PROCEDURES[1]["form"]["schema"]
    _, errors = form_validate(exchange, {"reason": "Khác hẳn", "declaration": False})
    assert "chọn một giá trị trong danh sách" in errors["reason"][0]
    assert errors["declaration"][0].startswith("Vui lòng xác nhận:")


def test_data_that_is_not_an_object_is_refused():
    _, errors = form_validate(SIMPLE_SCHEMA, ["a"])
    assert NON_FIELD in errors


def test_numbers_typed_the_vietnamese_way_are_understood():
    post = QueryDict("project_name=A&copies=1.000&area_m2=1.250,5", mutable=True)
    data = form_data_from_post(SIMPLE_SCHEMA, post)
    assert data == {"project_name": "A", "copies": 1000, "area_m2": 1250.5}
    assert form_data_from_post(SIMPLE_SCHEMA, QueryDict("area_m2=125,5"))["area_m2"] == 125.5


@pytest.mark.parametrize(("code", "form"), DEMO_FORMS, ids=[code for code, _ in DEMO_FORMS])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_valid_data_survives_the_browser_and_passes(code, form, data):
    # given valid data for the procedure's form
    schema, ui = form["schema"], form["ui"]
    values = data.draw(valid_data(schema))

    # when the form is rendered with it and submitted as a browser would
    submitted = _browser_round_trip(schema, ui, values)
    cleaned, errors = form_validate(schema, submitted)

    # then it passes and comes back unchanged
    assert errors == {}
    assert cleaned == values


@pytest.mark.parametrize(("code", "form"), DEMO_FORMS, ids=[code for code, _ in DEMO_FORMS])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_missing_required_fields_are_each_named(code, form, data):
    # given valid data from which some required fields were left empty
    schema = form["schema"]
    values = data.draw(valid_data(schema))
    missing = data.draw(st.sets(st.sampled_from(schema["required"]), min_size=1))
    for name in missing:
        values.pop(name, None)

    # when the form is submitted
    submitted = _browser_round_trip(schema, form["ui"], values)
    _, errors = form_validate(schema, submitted)

    # then exactly those fields have an error that names them by their title
    assert set(errors) == missing
    for name in missing:
        title = schema["properties"][name]["title"]
        assert re.search(re.escape(title.rstrip(".")), errors[name][0]), errors[name]
