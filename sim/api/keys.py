"""API credentials: deterministic per (address, nonce) and a server secret, bound to the signer EOA."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class ApiKey:
    api_key: str
    secret: str
    passphrase: str
    #: Lower-case 0x address of the signer that created the key.
    address: str
    nonce: int

    def creds_json(self) -> dict[str, str]:
        return {"apiKey": self.api_key, "secret": self.secret, "passphrase": self.passphrase}


class ApiKeyStore:
    def __init__(self, server_secret: bytes) -> None:
        self._server_secret = server_secret
        self._by_key: dict[str, ApiKey] = {}
        self._by_owner: dict[tuple[str, int], ApiKey] = {}

    def _derive(self, address: str, nonce: int) -> ApiKey:
        def mac(label: str) -> bytes:
            msg = f"{label}:{address.lower()}:{nonce}".encode()
            return hmac.new(self._server_secret, msg, hashlib.sha256).digest()

        return ApiKey(
            api_key=str(uuid.UUID(bytes=mac("key")[:16], version=4)),
            secret=base64.urlsafe_b64encode(mac("secret")).decode(),
            passphrase=mac("passphrase").hex()[:64],
            address=address.lower(),
            nonce=nonce,
        )

    def create(self, address: str, nonce: int) -> ApiKey | None:
        """A new key for (address, nonce); None if that key already exists (derive it instead)."""
        if (address.lower(), nonce) in self._by_owner:
            return None
        key = self._derive(address, nonce)
        self._by_key[key.api_key] = key
        self._by_owner[(key.address, nonce)] = key
        return key

    def derive(self, address: str, nonce: int) -> ApiKey | None:
        return self._by_owner.get((address.lower(), nonce))

    def get(self, api_key: str) -> ApiKey | None:
        return self._by_key.get(api_key)

    def for_address(self, address: str) -> list[ApiKey]:
        return [k for k in self._by_key.values() if k.address == address.lower()]

    def all(self) -> list[ApiKey]:
        return list(self._by_key.values())
