"""Upload checks: the type comes from the content, never the name; encrypted, damaged,
oversize and zip-bomb files are refused with a message naming the file and the reason."""

import io
import zipfile

import pytest

from motcua.core.errors import InvalidInput
from motcua.dossiers.files import DOCX, JPEG, PDF, PNG, XLSX, clean_name, file_check, total_check
from tests.dossiers.samples import encrypted_office_bytes, image_bytes, office_bytes, pdf_bytes


def check(name: str, content: bytes):
    return file_check(io.BytesIO(content), name=name)


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("giay-phep.pdf", pdf_bytes(), PDF),
        ("ban-ve.jpg", image_bytes("JPEG"), JPEG),
        ("ban-ve.jpeg", image_bytes("JPEG"), JPEG),
        ("so-do.png", image_bytes("PNG"), PNG),
        ("bao-cao.docx", office_bytes("docx"), DOCX),
        ("so-lieu.xlsx", office_bytes("xlsx"), XLSX),
    ],
)
def test_each_allowed_type_is_recognised_from_its_content(name, content, kind):
    checked = check(name, content)
    assert checked.content_type == kind.content_type
    assert checked.size == len(content)
    assert len(checked.sha256) == 64
    assert checked.name == name


def test_a_pdf_that_is_really_a_png_is_refused_with_the_reason():
    # given a PNG picture renamed to .pdf
    with pytest.raises(InvalidInput) as error:
        check("Giấy chứng nhận.pdf", image_bytes("PNG"))
    # then the message names the file, what it claims and what it is
    assert error.value.field == "file"
    assert error.value.code == "file_type_mismatch"
    assert "Giấy chứng nhận.pdf" in error.value.message
    assert ".pdf" in error.value.message
    assert "PNG" in error.value.message


def test_a_name_without_extension_gets_the_extension_of_its_content():
    assert check("scan", pdf_bytes()).name == "scan.pdf"


def test_a_file_whose_content_is_no_allowed_type_is_refused():
    with pytest.raises(InvalidInput) as error:
        check("ghi-chu.pdf", b"Day la van ban thuong, khong phai PDF")
    assert error.value.code == "file_type_not_allowed"
    assert "ghi-chu.pdf" in error.value.message


def test_an_encrypted_pdf_is_refused():
    with pytest.raises(InvalidInput) as error:
        check("bi-mat.pdf", pdf_bytes(password="matkhau"))
    assert error.value.code == "file_encrypted"
    assert "mật khẩu" in error.value.message


def test_a_password_protected_office_file_is_refused():
    with pytest.raises(InvalidInput) as error:
        check("hop-dong.docx", encrypted_office_bytes())
    assert error.value.code == "file_encrypted"


def test_an_old_office_file_is_refused_with_advice():
    content = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000
    with pytest.raises(InvalidInput) as error:
        check("don.doc", content)
    assert error.value.code == "file_type_not_allowed"
    assert "DOCX" in error.value.message


def test_a_damaged_pdf_is_refused():
    with pytest.raises(InvalidInput) as error:
        check("hong.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 50)
    assert error.value.code == "file_damaged"


def test_a_zip_that_is_no_office_document_is_refused():
    content = io.BytesIO()
    with zipfile.ZipFile(content, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(InvalidInput) as error:
        check("tai-lieu.docx", content.getvalue())
    assert error.value.code == "file_type_not_allowed"


def test_a_zip_bomb_dressed_as_docx_is_refused_without_inflating_it():
    # given a 12 KB docx whose document part declares 30 MB of text
    content = office_bytes("docx", bomb_mb=30)
    assert len(content) < 100_000
    with pytest.raises(InvalidInput) as error:
        check("bao-cao.docx", content)
    assert error.value.code == "file_suspicious"


def test_an_empty_file_is_refused():
    with pytest.raises(InvalidInput) as error:
        check("rong.pdf", b"")
    assert error.value.code == "file_empty"


def test_a_file_over_the_per_file_limit_is_refused(settings):
    settings.DOSSIER_MAX_FILE_MB = 1
    content = pdf_bytes() + b"\n%" + b"0" * (1024 * 1024)
    with pytest.raises(InvalidInput) as error:
        check("lon.pdf", content)
    assert error.value.code == "file_too_large"
    assert "1 MB" in error.value.message
    assert "lon.pdf" in error.value.message


def test_the_total_of_a_dossier_is_limited(settings):
    settings.DOSSIER_MAX_TOTAL_MB = 2
    total_check(name="a.pdf", current_total=1024 * 1024, adding=1024 * 1024)
    with pytest.raises(InvalidInput) as error:
        total_check(name="b.pdf", current_total=2 * 1024 * 1024, adding=1)
    assert error.value.code == "dossier_too_large"
    assert "b.pdf" in error.value.message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("C:\\Users\\an\\Đơn đề nghị.pdf", "Đơn đề nghị.pdf"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("Ðo\u0300n\x00.pdf", "Ðòn.pdf"),
        ("", "tep-dinh-kem"),
        ("a" * 300 + ".pdf", "a" * 251 + ".pdf"),
        ("x\ud800y.pdf", "xy.pdf"),
    ],
)
def test_original_names_are_cleaned(raw, expected):
    assert clean_name(raw) == expected
