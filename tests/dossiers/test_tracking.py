"""The public lookup (/tra-cuu/, GET /api/v1/lookup): what it shows, what it hides, how it reads
codes, and that a wrong phone answers exactly like an unknown code."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from motcua.dossiers import lifecycle, tracking
from motcua.dossiers.codes import dossier_code_next
from motcua.dossiers.models import Dossier, Status
from motcua.dossiers.tracking import applicant_initials, lookup_code_clean
from tests.catalog.factories import published_procedure
from tests.factories import AgencyFactory, UnitFactory, UserFactory

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NAME = "Nguyễn Văn An"
PHONE = "0912345678"
ID_NUMBER = "068090001234"
EMAIL = "an.nguyen@example.com"
ADDRESS = "Số 12 đường Trần Phú, phường Xuân Hương - Đà Lạt"
# An officer's note: the applicant reads it on their own page, the public lookup never shows it.
STAFF_NOTE = "Chuyển Chi cục Bảo vệ môi trường thẩm định hồ sơ."

# (to status, action) steps from "new" to a status, as the back office will walk them.
PATH_TO: dict[str, list[tuple[str, str]]] = {
    Status.NEW: [],
    Status.RECEIVED: [(Status.RECEIVED, "receive")],
    Status.PROCESSING: [(Status.RECEIVED, "receive"), (Status.PROCESSING, "forward")],
    Status.REFUSED: [(Status.REFUSED, "refuse")],
    Status.DONE: [
        (Status.RECEIVED, "receive"),
        (Status.PROCESSING, "forward"),
        (Status.DONE, "finish"),
    ],
}


def submitted_dossier(
    *,
    version,
    owner=None,
    status: str = Status.NEW,
    submitted_at: datetime | None = None,
    applicant_name: str = NAME,
    phone: str = PHONE,
    id_number: str = ID_NUMBER,
) -> Dossier:
    """A dossier submitted at `submitted_at` and moved along PATH_TO[status] one hour apart,
    through lifecycle.transition as the services do."""
    submitted_at = submitted_at or timezone.now() - timezone.timedelta(days=3)
    creator = owner or UserFactory()
    dossier = Dossier.objects.create(
        procedure_version=version,
        agency=version.agency,
        channel="online",
        owner=owner,
        created_by=creator,
        applicant_kind="citizen",
        applicant_name=applicant_name,
        applicant_id_number=id_number,
        applicant_phone=phone,
        applicant_email=EMAIL,
        applicant_address=ADDRESS,
        form_data={"project_name": "Nhà máy chè Cầu Đất", "copies": 1},
    )
    code = dossier_code_next(agency=version.agency, day=timezone.localdate(submitted_at))
    lifecycle.transition(
        dossier=dossier,
        to_status=Status.NEW,
        actor=owner,
        action="submit",
        at=submitted_at,
        update_fields={"code": code, "submitted_at": submitted_at},
    )
    for hours, (to_status, action) in enumerate(PATH_TO[status], start=1):
        at = submitted_at + timezone.timedelta(hours=hours)
        fields = {}
        if to_status == Status.RECEIVED:
            fields = {"received_at": at, "appointment_at": at + timezone.timedelta(days=20)}
        if to_status == Status.DONE:
            fields = {"finished_at": at}
        lifecycle.transition(
            dossier=dossier,
            to_status=to_status,
            actor=creator,
            action=action,
            at=at,
            note=STAFF_NOTE if action == "forward" else "",
            update_fields=fields,
        )
    return dossier


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    """Rate-limit counters start at zero in every test, in a cache of their own."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "tracking-tests",
        }
    }
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def lam_dong():
    agency = AgencyFactory(code="H56.14", name="Sở Nông nghiệp và Môi trường tỉnh Lâm Đồng")
    UnitFactory(agency=agency, code="MOTCUA", name="Bộ phận một cửa Sở", is_one_stop_desk=True)
    return agency


@pytest.fixture
def permit(lam_dong):
    return published_procedure(agency=lam_dong, name="Cấp giấy phép môi trường (cấp tỉnh)")


@pytest.fixture
def processing(permit):
    return submitted_dossier(
        version=permit,
        status=Status.PROCESSING,
        submitted_at=datetime(2026, 10, 1, 9, 30, tzinfo=VN),
    )


def lookup(client, **params):
    return client.get("/api/v1/lookup", params)


def _assert_nothing_personal(content: str) -> None:
    for secret in (NAME, PHONE, ID_NUMBER, EMAIL, ADDRESS, STAFF_NOTE):
        assert secret not in content


@pytest.mark.django_db
def test_lookup_shows_status_unit_dates_and_public_history(client, processing):
    # given a dossier submitted on 1/10/2026, received and transferred for processing
    # when someone looks it up with its code and the applicant's phone
    response = lookup(client, code=processing.code, phone=PHONE)
    # then they see where it stands, with the Vietnamese labels and national code
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["code"] == "H56.14-261001-0001"
    assert body["status"] == "processing"
    assert body["status_label"] == "Đang xử lý"
    assert body["national_status_code"] == 4
    assert body["procedure_name"] == "Cấp giấy phép môi trường (cấp tỉnh)"
    assert body["agency_name"] == "Sở Nông nghiệp và Môi trường tỉnh Lâm Đồng"
    assert body["current_unit"] == "Bộ phận một cửa Sở"
    assert body["applicant_initials"] == "N.V.A."
    assert body["submitted_at"].startswith("2026-10-01T09:30:00")
    assert body["submitted_at"].endswith("+07:00")
    assert body["received_at"].startswith("2026-10-01T10:30:00")
    assert body["appointment_at"].startswith("2026-10-21T10:30:00")
    assert [
        (e["action_label"], e["status"], e["national_status_code"]) for e in body["events"]
    ] == [
        ("Nộp hồ sơ", "new", 1),
        ("Tiếp nhận hồ sơ", "received", 2),
        ("Chuyển xử lý", "processing", 4),
    ]
    # and nothing personal beyond the initials, not even the staff's notes
    _assert_nothing_personal(response.content.decode())


@pytest.mark.django_db
def test_private_events_stay_out_of_the_lookup(client, permit):
    dossier = submitted_dossier(version=permit, status=Status.RECEIVED)
    lifecycle.transition(
        dossier=dossier,
        to_status=Status.PROCESSING,
        actor=None,
        action="forward",
        is_public=False,
    )
    events = lookup(client, code=dossier.code, phone=PHONE).json()["events"]
    assert [event["status"] for event in events] == ["new", "received"]


@pytest.mark.django_db
def test_a_closed_dossier_has_no_current_unit(client, permit):
    refused = submitted_dossier(version=permit, status=Status.REFUSED)
    body = lookup(client, code=refused.code, phone=PHONE).json()
    assert body["status_label"] == "Không được tiếp nhận"
    assert body["national_status_code"] == 3
    assert body["current_unit"] is None


@pytest.mark.django_db
def test_without_a_one_stop_desk_the_unit_is_the_generic_desk(client):
    version = published_procedure(agency=AgencyFactory(code="H56.99"))
    dossier = submitted_dossier(version=version)
    assert lookup(client, code=dossier.code, phone=PHONE).json()["current_unit"] == (
        "Bộ phận một cửa"
    )


@pytest.mark.django_db
def test_wrong_phone_answers_exactly_like_an_unknown_code(client, processing):
    # given a real code with a wrong phone, and a code that does not exist
    wrong_phone = lookup(client, code=processing.code, phone="0987654321")
    unknown = lookup(client, code="H56.14-261001-0099", phone=PHONE)
    # then both answers are the same 404, word for word
    assert wrong_phone.status_code == unknown.status_code == 404
    assert wrong_phone.content == unknown.content
    assert wrong_phone.json()["code"] == "not_found"
    assert wrong_phone.json()["field"] == "code"
    _assert_nothing_personal(wrong_phone.content.decode())


@pytest.mark.django_db
def test_wrong_phone_and_unknown_code_do_the_same_database_work(client, processing):
    with CaptureQueriesContext(connection) as wrong_phone:
        lookup(client, code=processing.code, phone="0987654321")
    with CaptureQueriesContext(connection) as unknown:
        lookup(client, code="H56.14-261001-0099", phone=PHONE)
    assert len(wrong_phone) == len(unknown) == 1
    assert wrong_phone[0]["sql"].replace(processing.code, "?") == unknown[0]["sql"].replace(
        "H56.14-261001-0099", "?"
    )


@pytest.mark.django_db
def test_a_draft_is_never_found(client, permit):
    draft = Dossier.objects.create(
        procedure_version=permit,
        agency=permit.agency,
        channel="online",
        created_by=UserFactory(),
        applicant_kind="citizen",
        applicant_name=NAME,
        applicant_phone=PHONE,
        code="H56.14-261001-0042",
    )
    assert draft.status == Status.DRAFT
    assert lookup(client, code=draft.code, phone=PHONE).status_code == 404


@pytest.mark.django_db
def test_last_four_digits_of_the_id_number_also_prove_the_applicant(client, processing):
    assert lookup(client, code=processing.code, id_last4="1234").status_code == 200
    assert lookup(client, code=processing.code, id_last4=" 12 34 ").status_code == 200
    wrong = lookup(client, code=processing.code, id_last4="4321")
    unknown = lookup(client, code="H56.14-261001-0099", id_last4="1234")
    assert wrong.status_code == 404
    assert wrong.content == unknown.content


@pytest.mark.django_db
def test_an_organisation_proves_itself_with_its_tax_code_ending(client, permit):
    dossier = submitted_dossier(
        version=permit,
        applicant_name="Công ty TNHH Môi trường Xanh Lâm Đồng",
        id_number="5800123456",
        phone="",
    )
    body = lookup(client, code=dossier.code, id_last4="3456").json()
    assert body["applicant_initials"] == "C.T.T.M.T.X.L.Đ."
    # no phone on the dossier: no phone ever matches it
    assert lookup(client, code=dossier.code, phone=PHONE).status_code == 404


@pytest.mark.django_db
def test_an_organisation_may_prove_itself_with_its_landline(client, permit):
    dossier = submitted_dossier(
        version=permit,
        applicant_name="Hợp tác xã Xuân Trường",
        id_number="5800456789",
        phone="02633822123",
    )
    assert lookup(client, code=dossier.code, phone="0263 3822 123").status_code == 200
    assert lookup(client, code=dossier.code, phone="02633822124").status_code == 404


@pytest.mark.django_db
def test_both_proofs_given_must_both_match(client, processing):
    assert lookup(client, code=processing.code, phone=PHONE, id_last4="1234").status_code == 200
    assert lookup(client, code=processing.code, phone=PHONE, id_last4="0000").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed_code", "typed_phone"),
    [
        ("h56.14-261001-0001", PHONE),
        ("  H56.14 - 261001 - 0001 ", PHONE),
        ("H56.14–261001–0001", PHONE),  # en dashes pasted from a document
        ("h5614-261001-0001", PHONE),  # the agency's dots left out
        ("H56.14-261001-0001", "+84 912 345 678"),
        ("H56.14-261001-0001", "0912.345.678"),
        ("H56.14-261001-0001", "84912345678"),
    ],
)
def test_codes_and_phones_are_read_as_people_type_them(client, processing, typed_code, typed_phone):
    response = lookup(client, code=typed_code, phone=typed_phone)
    assert response.status_code == 200, response.content
    assert response.json()["code"] == processing.code


@pytest.mark.django_db
def test_a_code_without_dots_is_left_as_typed_when_two_agencies_could_match(client):
    AgencyFactory(code="H56.14")
    AgencyFactory(code="H5.614")
    assert lookup_code_clean("H5614-261001-0001") == "H5614-261001-0001"


@pytest.mark.django_db
def test_a_phone_stored_in_another_format_still_matches(client, permit):
    dossier = submitted_dossier(version=permit, phone="+84 912 345 678")
    assert lookup(client, code=dossier.code, phone=PHONE).status_code == 200


@pytest.mark.django_db
def test_a_renamed_agency_is_shown_with_its_new_name(client, processing, lam_dong):
    assert lookup(client, code=processing.code, phone=PHONE).status_code == 200
    lam_dong.name = "Sở Nông nghiệp và Môi trường Lâm Đồng"
    lam_dong.save()
    body = lookup(client, code=processing.code, phone=PHONE).json()
    assert body["agency_name"] == "Sở Nông nghiệp và Môi trường Lâm Đồng"


@pytest.mark.django_db
def test_the_back_office_may_name_the_unit_of_the_current_step(client, processing, monkeypatch):
    # given a resolver that knows the processing step's unit (as the back office will add)
    def step_unit(place):
        return "Văn phòng Đăng ký đất đai" if place.status == Status.PROCESSING else None

    monkeypatch.setattr(tracking, "current_unit_resolvers", [step_unit])
    body = lookup(client, code=processing.code, phone=PHONE).json()
    assert body["current_unit"] == "Văn phòng Đăng ký đất đai"


def test_applicant_initials():
    assert applicant_initials("Nguyễn Văn An") == "N.V.A."
    assert applicant_initials("  lê   minh châu ") == "L.M.C."
    assert applicant_initials("Đỗ Thị Ánh") == "Đ.T.Á."
    assert applicant_initials("") == ""


# --- The page /tra-cuu/ ---------------------------------------------------------------------


@pytest.mark.django_db
def test_page_prefills_the_code_from_the_acknowledgement_qr(client, processing):
    # given the QR code of the acknowledgement, which carries only the code
    response = client.get("/tra-cuu/", {"code": processing.code})
    # then the form is filled in and nothing is looked up yet
    page = response.content.decode()
    assert response.status_code == 200
    assert f'value="{processing.code}"' in page
    assert "Kết quả tra cứu" not in page
    assert 'role="alert"' not in page


@pytest.mark.django_db
def test_page_shows_status_and_history(client, processing):
    response = client.get("/tra-cuu/", {"code": processing.code.lower(), "phone": PHONE})
    page = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert "Kết quả tra cứu" in page
    assert "Đang xử lý" in page
    assert "Bộ phận một cửa Sở" in page
    assert "Tiếp nhận hồ sơ" in page
    assert "21/10/2026" in page  # the appointment date
    assert "N.V.A." in page
    # the phone is only in the form, as typed; nothing of the applicant in the result
    assert f'value="{PHONE}"' in page
    result = page[page.index('<section class="tracking-result"') :]
    _assert_nothing_personal(result)
    assert NAME not in page


@pytest.mark.django_db
def test_page_names_the_field_at_fault_and_keeps_what_was_typed(client, processing):
    response = client.get("/tra-cuu/", {"code": processing.code, "phone": "12345"})
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="lookup-phone-error"' in page
    assert 'aria-describedby="lookup-phone-help lookup-phone-error"' in page
    assert 'value="12345"' in page
    assert f'value="{processing.code}"' in page


@pytest.mark.django_db
def test_page_asks_for_a_phone_or_id_ending(client, processing):
    response = client.get("/tra-cuu/", {"code": processing.code, "phone": "", "id_last4": ""})
    assert response.status_code == 400
    assert "Nhập số điện thoại đã khai khi nộp hồ sơ" in response.content.decode()


@pytest.mark.django_db
def test_page_answers_a_wrong_phone_like_an_unknown_code(client, processing):
    wrong = client.get("/tra-cuu/", {"code": processing.code, "phone": "0987654321"})
    unknown = client.get("/tra-cuu/", {"code": "H56.14-261001-0099", "phone": "0987654321"})
    assert wrong.status_code == unknown.status_code == 404
    message = "Không tìm thấy hồ sơ khớp với mã hồ sơ"
    assert message in wrong.content.decode()
    assert message in unknown.content.decode()


def test_api_documents_the_lookup_answers(client):
    schema = json.loads(client.get("/api/v1/openapi.json").content)
    answers = schema["paths"]["/api/v1/lookup"]["get"]["responses"]
    assert {"200", "400", "404", "429"} <= set(answers)
