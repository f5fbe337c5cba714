"""The stand-in tax authority's own contract, over HTTP: what Motcua's adapter relies on, and
what the demo's applicant sees."""

import requests

from tests.integrations.conftest import API_KEY

DOSSIER = {
    "dossier_code": "H56.14-261123-0042",
    "procedure": {"code": "1.012784", "name": "Tách thửa hoặc hợp thửa đất"},
    "applicant": {"name": "Nguyễn Thị Lan", "id_number": "068190000123"},
    "land": {"land_value": 1_200_000_000, "transfer_price": 900_000_000},
}


def _post(url, body, *, key=API_KEY, idempotency_key=None):
    headers = {"X-API-Key": key}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    return requests.post(f"{url}/dossiers", json=body, headers=headers, timeout=10)


def test_a_dossier_is_received_noticed_and_paid(tax_authority):
    # Given a dossier posted with the right key
    created = _post(tax_authority.url, DOSSIER, idempotency_key="contract-1")
    assert created.status_code == 201
    reference = created.json()["reference"]
    # Then the notice lists the registration fee (0.5 %) and the income tax (2 %)
    state = tax_authority.dossier(reference)
    assert state["status"] == "notice_issued" and state["payment"] is None
    notice = state["notice"]
    assert notice["items"] == [
        {"name": "Lệ phí trước bạ nhà, đất", "amount": 6_000_000},
        {"name": "Thuế thu nhập cá nhân từ chuyển nhượng bất động sản", "amount": 18_000_000},
    ]
    assert notice["amount"] == 24_000_000 and notice["number"].endswith("/TB-CCT")
    # When it is paid, twice
    first = tax_authority.pay(reference)
    second = tax_authority.pay(reference)
    # Then it is paid once, with one receipt
    assert first["status"] == "paid" and first["payment"] == second["payment"]
    assert tax_authority.dossier(reference)["notice"] == notice


def test_the_same_idempotency_key_gives_the_same_reference(tax_authority):
    first = _post(tax_authority.url, DOSSIER, idempotency_key="contract-2")
    again = _post(tax_authority.url, DOSSIER, idempotency_key="contract-2")
    other = _post(tax_authority.url, DOSSIER, idempotency_key="contract-3")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json() != other.json()


def test_a_missing_value_gets_the_demo_amount(tax_authority):
    reference = _post(tax_authority.url, {**DOSSIER, "land": {}}).json()["reference"]
    assert tax_authority.dossier(reference)["notice"]["amount"] == 500_000


def test_the_key_and_the_body_are_checked(tax_authority):
    url = tax_authority.url
    assert _post(url, DOSSIER, key="wrong").status_code == 401
    refused = _post(url, {**DOSSIER, "applicant": {"name": " "}})
    assert refused.status_code == 400
    assert refused.json() == {
        "code": "invalid",
        "message": "Thiếu tên người nộp.",
        "field": "applicant.name",
    }
    not_json = requests.post(
        f"{url}/dossiers", data=b"{", headers={"X-API-Key": API_KEY}, timeout=10
    )
    assert not_json.status_code == 400 and not_json.json()["code"] == "invalid_body"
    assert requests.get(f"{url}/dossiers/CT-NONE", timeout=10).status_code == 404
    reference = _post(url, DOSSIER).json()["reference"]
    assert requests.get(f"{url}/dossiers/{reference}", timeout=10).status_code == 401


def test_a_notice_waits_for_its_delay_and_cannot_be_paid_before(tax_authority):
    tax_authority.control(notice_delay=3600)
    reference = _post(tax_authority.url, DOSSIER).json()["reference"]
    assert tax_authority.dossier(reference)["status"] == "received"
    early = requests.post(f"{tax_authority.url}/dossiers/{reference}/pay", timeout=10)
    assert early.status_code == 409


def test_failure_injection(tax_authority):
    assert tax_authority.control(fail=True)["fail"] is True
    assert _post(tax_authority.url, DOSSIER).status_code == 503
    tax_authority.control(fail=False, fail_rate=1)
    assert _post(tax_authority.url, DOSSIER).status_code == 503
    tax_authority.control(fail_rate=0)
    assert _post(tax_authority.url, DOSSIER).status_code == 201
    bad = requests.post(
        f"{tax_authority.url}/_control",
        json={"delay": -1},
        headers={"X-API-Key": API_KEY},
        timeout=10,
    )
    assert bad.status_code == 400


def test_the_applicant_pays_on_the_notice_page(tax_authority):
    # Given a notice, opened in a browser
    reference = _post(tax_authority.url, DOSSIER).json()["reference"]
    page_url = f"{tax_authority.url}/dossiers/{reference}"
    page = requests.get(page_url, headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "24.000.000 đồng" in page.text and "Nộp tiền" in page.text
    # When the "Nộp tiền" form is submitted
    paid = requests.post(f"{page_url}/pay", data={}, headers={"Accept": "text/html"}, timeout=10)
    # Then the page (after the redirect) says it is paid
    assert paid.history[0].status_code == 303
    assert "Đã nộp tiền" in paid.text and "Nộp tiền</button>" not in paid.text
    assert tax_authority.dossier(reference)["status"] == "paid"
