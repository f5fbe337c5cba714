"""Checking the signatures of an uploaded PDF with pyHanko, in a separate process with a time and
memory limit: an uploaded PDF may be malformed or built to make a parser loop or swell, and
such a file must cost a bounded check, never the web worker. No Django here: the process is
forked from a small server process (multiprocessing "forkserver") that preloads this module."""

from __future__ import annotations

import io
import multiprocessing
import resource
from typing import Any

_MEMORY_LIMIT = 1536 * 1024 * 1024
_context = None


def _signature_report(embedded: Any, context: Any) -> dict[str, Any]:
    from pyhanko.sign.validation import validate_pdf_signature

    status = validate_pdf_signature(embedded, context)
    cert = status.signing_cert
    return {
        "field": embedded.field_name,
        "signer": cert.subject.human_friendly if cert is not None else "",
        "signer_common_name": (cert.subject.native.get("common_name") or "") if cert else "",
        "signed_at": status.signer_reported_dt.isoformat() if status.signer_reported_dt else None,
        "timestamped": status.timestamp_validity is not None,
        "intact": bool(status.intact),
        "valid": bool(status.valid),
        "trusted": bool(status.trusted),
        "covers_whole_file": status.coverage is not None and status.coverage.name == "ENTIRE_FILE",
        "bottom_line": bool(status.bottom_line),
    }


def check(data: bytes, trust_roots: list[bytes]) -> dict[str, Any]:
    """{"signatures": [...]} for a PDF, or {"error": "encrypted" | "malformed"}."""
    from pyhanko.keys import load_certs_from_pemder_data
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            return {"error": "encrypted"}
        signatures = list(reader.embedded_signatures)
    except Exception:
        return {"error": "malformed"}
    roots = [cert for pem in trust_roots for cert in load_certs_from_pemder_data(pem)]
    reports = []
    for embedded in signatures:
        # Offline, without revocation data for the roots we trust: "soft-fail" accepts a
        # certificate whose revocation status cannot be fetched.
        context = ValidationContext(trust_roots=roots, allow_fetching=False)
        try:
            reports.append(_signature_report(embedded, context))
        except Exception:
            # A signature dictionary too broken to evaluate counts as an invalid signature.
            reports.append(
                {
                    "field": getattr(embedded, "field_name", ""),
                    "signer": "",
                    "signer_common_name": "",
                    "signed_at": None,
                    "timestamped": False,
                    "intact": False,
                    "valid": False,
                    "trusted": False,
                    "covers_whole_file": False,
                    "bottom_line": False,
                }
            )
    return {"signatures": reports}


def _child(connection, data: bytes, trust_roots: list[bytes], seconds: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (_MEMORY_LIMIT, _MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds + 1, seconds + 1))
    try:
        outcome = check(data, trust_roots)
    except MemoryError:
        outcome = {"error": "malformed"}
    connection.send(outcome)
    connection.close()


def _process_context():
    global _context
    if _context is None:
        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload([__name__])
    return _context


def check_isolated(data: bytes, trust_roots: list[bytes], *, seconds: int) -> dict[str, Any]:
    """`check` in a child process killed after `seconds`: {"error": "timeout"} then."""
    context = _process_context()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, data, trust_roots, seconds))
    process.start()
    sender.close()
    try:
        if receiver.poll(seconds):
            try:
                return receiver.recv()
            except EOFError:
                # The child died without answering: killed by its memory or CPU limit.
                return {"error": "malformed"}
        return {"error": "timeout"}
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join(1)
