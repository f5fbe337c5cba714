"""OpenID Connect client for the national identity provider (VNeID): discovery and the
authorization request (state, nonce, PKCE). The token exchange comes with a later issue."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

import requests
from django.utils.translation import gettext as _

from motcua.accounts.models import IdentityProvider
from motcua.core.errors import DomainError


class ProviderUnavailable(DomainError):
    status = 502
    default_code = "provider_unavailable"


@dataclass(frozen=True)
class AuthorizationRequest:
    url: str
    state: str
    nonce: str
    code_verifier: str


def provider_metadata(provider: IdentityProvider) -> dict:
    """The provider's discovery document (issuer/.well-known/openid-configuration)."""
    issuer = provider.issuer_url.rstrip("/")
    unavailable = ProviderUnavailable(
        _(
            "Không kết nối được với {name}. Vui lòng thử lại sau hoặc đăng nhập bằng mật khẩu."
        ).format(name=provider.name)
    )
    try:
        response = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=5)
        response.raise_for_status()
        metadata = response.json()
    except (requests.RequestException, ValueError):
        raise unavailable from None
    endpoint = metadata.get("authorization_endpoint") if isinstance(metadata, dict) else None
    # The document must speak for the issuer we trust, and send the user over HTTPS.
    if (
        not isinstance(endpoint, str)
        or str(metadata.get("issuer", "")).rstrip("/") != issuer
        or not endpoint.startswith(("https://", "http://localhost", "http://127.0.0.1"))
    ):
        raise unavailable
    return metadata


def authorization_request(provider: IdentityProvider, *, redirect_uri: str) -> AuthorizationRequest:
    endpoint = provider_metadata(provider)["authorization_endpoint"]
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    code_verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode()).digest())
        .rstrip(b"=")
        .decode()
    )
    query = urlencode(
        {
            "response_type": "code",
            "client_id": provider.client_id,
            "redirect_uri": redirect_uri,
            "scope": provider.scopes or "openid",
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    separator = "&" if "?" in endpoint else "?"
    return AuthorizationRequest(
        url=f"{endpoint}{separator}{query}", state=state, nonce=nonce, code_verifier=code_verifier
    )
