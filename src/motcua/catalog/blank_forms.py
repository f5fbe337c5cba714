"""Blank application forms as minimal DOCX files, built from a form's JSON Schema.

Used by the demo catalogue for downloadable templates of the application form (level 2: print,
fill in by hand, bring to the counter). A DOCX is a zip of a few XML parts; Word and LibreOffice
open this one, and Vietnamese needs nothing more than UTF-8.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any
from xml.sax.saxutils import escape

from motcua.catalog.forms import form_fields

_PACKAGE = "http://schemas.openxmlformats.org/package/2006"
_OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006"
_MAIN_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    f'<Types xmlns="{_PACKAGE}/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/word/document.xml" ContentType="{_MAIN_TYPE}"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    f'<Relationships xmlns="{_PACKAGE}/relationships">'
    f'<Relationship Id="rId1" Type="{_OFFICE}/relationships/officeDocument" '
    'Target="word/document.xml"/>'
    "</Relationships>"
)
_NAMESPACE = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_DOTS = "." * 60


def _paragraph(text: str, *, bold: bool = False, center: bool = False, italic: bool = False) -> str:
    properties = '<w:pPr><w:jc w:val="center"/></w:pPr>' if center else ""
    run_properties = ("<w:b/>" if bold else "") + ("<w:i/>" if italic else "")
    run = f"<w:rPr>{run_properties}</w:rPr>" if run_properties else ""
    return f'<w:p>{properties}<w:r>{run}<w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'


def blank_form_docx(
    *, title: str, addressee: str, schema: dict[str, Any], ui: dict[str, Any] | None = None
) -> bytes:
    """A one-page blank form: national heading, title, addressee, one line per form field."""
    body = [
        _paragraph("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, center=True),
        _paragraph("Độc lập - Tự do - Hạnh phúc", bold=True, center=True),
        _paragraph(""),
        _paragraph(title.upper(), bold=True, center=True),
        _paragraph(f"Kính gửi: {addressee}", center=True),
        _paragraph(""),
        _paragraph("Họ và tên người nộp / tên tổ chức: " + _DOTS),
        _paragraph("Số định danh cá nhân / mã số thuế: " + _DOTS),
        _paragraph("Địa chỉ liên hệ, số điện thoại: " + _DOTS),
    ]
    for field in form_fields(schema, ui):
        if field.widget in {"radio", "select", "checkboxes"}:
            body.append(_paragraph(f"{field.label} (đánh dấu ☐ vào lựa chọn):"))
            body.extend(_paragraph(f"    ☐ {option}") for option in field.options)
        elif field.widget == "checkbox":
            body.append(_paragraph(f"☐ {field.label}"))
        else:
            body.append(_paragraph(f"{field.label}: {_DOTS}"))
    body += [
        _paragraph(""),
        _paragraph("Tôi cam đoan nội dung kê khai trên đây là đúng sự thật."),
        _paragraph("......, ngày ..... tháng ..... năm ......", italic=True, center=True),
        _paragraph("NGƯỜI LÀM ĐƠN", bold=True, center=True),
        _paragraph("(Ký, ghi rõ họ tên; tổ chức thì ký tên và đóng dấu)", italic=True, center=True),
        _paragraph(""),
        _paragraph(
            "Mẫu minh họa do Motcua tạo từ biểu mẫu điện tử của thủ tục; dùng mẫu ban hành kèm "
            "văn bản quy phạm pháp luật khi cơ quan yêu cầu.",
            italic=True,
        ),
    ]
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{_NAMESPACE}"><w:body>{"".join(body)}</w:body></w:document>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("word/document.xml", document)
    return buffer.getvalue()
