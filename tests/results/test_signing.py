"""The signer plug-ins and `sign_pdf` on their own: any PDF signed as the agency, B-T with a
local RFC 3161 timestamp server, and clear errors when a signer cannot be reached
(results/signing.py, results/pdfcheck.py)."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings

from motcua.results.pdfcheck import check as check_here
from motcua.results.signing import SigningFailed, sign_pdf
from tests.dossiers.samples import pdf_bytes


def check(*args, **kwargs):
    """pdfcheck.check in a thread of its own: pyHanko runs an asyncio loop, which cannot start
    in a thread where another is running (Playwright's, after a browser test in this worker)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(check_here, *args, **kwargs).result()


def _roots(*extra: bytes) -> list[bytes]:
    return [Path(settings.RESULT_TRUST_ROOTS[0]).read_bytes(), *extra]


def test_any_pdf_is_signed_as_the_agency_with_a_visible_stamp():
    # Given a plain PDF (e.g. a scanned document certified at the counter)
    # When it is signed as the agency
    data, certificate = sign_pdf(
        pdf_bytes(), reason="Chứng thực bản sao điện tử", location="Lâm Đồng", signer_name="Lê B"
    )
    # Then its signature is PAdES B-B, valid and trusted against the demo CA, covering the file
    assert certificate.level == "PAdES-B-B"
    assert certificate.signed_at.utcoffset() == dt.timedelta(hours=7)
    report = check(data, _roots())
    [signature] = report["signatures"]
    assert signature["bottom_line"] and signature["covers_whole_file"]
    assert signature["signer_common_name"] in certificate.subject
    # with a visible stamp (a widget with an appearance stream)
    assert b"/Subtype /Widget" in data and b"/AP" in data


def test_the_untrusted_signature_is_reported_as_such():
    data, _ = sign_pdf(pdf_bytes(), reason="Ký", location="Lâm Đồng", signer_name="Lê B")
    [signature] = check(data, trust_roots=[])["signatures"]
    assert signature["intact"] and not signature["trusted"] and not signature["bottom_line"]


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("RESULT_SIGNER", "pkcs11", "PKCS#11"),
        ("RESULT_SIGNER", "remote", "ký số từ xa"),
        ("RESULT_SIGNER", "motcua.nowhere.Signer", "RESULT_SIGNER"),
        ("RESULT_PKCS12_FILE", "/nonexistent/agency.p12", "Không tìm thấy"),
    ],
)
def test_an_unreachable_signer_is_a_clear_error(settings, setting, value, message):
    setattr(settings, setting, value)
    with pytest.raises(SigningFailed) as failure:
        sign_pdf(pdf_bytes(), reason="Ký", location="Lâm Đồng", signer_name="Lê B")
    assert message in failure.value.message and failure.value.status == 503


# --- PAdES B-T with a local timestamp authority --------------------------------------------


def _tsa() -> tuple[bytes, object]:
    """A throw-away CA and timestamping certificate: (CA PEM, pyHanko's DummyTimeStamper)."""
    from pyhanko.keys.internal import (
        translate_pyca_cryptography_cert_to_asn1,
        translate_pyca_cryptography_key_to_asn1,
    )
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    # pyHanko's DummyTimeStamper signs with RSA only.
    ca_key, tsa_key = (rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in "ab")
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test TSA root")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    tsa = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test TSA")]))
        .issuer_name(ca_name)
        .public_key(tsa_key.public_key())
        .serial_number(2)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    stamper = DummyTimeStamper(
        tsa_cert=translate_pyca_cryptography_cert_to_asn1(tsa),
        tsa_key=translate_pyca_cryptography_key_to_asn1(tsa_key),
        certs_to_embed=[translate_pyca_cryptography_cert_to_asn1(ca)],
    )
    return ca.public_bytes(serialization.Encoding.PEM), stamper


@pytest.fixture
def timestamp_server():
    """An RFC 3161 timestamp server over HTTP on the loopback interface."""
    from asn1crypto import tsp

    ca_pem, stamper = _tsa()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
            body = stamper.request_tsa_response(request).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/tsa", ca_pem
    server.shutdown()
    server.server_close()


def test_with_a_timestamp_server_the_signature_is_pades_b_t(settings, timestamp_server):
    url, tsa_root = timestamp_server
    settings.RESULT_TIMESTAMP_URL = url
    data, certificate = sign_pdf(pdf_bytes(), reason="Ký", location="Lâm Đồng", signer_name="Lê B")
    assert certificate.level == "PAdES-B-T"
    [signature] = check(data, _roots(tsa_root))["signatures"]
    assert signature["timestamped"] and signature["bottom_line"]


def test_a_timestamp_server_that_is_down_fails_the_signature(settings):
    settings.RESULT_TIMESTAMP_URL = "http://127.0.0.1:9/tsa"
    settings.RESULT_TIMESTAMP_TIMEOUT_SECONDS = 2
    with pytest.raises(SigningFailed):
        sign_pdf(pdf_bytes(), reason="Ký", location="Lâm Đồng", signer_name="Lê B")


# --- Remote signing through the local stand-in ----------------------------------------------


@pytest.fixture
def remote_signer(settings):
    from motcua.results.remote_signer_standin import make_server
    from motcua.results.signing import demo_pki_from_settings

    pki, _ = demo_pki_from_settings()
    server = make_server(
        pkcs12_file=pki.agency_pkcs12,
        passphrase=settings.RESULT_PKCS12_PASSPHRASE,
        key="khoa-thu",
        port=0,
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.RESULT_SIGNER = "remote"
    settings.RESULT_REMOTE_SIGNER_URL = f"http://127.0.0.1:{server.server_address[1]}"
    settings.RESULT_REMOTE_SIGNER_KEY = "khoa-thu"
    yield
    server.shutdown()
    server.server_close()


def test_the_remote_signer_signs_through_the_service(remote_signer):
    data, certificate = sign_pdf(pdf_bytes(), reason="Ký", location="Lâm Đồng", signer_name="Lê B")
    [signature] = check(data, _roots())["signatures"]
    assert signature["bottom_line"] and "Motcua DEMO" in certificate.subject


def test_a_wrong_key_for_the_remote_signer_is_refused(remote_signer, settings):
    settings.RESULT_REMOTE_SIGNER_KEY = "sai-khoa"
    with pytest.raises(SigningFailed) as failure:
        sign_pdf(pdf_bytes(), reason="Ký", location="Lâm Đồng", signer_name="Lê B")
    assert "từ xa" in failure.value.message


def test_the_demo_ca_command_makes_the_pki_once(settings, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    settings.RESULT_PKI_DIR = tmp_path / "pki"
    out = StringIO()
    call_command("results_demo_ca", stdout=out)
    call_command("results_demo_ca", stdout=out)
    assert "(created)" in out.getvalue() and "(already there)" in out.getvalue()
    ca = x509.load_pem_x509_certificate((tmp_path / "pki" / "demo-ca.pem").read_bytes())
    assert (
        "DEMO" in ca.subject.rfc4514_string() and "không dùng thật" in ca.subject.rfc4514_string()
    )
    assert (tmp_path / "pki" / "agency.p12").stat().st_mode & 0o077 == 0
