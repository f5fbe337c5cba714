"""API of submission: POST /files, POST /dossiers with Idempotency-Key, GET /dossiers and
GET /dossiers/{code} with their visibility, and bad input answered 400 with the field."""

import hashlib
import json
import threading
import time

import pytest
from django.db import OperationalError, close_old_connections, connection
from django.test import Client

from motcua.accounts.models import Role
from motcua.accounts.services import api_token_issue
from motcua.dossiers.models import Attachment, Dossier, Status, SubmissionKey
from motcua.dossiers.services import dossier_submit
from tests.dossiers.samples import (
    VALID_FORM,
    citizen,
    complete_draft,
    image_bytes,
    pdf_bytes,
    submission_procedure,
    upload,
)
from tests.factories import AgencyFactory, StaffFactory, UnitFactory

pytestmark = pytest.mark.django_db


def bearer(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(user=user).raw}"}


@pytest.fixture
def version(administrative_units):
    return submission_procedure(agency=AgencyFactory(code="H56.14"))


@pytest.fixture
def applicant(administrative_units):
    return citizen()


def upload_file(client, auth, name="don.pdf", content=None):
    return client.post("/api/v1/files", {"file": upload(name, content)}, **auth)


def body_for(version, file_ids) -> dict:
    documents = list(version.documents.order_by("order"))
    return {
        "procedure_code": version.procedure.code,
        "form_data": VALID_FORM,
        "attachments": [
            {"file_id": file_id, "required_document_id": document.pk}
            for file_id, document in zip(file_ids, documents, strict=True)
        ],
    }


def submit(client, auth, body, key=None):
    headers = dict(auth)
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(
        "/api/v1/dossiers", json.dumps(body), content_type="application/json", **headers
    )


def uploaded_ids(client, auth, count=2):
    return [upload_file(client, auth).json()["id"] for _ in range(count)]


def test_upload_returns_the_file_record(client, applicant):
    response = upload_file(client, bearer(applicant), "Sơ đồ.png", image_bytes())
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "name", "size", "sha256", "content_type"}
    assert body["name"] == "Sơ đồ.png"
    assert body["content_type"] == "image/png"
    assert body["size"] == len(image_bytes())
    assert Attachment.objects.get(pk=body["id"]).dossier is None


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("anh.pdf", image_bytes(), "file_type_mismatch"),
        ("mat.pdf", pdf_bytes(password="x"), "file_encrypted"),
        ("rong.pdf", b"", "file_empty"),
        ("virus.exe", b"MZ\x90\x00", "file_type_not_allowed"),
    ],
)
def test_a_bad_file_is_400_with_field_file_and_the_reason(client, applicant, name, content, code):
    response = upload_file(client, bearer(applicant), name, content)
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "file" and body["code"] == code
    assert name in body["message"]


def test_an_upload_without_a_file_is_400_naming_the_field(client, applicant):
    response = client.post("/api/v1/files", {}, **bearer(applicant))
    assert response.status_code == 400
    assert response.json()["field"] == "file"


def test_an_oversize_upload_is_400(client, applicant, settings):
    settings.DOSSIER_MAX_FILE_MB = 1
    response = upload_file(client, bearer(applicant), "lon.pdf", b"%PDF-1.4\n" + b"0" * 1_100_000)
    assert response.status_code == 400
    assert response.json()["code"] == "file_too_large"


def test_the_api_needs_authentication(client):
    assert client.post("/api/v1/files").status_code == 401
    assert client.get("/api/v1/dossiers").status_code == 401
    assert submit(client, {}, {}).status_code == 401


def test_submit_creates_the_dossier_with_its_code(client, version, applicant):
    auth = bearer(applicant)
    response = submit(client, auth, body_for(version, uploaded_ids(client, auth)))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"].startswith("H56.14-")
    assert body["status"] == "new" and body["national_status_code"] == 1
    assert body["channel"] == "online"
    assert body["appointment_at"]
    assert len(body["attachments"]) == 2
    assert body["applicant"]["id_number"] == applicant.personal_id
    assert body["acknowledgement_url"].endswith("/giay-xac-nhan.pdf")
    assert [event["action"] for event in body["events"]] == ["submit"]


def test_same_key_and_body_return_the_same_dossier(client, version, applicant):
    auth = bearer(applicant)
    body = body_for(version, uploaded_ids(client, auth))
    first = submit(client, auth, body, key="nop-001")
    # the same content in another key order and spacing is the same body
    again = client.post(
        "/api/v1/dossiers",
        json.dumps(dict(reversed(list(body.items()))), indent=2),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="nop-001",
        **auth,
    )
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["code"] == first.json()["code"]
    assert Dossier.objects.exclude(status=Status.DRAFT).count() == 1


def test_same_key_with_another_body_is_409(client, version, applicant):
    auth = bearer(applicant)
    body = body_for(version, uploaded_ids(client, auth))
    assert submit(client, auth, body, key="nop-002").status_code == 201
    changed = {**body, "form_data": {**VALID_FORM, "copies": 3}}
    response = submit(client, auth, changed, key="nop-002")
    assert response.status_code == 409
    assert response.json()["field"] == "Idempotency-Key"
    assert Dossier.objects.count() == 1


def test_keys_belong_to_their_user(client, version, applicant, administrative_units):
    other = citizen()
    first = submit(
        client,
        bearer(applicant),
        body_for(version, uploaded_ids(client, bearer(applicant))),
        key="k1",
    )
    mine = bearer(other)
    second = submit(client, mine, body_for(version, uploaded_ids(client, mine)), key="k1")
    assert first.status_code == second.status_code == 201
    assert first.json()["code"] != second.json()["code"]


@pytest.mark.parametrize("key", ["", "có dấu", "a b", "x" * 101])
def test_a_malformed_idempotency_key_is_400(client, version, applicant, key):
    auth = bearer(applicant)
    response = submit(client, auth, body_for(version, uploaded_ids(client, auth)), key=key)
    assert response.status_code == 400
    assert response.json()["field"] == "Idempotency-Key"
    assert not Dossier.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_make_one_dossier(administrative_units):
    version = submission_procedure()
    applicant = citizen()
    auth = bearer(applicant)
    body = body_for(version, uploaded_ids(Client(), auth))
    answers: list[tuple[int, str]] = []
    lock = threading.Lock()

    def send():
        try:
            for _attempt in range(2000):
                try:
                    response = submit(Client(), auth, body, key="retry-me")
                    break
                except OperationalError:
                    time.sleep(0.002)  # SQLite's shared test database: "locked", try again
            with lock:
                answers.append((response.status_code, response.json()["code"]))
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then one dossier; every answer is that dossier (201 for the first, 200 for retries; on
    # SQLite the first may itself be retried after "locked" and answer 200)
    assert len(answers) == 4
    assert {status for status, _code in answers} <= {200, 201}
    assert len({code for _status, code in answers}) == 1
    assert Dossier.objects.count() == 1
    assert SubmissionKey.objects.count() == 1


def test_a_missing_document_is_400_naming_it(client, version, applicant):
    auth = bearer(applicant)
    body = body_for(version, uploaded_ids(client, auth))
    body["attachments"] = body["attachments"][:1]
    response = submit(client, auth, body)
    assert response.status_code == 400
    second = version.documents.order_by("order")[1]
    assert response.json()["field"] == f"documents.{second.pk}"
    assert second.name in response.json()["message"]
    assert not Dossier.objects.exists()
    # the uploads are left free for a corrected request
    assert Attachment.objects.filter(dossier__isnull=True).count() == 2


def test_a_file_of_another_user_cannot_be_attached(
    client, version, applicant, administrative_units
):
    theirs = uploaded_ids(client, bearer(citizen()))
    auth = bearer(applicant)
    response = submit(client, auth, body_for(version, theirs))
    assert response.status_code == 400
    assert response.json()["field"] == "attachments"
    assert not Dossier.objects.exists()


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"procedure_code": "0.000000"}, 404, "code"),
        ({"procedure_code": "x" * 500}, 400, "procedure_code"),
        ({"procedure_code": None}, 400, "procedure_code"),
        ({"form_data": {"project_name": "Dự án", "copies": "ba"}}, 400, "form.copies"),
        ({"form_data": {**VALID_FORM, "extra": 1}}, 400, "form.extra"),
        # NUL is refused for every endpoint by core's NulCharacterGuardMiddleware.
        ({"form_data": {**VALID_FORM, "project_name": "a\u0000b"}}, 400, None),
        ({"form_data": {**VALID_FORM, "project_name": "\ud83d"}}, 400, "form.project_name"),
        ({"form_data": []}, 400, "form_data"),
        ({"attachments": [{"file_id": "abc"}]}, 400, "attachments.0.file_id"),
        ({"attachments": [{"file_id": 10**30}]}, 400, "attachments.0.file_id"),
        ({"attachments": [{"file_id": 999999}]}, 400, "attachments.0.file_id"),
        ({"attachments": [{"file_id": 1, "required_document_id": 999999}]}, 400, None),
        ({"applicant": {"phone": "123"}}, 400, "applicant.phone"),
        ({"applicant": {"email": "@@"}}, 400, "applicant.email"),
        ({"applicant": {"commune": "'; DROP"}}, 400, "applicant.commune"),
        ({"applicant": {"name": "N" * 10_000}}, 400, "applicant.name"),
    ],
)
def test_bad_input_is_400_or_404_with_the_field_never_500(
    client, version, applicant, change, status, field
):
    auth = bearer(applicant)
    body = {**body_for(version, uploaded_ids(client, auth)), **change}
    response = submit(client, auth, body)
    assert response.status_code == status, response.content
    payload = response.json()
    assert set(payload) == {"code", "message", "field"}
    if field is not None:
        assert payload["field"] == field
    assert payload["message"]
    assert not Dossier.objects.exclude(status=Status.DRAFT).exists()


@pytest.mark.parametrize(
    "raw",
    [
        b"{",
        b"[]",
        b'"text"',
        b"null",
        b"{" * 5000 + b"}" * 5000,
        '{"procedure_code": "\ud800"}'.encode("utf-8", "surrogatepass"),
    ],
)
def test_malformed_json_is_400(client, applicant, raw):
    response = client.post(
        "/api/v1/dossiers", raw, content_type="application/json", **bearer(applicant)
    )
    assert response.status_code == 400


def test_the_list_shows_the_callers_own_dossiers_only(
    client, version, applicant, administrative_units
):
    dossier_submit(dossier=complete_draft(version, applicant), actor=applicant)
    other = citizen()
    dossier_submit(dossier=complete_draft(version, other), actor=other)
    complete_draft(version, applicant)  # a draft is not listed
    response = client.get("/api/v1/dossiers", **bearer(applicant))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and body["page"] == 1 and body["pages"] == 1
    assert body["items"][0]["procedure"]["code"] == version.procedure.code


def test_the_list_runs_a_fixed_number_of_queries(
    client, version, applicant, django_assert_max_num_queries
):
    auth = bearer(applicant)
    for _ in range(3):
        dossier_submit(dossier=complete_draft(version, applicant), actor=applicant)
    with django_assert_max_num_queries(10) as few:
        assert client.get("/api/v1/dossiers", **auth).json()["count"] == 3
    for _ in range(6):
        dossier_submit(dossier=complete_draft(version, applicant), actor=applicant)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/api/v1/dossiers", **auth).json()["count"] == 9


def test_a_page_beyond_the_end_is_400(client, applicant):
    response = client.get("/api/v1/dossiers?page=3", **bearer(applicant))
    assert response.status_code == 400 and response.json()["field"] == "page"
    assert client.get("/api/v1/dossiers?page=abc", **bearer(applicant)).status_code == 400


def test_the_applicant_reads_their_dossier(client, version, applicant):
    dossier = dossier_submit(dossier=complete_draft(version, applicant), actor=applicant)
    response = client.get(f"/api/v1/dossiers/{dossier.code}", **bearer(applicant))
    assert response.status_code == 200
    assert response.json()["form_data"] == VALID_FORM


def test_another_citizen_gets_404_as_for_an_unknown_code(
    client, version, applicant, administrative_units
):
    dossier = dossier_submit(dossier=complete_draft(version, applicant), actor=applicant)
    stranger = bearer(citizen())
    seen = client.get(f"/api/v1/dossiers/{dossier.code}", **stranger)
    unknown = client.get("/api/v1/dossiers/H56.14-000000-9999", **stranger)
    assert seen.status_code == unknown.status_code == 404
    assert seen.json() == unknown.json()


def test_staff_see_their_agencys_dossiers_and_others_get_404(client, version, applicant):
    dossier = dossier_submit(dossier=complete_draft(version, applicant), actor=applicant)
    own = StaffFactory(agency=version.agency, role=Role.SPECIALIST)
    elsewhere = StaffFactory(role=Role.SPECIALIST)
    assert client.get(f"/api/v1/dossiers/{dossier.code}", **bearer(own)).status_code == 200
    assert client.get(f"/api/v1/dossiers/{dossier.code}", **bearer(elsewhere)).status_code == 404


@pytest.mark.parametrize(
    "code", ["' OR 1=1 --", "x" * 5000, "%00", "Đ\u0300", "H56.14-261123-0001/../../"]
)
def test_any_string_as_code_is_404_never_500(client, applicant, code):
    response = client.get(f"/api/v1/dossiers/{code}", **bearer(applicant))
    # 400 for a NUL character (refused before any view), 404 for everything else.
    assert response.status_code == (400 if code == "%00" else 404)


def test_the_browser_session_works_too(client, version, applicant):
    client.force_login(applicant)
    response = upload_file(client, {})
    assert response.status_code == 201


def test_upload_then_download_through_the_permission_check(
    client, version, applicant, administrative_units
):
    dossier = dossier_submit(dossier=complete_draft(version, applicant), actor=applicant)
    attachment = dossier.attachments.first()
    url = f"/ho-so/tep/{attachment.pk}/"
    client.force_login(applicant)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    content = b"".join(response.streaming_content)
    assert hashlib.sha256(content).hexdigest() == attachment.sha256
    client.force_login(citizen())
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page
    officer = StaffFactory(agency=version.agency)
    UnitFactory(agency=version.agency)
    client.force_login(officer)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("number", ["1e5000", "-1e5000", "NaN", "Infinity", "9" * 5000])
def test_numbers_json_cannot_store_are_400(client, version, applicant, number):
    auth = bearer(applicant)
    files = json.dumps(body_for(version, uploaded_ids(client, auth))["attachments"])
    raw = (
        f'{{"procedure_code": "{version.procedure.code}", "attachments": {files}, '
        f'"form_data": {{"project_name": "Dự án", "copies": 1, "area_m2": {number}}}}}'
    )
    response = client.post("/api/v1/dossiers", raw, content_type="application/json", **auth)
    assert response.status_code == 400
    assert not Dossier.objects.exclude(status=Status.DRAFT).exists()
