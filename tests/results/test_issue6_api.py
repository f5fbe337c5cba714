"""Issue 6's story through the API, as a program would drive it: the applicant's dossier shows
what it owes and, once the bank has notified, that it is paid; the agency's officers process it
with their tokens, the director's "finish" signs the result and the desk returns it
electronically; anyone checks the result by its token and by uploading the file (the original,
a changed copy, garbage); the applicant's store lists it."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from motcua.dossiers.models import Status
from motcua.payments.models import PaymentStatus
from motcua.results.models import Result
from motcua.results.services import result_replace
from tests.dossiers.backoffice_samples import Office, office, submitted
from tests.dossiers.samples import citizen
from tests.dossiers.test_api_actions import bearer
from tests.dossiers.test_issue4_api_journey import Api
from tests.payments.conftest import FEE_TOTAL, _gateway_settings, ipn, vnpay_result
from tests.results.test_verify import _altered

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_gateway_settings")]
__all__ = ["_gateway_settings"]


@pytest.fixture
def place(administrative_units) -> Office:
    """The sample office with its fee (50.000 đồng per copy, two copies): unlike the other
    results tests, the dossier has to be paid before it is received."""
    return office()


def _verify_upload(data: bytes, name: str = "ket-qua.pdf"):
    # A fresh client: anyone, not signed in, may check a file.
    return Client().post(
        "/api/v1/results/verify", {"file": SimpleUploadedFile(name, data, "application/pdf")}
    )


def test_issue_6_story_through_the_api(client, place):
    api = Api(client)
    dossier = submitted(place)
    owner = place.applicant
    payments_path = f"/dossiers/{dossier.code}/payments"

    # --- 1. fees: owed, paid through the gateway, seen by the desk ----------------------------
    owed = api.get(owner, payments_path)
    assert (owed["state"], owed["amount_due"], owed["payments"]) == ("unpaid", FEE_TOTAL, [])
    assert owed["items"] == [
        {"fee_id": owed["items"][0]["fee_id"], "name": "Lệ phí cấp giấy", "amount": FEE_TOTAL}
    ]
    # the desk cannot receive it yet
    assert api.refused(place.officer, dossier, "receive", 400, "payment_required")["field"] == (
        "payment"
    )
    started = client.post(
        f"/api/v1/payments/{dossier.code}/start",
        json.dumps({"gateway": "vnpay"}),
        content_type="application/json",
        **bearer(owner),
    )
    assert started.status_code == 201, started.content
    order_ref = started.json()["order_ref"]
    # while the bank has not confirmed, it is pending
    assert api.get(owner, payments_path)["state"] == "pending"
    # when the bank's notification comes
    assert ipn(client, vnpay_result(order_ref))["RspCode"] == "00"
    # then the owner and the desk read it paid, with the bank's references and the receipt
    for reader in (owner, place.officer):
        paid = api.get(reader, payments_path)
        assert paid["state"] == "paid"
        [payment] = paid["payments"]
        assert (payment["order_ref"], payment["status"], payment["amount"]) == (
            order_ref,
            PaymentStatus.PAID,
            FEE_TOTAL,
        )
        assert (payment["transaction_ref"], payment["bank_code"]) == ("14000123", "NCB")
        assert payment["paid_at"] and payment["receipt_url"].endswith(
            f"/thanh-toan/giao-dich/{order_ref}/bien-lai.pdf"
        )
    # and nobody else learns that the dossier exists
    assert client.get(f"/api/v1{payments_path}", **bearer(citizen())).status_code == 404
    assert Client().get(f"/api/v1{payments_path}").status_code == 401

    # --- 2. processed, signed by the director, returned electronically -----------------------
    api.ok(place.officer, dossier, "receive")
    api.ok(place.head, dossier, "assign", assignee=place.specialist.pk)
    api.ok(place.specialist, dossier, "forward")
    api.ok(place.head, dossier, "forward")
    finished = api.ok(place.director, dossier, "finish", result_summary="Cấp đổi giấy chứng nhận")
    assert finished["status"] == Status.DONE
    result = Result.objects.get(dossier=dossier)
    with result.file.open("rb") as handle:
        original = handle.read()
    returned = api.ok(place.officer, dossier, "return_result", method="electronic")
    assert returned["status"] == Status.RETURNED

    # --- 3. verification by token (the QR code) ------------------------------------------------
    public = Client().get(f"/api/v1/results/verify/{result.verify_token}")
    assert public.status_code == 200
    facts = public.json()
    assert (facts["number"], facts["status"], facts["holder"]) == (
        result.number,
        "valid",
        "Nguyễn V** A*",
    )
    assert facts["sha256"] == hashlib.sha256(original).hexdigest()
    assert facts["agency_name"] == place.agency.name
    assert facts["signer_name"] == place.director.full_name
    assert facts["verify_url"].endswith(f"/verify/{result.verify_token}")
    # (a token differing in its last character; "x" would be the same token 1 time in 64)
    other = "y" if result.verify_token.endswith("x") else "x"
    unknown = Client().get(f"/api/v1/results/verify/{result.verify_token[:-1]}{other}")
    assert unknown.status_code == 404 and unknown.json()["field"] == "token"

    # --- 4. verification by upload -------------------------------------------------------------
    # the original: an unaltered issued result, its signature valid
    body = _verify_upload(original).json()
    assert (body["verdict"], body["issued"], body["signature_valid"]) == ("issued", True, True)
    assert body["result"]["number"] == result.number
    # one byte changed: altered, the signature broken, no result named
    body = _verify_upload(_altered(original)).json()
    assert (body["verdict"], body["issued"], body["signature_valid"]) == ("altered", False, False)
    assert body["result"] is None
    # garbage: an error naming the field, never a 500
    for junk, status, code in (
        (b"GIF89a not a result", 400, "not_pdf"),
        (original[: len(original) // 3], 422, "malformed_pdf"),
    ):
        answer = _verify_upload(junk)
        assert answer.status_code == status, answer.content
        assert (answer.json()["code"], answer.json()["field"]) == (code, "file")

    # --- 5. the applicant's data store ----------------------------------------------------------
    store = api.get(owner, "/store/documents")
    by_kind = {}
    for item in store["items"]:
        by_kind.setdefault(item["kind"], []).append(item)
    [stored] = by_kind["result"]
    assert (stored["result_id"], stored["sha256"], stored["source_dossier"]) == (
        result.pk,
        result.sha256,
        dossier.code,
    )
    assert stored["deletable"] is False and stored["issuer"] == place.agency.name
    # with what the applicant uploaded, kept when the desk accepted it (the sample dossier's two
    # documents are the same file, kept once), which they may delete
    [upload] = by_kind["upload"]
    assert (upload["source_dossier"], upload["deletable"]) == (dossier.code, True)
    # another person's store does not show them; without a login there is no store
    assert api.get(citizen(), "/store/documents")["count"] == 0
    assert Client().get("/api/v1/store/documents").status_code == 401

    # --- 6. a corrected result replaces it: the old token says so --------------------------------
    new = result_replace(actor=place.director, result=result, reason="Sai số tờ bản đồ")
    old = Client().get(f"/api/v1/results/verify/{result.verify_token}").json()
    assert (old["status"], old["replaced_by"]) == ("replaced", new.number)
    assert _verify_upload(original).json()["result"]["status"] == "replaced"
