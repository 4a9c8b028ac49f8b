"""EIP-712 hashing of the two structs the venue checks (ClobAuth, the V2 Order) and signer recovery.

Written from the protocol reference alone; the official client is what proves it right in tests.
"""

from __future__ import annotations

from collections.abc import Mapping

import coincurve
from eth_hash.auto import keccak

CLOB_AUTH_DOMAIN_NAME = "ClobAuthDomain"
CLOB_AUTH_DOMAIN_VERSION = "1"
CLOB_AUTH_MESSAGE = "This message attests that I control the given wallet"
EXCHANGE_DOMAIN_NAME = "Polymarket CTF Exchange"
EXCHANGE_DOMAIN_VERSION = "2"
#: Protocol V2 markets (Gamma ``version: "v2"``) sign for ExchangeV3 under domain version "3".
EXCHANGE_V3_DOMAIN_VERSION = "3"
EXCHANGE_V3 = "0xe3333700cA9d93003F00f0F71f8515005F6c00Aa"
#: CTF Exchange V2 (standard markets) and its neg-risk twin on Polygon.
EXCHANGE_V2 = "0xE111180000d2663C0091e4f400237545B87B996B"
NEG_RISK_EXCHANGE_V2 = "0xe2222d279d744050d28e00520010520000310F59"

_DOMAIN_NO_CONTRACT = keccak(b"EIP712Domain(string name,string version,uint256 chainId)")
_DOMAIN_WITH_CONTRACT = keccak(
    b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
)
_CLOB_AUTH_TYPE = keccak(b"ClobAuth(address address,string timestamp,uint256 nonce,string message)")
_ORDER_TYPE = keccak(
    b"Order(uint256 salt,address maker,address signer,uint256 tokenId,uint256 makerAmount,"
    b"uint256 takerAmount,uint8 side,uint8 signatureType,uint256 timestamp,bytes32 metadata,bytes32 builder)"
)
_SIDES = {"BUY": 0, "SELL": 1}


class SignatureError(ValueError):
    """A signature that cannot be decoded or recovered."""


def _uint(value: int) -> bytes:
    if value < 0 or value >= 1 << 256:
        raise ValueError("uint256 out of range")
    return value.to_bytes(32, "big")


def _address(value: str) -> bytes:
    raw = bytes.fromhex(value[2:] if value.startswith(("0x", "0X")) else value)
    if len(raw) != 20:
        raise ValueError(f"not an address: {value}")
    return raw.rjust(32, b"\0")


def _bytes32(value: str) -> bytes:
    raw = bytes.fromhex(value[2:] if value.startswith("0x") else value)
    if len(raw) > 32:
        raise ValueError("bytes32 too long")
    return raw.rjust(32, b"\0")


def _digest(domain_separator: bytes, struct_hash: bytes) -> bytes:
    return keccak(b"\x19\x01" + domain_separator + struct_hash)


def clob_auth_domain(chain_id: int) -> bytes:
    return keccak(
        _DOMAIN_NO_CONTRACT
        + keccak(CLOB_AUTH_DOMAIN_NAME.encode())
        + keccak(CLOB_AUTH_DOMAIN_VERSION.encode())
        + _uint(chain_id)
    )


def exchange_domain(chain_id: int, verifying_contract: str, version: str = EXCHANGE_DOMAIN_VERSION) -> bytes:
    return keccak(
        _DOMAIN_WITH_CONTRACT
        + keccak(EXCHANGE_DOMAIN_NAME.encode())
        + keccak(version.encode())
        + _uint(chain_id)
        + _address(verifying_contract)
    )


def clob_auth_digest(chain_id: int, address: str, timestamp: str, nonce: int) -> bytes:
    struct = keccak(
        _CLOB_AUTH_TYPE
        + _address(address)
        + keccak(timestamp.encode())
        + _uint(nonce)
        + keccak(CLOB_AUTH_MESSAGE.encode())
    )
    return _digest(clob_auth_domain(chain_id), struct)


def order_digest(domain_separator: bytes, order: Mapping[str, object]) -> bytes:
    """The EIP-712 hash of a V2 order as sent in JSON (it is also the venue's order id)."""
    side = order["side"]
    side_int = _SIDES[side] if isinstance(side, str) else int(side)  # type: ignore[call-overload]
    struct = keccak(
        _ORDER_TYPE
        + _uint(int(order["salt"]))  # type: ignore[call-overload]
        + _address(str(order["maker"]))
        + _address(str(order["signer"]))
        + _uint(int(str(order["tokenId"])))
        + _uint(int(str(order["makerAmount"])))
        + _uint(int(str(order["takerAmount"])))
        + _uint(side_int)
        + _uint(int(order["signatureType"]))  # type: ignore[call-overload]
        + _uint(int(str(order["timestamp"])))
        + _bytes32(str(order["metadata"]))
        + _bytes32(str(order["builder"]))
    )
    return _digest(domain_separator, struct)


def recover_address(digest: bytes, signature_hex: str) -> str:
    """Lower-case 0x address that produced a 65-byte r‖s‖v signature over ``digest``."""
    try:
        raw = bytes.fromhex(signature_hex[2:] if signature_hex.startswith("0x") else signature_hex)
    except ValueError as exc:
        raise SignatureError("signature is not hex") from exc
    if len(raw) != 65:
        raise SignatureError("signature must be 65 bytes")
    v = raw[64] - 27 if raw[64] >= 27 else raw[64]
    if v not in (0, 1):
        raise SignatureError("bad recovery id")
    try:
        public = coincurve.PublicKey.from_signature_and_message(raw[:64] + bytes([v]), digest, hasher=None)
    except Exception as exc:  # coincurve raises plain Exception on invalid points
        raise SignatureError("signature does not recover") from exc
    return "0x" + keccak(public.format(compressed=False)[1:])[-20:].hex()
