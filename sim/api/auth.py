"""L1 (EIP-712 ClobAuth) and L2 (HMAC) request authentication, checked as the venue does."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable

from aiohttp import web

from sim.api.eip712 import SignatureError, clob_auth_digest, recover_address
from sim.api.errors import json_error
from sim.api.keys import ApiKey, ApiKeyStore

ERR_L1 = "Invalid L1 Request headers"
ERR_L2 = "Unauthorized/Invalid api key"


def _header(request: web.Request, name: str) -> str:
    value = request.headers.get(name)
    if value is None:
        raise json_error(401, ERR_L2)
    return value


def check_l1(request: web.Request, chain_id: int, now_s: Callable[[], float], skew_s: int) -> tuple[str, int]:
    """Returns (lower-case signer address, nonce) or raises 401."""
    try:
        address = request.headers["POLY_ADDRESS"]
        signature = request.headers["POLY_SIGNATURE"]
        timestamp = request.headers["POLY_TIMESTAMP"]
        nonce = int(request.headers.get("POLY_NONCE", "0"))
        if abs(int(timestamp) - now_s()) > skew_s:
            raise ValueError("stale timestamp")
        recovered = recover_address(clob_auth_digest(chain_id, address, timestamp, nonce), signature)
    except (KeyError, ValueError, SignatureError) as exc:
        raise json_error(401, ERR_L1) from exc
    if recovered != address.lower():
        raise json_error(401, ERR_L1)
    return recovered, nonce


def hmac_signature(secret: str, timestamp: str, method: str, path: str, body: str) -> str:
    message = f"{timestamp}{method}{path}{body}"
    digest = hmac.new(base64.urlsafe_b64decode(secret), message.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()


async def check_l2(
    request: web.Request, keys: ApiKeyStore, now_s: Callable[[], float], skew_s: int
) -> ApiKey:
    """The key of a correctly HMAC-signed request (path without query, exact body bytes), or 401."""
    key = keys.get(_header(request, "POLY_API_KEY"))
    if key is None:
        raise json_error(401, ERR_L2)
    address = _header(request, "POLY_ADDRESS")
    passphrase = _header(request, "POLY_PASSPHRASE")
    timestamp = _header(request, "POLY_TIMESTAMP")
    signature = _header(request, "POLY_SIGNATURE")
    if address.lower() != key.address or not hmac.compare_digest(passphrase, key.passphrase):
        raise json_error(401, ERR_L2)
    try:
        if abs(int(timestamp) - now_s()) > skew_s:
            raise json_error(401, ERR_L2)
    except ValueError as exc:
        raise json_error(401, ERR_L2) from exc
    body = (await request.read()).decode("utf-8")
    expected = hmac_signature(key.secret, timestamp, request.method, request.rel_url.raw_path, body)
    if not hmac.compare_digest(expected, signature):
        raise json_error(401, ERR_L2)
    return key
