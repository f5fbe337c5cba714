"""A local stand-in for a remote signing service (RESULT_SIGNER=remote), for development and tests:
`python -m motcua.results.remote_signer_standin [--port 8030]` holds a PKCS#12 key (the demo
agency's by default) and answers the protocol of results.signing.RemoteSigner:

    GET  /certificate   -> {"certificate": PEM, "chain": [PEM, ...]}
    POST /sign          {"data": base64, "digest_algorithm": "sha256"} -> {"signature": base64}

Both need "Authorization: Bearer <key>". Not for production: it signs whatever it is sent."""

from __future__ import annotations

import argparse
import base64
import hmac
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

DEFAULT_KEY = "motcua-remote-signer-standin"
_HASHES = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}
_MAX_BODY = 1024 * 1024


def make_server(
    *, pkcs12_file: Path, passphrase: str, key: str, host: str = "127.0.0.1", port: int = 8030
) -> ThreadingHTTPServer:
    private_key, cert, chain = pkcs12.load_key_and_certificates(
        pkcs12_file.read_bytes(), passphrase.encode() or None
    )
    pem = serialization.Encoding.PEM
    certificate = {
        "certificate": cert.public_bytes(pem).decode(),
        "chain": [c.public_bytes(pem).decode() for c in chain],
    }

    def sign(data: bytes, digest: str) -> bytes:
        algorithm = _HASHES[digest]()
        if isinstance(private_key, rsa.RSAPrivateKey):
            return private_key.sign(data, padding.PKCS1v15(), algorithm)
        if isinstance(private_key, ec.EllipticCurvePrivateKey):
            return private_key.sign(data, ec.ECDSA(algorithm))
        raise ValueError("unsupported key")

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, body: dict) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _authorised(self) -> bool:
            given = self.headers.get("Authorization", "")
            if hmac.compare_digest(given.encode(), f"Bearer {key}".encode()):
                return True
            self._answer(401, {"error": "unauthorised"})
            return False

        def do_GET(self):
            if not self._authorised():
                return
            if self.path.rstrip("/").endswith("/certificate"):
                self._answer(200, certificate)
            else:
                self._answer(404, {"error": "not found"})

        def do_POST(self):
            if not self._authorised():
                return
            if not self.path.rstrip("/").endswith("/sign"):
                self._answer(404, {"error": "not found"})
                return
            try:
                length = int(self.headers.get("Content-Length", "0"))
                if not 0 < length <= _MAX_BODY:
                    raise ValueError("body size")
                body = json.loads(self.rfile.read(length))
                data = base64.b64decode(body["data"], validate=True)
                signature = sign(data, body.get("digest_algorithm", "sha256"))
            except (ValueError, KeyError, TypeError):
                self._answer(400, {"error": "bad request"})
                return
            self._answer(200, {"signature": base64.b64encode(signature).decode()})

        def log_message(self, format, *args):
            pass

    return ThreadingHTTPServer((host, port), Handler)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8030)
    parser.add_argument("--pkcs12", default="var/pki/agency.p12")
    parser.add_argument("--passphrase", default="motcua-demo-pki")
    parser.add_argument("--key", default=DEFAULT_KEY)
    options = parser.parse_args()
    server = make_server(
        pkcs12_file=Path(options.pkcs12),
        passphrase=options.passphrase,
        key=options.key,
        host=options.host,
        port=options.port,
    )
    print(f"Remote signer stand-in on http://{options.host}:{options.port}")
    server.serve_forever()


if __name__ == "__main__":
    main()
