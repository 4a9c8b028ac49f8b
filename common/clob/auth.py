"""CLOB request authentication: L1 (EIP-712 ClobAuth, for API keys) and L2 (HMAC) headers (§5.2–5.3).

The L2 signature covers ``timestamp + METHOD + path + body`` where the body is the exact bytes sent
(compact JSON). It is computed here with the standard library rather than the official
``build_hmac_signature``, which rewrites ``'`` to ``"`` in the body and so would sign something other
than what goes on the wire for a body holding a quote; a test checks both agree on every other body.
Secrets are ``SecretStr`` and never appear in a ``repr``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from eth_account import Account
from py_clob_client_v2.headers.headers import create_level_1_headers
from py_clob_client_v2.signer import Signer
from pydantic import BaseModel, ConfigDict, SecretStr


class ApiCreds(BaseModel):
    """The L2 credentials of one API key (bound to the signer EOA)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    api_key: str
    secret: SecretStr
    passphrase: SecretStr


def hmac_signature(secret: SecretStr, timestamp_s: int, method: str, path: str, body: bytes | None) -> str:
    """``base64url(HMAC_SHA256(base64url_decode(secret), ts + METHOD + path + body))``."""
    key = base64.urlsafe_b64decode(secret.get_secret_value())
    message = f"{timestamp_s}{method}{path}".encode() + (body or b"")
    return base64.urlsafe_b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


def l2_headers(address: str, creds: ApiCreds, timestamp_s: int, method: str, path: str,
               body: bytes | None) -> dict[str, str]:  # fmt: skip
    """The five ``POLY_*`` headers of an L2 request; ``path`` excludes the query string."""
    return {
        "POLY_ADDRESS": address,
        "POLY_SIGNATURE": hmac_signature(creds.secret, timestamp_s, method, path, body),
        "POLY_TIMESTAMP": str(timestamp_s),
        "POLY_API_KEY": creds.api_key,
        "POLY_PASSPHRASE": creds.passphrase.get_secret_value(),
    }


class L1Signer:
    """Signs the ClobAuth message for creating or deriving API keys. Holds the key; never shows it."""

    def __init__(self, private_key: SecretStr, chain_id: int) -> None:
        self._key = private_key
        self.chain_id = chain_id
        self.address: str = Account.from_key(private_key.get_secret_value()).address

    def __repr__(self) -> str:
        return f"L1Signer(address={self.address}, chain_id={self.chain_id})"

    def headers(self, timestamp_s: int, nonce: int = 0) -> dict[str, str]:
        signer = Signer(self._key.get_secret_value(), self.chain_id)
        return dict(create_level_1_headers(signer, nonce=nonce, timestamp=timestamp_s))
