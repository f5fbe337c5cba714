"""Browser: issue 6's "Done when", everything together. A citizen submits a level-4 (toàn trình)
dossier online and pays its fees through the sandbox bank (a real process acting as VNPay); the
desk receives it, the land office processes it, the director finishes it at the signing step
and the desk returns the signed result electronically. The citizen finds it in "Hồ sơ của tôi"
and in "Kho dữ liệu của tôi"; the address under its QR code opens the verification page, which
says valid; poppler's pdfsig trusts its signature; one changed byte makes /verify say altered;
and their next dossier cites the stored result instead of an upload, which the desk sees."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from motcua.catalog import services as catalog_services
from motcua.catalog.models import ProcedureVersion
from motcua.dossiers.models import Attachment, Dossier, Status, StoredDocument, StoredKind
from motcua.notifications.models import Notification
from motcua.payments.models import CallbackOutcome, PaymentStatus
from motcua.results.models import Result, ResultStatus
from tests.catalog.factories import published_procedure
from tests.dossiers.backoffice_samples import Office, office
from tests.dossiers.samples import image_bytes, pdf_bytes
from tests.e2e.test_backoffice import _act, _screenshot
from tests.e2e.test_issue4_journey import DONE, _open_form, _sign_in, _staff_page, _submit
from tests.payments.conftest import (  # noqa: F401 (the sandbox process fixture)
    HASH_SECRET,
    TMN_CODE,
    Sandbox,
    _sandbox_url,
)
from tests.results.conftest import signed
from tests.results.test_pdfsig import nss_trusting_demo_ca, pdfsig_report
from tests.results.test_verify import _altered

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CERTIFICATE = "Giấy chứng nhận quyền sử dụng đất"


@pytest.fixture
def bank(_sandbox_url, live_server, settings):  # noqa: F811 (the imported fixture)
    """The sandbox bank, notifying this live server; fees must be paid before reception."""
    settings.AXES_ENABLED = False  # logging in is tested elsewhere
    settings.PAYMENT_REQUIRED = True
    settings.SITE_URL = live_server.url
    settings.VNPAY_TMN_CODE = TMN_CODE
    settings.VNPAY_HASH_SECRET = HASH_SECRET
    settings.VNPAY_PAYMENT_URL = f"{_sandbox_url}/paymentv2/vpcpay.html"
    settings.VNPAY_API_URL = f"{_sandbox_url}/merchant_webapi/api/transaction"
    settings.NATIONAL_PAYMENT_SECRET = ""  # one gateway: VNPay
    sandbox = Sandbox(_sandbox_url)
    sandbox.control(ipn_mode="before", ipn_url=f"{live_server.url}/thanh-toan/cong/vnpay/ipn/")
    yield sandbox
    sandbox.control(ipn_mode="before", ipn_url="")


@pytest.fixture
def place(administrative_units, bank) -> Office:
    """The sample office (desk, land office, director; specialist → unit head → director's
    "Ký duyệt" signing step), its procedure made level 4, issuing a land-use certificate, its
    documents reusable from the data store, 50.000 đồng per copy."""
    place = office()
    draft = catalog_services.procedure_revise(procedure=place.version.procedure, actor=None)
    catalog_services.procedure_version_update(
        actor=None,
        version=draft,
        name="Cấp đổi giấy chứng nhận quyền sử dụng đất",
        result_type=CERTIFICATE,
        service_level=4,
    )
    for document in draft.documents.all():
        document.reusable_from_data_store = True
        catalog_services.required_document_save(actor=None, document=document)
    place.version = catalog_services.procedure_publish(version=draft, actor=None)
    return place


def _next_procedure(place: Office) -> ProcedureVersion:
    """Another procedure of the agency, free of charge, that asks for the certificate and lets
    the applicant cite it from the data store."""
    version = published_procedure(
        agency=place.agency,
        name="Đăng ký biến động quyền sử dụng đất",
        publish=False,
        fee_amount=None,
    )
    document = version.documents.get()
    document.name = f"{CERTIFICATE} đã cấp"
    document.reusable_from_data_store = True
    catalog_services.required_document_save(actor=None, document=document)
    return catalog_services.procedure_publish(version=version, actor=None)


def test_issue_6_done_when(page, live_server, place, bank, tmp_path):
    dossier = _citizen_submits_and_pays(page, live_server, place, bank.url, tmp_path)
    result = _processed_signed_and_returned(page, live_server, place, dossier, tmp_path)
    original = _citizen_finds_the_result(page, live_server, place, dossier, result, tmp_path)
    _anyone_verifies_it(page, result, original, tmp_path)
    _next_dossier_reuses_it(page, live_server, place, result, tmp_path)
    # last, as it is skipped where poppler and the NSS tools are not installed (not under CI)
    _pdfsig_trusts_it(original, tmp_path)


def _citizen_submits_and_pays(page, live_server, place, bank_url, tmp_path) -> Dossier:
    person = place.applicant
    first, second = place.version.documents.order_by("order", "pk")
    # given the citizen signed in, on the procedure's page: level 4, fully online
    _sign_in(page, live_server, person)
    page.goto(f"/thu-tuc/{place.version.procedure.code}/")
    expect(page.get_by_text("Mức độ 4 – Toàn trình").first).to_be_visible()
    # when they submit online: the form (two copies), one file per document
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
    page.wait_for_url("**/ho-so/nhap/*/")
    page.get_by_label("Tên dự án").fill("Thửa đất số 112, tờ bản đồ số 7")
    page.get_by_label("Số bản").fill("2")
    page.locator(f"#doc-{first.pk}").set_input_files(
        files=[{"name": "don-de-nghi.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}]
    )
    page.locator(f"#doc-{second.pk}").set_input_files(
        files=[{"name": "so-do-thua-dat.png", "mimeType": "image/png", "buffer": image_bytes()}]
    )
    page.get_by_role("button", name="Xem lại và nộp").click()
    page.wait_for_url("**/xem-lai/")
    page.get_by_role("button", name="Nộp hồ sơ").click()
    page.wait_for_url("**/xac-nhan/")
    dossier = Dossier.objects.get(owner=person)
    assert dossier.status == Status.NEW and dossier.channel == "online"

    # and pay the 100.000 đồng at once, from the confirmation page, through VNPay
    box = page.get_by_role("region", name="Phí, lệ phí")
    assert "Chưa thanh toán" in box.inner_text() and "100.000 đồng" in box.inner_text()
    box.get_by_role("link", name="Thanh toán trực tuyến").click()
    page.get_by_role("button", name=re.compile("Thanh toán qua VNPay")).click()
    # at the sandbox bank's page, which shows the amount, they press "Thanh toán"
    page.wait_for_url(f"{bank_url}/paymentv2/vpcpay.html*")
    assert page.locator("#amount").inner_text() == "100.000 đồng"
    page.get_by_role("button", name="Thanh toán", exact=True).click()
    # then back on Motcua the payment reads "Đã thanh toán", with its receipt
    page.get_by_role("status").filter(has_text="Đã thanh toán").wait_for()
    expect(page.get_by_role("link", name="Tải biên lai (PDF)")).to_be_visible()
    _screenshot(page, tmp_path, "issue6-paid.png")
    payment = dossier.payments.get()
    assert (payment.status, payment.amount) == (PaymentStatus.PAID, 100_000)
    # applied once, by the bank's notification; the browser's return found it done
    assert list(payment.callbacks.order_by("pk").values_list("source", "outcome")) == [
        ("ipn", CallbackOutcome.APPLIED),
        ("return", CallbackOutcome.ALREADY),
    ]
    return dossier


def _processed_signed_and_returned(page, live_server, place, dossier, tmp_path) -> Result:
    # given the receiving officer on the paid dossier
    _sign_in(page, live_server, place.officer)
    _staff_page(page, dossier)
    assert "Đã thanh toán" in page.get_by_role("region", name="Phí, lệ phí").inner_text()
    # when they receive it, and the land office and the director process it
    page.get_by_role("button", name="Tiếp nhận hồ sơ").click()
    page.get_by_role("status").filter(has_text=DONE).wait_for()
    _sign_in(page, live_server, place.head)
    _staff_page(page, dossier)
    _open_form(page, "assign")
    page.get_by_label("Cán bộ xử lý").select_option(label=place.specialist.full_name)
    _submit(page, "assign", "Phân công xử lý")
    for user in (place.specialist, place.head):
        _sign_in(page, live_server, user)
        _staff_page(page, dossier)
        _act(page, "forward", "Chuyển bước tiếp theo")

    # and the director, at the "Ký duyệt" step, finishes it: the result is signed
    _sign_in(page, live_server, place.director)
    _staff_page(page, dossier)
    expect(page.get_by_text("3. Ký duyệt").first).to_be_visible()
    _open_form(page, "finish")
    page.get_by_label("Kết quả giải quyết").fill("Cấp đổi giấy chứng nhận, thửa đất số 112")
    _submit(page, "finish", "Hoàn thành, có kết quả")
    result = Result.objects.get(dossier=dossier)
    section = page.get_by_role("region", name="Kết quả điện tử có chữ ký số")
    expect(section.get_by_text(f"Giấy chứng nhận số {result.number}")).to_be_visible()
    expect(section.get_by_text("Có hiệu lực")).to_be_visible()
    assert (result.signer, result.title) == (place.director, CERTIFICATE)
    _screenshot(page, tmp_path, "issue6-signed.png")

    # when the desk returns it electronically
    _sign_in(page, live_server, place.officer)
    page.goto("/can-bo/ban-lam-viec/")
    page.get_by_role("region", name="Chờ trả kết quả (1)").get_by_role(
        "link", name=dossier.code
    ).click()
    _open_form(page, "return_result")
    page.get_by_label("Hình thức trả kết quả").select_option(value="electronic")
    _submit(page, "return_result", "Trả kết quả")
    expect(page.get_by_role("heading", level=1).filter(has_text="Đã trả kết quả")).to_be_visible()
    dossier.refresh_from_db()
    assert (dossier.status, dossier.return_method) == (Status.RETURNED, "electronic")
    # then the citizen is told, with the result's verification page
    told = Notification.objects.get(
        event="result_returned", dossier_code=dossier.code, channel="in_app"
    )
    assert f"{live_server.url}/verify/{result.verify_token}" in told.body
    return result


def _citizen_finds_the_result(page, live_server, place, dossier, result, tmp_path) -> bytes:
    # given the citizen on their dossier in "Hồ sơ của tôi"
    _sign_in(page, live_server, place.applicant)
    page.goto(f"/ho-so/cua-toi/{dossier.code}/")
    expect(page.locator(".tracking-status").get_by_text("Đã trả kết quả")).to_be_visible()
    mine = page.get_by_role("region", name="Kết quả điện tử có chữ ký số")
    expect(mine.get_by_text(result.number)).to_be_visible()
    # when they download the signed original
    with page.expect_download() as download:
        mine.get_by_role("link", name="Tải bản gốc có chữ ký số (PDF)").click()
    original = Path(download.value.path()).read_bytes()
    # then it is the stored file, byte for byte
    with result.file.open("rb") as handle:
        assert original == handle.read()

    # and the result is in "Kho dữ liệu của tôi", as a result of the agency
    page.get_by_role("link", name="Kho dữ liệu của tôi").click()
    page.wait_for_url("**/kho-du-lieu/")
    stored = StoredDocument.objects.get(owner=place.applicant, result_id=result.pk)
    card = page.locator(f"#document-{stored.pk}")
    expect(card.get_by_role("heading", name=f"{CERTIFICATE} số {result.number}")).to_be_visible()
    assert "Kết quả giải quyết" in card.inner_text() and result.sha256 in card.inner_text()
    assert place.agency.name in card.inner_text()
    # which the citizen cannot delete: it is the agency's record
    assert not card.get_by_role("link", name=re.compile("Xóa khỏi kho")).count()
    _screenshot(page, tmp_path, "issue6-store.png")
    return original


def _anyone_verifies_it(page, result, original, tmp_path) -> None:
    # given the address printed under the QR code of the PDF
    text = "".join(sheet.extract_text() for sheet in PdfReader(io.BytesIO(original)).pages)
    printed = re.search(r"để xác minh:(.+?)Mã hồ sơ:", text, re.DOTALL)
    assert printed, text
    address = "".join(printed.group(1).split())  # a long address may wrap
    assert address.endswith(f"/verify/{result.verify_token}")
    # when anyone opens it, signed in or not
    page.context.clear_cookies()
    page.goto(address)
    # then the page says the result is valid, who issued it, with its hash
    assert "Có hiệu lực" in page.get_by_role("status").inner_text()
    expect(page.get_by_text(result.number).first).to_be_visible()
    expect(page.get_by_text(result.sha256)).to_be_visible()
    _screenshot(page, tmp_path, "issue6-verify-page.png")

    # when someone uploads the PDF with one byte changed at /verify
    page.get_by_role("link", name="tải tệp lên để kiểm tra").click()
    page.get_by_label("Tệp PDF cần kiểm tra").set_input_files(
        files=[{"name": "ket-qua.pdf", "mimeType": "application/pdf", "buffer": _altered(original)}]
    )
    page.get_by_role("button", name="Kiểm tra", exact=True).click()
    # then the verdict is: altered, signature not valid
    verdict = page.get_by_role("region", name="Kết quả kiểm tra")
    verdict.wait_for()
    expect(verdict.get_by_text("Không – tệp đã bị sửa đổi")).to_be_visible()
    expect(verdict.get_by_text("Không hợp lệ", exact=True)).to_be_visible()
    _screenshot(page, tmp_path, "issue6-verify-altered.png")


def _pdfsig_trusts_it(original: bytes, tmp_path: Path) -> None:
    # given the downloaded file, when poppler's pdfsig checks it trusting the demo CA
    downloaded = tmp_path / "ket-qua.pdf"
    downloaded.write_bytes(original)
    report = pdfsig_report(nss_trusting_demo_ca(tmp_path), downloaded)
    # then it says the signature is valid and the certificate trusted
    assert "Signature Validation: Signature is Valid." in report, report
    assert "Certificate Validation: Certificate is Trusted." in report, report


def _next_dossier_reuses_it(page, live_server, place, result, tmp_path) -> None:
    version = _next_procedure(place)
    wanted = version.documents.get()
    stored = StoredDocument.objects.get(owner=place.applicant, result_id=result.pk)
    # given the citizen starting their next dossier, of a procedure that asks for the certificate
    _sign_in(page, live_server, place.applicant)
    page.goto(f"/thu-tuc/{version.procedure.code}/nop-ho-so/")
    page.wait_for_url("**/ho-so/nhap/*/")
    page.get_by_label("Tên dự án").fill("Thửa đất số 112, tờ bản đồ số 7")
    page.get_by_label("Số bản").fill("1")
    # then the store picker offers the stored certificate first, as the same kind of document
    picker = page.locator(f"#reuse-{wanted.pk}")
    same_type = picker.locator("optgroup[label='Kho dữ liệu: cùng loại giấy tờ'] option")
    assert same_type.first.get_attribute("value") == f"store:{stored.pk}"
    # when they choose it instead of uploading, and submit
    picker.select_option(f"store:{stored.pk}")
    page.get_by_role("button", name=f"Dùng lại – {wanted.name}").click()
    page.wait_for_url("**/ho-so/nhap/*/#step-documents")
    expect(
        page.locator(f"#document-{wanted.pk}").get_by_text("dùng lại từ kho dữ liệu")
    ).to_be_visible()
    page.get_by_role("button", name="Xem lại và nộp").click()
    page.wait_for_url("**/xem-lai/")
    page.get_by_role("button", name="Nộp hồ sơ").click()
    page.wait_for_url("**/xac-nhan/")
    second = Dossier.objects.get(owner=place.applicant, procedure_version=version)
    cited = Attachment.objects.get(dossier=second)
    assert (cited.reused_from, cited.is_reused, cited.file.name) == (
        f"store:{stored.pk}",
        True,
        result.file.name,
    )

    # then the desk sees that it was reused, from where
    _sign_in(page, live_server, place.officer)
    _staff_page(page, second)
    files = page.get_by_role("region", name="Giấy tờ, tệp đính kèm")
    source = files.get_by_text("tái sử dụng từ kho dữ liệu")
    assert f"{CERTIFICATE} số {result.number}" in source.inner_text()
    assert "kết quả giải quyết" in source.inner_text()
    _screenshot(page, tmp_path, "issue6-reused.png")
    assert stored.kind == StoredKind.RESULT
    assert Result.objects.get(pk=result.pk).status == ResultStatus.VALID


def test_the_director_reissues_and_revokes_a_result_from_the_workspace(
    page, live_server, place, settings, tmp_path
):
    # given a dossier the director signed, its result valid (its fees are not the point here)
    settings.PAYMENT_REQUIRED = False
    dossier = signed(place)
    result = dossier.results.get()
    _sign_in(page, live_server, place.director)
    _staff_page(page, dossier)
    section = page.get_by_role("region", name="Kết quả điện tử có chữ ký số")
    # when they ask for a re-issue without saying why
    page.locator(f"#result-{result.pk}-replace > summary").click()
    section.get_by_role("button", name=f"Ký và cấp lại kết quả số {result.number}").click()
    # then the page says so next to the reason, the form open
    reason = page.get_by_label("Lý do cấp lại")
    assert reason.get_attribute("aria-invalid") == "true"
    expect(page.get_by_role("alert").filter(has_text="Vui lòng nhập lý do.")).to_be_visible()
    expect(page.locator(f"#result-{result.pk}-replace")).to_have_attribute("open", "")
    _screenshot(page, tmp_path, "issue6-reissue-error.png")
    # when they give the reason
    reason.fill("Sai số tờ bản đồ trên giấy chứng nhận")
    section.get_by_role("button", name=f"Ký và cấp lại kết quả số {result.number}").click()
    # then a new result, newly numbered and signed, replaces the old one
    new = Result.objects.get(replaces=result)
    page.get_by_role("status").filter(has_text=f"số mới {new.number}").wait_for()
    expect(section.get_by_text(f"Cấp lại thay kết quả số {result.number}")).to_be_visible()
    # when they revoke the new one, with a reason
    page.locator(f"#result-{new.pk}-revoke > summary").click()
    page.get_by_label("Lý do thu hồi").fill("Quyết định hủy bỏ của Ủy ban nhân dân tỉnh")
    section.get_by_role("button", name=f"Thu hồi kết quả số {new.number}").click()
    page.get_by_role("status").filter(has_text=f"Đã thu hồi kết quả số {new.number}").wait_for()
    _screenshot(page, tmp_path, "issue6-revoked.png")
    # then each verification page tells the public
    page.goto(f"/verify/{result.verify_token}")
    assert "Đã được thay thế" in page.get_by_role("status").inner_text()
    page.get_by_role("link", name=f"Xem kết quả thay thế số {new.number}").click()
    status = page.get_by_role("status").inner_text()
    assert "Đã bị thu hồi" in status and "Quyết định hủy bỏ của Ủy ban nhân dân tỉnh" in status
