"""Application forms written as JSON Schema: check a schema, render it as an accessible HTML form,
read a submitted form back and validate it on the server with Vietnamese messages.

The supported subset (anything else is refused by `form_schema_problems`, so an administrator
learns at once that a form would not render):

- the root is {"type": "object", "properties": {...}, "required": [...]} with optional "title",
  "description", "$schema", "$id" and "additionalProperties";
- every property has a "title" (its label) and optionally a "description" (its help text) and
  "default", and one "type":
  string   maxLength, minLength, pattern, format "date" or "email", enum (a select or radios);
  integer / number   minimum, maximum, exclusiveMinimum, exclusiveMaximum;
  boolean  a checkbox; "const": true makes it a confirmation that must be ticked;
  array    {"items": {"type": "string", "enum": [...]}} with minItems, maxItems, uniqueItems:
           checkboxes;
- property names are lower-case ASCII identifiers (they become HTML names and JSON keys);
- UI hints: {"order": [names...], "widgets": {name: "textarea" | "radio" | "select" | "text"}}.

Inputs carry no `required` or `pattern` attribute: the server checks everything and answers in
Vietnamese next to each field, the same way for every browser and for the API.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError, best_match
from jsonschema.exceptions import ValidationError as SchemaValidationError

from motcua.core.errors import InvalidInput
from motcua.core.text import nfc

NON_FIELD = "__all__"
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_ROOT_KEYWORDS = {
    "$schema",
    "$id",
    "type",
    "title",
    "description",
    "properties",
    "required",
    "additionalProperties",
}
_COMMON_KEYWORDS = {"type", "title", "description", "default"}
_NUMBER_KEYWORDS = {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}
_TYPE_KEYWORDS = {
    "string": {"maxLength", "minLength", "pattern", "format", "enum"},
    "integer": _NUMBER_KEYWORDS,
    "number": _NUMBER_KEYWORDS,
    "boolean": {"const"},
    "array": {"items", "minItems", "maxItems", "uniqueItems"},
}
_FORMATS = {"date", "email"}
_UI_KEYS = {"order", "widgets"}
_WIDGETS = {"text", "textarea", "select", "radio"}
# At most this many choices are shown as radio buttons by default; more become a select.
_RADIO_LIMIT = 4
# Strings allowed to be this long get a textarea by default.
_TEXTAREA_FROM_LENGTH = 300
_TRUE_VALUES = {"on", "true", "1", "yes", "co", "có"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# --- Checking a schema --------------------------------------------------------------------------


def form_schema_problems(schema: Any, ui: Any = None) -> list[str]:
    """Everything wrong with a schema and its UI hints, as Vietnamese sentences; [] when usable."""
    if not isinstance(schema, dict):
        return [_("Lược đồ phải là một đối tượng JSON ({...}).")]
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as error:
        where = _path_text(error.absolute_path)
        return [
            _("Lược đồ không đúng chuẩn JSON Schema 2020-12 tại %(where)s: %(detail)s")
            % {"where": where, "detail": _meta_error_text(error)}
        ]
    problems: list[str] = []
    for keyword in schema:
        if keyword not in _ROOT_KEYWORDS:
            problems.append(
                _("Từ khóa “%(keyword)s” ở gốc lược đồ chưa được hỗ trợ.") % {"keyword": keyword}
            )
    if schema.get("type") != "object":
        problems.append(_('Lược đồ gốc phải có "type": "object".'))
    properties = schema.get("properties")
    if not isinstance(properties, dict) or not properties:
        problems.append(_('Lược đồ phải có ít nhất một trường trong "properties".'))
        return problems
    for name, prop in properties.items():
        problems.extend(_property_problems(name, prop))
    for name in schema.get("required", []):
        if name not in properties:
            problems.append(
                _("Trường bắt buộc “%(name)s” không có trong “properties”.") % {"name": name}
            )
    problems.extend(_ui_problems(ui, properties))
    return problems


def form_schema_check(schema: Any, ui: Any = None, *, field_name: str = "schema") -> None:
    """Raise InvalidInput listing the problems of a schema that cannot be used as a form."""
    problems = form_schema_problems(schema, ui)
    if problems:
        raise InvalidInput(" ".join(problems), code="invalid_form_schema", field=field_name)


def form_schema_parse(text: str, *, field_name: str) -> Any:
    """Read JSON typed by an administrator; a syntax error names its line and column."""
    try:
        return json.loads(text or "{}")
    except json.JSONDecodeError as error:
        raise InvalidInput(
            _("Không đọc được JSON: dòng %(line)s, cột %(column)s (%(detail)s).")
            % {"line": error.lineno, "column": error.colno, "detail": error.msg},
            code="invalid_json",
            field=field_name,
        ) from None


_JSON_TYPES = {
    "string": gettext_noop("chuỗi"),
    "object": gettext_noop("đối tượng {...}"),
    "array": gettext_noop("danh sách [...]"),
    "number": gettext_noop("số"),
    "integer": gettext_noop("số nguyên"),
    "boolean": gettext_noop("true hoặc false"),
    "null": "null",
}


def _meta_error_text(error: SchemaValidationError) -> str:
    """The meta-schema's complaint in Vietnamese, keeping jsonschema's words for the rare ones."""
    if error.context:
        # anyOf / oneOf: explain the closest alternative rather than "not valid under any".
        return _meta_error_text(best_match(error.context))
    limit = error.validator_value
    if error.validator == "type":
        expected = [limit] if isinstance(limit, str) else list(limit)
        # Translators: the separator between alternatives, as in "a string or an integer".
        names = _(" hoặc ").join(_(_JSON_TYPES.get(name, name)) for name in expected)
        return _("giá trị phải là %(types)s") % {"types": names}
    if error.validator == "minItems":
        return _("danh sách phải có ít nhất %(limit)s phần tử") % {"limit": limit}
    if error.validator == "minimum":
        return _("giá trị phải lớn hơn hoặc bằng %(limit)s") % {"limit": limit}
    if error.validator == "uniqueItems":
        return _("danh sách có phần tử bị trùng")
    if error.validator == "enum":
        return _("giá trị phải là một trong: %(values)s") % {
            "values": ", ".join(json.dumps(value, ensure_ascii=False) for value in limit)
        }
    if error.validator == "format" and limit == "regex":
        return _("biểu thức chính quy không hợp lệ")
    return _("giá trị không hợp lệ (%(detail)s)") % {"detail": error.message}


def _path_text(path: Any) -> str:
    parts = [str(part) for part in path]
    return "/" + "/".join(parts) if parts else _("gốc lược đồ")


def _property_problems(name: str, prop: Any) -> list[str]:
    if not NAME_PATTERN.match(name):
        return [
            _(
                "Tên trường “%(name)s” không hợp lệ: chỉ dùng chữ thường không dấu, chữ số và "
                "dấu gạch dưới, bắt đầu bằng chữ cái."
            )
            % {"name": name}
        ]
    if not isinstance(prop, dict):
        return [_("Trường “%(name)s” phải là một đối tượng JSON.") % {"name": name}]
    kind = prop.get("type")
    if kind not in _TYPE_KEYWORDS:
        return [
            _(
                "Trường “%(name)s”: kiểu “%(kind)s” chưa được hỗ trợ (dùng string, integer, "
                "number, boolean hoặc array)."
            )
            % {"name": name, "kind": kind}
        ]
    problems = []
    if not isinstance(prop.get("title"), str) or not prop["title"].strip():
        problems.append(
            _("Trường “%(name)s” cần có “title”: nhãn hiển thị cho người dùng.") % {"name": name}
        )
    for keyword in prop:
        if keyword not in _COMMON_KEYWORDS | _TYPE_KEYWORDS[kind]:
            problems.append(
                _("Trường “%(name)s”: từ khóa “%(keyword)s” chưa được hỗ trợ với kiểu %(kind)s.")
                % {"name": name, "keyword": keyword, "kind": kind}
            )
    if kind == "string":
        if "format" in prop and prop["format"] not in _FORMATS:
            problems.append(
                _(
                    "Trường “%(name)s”: định dạng “%(format)s” chưa được hỗ trợ (dùng date "
                    "hoặc email)."
                )
                % {"name": name, "format": prop["format"]}
            )
        if "pattern" in prop:
            try:
                re.compile(prop["pattern"])
            except re.error as error:
                problems.append(
                    _("Trường “%(name)s”: biểu thức “pattern” không hợp lệ (%(detail)s).")
                    % {"name": name, "detail": error}
                )
        if "enum" in prop and not all(isinstance(value, str) for value in prop["enum"]):
            problems.append(
                _("Trường “%(name)s”: các giá trị của “enum” phải là chuỗi.") % {"name": name}
            )
    if kind == "boolean" and prop.get("const", True) is not True:
        problems.append(
            _("Trường “%(name)s”: với kiểu boolean, “const” chỉ được là true.") % {"name": name}
        )
    if kind == "array":
        items = prop.get("items")
        if (
            not isinstance(items, dict)
            or set(items) - {"type", "enum"}
            or items.get("type") != "string"
            or not items.get("enum")
            or not all(isinstance(value, str) for value in items["enum"])
        ):
            problems.append(
                _(
                    "Trường “%(name)s”: kiểu array chỉ hỗ trợ danh sách lựa chọn: "
                    '"items": {"type": "string", "enum": [...]}.'
                )
                % {"name": name}
            )
    return problems


def _ui_problems(ui: Any, properties: dict[str, Any]) -> list[str]:
    if ui in (None, {}):
        return []
    if not isinstance(ui, dict):
        return [_("Gợi ý hiển thị phải là một đối tượng JSON.")]
    problems = [
        _("Gợi ý hiển thị: khóa “%(key)s” chưa được hỗ trợ (dùng order, widgets).") % {"key": key}
        for key in ui
        if key not in _UI_KEYS
    ]
    order = ui.get("order", [])
    if not isinstance(order, list):
        problems.append(_("Gợi ý hiển thị: “order” phải là danh sách tên trường."))
    else:
        problems.extend(
            _("Gợi ý hiển thị: “order” nhắc đến trường “%(name)s” không có trong lược đồ.")
            % {"name": name}
            for name in order
            if name not in properties
        )
    widgets = ui.get("widgets", {})
    if not isinstance(widgets, dict):
        problems.append(_("Gợi ý hiển thị: “widgets” phải là đối tượng {tên trường: kiểu}."))
        return problems
    for name, widget in widgets.items():
        prop = properties.get(name)
        if not isinstance(prop, dict):
            problems.append(
                _("Gợi ý hiển thị: “widgets” nhắc đến trường “%(name)s” không có trong lược đồ.")
                % {"name": name}
            )
        elif widget not in _WIDGETS or not _widget_fits(widget, prop):
            problems.append(
                _("Gợi ý hiển thị: kiểu nhập “%(widget)s” không dùng được cho trường “%(name)s”.")
                % {"widget": widget, "name": name}
            )
    return problems


def _widget_fits(widget: str, prop: dict[str, Any]) -> bool:
    if prop.get("type") != "string":
        return False
    if widget in {"select", "radio"}:
        return "enum" in prop
    return "enum" not in prop and "format" not in prop


# --- Rendering ----------------------------------------------------------------------------------


@dataclass
class FormField:
    """One field as the template needs it."""

    name: str
    input_name: str
    html_id: str
    label: str
    help: str
    required: bool
    widget: str  # text, email, date, integer, number, textarea, select, radio, checkboxes, checkbox
    value: str = ""
    selected: frozenset[str] = frozenset()
    options: list[str] = field(default_factory=list)
    max_length: int | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def help_id(self) -> str:
        return f"{self.html_id}-help"

    @property
    def error_id(self) -> str:
        return f"{self.html_id}-error"

    @property
    def describedby(self) -> str:
        ids = [self.help_id] if self.help else []
        if self.errors:
            ids.append(self.error_id)
        return " ".join(ids)

    @property
    def is_group(self) -> bool:
        """Radios and checkboxes are a fieldset with a legend, not a label."""
        return self.widget in {"radio", "checkboxes"}


def _ordered_names(schema: dict[str, Any], ui: dict[str, Any] | None) -> list[str]:
    properties = schema.get("properties", {})
    first = [name for name in (ui or {}).get("order", []) if name in properties]
    return first + [name for name in properties if name not in first]


def _widget(prop: dict[str, Any], hint: str | None) -> str:
    kind = prop.get("type")
    if kind == "boolean":
        return "checkbox"
    if kind == "array":
        return "checkboxes"
    if kind in {"integer", "number"}:
        return kind
    if hint and hint != "text":
        return hint
    if "enum" in prop:
        return "radio" if len(prop["enum"]) <= _RADIO_LIMIT else "select"
    if prop.get("format") in _FORMATS:
        return prop["format"]
    if hint is None and prop.get("maxLength", 0) >= _TEXTAREA_FROM_LENGTH:
        return "textarea"
    return "text"


def _display(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def form_fields(
    schema: dict[str, Any],
    ui: dict[str, Any] | None = None,
    *,
    data: Mapping[str, Any] | None = None,
    errors: Mapping[str, list[str]] | None = None,
    prefix: str = "",
) -> list[FormField]:
    """The fields of a form in display order, filled with `data` (or the schema's defaults)."""
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    widgets = (ui or {}).get("widgets", {})
    fields = []
    for name in _ordered_names(schema, ui):
        prop = properties[name]
        value = data.get(name) if data is not None else prop.get("default")
        options = prop["items"]["enum"] if prop.get("type") == "array" else prop.get("enum", [])
        if isinstance(value, list):
            selected = frozenset(str(item) for item in value)
        elif isinstance(value, bool):
            selected = frozenset({"true"}) if value else frozenset()
        else:
            selected = frozenset({str(value)}) if value not in (None, "") else frozenset()
        fields.append(
            FormField(
                name=name,
                input_name=f"{prefix}{name}",
                html_id=f"id_{prefix}{name}",
                label=prop.get("title") or name,
                help=prop.get("description", ""),
                required=name in required or prop.get("const") is True,
                widget=_widget(prop, widgets.get(name)),
                value=_display(value) if not isinstance(value, list) else "",
                selected=selected,
                options=list(options),
                max_length=prop.get("maxLength"),
                errors=list((errors or {}).get(name, [])),
            )
        )
    return fields


def form_render(
    schema: dict[str, Any],
    ui: dict[str, Any] | None = None,
    *,
    data: Mapping[str, Any] | None = None,
    errors: Mapping[str, list[str]] | None = None,
    prefix: str = "",
) -> SafeString:
    """The form's fields as HTML (without the <form> element and its buttons), with each
    field's errors next to it and linked by aria-describedby."""
    fields = form_fields(schema, ui, data=data, errors=errors, prefix=prefix)
    return render_to_string(
        "catalog/form/fields.html",
        {"fields": fields, "non_field_errors": (errors or {}).get(NON_FIELD, [])},
    )


# --- Reading a submitted HTML form --------------------------------------------------------------


def form_data_from_post(
    schema: dict[str, Any], post: Mapping[str, Any], *, prefix: str = ""
) -> dict[str, Any]:
    """The schema's fields read from a submitted HTML form (a QueryDict), typed as JSON would
    have them. Empty inputs are left out (so "required" names them); a value that cannot be
    converted is kept as typed, and validation then says what is wrong with it."""
    data: dict[str, Any] = {}
    for name, prop in schema.get("properties", {}).items():
        key = f"{prefix}{name}"
        kind = prop.get("type")
        if kind == "array":
            values = [nfc(value.strip()) for value in _getlist(post, key) if value.strip()]
            if values:
                data[name] = values
            continue
        raw = post.get(key)
        if kind == "boolean":
            data[name] = raw is not None and raw.strip().lower() in _TRUE_VALUES
            continue
        if raw is None or not raw.strip():
            continue
        text = nfc(raw.strip())
        if kind == "integer":
            data[name] = _integer(text)
        elif kind == "number":
            data[name] = _number(text)
        else:
            data[name] = text
    return data


def _getlist(post: Mapping[str, Any], key: str) -> list[str]:
    if hasattr(post, "getlist"):
        return post.getlist(key)
    value = post.get(key)
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


# Longer digit strings are no quantity a form asks for (and Python refuses to convert 4,300+).
_MAX_DIGITS = 30


def _integer(text: str) -> int | str:
    compact = text.replace(" ", "")
    if len(compact) > _MAX_DIGITS:
        return text  # left as text: the schema's type check names the field
    if re.fullmatch(r"[+-]?\d+", compact):
        return int(compact)
    # "1.000" is how Vietnamese write a thousand.
    if re.fullmatch(r"\d{1,3}(\.\d{3})+", compact):
        return int(compact.replace(".", ""))
    return text


def _number(text: str) -> int | float | str:
    compact = text.replace(" ", "")
    if len(compact) > _MAX_DIGITS:
        return text
    # Vietnamese write 1.250,5 for 1250.5: a comma makes the dots thousands separators.
    if "," in compact:
        compact = compact.replace(".", "").replace(",", ".")
    try:
        value = Decimal(compact)
    except InvalidOperation:
        return text
    if not value.is_finite():
        return text
    return int(value) if value == value.to_integral_value() else float(value)


# --- Validating ---------------------------------------------------------------------------------

_format_checker = FormatChecker(formats=())


@_format_checker.checks("date", raises=ValueError)
def _is_date(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    return bool(_DATE.match(instance)) and bool(date.fromisoformat(instance))


@_format_checker.checks("email", raises=DjangoValidationError)
def _is_email(instance: object) -> bool:
    if isinstance(instance, str):
        validate_email(instance)
    return True


def form_validate(schema: dict[str, Any], data: Any) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Validate form data (JSON from the API, or `form_data_from_post` of an HTML form) against
    the form's schema. Returns (cleaned data, {field name: [Vietnamese messages]}); the errors
    are empty when the data is valid. Strings are trimmed, empty values count as missing and
    a key that is not a field of the form is an error."""
    if not isinstance(data, dict):
        return {}, {NON_FIELD: [_("Dữ liệu biểu mẫu phải là một đối tượng JSON ({...}).")]}
    properties = schema.get("properties", {})
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for key, value in data.items():
        if key not in properties:
            _add(errors, str(key), _("Trường “%(name)s” không có trong biểu mẫu.") % {"name": key})
            continue
        if isinstance(value, str):
            value = nfc(value.strip())
        if value is None or value == "":
            continue
        cleaned[key] = value
    validator = Draft202012Validator(schema, format_checker=_format_checker)
    for error in validator.iter_errors(cleaned):
        if error.validator == "required":
            for name in error.validator_value:
                if name not in cleaned:
                    _add(errors, name, _required_message(properties.get(name, {}), name))
            continue
        name = str(error.absolute_path[0]) if error.absolute_path else NON_FIELD
        _add(errors, name, _message(error, properties.get(name, {}), name))
    return cleaned, errors


def _add(errors: dict[str, list[str]], name: str, message: str) -> None:
    messages = errors.setdefault(name, [])
    if message not in messages:
        messages.append(message)


def _required_message(prop: dict[str, Any], name: str) -> str:
    title = prop.get("title") or name
    if prop.get("type") == "array" or "enum" in prop:
        return _("Vui lòng chọn %(title)s.") % {"title": title}
    return _("Vui lòng nhập %(title)s.") % {"title": title}


def _number_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    return str(value).replace(".", ",")


_TYPE_MESSAGES = {
    "integer": gettext_noop("%(title)s phải là một số nguyên."),
    "number": gettext_noop("%(title)s phải là một số."),
    "string": gettext_noop("%(title)s phải là một chuỗi ký tự."),
    "boolean": gettext_noop("%(title)s phải là đúng hoặc sai (true/false)."),
    "array": gettext_noop("%(title)s phải là một danh sách lựa chọn."),
}


def _message(error: SchemaValidationError, prop: dict[str, Any], name: str) -> str:
    """One jsonschema error as a Vietnamese sentence naming the field by its title."""
    title = prop.get("title") or name
    limit = error.validator_value
    kind = error.validator
    if kind == "type":
        expected = limit if isinstance(limit, str) else "string"
        return _(_TYPE_MESSAGES.get(expected, _TYPE_MESSAGES["string"])) % {"title": title}
    if kind == "maxLength":
        return _("%(title)s không được dài quá %(limit)s ký tự.") % {"title": title, "limit": limit}
    if kind == "minLength":
        return _("%(title)s phải có ít nhất %(limit)s ký tự.") % {"title": title, "limit": limit}
    if kind == "minimum":
        return _("%(title)s phải lớn hơn hoặc bằng %(limit)s.") % {
            "title": title,
            "limit": _number_text(limit),
        }
    if kind == "maximum":
        return _("%(title)s phải nhỏ hơn hoặc bằng %(limit)s.") % {
            "title": title,
            "limit": _number_text(limit),
        }
    if kind == "exclusiveMinimum":
        return _("%(title)s phải lớn hơn %(limit)s.") % {
            "title": title,
            "limit": _number_text(limit),
        }
    if kind == "exclusiveMaximum":
        return _("%(title)s phải nhỏ hơn %(limit)s.") % {
            "title": title,
            "limit": _number_text(limit),
        }
    if kind == "pattern":
        return _("%(title)s không đúng định dạng yêu cầu.") % {"title": title}
    if kind == "format" and limit == "date":
        return _("%(title)s phải là một ngày hợp lệ.") % {"title": title}
    if kind == "format" and limit == "email":
        return _("%(title)s phải là một địa chỉ thư điện tử hợp lệ.") % {"title": title}
    if kind == "enum":
        return _("%(title)s: vui lòng chọn một giá trị trong danh sách.") % {"title": title}
    if kind == "const":
        return _("Vui lòng xác nhận: %(title)s.") % {"title": title}
    if kind == "minItems":
        return _("%(title)s: vui lòng chọn ít nhất %(limit)s mục.") % {
            "title": title,
            "limit": limit,
        }
    if kind == "maxItems":
        return _("%(title)s: chỉ được chọn tối đa %(limit)s mục.") % {
            "title": title,
            "limit": limit,
        }
    if kind == "uniqueItems":
        return _("%(title)s có lựa chọn bị trùng.") % {"title": title}
    return _("%(title)s không hợp lệ.") % {"title": title}
