"""Signing PDFs as the agency: PAdES with pyHanko, through a signer plug-in chosen by the
RESULT_SIGNER setting (a PKCS#12 file, a PKCS#11 token or HSM, or a remote signing service).

`sign_pdf(...)` is the one entry point: results (results/services.py) and the certified e-copies of
the personal data store call it. It signs PAdES B-B, or B-T with an RFC 3161 timestamp when
RESULT_TIMESTAMP_URL is set, with a visible stamp (agency, signer, date) in a given box.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import logging
import threading
from abc import ABC, abstractmethod
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from motcua.core.calendar import VIETNAM
from motcua.core.errors import DomainError

logger = logging.getLogger(__name__)

SIGNATURE_FIELD = "Chu-ky-co-quan"
# Room for the CMS object (certificates, signature, timestamp token): fixed, so pyHanko does not
# sign a dummy first to measure it (a second private-key operation).
_RESERVED_BYTES = 24_000
_POINTS_PER_MM = 72 / 25.4
# The stamp is part of the signed document, always in Vietnamese (the language of the law).
STAMP_TEXT = "Ký số bởi: %(signer)s\n%(agency)s\nNgày ký: %(ts)s"
# Characters the stamp can write: Latin with every Vietnamese letter, digits and punctuation.
_STAMP_CODEPOINTS = [
    *range(0x20, 0x7F),
    *range(0xA0, 0x250),
    *range(0x1EA0, 0x1EFA),
    *range(0x2010, 0x2030),
]
# Noto Sans first: with DejaVu Sans, pyHanko's stamp comes out with wrongly wide letter spacing.
_STAMP_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)


class SigningFailed(DomainError):
    """The agency's signature could not be made (no key, wrong passphrase, token or service
    down): nothing was signed, the caller's transaction rolls back and can be retried."""

    status = 503
    default_code = "signing_failed"


@dataclass(frozen=True)
class CertificateInfo:
    """The signer's certificate and the moment of signing, as recorded with a result."""

    subject: str
    issuer: str
    serial: str
    fingerprint: str
    signed_at: datetime
    level: str  # "PAdES-B-B" or "PAdES-B-T"


@dataclass(frozen=True)
class StampBox:
    """Where the visible stamp goes: a page (0-based, -1 the last) and a box in PDF points
    (x1, y1, x2, y2 from the bottom-left corner)."""

    page: int
    box: tuple[float, float, float, float]


def default_stamp_box() -> StampBox:
    """60 × 20 mm at the bottom right of the last page, inside a 10 mm margin."""
    # A4 width; the box is placed from the right edge so it also fits letter and landscape.
    width, right, bottom = 60 * _POINTS_PER_MM, 200 * _POINTS_PER_MM, 12 * _POINTS_PER_MM
    return StampBox(page=-1, box=(right - width, bottom, right, bottom + 20 * _POINTS_PER_MM))


# --- Signer plug-ins -------------------------------------------------------------------------


class ResultSigner(ABC):
    """A way to reach the agency's private key. Subclasses give pyHanko a `Signer`."""

    name: ClassVar[str]

    @abstractmethod
    def pyhanko_signer(self) -> Any:
        """A pyhanko.sign.signers.Signer ready to sign; SigningFailed when it cannot be had."""


def _cached_key_signer_class():
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from pyhanko.sign import signers
    from pyhanko.sign.general import get_pyca_cryptography_hash

    class CachedKeySigner(signers.SimpleSigner):
        """pyHanko's SimpleSigner parses (and for RSA re-validates, ~60 ms) its private key at
        every signature; this one keeps the parsed key."""

        def __init__(self, *, private_key, **kwargs):
            super().__init__(**kwargs)
            self._private_key = private_key

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
            hash_algorithm = get_pyca_cryptography_hash(digest_algorithm)
            key = self._private_key
            if mechanism == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
                return key.sign(data, PKCS1v15(), hash_algorithm)
            if mechanism == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
                return key.sign(data, ec.ECDSA(hash_algorithm))
            return super().sign_raw(data, digest_algorithm)

    return CachedKeySigner


class Pkcs12Signer(ResultSigner):
    """The agency's key and certificate in a PKCS#12 file (RESULT_PKCS12_FILE, unlocked with
    RESULT_PKCS12_PASSPHRASE). Outside production the default file is the demo CA's, made on
    first use (see results/pki.py)."""

    name = "pkcs12"
    _cache: ClassVar[dict[tuple, Any]] = {}
    _lock = threading.Lock()

    def pyhanko_signer(self) -> Any:
        path = Path(settings.RESULT_PKCS12_FILE) if settings.RESULT_PKCS12_FILE else None
        if path is None:
            raise SigningFailed(
                _("Chưa cấu hình chứng thư số của cơ quan (RESULT_PKCS12_FILE)."), field="signer"
            )
        if not path.is_file() and path == demo_pkcs12_path():
            demo_pki_from_settings()
        try:
            stat = path.stat()
        except OSError:
            raise SigningFailed(
                _("Không tìm thấy tệp chứng thư số của cơ quan: %(path)s.") % {"path": path},
                field="signer",
            ) from None
        key = (str(path), stat.st_mtime_ns, settings.RESULT_PKCS12_PASSPHRASE)
        with self._lock:
            signer = self._cache.get(key)
            if signer is None:
                signer = self._cache[key] = self._load(path)
        return signer

    @staticmethod
    def _load(path: Path) -> Any:
        from cryptography.hazmat.primitives.serialization import pkcs12
        from pyhanko.keys.internal import (
            translate_pyca_cryptography_cert_to_asn1,
            translate_pyca_cryptography_key_to_asn1,
        )
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        passphrase = settings.RESULT_PKCS12_PASSPHRASE.encode() or None
        try:
            key, cert, chain = pkcs12.load_key_and_certificates(path.read_bytes(), passphrase)
        except (OSError, ValueError):
            raise SigningFailed(
                _("Không mở được chứng thư số của cơ quan: sai mật khẩu hoặc tệp hỏng."),
                field="signer",
            ) from None
        if key is None or cert is None:
            raise SigningFailed(
                _("Tệp PKCS#12 không chứa khóa bí mật và chứng thư của cơ quan."), field="signer"
            )
        store = SimpleCertificateStore()
        store.register_multiple([translate_pyca_cryptography_cert_to_asn1(c) for c in chain])
        return _cached_key_signer_class()(
            private_key=key,
            signing_key=translate_pyca_cryptography_key_to_asn1(key),
            signing_cert=translate_pyca_cryptography_cert_to_asn1(cert),
            cert_registry=store,
        )


class Pkcs11Signer(ResultSigner):
    """A key kept on a PKCS#11 token or HSM (RESULT_PKCS11_MODULE, the token's label, the key's
    label and the user PIN). Needs the `python-pkcs11` package, which the default install
    leaves out."""

    name = "pkcs11"

    def pyhanko_signer(self) -> Any:
        module = settings.RESULT_PKCS11_MODULE
        if not module:
            raise SigningFailed(
                _("Chưa cấu hình thiết bị ký số PKCS#11 (RESULT_PKCS11_MODULE)."), field="signer"
            )
        try:
            from pyhanko.config.pkcs11 import TokenCriteria
            from pyhanko.sign import pkcs11
        except ImportError:
            raise SigningFailed(
                _("Máy chủ chưa cài thư viện PKCS#11 (gói python-pkcs11)."), field="signer"
            ) from None
        try:
            session = pkcs11.open_pkcs11_session(
                module,
                token_criteria=TokenCriteria(label=settings.RESULT_PKCS11_TOKEN_LABEL or None),
                user_pin=settings.RESULT_PKCS11_PIN or None,
            )
            return pkcs11.PKCS11Signer(
                session,
                key_label=settings.RESULT_PKCS11_KEY_LABEL or None,
                cert_label=settings.RESULT_PKCS11_CERT_LABEL
                or settings.RESULT_PKCS11_KEY_LABEL
                or None,
            )
        except Exception as error:
            logger.warning("PKCS#11 signer unavailable: %s", error)
            raise SigningFailed(
                _("Không kết nối được thiết bị ký số PKCS#11: %(error)s") % {"error": error},
                field="signer",
            ) from None


class RemoteSigner(ResultSigner):
    """A remote signing service holding the key (RESULT_REMOTE_SIGNER_URL, with the bearer key
    RESULT_REMOTE_SIGNER_KEY). The protocol: GET <url>/certificate answers
    {"certificate": PEM, "chain": [PEM...]}; POST <url>/sign with {"data": base64,
    "digest_algorithm": "sha256"} answers {"signature": base64} (PKCS#1 v1.5 or ECDSA over
    `data`). `python -m motcua.results.remote_signer_standin` is a local stand-in."""

    name = "remote"

    def pyhanko_signer(self) -> Any:
        import requests
        from pyhanko.keys import load_certs_from_pemder_data
        from pyhanko.sign import signers
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        url = settings.RESULT_REMOTE_SIGNER_URL.rstrip("/")
        if not url:
            raise SigningFailed(
                _("Chưa cấu hình dịch vụ ký số từ xa (RESULT_REMOTE_SIGNER_URL)."), field="signer"
            )
        headers = {"Authorization": f"Bearer {settings.RESULT_REMOTE_SIGNER_KEY}"}
        timeout = settings.RESULT_REMOTE_SIGNER_TIMEOUT_SECONDS
        try:
            answer = requests.get(f"{url}/certificate", headers=headers, timeout=timeout)
            answer.raise_for_status()
            body = answer.json()
            cert = next(iter(load_certs_from_pemder_data(body["certificate"].encode())))
            chain = [
                c
                for pem in body.get("chain", [])
                for c in load_certs_from_pemder_data(pem.encode())
            ]
        except (requests.RequestException, ValueError, KeyError, TypeError, StopIteration):
            raise SigningFailed(
                _("Không lấy được chứng thư từ dịch vụ ký số từ xa."), field="signer"
            ) from None
        store = SimpleCertificateStore()
        store.register_multiple(chain)

        class _Remote(signers.Signer):
            async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run=False):
                return await asyncio.to_thread(self._sign, data, digest_algorithm)

            def _sign(self, data: bytes, digest_algorithm: str) -> bytes:
                try:
                    answer = requests.post(
                        f"{url}/sign",
                        json={
                            "data": base64.b64encode(data).decode(),
                            "digest_algorithm": digest_algorithm,
                        },
                        headers=headers,
                        timeout=timeout,
                    )
                    answer.raise_for_status()
                    return base64.b64decode(answer.json()["signature"], validate=True)
                except (requests.RequestException, ValueError, KeyError, TypeError):
                    raise SigningFailed(
                        _("Dịch vụ ký số từ xa không ký được tài liệu."), field="signer"
                    ) from None

        return _Remote(signing_cert=cert, cert_registry=store)


def demo_pkcs12_path() -> Path | None:
    """The demo PKCS#12 (under RESULT_PKI_DIR), or None in production."""
    from motcua.results.pki import AGENCY_FILE

    if settings.MOTCUA_ENV == "production":
        return None
    return Path(settings.RESULT_PKI_DIR) / AGENCY_FILE


def demo_pki_from_settings():
    """The demo CA and agency certificate of RESULT_PKI_DIR, made if missing (not in
    production); (DemoPki, made now?)."""
    from motcua.results.pki import demo_pki_ensure

    if settings.MOTCUA_ENV == "production":
        raise SigningFailed(
            _("Không dùng tổ chức chứng thực DEMO trong môi trường production."), field="signer"
        )
    return demo_pki_ensure(
        directory=Path(settings.RESULT_PKI_DIR),
        agency_name=str(_(settings.SITE_AGENCY_NAME)),
        passphrase=settings.RESULT_PKCS12_PASSPHRASE,
    )


SIGNERS: dict[str, type[ResultSigner]] = {
    signer.name: signer for signer in (Pkcs12Signer, Pkcs11Signer, RemoteSigner)
}


def signer_get() -> ResultSigner:
    """The configured signer: a name of SIGNERS or a class path (RESULT_SIGNER)."""
    choice = settings.RESULT_SIGNER
    signer_class = SIGNERS.get(choice)
    if signer_class is None:
        try:
            signer_class = import_string(choice)
        except ImportError:
            raise SigningFailed(
                _("Cấu hình RESULT_SIGNER không hợp lệ: %(name)s.") % {"name": choice},
                field="signer",
            ) from None
    return signer_class()


# --- Signing -----------------------------------------------------------------------------------

_font_lock = threading.Lock()
_font_path: Path | None = None


def _stamp_font() -> Path:
    """A small copy of a Unicode font with the Vietnamese letters only, made once per process:
    pyHanko subsets the stamp's font at every signature, which takes ~0.4 s on a whole font."""
    global _font_path
    with _font_lock:
        if _font_path is not None and _font_path.is_file():
            return _font_path
        source = settings.RESULT_STAMP_FONT or next(
            (path for path in _STAMP_FONT_CANDIDATES if Path(path).is_file()), ""
        )
        if not source:
            raise SigningFailed(
                _("Không tìm thấy phông chữ Unicode cho con dấu chữ ký (RESULT_STAMP_FONT)."),
                field="signer",
            )
        import tempfile

        from fontTools import subset

        digest = hashlib.sha256(source.encode()).hexdigest()[:12]
        target = Path(tempfile.gettempdir()) / f"motcua-stamp-{digest}.ttf"
        if not target.is_file():
            options = subset.Options()
            options.layout_features = []
            options.name_IDs = ["*"]
            options.notdef_outline = True
            options.drop_tables += ["GSUB", "GPOS", "GDEF", "FFTM", "kern"]
            font = subset.load_font(source, options)
            subsetter = subset.Subsetter(options)
            subsetter.populate(unicodes=_STAMP_CODEPOINTS)
            subsetter.subset(font)
            partial = target.with_suffix(f".{threading.get_ident()}.tmp")
            subset.save_font(font, str(partial), options)
            partial.replace(target)
        _font_path = target
        return target


def _subject_text(name: Any) -> str:
    """An asn1crypto Name as "CN=..., O=..., C=VN"."""
    labels = {"common_name": "CN", "organization_name": "O", "country_name": "C"}
    parts = []
    for rdn in reversed(list(name.chosen)):
        for attribute in rdn:
            kind = attribute["type"].native
            parts.append(f"{labels.get(kind, kind)}={attribute['value'].native}")
    return ", ".join(parts)


def _common_name(name: Any) -> str:
    return str(name.native.get("common_name") or name.human_friendly)


def _run_sync(function, *args, **kwargs):
    """pyHanko's synchronous calls run asyncio.run(), which refuses to start inside a running
    event loop (an ASGI server, Playwright's sync API): then run them in a helper thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


def _timestamper():
    if not settings.RESULT_TIMESTAMP_URL:
        return None
    from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper

    return RequestsHTTPTimeStamper(
        settings.RESULT_TIMESTAMP_URL, timeout=settings.RESULT_TIMESTAMP_TIMEOUT_SECONDS
    )


def sign_pdf(
    pdf: bytes,
    *,
    reason: str,
    location: str,
    signer_name: str,
    stamp: StampBox | None = None,
) -> tuple[bytes, CertificateInfo]:
    """Sign `pdf` as the agency: PAdES B-B (B-T when a timestamp server is configured), with a
    visible stamp naming the agency (the certificate's holder), `signer_name` and the date.
    Raises SigningFailed (a DomainError, 503) when the key or the timestamp cannot be had or the
    PDF cannot be signed; nothing is half-done."""
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import TextStampStyle

    signer = signer_get().pyhanko_signer()
    certificate = signer.signing_cert
    agency = _common_name(certificate.subject)
    signed_at = timezone.localtime(timezone.now(), VIETNAM).replace(microsecond=0)
    stamp = stamp or default_stamp_box()
    timestamper = _timestamper()

    class _PdfSigner(signers.PdfSigner):
        # The signing time shown on the stamp and written in the signature is the same moment,
        # in Vietnam's time (pyHanko would take the server's local zone).
        def init_signing_session(self, pdf_out, existing_fields_only=False):
            session = super().init_signing_session(pdf_out, existing_fields_only)
            session.system_time = signed_at
            return session

    style = TextStampStyle(
        stamp_text=STAMP_TEXT,
        timestamp_format="%d/%m/%Y %H:%M:%S %z",
        text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(str(_stamp_font()))),
        border_width=1,
    )
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        fields.append_signature_field(
            writer, fields.SigFieldSpec(SIGNATURE_FIELD, on_page=stamp.page, box=stamp.box)
        )
        meta = signers.PdfSignatureMetadata(
            field_name=SIGNATURE_FIELD,
            reason=reason,
            location=location,
            name=signer_name,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
            use_pades_lta=False,
        )
        pdf_signer = _PdfSigner(meta, signer=signer, stamp_style=style, timestamper=timestamper)
        signed = _run_sync(
            pdf_signer.sign_pdf,
            writer,
            bytes_reserved=_RESERVED_BYTES,
            appearance_text_params={"agency": agency},
        ).getvalue()
    except SigningFailed:
        raise
    except Exception as error:
        # A timestamp server down, a token removed mid-way, a PDF pyHanko cannot update.
        logger.exception("Signing failed")
        raise SigningFailed(
            _("Không ký số được tài liệu: %(error)s") % {"error": str(error)[:200]},
            field="signer",
        ) from None
    return signed, CertificateInfo(
        subject=_subject_text(certificate.subject),
        issuer=_subject_text(certificate.issuer),
        serial=format(certificate.serial_number, "x"),
        fingerprint=certificate.sha256.hex(),
        signed_at=signed_at,
        level="PAdES-B-T" if timestamper is not None else "PAdES-B-B",
    )
