"""A signed result validates with a tool we did not write: poppler's pdfsig, trusting the demo
CA through an NSS database made with certutil. Without the tools the test fails under CI=true
and is skipped otherwise."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import IN_CI
from tests.results.conftest import signed

pytestmark = pytest.mark.django_db


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        message = f"{name} not found (apt-get install poppler-utils libnss3-tools)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


def _run(*command: str) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    return done.stdout + done.stderr


def nss_trusting_demo_ca(folder: Path) -> str:
    """An NSS database under `folder` that trusts the demo CA (RESULT_TRUST_ROOTS[0]), as
    pdfsig's -nssdir takes it. Other tests (tests/e2e) use it too."""
    certutil = _tool("certutil")
    (folder / "nss").mkdir()
    nss = f"sql:{folder / 'nss'}"
    _run(certutil, "-N", "-d", nss, "--empty-password")
    _run(
        certutil,
        "-A",
        "-d",
        nss,
        "-n",
        "motcua-demo-ca",
        "-t",
        "CT,C,C",
        "-i",
        settings.RESULT_TRUST_ROOTS[0],
    )
    return nss


def pdfsig_report(nss: str, pdf: Path) -> str:
    """What poppler's pdfsig says about the signatures of `pdf`, trusting `nss`."""
    return _run(_tool("pdfsig"), "-nssdir", nss, str(pdf))


def test_pdfsig_says_the_signature_is_valid_and_trusted(place, tmp_path):
    # Given a signed result
    result = signed(place).results.get()
    signed_file = tmp_path / "ket-qua.pdf"
    with result.file.open("rb") as handle:
        signed_file.write_bytes(handle.read())
    # and an NSS database that trusts the demo CA
    nss = nss_trusting_demo_ca(tmp_path)
    # When pdfsig checks the file
    report = pdfsig_report(nss, signed_file)
    # Then the signature is valid, covers the whole document, and the certificate is trusted
    assert "Signature Validation: Signature is Valid." in report, report
    assert "Certificate Validation: Certificate is Trusted." in report, report
    assert "Total document signed" in report, report
    # And one changed byte breaks it
    data = bytearray(signed_file.read_bytes())
    middle = data.index(b"stream", len(data) // 10) + 20
    data[middle] ^= 0x01
    signed_file.write_bytes(bytes(data))
    assert "Signature is Valid." not in pdfsig_report(nss, signed_file)
