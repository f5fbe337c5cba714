"""The public catalogue pages: /thu-tuc/, /thu-tuc/linh-vuc/<field>/, /thu-tuc/<code>/."""

import pytest
from django.core.files.base import ContentFile

from motcua.catalog import services
from motcua.catalog import views as catalog_views
from motcua.catalog.models import RequiredDocument
from tests.catalog.factories import FieldFactory, published_procedure

pytestmark = pytest.mark.django_db


@pytest.fixture
def permit():
    field = FieldFactory(code="moi-truong", name="Môi trường", name_en="Environment")
    return published_procedure(
        code="1.010727",
        name="Cấp giấy phép môi trường",
        name_en="Environmental permit",
        field=field,
        processing_time="30",
        processing_time_unit="calendar_days",
        legal_basis="Luật Bảo vệ môi trường số 72/2020/QH14.",
        result_type="Giấy phép môi trường.",
    )


def test_the_list_finds_a_procedure_typed_without_diacritics(client, permit):
    response = client.get("/thu-tuc/", {"q": "giay phep moi truong"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Tìm thấy 1 thủ tục." in page
    assert 'href="/thu-tuc/1.010727/"' in page
    assert 'value="giay phep moi truong"' in page  # what was typed is kept


def test_an_invalid_filter_is_named_next_to_its_field_and_ignored(client, permit):
    response = client.get("/thu-tuc/", {"level": "9", "field": "khong-co"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Mức độ phải là 1, 2, 3 hoặc 4." in page
    assert "Lĩnh vực đã chọn không có trong danh mục." in page
    assert 'aria-describedby="id_level-error"' in page
    assert "Tìm thấy 1 thủ tục." in page


def test_pages_of_twenty_with_an_accessible_navigation(client):
    field = FieldFactory()
    for n in range(23):
        published_procedure(code=f"2.0000{n:02d}", field=field)

    first = client.get("/thu-tuc/").content.decode()
    second = client.get("/thu-tuc/", {"page": "2"}).content.decode()
    junk = client.get("/thu-tuc/", {"page": "abc"})

    assert first.count('class="card procedure-item"') == 20
    assert second.count('class="card procedure-item"') == 3
    assert 'aria-label="Phân trang kết quả"' in first
    assert '<span aria-current="page"><span class="visually-hidden">Trang </span>2</span>' in second
    assert junk.status_code == 200  # a bad page number shows the first page


def test_htmx_gets_only_the_results(client, permit):
    response = client.get("/thu-tuc/", {"q": "moi truong"}, HTTP_HX_REQUEST="true")

    page = response.content.decode()
    assert "<html" not in page
    assert 'href="/thu-tuc/1.010727/"' in page


def test_the_field_page_lists_its_procedures(client, permit):
    published_procedure(code="1.012783", name="Cấp đổi Giấy chứng nhận")

    page = client.get("/thu-tuc/linh-vuc/moi-truong/").content.decode()

    assert "Thủ tục lĩnh vực Môi trường" in page
    assert "1.010727" in page and "1.012783" not in page
    assert client.get("/thu-tuc/linh-vuc/khong-co/").status_code == 404


@pytest.mark.parametrize("page_size", [5, 20])
def test_the_list_page_runs_a_fixed_number_of_queries(
    client, monkeypatch, django_assert_num_queries, page_size
):
    field = FieldFactory()
    for n in range(21):
        published_procedure(code=f"3.0000{n:02d}", field=field)
    monkeypatch.setattr(catalog_views, "PAGE_SIZE", page_size)

    # fields and agencies for the filters, the count and the page
    with django_assert_num_queries(4):
        response = client.get("/thu-tuc/", {"q": "giay phep"})
    assert response.content.decode().count('class="card procedure-item"') == page_size


def test_the_procedure_page_has_what_a_person_needs_before_starting(client, permit):
    page = client.get("/thu-tuc/1.010727/").content.decode()

    assert '<h1 id="procedure-title">Cấp giấy phép môi trường</h1>' in page
    assert "30 ngày theo lịch" in page
    assert "Mức độ 4 – Toàn trình" in page
    assert "50.000 đồng" in page
    assert "Giấy tờ số 1" in page
    assert "Luật Bảo vệ môi trường số 72/2020/QH14." in page
    assert "Tên dự án" in page  # the form's fields are listed
    assert "Trực tuyến" in page and "Tổ chức, doanh nghiệp" in page


def test_english_names_are_shown_in_english(client, permit):
    client.cookies["django_language"] = "en"
    page = client.get("/thu-tuc/1.010727/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Environmental permit" in page


def test_the_submit_button_links_to_the_submission(client, permit):
    page = client.get("/thu-tuc/1.010727/").content.decode()

    assert 'href="/thu-tuc/1.010727/nop-ho-so/"' in page and "Nộp hồ sơ trực tuyến" in page


def test_no_submit_button_when_the_level_does_not_allow_online(client):
    published_procedure(code="1.000010", service_level=2, channels=["counter", "post"])

    page = client.get("/thu-tuc/1.000010/").content.decode()

    assert "Nộp hồ sơ trực tuyến" not in page
    assert "nộp trực tiếp tại bộ phận một cửa" in page


def test_a_blank_template_downloads_but_never_one_of_a_draft(client):
    # given a published version with a template, and its draft revision
    version = published_procedure(code="1.000011", publish=False, documents=0)
    document = RequiredDocument(version=version, name="Đơn đề nghị")
    document.template.save("don.docx", ContentFile(b"PK blank form"), save=False)
    services.required_document_save(actor=None, document=document)
    services.procedure_publish(version=version, actor=None)
    draft = services.procedure_revise(procedure=version.procedure, actor=None)

    # when the public downloads them
    published = client.get(f"/thu-tuc/1.000011/mau/{document.pk}/")
    of_draft = client.get(f"/thu-tuc/1.000011/mau/{draft.documents.get().pk}/")

    # then the published one is served as an attachment, the draft's is not found
    assert published.status_code == 200
    assert published["Content-Disposition"].startswith("attachment")
    assert b"".join(published.streaming_content) == b"PK blank form"
    assert of_draft.status_code == 404
    assert 'href="/thu-tuc/1.000011/mau/' in client.get("/thu-tuc/1.000011/").content.decode()


def test_an_unknown_procedure_page_is_404_in_vietnamese(client):
    response = client.get("/thu-tuc/9.999999/")
    assert response.status_code == 404
    assert "Không tìm thấy thủ tục có mã 9.999999." in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/thu-tuc/1.010727/mau/99999999999999999999999/",
        "/thu-tuc/1.010727/mau/0/",
        "/thu-tuc/1.0%00/",
        "/thu-tuc/?q=%00&agency=%00",
    ],
)
def test_strange_urls_are_answered_never_with_a_500(client, permit, url):
    # 400 for a NUL character (refused before any view), 404 or 200 for the rest.
    assert client.get(url).status_code in {200, 400, 404}
