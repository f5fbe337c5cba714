"""Administrative units: the loader, search without diacritics and the pre-2025 mapping."""

import pytest
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st

from motcua.core.errors import InvalidInput, NotFound
from motcua.core.models import Commune, LegacyCommune, Province
from motcua.core.places import (
    administrative_units_load,
    commune_list,
    commune_search,
    legacy_lookup,
    name_key,
    province_list,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("administrative_units")]


# --- Loader ---


def test_loader_gives_34_provinces_and_3321_communes_with_official_codes():
    # given the package loaded (fixture)
    # then the two-tier structure of 1 July 2025 is there, with 2- and 5-digit codes
    assert Province.objects.count() == 34
    assert Commune.objects.count() == 3321
    assert {len(code) for code in Province.objects.values_list("code", flat=True)} == {2}
    assert {len(code) for code in Commune.objects.values_list("code", flat=True)} == {5}
    kinds = {
        kind: Commune.objects.filter(division_type=kind).count()
        for kind in ("xã", "phường", "đặc khu")
    }
    assert kinds == {"xã": 2621, "phường": 687, "đặc khu": 13}
    ba_dinh = Commune.objects.get(code="00004")
    assert (ba_dinh.name, ba_dinh.province.name) == ("Phường Ba Đình", "Thành phố Hà Nội")
    assert (ba_dinh.search_name, ba_dinh.short_search_name) == ("phuong ba dinh", "ba dinh")


def test_loader_keeps_the_legacy_mapping():
    assert LegacyCommune.objects.count() > 10_000
    truc_bach = LegacyCommune.objects.get(name="Phường Trúc Bạch")
    assert (truc_bach.district_name, truc_bach.province_name) == (
        "Quận Ba Đình",
        "Thành phố Hà Nội",
    )
    assert [c.name for c in truc_bach.new_communes.all()] == ["Phường Ba Đình"]


def test_second_run_is_a_no_op(django_assert_max_num_queries):
    # given everything loaded
    # when the command runs again (as on every `make run`)
    with django_assert_max_num_queries(3):
        summary = administrative_units_load()
    # then it returns at once without writing
    assert summary.already_loaded
    assert (summary.provinces, summary.communes) == (34, 3321)


def test_command_prints_a_one_line_summary(capsys):
    call_command("load_administrative_units")
    output = capsys.readouterr().out
    assert output.count("\n") == 1
    assert "34 tỉnh, 3321 xã/phường/đặc khu" in output


def test_forced_run_repairs_changed_and_missing_rows():
    # given a renamed commune and a lost legacy link (as after a package upgrade)
    Commune.objects.filter(code="00004").update(name="Phường Cũ", search_name="x")
    truc_bach = LegacyCommune.objects.get(name="Phường Trúc Bạch")
    truc_bach.new_communes.clear()
    # when the loader is forced
    summary = administrative_units_load(force=True)
    # then exactly those rows are repaired
    assert (summary.created, summary.updated) == (1, 1)
    assert Commune.objects.get(code="00004").name == "Phường Ba Đình"
    assert truc_bach.new_communes.count() == 1


def test_missing_rows_trigger_a_load_without_force():
    # given a commune deleted, with its links to the old communes merged into it
    ba_dinh = Commune.objects.get(code="00004")
    links = ba_dinh.legacy_units.count()
    ba_dinh.delete()
    # when the loader runs
    summary = administrative_units_load()
    # then the counts differ, so it loads the commune and its links back
    assert not summary.already_loaded
    assert summary.created == 1 + links
    assert Commune.objects.get(code="00004").legacy_units.count() == links


# --- Search ---


@pytest.mark.parametrize(
    "query", ["phan dinh phung", "Đình Phùng phan", "PHAN ĐÌNH PHÙNG", "phường phan đình phùng"]
)
def test_search_ignores_diacritics_case_and_word_order(query):
    results = commune_search(query)
    assert results[0].name == "Phường Phan Đình Phùng"


def test_search_as_you_type_finds_a_name_being_typed():
    assert commune_search("phan dinh ph")[0].name == "Phường Phan Đình Phùng"


def test_exact_names_rank_before_longer_ones():
    # given communes named "Tân Hòa" and others merely containing those words
    results = commune_search("tan hoa", limit=50)
    names = [c.name for c in results]
    exact = [n for n in names if n in ("Xã Tân Hòa", "Phường Tân Hòa")]
    # then every exact match comes before every other result
    assert names[: len(exact)] == exact
    assert len(exact) >= 2


def test_a_typed_type_word_ranks_that_type_first():
    results = commune_search("xã tân hòa", limit=10)
    first_non_xa = next(i for i, c in enumerate(results) if c.name != "Xã Tân Hòa")
    assert all(c.name == "Xã Tân Hòa" for c in results[:first_non_xa])
    assert first_non_xa >= 2


def test_search_within_a_province_and_punctuation():
    assert [c.name for c in commune_search("ba dinh", province_code="01")] == ["Phường Ba Đình"]
    assert commune_search("Cư M'gar")[0].name == "Xã Cư M'gar"
    assert commune_search("cu mgar")[0].name == "Xã Cư M'gar"
    assert commune_search("van mieu - quoc tu giam")[0].name == "Phường Văn Miếu - Quốc Tử Giám"


def test_search_with_nothing_to_look_for_is_empty():
    assert commune_search("") == []
    assert commune_search("  !! ") == []


def test_search_in_unknown_province_is_not_found():
    with pytest.raises(NotFound) as raised:
        commune_search("ba", province_code="99")
    assert raised.value.field == "province"


@given(st.text(max_size=200))
def test_search_never_fails_on_any_text(text):
    assert len(commune_search(text, limit=5)) <= 5


def test_search_and_list_take_a_bounded_number_of_queries(django_assert_num_queries):
    with django_assert_num_queries(1):
        results = commune_search("an", limit=30)
        [c.province.name for c in results]
    with django_assert_num_queries(2):
        communes = list(commune_list("01"))
        [c.province.name for c in communes]


def test_province_list_is_alphabetical_without_type_words():
    names = [p.name for p in province_list()]
    assert len(names) == 34
    assert names[0] == "Tỉnh An Giang"
    assert names.index("Thành phố Hà Nội") < names.index("Tỉnh Hưng Yên")


def test_commune_list_of_a_province():
    communes = list(commune_list("01"))
    assert len(communes) == Commune.objects.filter(province_id="01").count() > 100
    assert {c.province_id for c in communes} == {"01"}
    assert [c.name for c in commune_list("01", q="ba dinh")] == ["Phường Ba Đình"]
    with pytest.raises(NotFound):
        commune_list("99")


def test_name_key_reduces_names_to_words():
    assert name_key("Xã Cư M'gar") == "xa cu mgar"
    assert name_key("Phường Văn Miếu - Quốc Tử Giám") == "phuong van mieu quoc tu giam"


# --- Pre-2025 addresses ---


def test_legacy_lookup_finds_the_new_commune_of_a_merged_one():
    # given an address written before July 2025: Phường Phúc Xá, Quận Ba Đình, Hà Nội
    matches = legacy_lookup("Phúc Xá", district="Ba Đình", province="Hà Nội")
    # then it now lies in Phường Hồng Hà
    assert [m.name for m in matches] == ["Phường Phúc Xá"]
    assert [c.name for c in matches[0].new_communes.all()] == ["Phường Hồng Hà"]
    assert not matches[0].partly_merged


def test_legacy_lookup_lists_every_successor_of_a_split_commune():
    matches = legacy_lookup("Tân Thới Hòa", district="Tân Phú", province="Hồ Chí Minh")
    assert len(matches) == 1 and matches[0].partly_merged
    assert {c.name for c in matches[0].new_communes.all()} == {
        "Phường Phú Thạnh",
        "Phường Tân Phú",
    }


def test_legacy_lookup_matches_whole_words_and_ranks_exact_first():
    matches = legacy_lookup("Phường 1", district="Quận 3", province="Thành phố Hồ Chí Minh")
    assert [m.name for m in matches] == ["Phường 1"]
    assert matches[0].district_name == "Quận 3"


def test_legacy_lookup_needs_a_name():
    with pytest.raises(InvalidInput) as raised:
        legacy_lookup("  ")
    assert raised.value.field == "name"
