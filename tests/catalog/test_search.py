"""Catalogue search: without diacritics, in any word order, in Vietnamese and English."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from motcua.catalog import services
from motcua.catalog.selectors import CatalogFilters, procedure_search
from tests.catalog.factories import FieldFactory, published_procedure

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    land = FieldFactory(code="dat-dai", name="Đất đai", name_en="Land")
    environment = FieldFactory(code="moi-truong", name="Môi trường", name_en="Environment")
    return {
        "permit": published_procedure(
            code="1.010727",
            name="Cấp giấy phép môi trường",
            name_en="Environmental permit",
            field=environment,
        ),
        "eia": published_procedure(
            code="1.010733",
            name="Thẩm định báo cáo đánh giá tác động môi trường",
            name_en="Appraisal of an environmental impact assessment report",
            field=environment,
        ),
        "exchange": published_procedure(
            code="1.012783",
            name="Cấp đổi Giấy chứng nhận quyền sử dụng đất",
            name_en="Exchange of the land-use right certificate",
            field=land,
            service_level=3,
        ),
        "reissue": published_procedure(
            code="1.012786",
            name="Cấp lại Giấy chứng nhận do bị mất, kèm giấy phép môi trường cũ",
            name_en="Re-issue of a lost certificate",
            field=land,
        ),
    }


def codes(**filters) -> list[str]:
    return [procedure.code for procedure in procedure_search(CatalogFilters(**filters))]


def test_a_query_without_diacritics_finds_the_procedure(catalogue):
    assert codes(query="giay phep moi truong")[0] == "1.010727"


def test_word_order_and_case_do_not_matter(catalogue):
    assert "1.010727" in codes(query="MÔI TRƯỜNG giấy phép")
    assert "1.010727" in codes(query="truong moi phep giay")


def test_every_word_must_match(catalogue):
    assert codes(query="giay phep dat dai") == ["1.012786"]  # the only one with both
    assert codes(query="giay phep khong co") == []


def test_english_names_are_searchable(catalogue):
    assert codes(query="environmental permit")[0] == "1.010727"
    assert codes(query="certificate exchange") == ["1.012783"]


def test_the_field_name_is_searchable(catalogue):
    assert set(codes(query="dat dai")) == {"1.012783", "1.012786"}


def test_an_exact_code_then_a_name_prefix_rank_first(catalogue):
    assert codes(query="1.012783")[0] == "1.012783"
    # "cap giay phep" starts the permit's name and only occurs inside the re-issue's name
    assert codes(query="cap giay phep")[:1] == ["1.010727"]


def test_filters_combine_with_the_query(catalogue):
    assert codes(query="giay", field="dat-dai") == ["1.012783", "1.012786"]
    assert codes(level=3) == ["1.012783"]
    assert codes(agency=catalogue["permit"].agency.code) == ["1.010727"]


def test_drafts_and_inactive_procedures_are_not_listed(catalogue):
    published_procedure(code="1.999999", name="Giấy phép chưa công bố", publish=False)
    services.procedure_update(actor=None, procedure=catalogue["eia"].procedure, is_active=False)

    assert codes(query="giay phep chua cong bo") == []
    assert "1.010733" not in codes()


def test_an_empty_query_lists_everything_by_field(catalogue):
    assert codes() == ["1.012783", "1.012786", "1.010727", "1.010733"]


@settings(max_examples=60, deadline=None)
@given(
    query=st.text(max_size=300)
    | st.sampled_from(["%", "_", "'; DROP TABLE x; --", "\\", "đ" * 500])
)
def test_any_query_is_answered(query):
    # given any text at all (wildcards, quotes, SQL, very long, any Unicode)
    # then searching never fails
    list(procedure_search(CatalogFilters(query=query)))


def test_like_wildcards_are_literal(catalogue):
    assert codes(query="%") == []
    assert codes(query="_") == []
