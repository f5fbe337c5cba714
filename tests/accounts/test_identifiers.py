"""Vietnamese identifiers: mobile numbers, personal identification numbers, tax codes."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from motcua.accounts.identifiers import (
    PERSONAL_ID_PROVINCE_CODES,
    normalise_personal_id,
    normalise_phone,
    normalise_tax_code,
    parse_personal_id,
)
from motcua.core.errors import InvalidInput

MOBILE_PREFIXES = ["032", "039", "052", "059", "070", "079", "081", "086", "089", "090", "099"]


@given(prefix=st.sampled_from(MOBILE_PREFIXES), rest=st.text("0123456789", min_size=7, max_size=7))
def test_every_written_form_of_a_mobile_number_normalises_to_the_same_ten_digits(prefix, rest):
    # given one number written the ways people write it
    local = prefix + rest
    spaced = f"{local[:4]} {local[4:7]} {local[7:]}"
    international = f"+84 {local[1:4]}.{local[4:7]}.{local[7:]}"
    # then all of them become 0xxxxxxxxx
    assert {
        normalise_phone(local),
        normalise_phone(spaced),
        normalise_phone(international),
        normalise_phone("84" + local[1:]),
        normalise_phone(local[1:]),
    } == {local}


@given(st.text(max_size=20))
def test_normalising_a_phone_either_gives_a_valid_mobile_or_names_the_field(value):
    try:
        phone = normalise_phone(value)
    except InvalidInput as error:
        assert error.field == "phone"
        assert "Số điện thoại" in error.message
    else:
        assert len(phone) == 10 and phone.isdigit() and phone[0] == "0"
        assert normalise_phone(phone) == phone


@pytest.mark.parametrize("value", ["0212345678", "012345678901", "0612345678", "abc", "", "09123"])
def test_landlines_and_garbage_are_not_mobile_numbers(value):
    with pytest.raises(InvalidInput):
        normalise_phone(value)


@given(
    province=st.sampled_from(sorted(PERSONAL_ID_PROVINCE_CODES)),
    gender_century=st.sampled_from([0, 1, 2, 3]),
    year=st.integers(0, 99),
    serial=st.text("0123456789", min_size=6, max_size=6),
)
def test_a_well_formed_personal_id_gives_back_its_birth_year_and_sex(
    province, gender_century, year, serial
):
    birth_year = (1900 if gender_century < 2 else 2000) + year
    number = f"{province}{gender_century}{year:02d}{serial}"
    if birth_year > date.today().year:
        with pytest.raises(InvalidInput):
            parse_personal_id(number)
        return
    parts = parse_personal_id(number)
    assert parts.birth_year == birth_year
    assert parts.is_female == (gender_century % 2 == 1)
    assert normalise_personal_id(number, date_of_birth=date(birth_year, 6, 1)) == number


@given(st.text(max_size=14))
def test_anything_else_than_twelve_digits_is_refused_on_the_personal_id_field(value):
    if len(value) == 12 and value.isascii() and value.isdigit():
        return
    with pytest.raises(InvalidInput) as caught:
        parse_personal_id(value)
    assert caught.value.field == "personal_id"


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("003090001234", "mã tỉnh"),  # 003 is not a province code
        ("097090001234", "mã tỉnh"),
        ("068490001234", "năm sinh"),  # born in 2190
        ("06809000123", "12 chữ số"),
        ("06809000123a", "12 chữ số"),
    ],
)
def test_badly_structured_personal_ids_say_what_is_wrong(number, reason):
    with pytest.raises(InvalidInput) as caught:
        parse_personal_id(number)
    assert reason in caught.value.message


def test_personal_id_must_agree_with_the_date_of_birth():
    # given a number saying "born in 1990" and a date of birth in 1991
    with pytest.raises(InvalidInput) as caught:
        normalise_personal_id("068090001234", date_of_birth=date(1991, 1, 1))
    assert "1991" in caught.value.message
    assert caught.value.field == "personal_id"


@pytest.mark.parametrize("code", ["5800123456", "0101234567-001", " 5800123456 "])
def test_tax_codes_of_ten_digits_or_with_a_branch_suffix_are_accepted(code):
    assert normalise_tax_code(code) == code.strip()


@pytest.mark.parametrize(
    "code", ["580012345", "58001234567", "5800123456-01", "5800123456-000", "MST"]
)
def test_malformed_tax_codes_are_refused(code):
    with pytest.raises(InvalidInput) as caught:
        normalise_tax_code(code)
    assert caught.value.field == "tax_code"
