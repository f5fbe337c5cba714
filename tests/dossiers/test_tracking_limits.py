"""The lookup under abuse: rate limits per client and per code, and any string as input
answers 400 (naming the field) or 404, never 500."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from motcua.dossiers.models import Status
from tests.dossiers import test_tracking as cases
from tests.dossiers.test_tracking import PHONE, submitted_dossier

# The fixtures of the lookup's own tests.
_fresh_cache = cases._fresh_cache
lam_dong = cases.lam_dong
permit = cases.permit
processing = cases.processing

UNKNOWN = "H56.14-261001-0099"


@pytest.fixture
def tight_limits(settings):
    settings.LOOKUP_RATE_LIMITS = ["4/m", "6/d"]
    settings.LOOKUP_CODE_FAILURE_LIMIT = "2/h"


def lookup(client, ip="203.0.113.7", **params):
    return client.get("/api/v1/lookup", params, REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_a_client_is_stopped_after_its_lookups_per_minute(client, processing, tight_limits):
    # given a client that looked up 4 times in a minute
    for _ in range(4):
        assert lookup(client, code=processing.code, phone=PHONE).status_code == 200
    # when it looks up once more
    response = lookup(client, code=processing.code, phone=PHONE)
    # then it is told to wait, in Vietnamese, with Retry-After
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    body = response.json()
    assert body["code"] == "too_many_requests"
    assert "tra cứu quá nhiều lần" in body["message"]
    # and another client is not affected
    assert lookup(client, ip="198.51.100.2", code=processing.code, phone=PHONE).status_code == 200


@pytest.mark.django_db
def test_malformed_lookups_count_too(client, tight_limits):
    for _ in range(4):
        assert lookup(client, code="'; DROP TABLE x; --", phone=PHONE).status_code == 400
    assert lookup(client, code="'; DROP TABLE x; --", phone=PHONE).status_code == 429


@pytest.mark.django_db
def test_guessing_phones_for_one_code_is_stopped_whoever_asks(client, processing, tight_limits):
    # given two wrong phones for a code, from two clients
    assert (
        lookup(client, ip="203.0.113.1", code=processing.code, phone="0987654321").status_code
        == 404
    )
    assert (
        lookup(client, ip="203.0.113.2", code=processing.code, phone="0987654322").status_code
        == 404
    )
    # then even the right phone, from a third client, waits for the hour to pass
    response = lookup(client, ip="203.0.113.3", code=processing.code, phone=PHONE)
    assert response.status_code == 429
    assert response.json()["field"] == "code"
    assert 1 <= int(response["Retry-After"]) <= 3600
    # and other codes are not affected
    other = submitted_dossier(version=processing.procedure_version, status=Status.RECEIVED)
    assert lookup(client, ip="203.0.113.3", code=other.code, phone=PHONE).status_code == 200


@pytest.mark.django_db
def test_the_code_limit_does_not_reveal_whether_a_code_exists(client, processing, tight_limits):
    answers = {}
    for code in (processing.code, UNKNOWN):
        answers[code] = [
            lookup(client, ip=f"203.0.113.{n}", code=code, phone="0987654321") for n in range(3)
        ]
    known, unknown = answers[processing.code], answers[UNKNOWN]
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [404, 404, 429]
    assert known[2].json() == unknown[2].json()


@pytest.mark.django_db
def test_successful_lookups_do_not_count_as_failures(client, processing, tight_limits):
    for n in range(3):
        assert (
            lookup(client, ip=f"203.0.113.{n}", code=processing.code, phone=PHONE).status_code
            == 200
        )


@pytest.mark.django_db
def test_the_page_says_when_to_come_back(client, processing, tight_limits):
    for _ in range(4):
        client.get("/tra-cuu/", {"code": processing.code, "phone": PHONE})
    response = client.get("/tra-cuu/", {"code": processing.code, "phone": PHONE})
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    page = response.content.decode()
    assert "Có thể tra cứu lại sau khoảng" in page
    assert "Kết quả tra cứu" not in page


@pytest.mark.django_db
def test_the_prefilled_page_from_the_qr_code_is_not_counted(client, processing, tight_limits):
    for _ in range(10):
        assert client.get("/tra-cuu/", {"code": processing.code}).status_code == 200


# --- Any string -------------------------------------------------------------------------------

NASTY = [
    "",
    " ",
    "'",
    '"',
    "' OR '1'='1",
    "H56.14-261001-0001' OR 1=1 --",
    "'; DROP TABLE dossiers_dossier; --",
    "%",
    "_",
    "\\",
    "\x00",
    "H56.14-261001-0001\x00",
    "<script>alert(1)</script>",
    "x" * 10_000,
    "٠٩١٢٣٤٥٦٧٨",  # Arabic-Indic digits
    "０９１２３４５６７８",  # full-width digits
    "H56.14-２６１００１-0001",
    "𝐇𝟓𝟔.𝟏𝟒-261001-0001",
    "ǅ" * 50,
    "ß" * 30,
    "🙂",
    "\u202eH56.14-261001-0001",
    "1" * 41,
    "--",
    "12345",
    "١٢٣٤",
]


def _assert_clean_answer(response, fields=("code", "phone", "id_last4")):
    assert response.status_code in (400, 404), response.content[:300]
    body = response.json()
    assert set(body) == {"code", "message", "field"}
    assert body["message"]
    if response.status_code == 400:
        assert body["field"] in fields


@pytest.mark.django_db
@pytest.mark.parametrize("value", NASTY)
def test_any_string_in_any_field_answers_400_or_404(client, processing, settings, value):
    settings.RATELIMIT_ENABLED = False
    _assert_clean_answer(lookup(client, code=value, phone=PHONE))
    _assert_clean_answer(lookup(client, code=processing.code, phone=value))
    _assert_clean_answer(lookup(client, code=processing.code, id_last4=value))
    page = client.get("/tra-cuu/", {"code": value, "phone": value, "id_last4": value})
    assert page.status_code in (400, 404)


@pytest.mark.django_db
@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(code=st.text(max_size=60), phone=st.text(max_size=30), id_last4=st.text(max_size=8))
def test_random_text_never_breaks_the_lookup(client, processing, settings, code, phone, id_last4):
    settings.RATELIMIT_ENABLED = False
    _assert_clean_answer(lookup(client, code=code, phone=phone, id_last4=id_last4))
    page = client.get("/tra-cuu/", {"code": code, "phone": phone, "id_last4": id_last4})
    assert page.status_code in (400, 404)


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["%ED%A0%80", "%FF%FE", "%C0%AF", "%00%00", "%25%32%37"])
def test_bytes_that_are_not_utf8_answer_400_or_404(client, settings, raw):
    settings.RATELIMIT_ENABLED = False
    _assert_clean_answer(client.get(f"/api/v1/lookup?code={raw}&phone={raw}"))
    _assert_clean_answer(client.get(f"/api/v1/lookup?code=H56.14-261001-0001&phone={raw}"))
    assert client.get(f"/tra-cuu/?code={raw}&phone={raw}").status_code in (400, 404)


@pytest.mark.django_db
def test_a_missing_code_is_named(client):
    body = lookup(client, phone=PHONE).json()
    assert body["field"] == "code"
    assert body["message"] == "Vui lòng nhập mã hồ sơ."


@pytest.mark.django_db
def test_a_malformed_phone_is_named(client, processing):
    response = lookup(client, code=processing.code, phone="12345")
    assert response.status_code == 400
    assert response.json()["field"] == "phone"
