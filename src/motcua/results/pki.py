"""The local DEMO certificate authority and agency certificate (PKCS#12) that sign results outside
production: made once with `cryptography`, clearly named as not for real use."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

DEMO_CA_NAME = "Motcua DEMO CA — không dùng thật"
DEMO_ORGANISATION = "Motcua DEMO — không dùng thật"
CA_FILE = "demo-ca.pem"
AGENCY_FILE = "agency.p12"
AGENCY_CERT_FILE = "agency.pem"
_LOCK_FILE = ".lock"


@dataclass(frozen=True)
class DemoPki:
    """Where the demo CA's certificate and the agency's PKCS#12 are."""

    directory: Path

    @property
    def ca_certificate(self) -> Path:
        return self.directory / CA_FILE

    @property
    def agency_pkcs12(self) -> Path:
        return self.directory / AGENCY_FILE

    @property
    def agency_certificate(self) -> Path:
        return self.directory / AGENCY_CERT_FILE

    def exists(self) -> bool:
        return self.ca_certificate.is_file() and self.agency_pkcs12.is_file()


def _fit(text: str) -> str:
    """X.509 names hold at most 64 characters, counted in UTF-8 bytes by `cryptography`."""
    while len(text.encode()) > 64:
        text = text[:-1]
    return text.strip()


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, _fit(organisation)),
            x509.NameAttribute(NameOID.COMMON_NAME, _fit(common_name)),
        ]
    )


def _write_private(path: Path, data: bytes) -> None:
    """Written under a temporary name then renamed, so a reader never sees half a file."""
    temporary = path.with_suffix(path.suffix + ".tmp")
    with open(temporary, "wb") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(data)
    os.replace(temporary, path)


def _make(pki: DemoPki, *, agency_name: str, passphrase: str) -> None:
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    ca_name = _name(DEMO_CA_NAME, DEMO_ORGANISATION)
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    # No extended key usage: NSS (pdfsig) then accepts the certificate for document signing.
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(agency_name, DEMO_ORGANISATION))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=3 * 365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    bundle = pkcs12.serialize_key_and_certificates(
        name=b"motcua-agency-demo",
        key=key,
        cert=cert,
        cas=[ca_cert],
        encryption_algorithm=serialization.BestAvailableEncryption(passphrase.encode()),
    )
    # The PKCS#12 last: its presence says the set is complete.
    _write_private(pki.ca_certificate, ca_cert.public_bytes(serialization.Encoding.PEM))
    _write_private(pki.agency_certificate, cert.public_bytes(serialization.Encoding.PEM))
    _write_private(pki.agency_pkcs12, bundle)
    pki.ca_certificate.chmod(0o644)
    pki.agency_certificate.chmod(0o644)


def demo_pki_ensure(*, directory: Path, agency_name: str, passphrase: str) -> tuple[DemoPki, bool]:
    """The demo CA and agency certificate under `directory`, made if missing; True when made now.
    A file lock keeps two processes (test workers, web and worker) from making two CAs."""
    pki = DemoPki(Path(directory))
    if pki.exists():
        return pki, False
    pki.directory.mkdir(parents=True, exist_ok=True)
    with open(pki.directory / _LOCK_FILE, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if pki.exists():
            return pki, False
        _make(pki, agency_name=agency_name, passphrase=passphrase)
    return pki, True
