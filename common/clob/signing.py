"""CLOB V2 orders, signed the way the venue verifies them, and their order hash (the order id).

Amounts are rounded as the unified official SDK (polymarket-client) rounds them, in decimals, with
the digits of py-clob-client-v2's ``ROUNDING_CONFIG``; a property test checks hash and signature
against the unified SDK on V1 and Protocol V2 markets. The EIP-712 digest
is computed with a precomputed domain separator and type hash, and signed with coincurve
(libsecp256k1): the same digest and the same deterministic signature as the official builder's
``encode_typed_data`` + ``Account.sign_message`` path, at a fraction of the cost. A test checks the
two against each other.

The order hash is known before anything is sent: it is how an ambiguous submit is resolved later
(by the user feed or ``/data/orders``), never by signing and sending again.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from typing import Any, Literal

import coincurve
from eth_abi import encode as abi_encode
from eth_account import Account
from eth_utils import keccak
from py_clob_client_v2.config import get_contract_config
from py_clob_client_v2.order_builder.builder import ROUNDING_CONFIG
from pydantic import SecretStr

from common.money import MICRO_PER_UNIT as MICRO

Side = Literal["BUY", "SELL"]
BYTES32_ZERO = "0x" + "00" * 32

ORDER_TYPE = (
    "Order(uint256 salt,address maker,address signer,uint256 tokenId,uint256 makerAmount,uint256 takerAmount,"
    "uint8 side,uint8 signatureType,uint256 timestamp,bytes32 metadata,bytes32 builder)"
)
_ORDER_TYPE_HASH = keccak(text=ORDER_TYPE)
_DOMAIN_TYPE_HASH = keccak(text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
DOMAIN_NAME = "Polymarket CTF Exchange"
#: Protocol V2 markets (Gamma ``version: "v2"``) are traded on ExchangeV3, signed under domain "3"
#: (reference §1.6, §5.4); every other market on the CTF Exchange V2 under domain "2".
EXCHANGE_V3 = "0xe3333700cA9d93003F00f0F71f8515005F6c00Aa"
EXCHANGE_V3_DOMAIN_VERSION = "3"
#: Tick sizes the venue uses, as the official client names them.
TICKS = {10_000: "0.01", 1_000: "0.001", 5_000: "0.005", 2_500: "0.0025", 100_000: "0.1", 100: "0.0001"}


@dataclass(frozen=True, slots=True)
class SignedOrder:
    order_id: str
    token_id: str
    side: Side
    maker_amount: int
    taker_amount: int
    #: The ``order`` object of the POST body, exactly as the venue expects it.
    wire: dict[str, Any]


class OrderSigner:
    """Signs orders for one wallet. The private key never leaves this object."""

    def __init__(
        self,
        private_key: SecretStr,
        *,
        chain_id: int,
        funder: str | None = None,
        signature_type: int = 0,
        exchange: str | None = None,
        domain_version: str = "2",
        exchange_v3: str = EXCHANGE_V3,
        rng: random.Random | None = None,
    ) -> None:
        if signature_type == 3:
            raise ValueError("POLY_1271 (deposit wallet) signatures are not supported by this signer")
        key = private_key.get_secret_value()
        self._key = coincurve.PrivateKey(bytes.fromhex(key.removeprefix("0x")))
        self.address: str = Account.from_key(key).address
        self.funder = funder or self.address
        self.signature_type = signature_type
        self.chain_id = chain_id
        self.exchange = exchange or get_contract_config(chain_id).exchange_v2
        self._rng = rng or random.Random()
        self._funder_word = _address_word(self.funder)
        self._signer_word = _address_word(self.address)
        self.exchange_v3 = exchange_v3
        self._domain_separator = _domain(chain_id, domain_version, self.exchange)
        self._v3_domain_separator = _domain(chain_id, EXCHANGE_V3_DOMAIN_VERSION, exchange_v3)

    def __repr__(self) -> str:
        return f"OrderSigner(address={self.address}, funder={self.funder}, chain_id={self.chain_id})"

    def sign(
        self,
        *,
        token_id: str,
        side: Side,
        price_micro: int,
        size_micro: int,
        tick_size_micro: int,
        timestamp_ms: int,
        expiration_s: int = 0,
        salt: int | None = None,
        protocol_v2: bool = False,
    ) -> SignedOrder:
        """Sign one order; ``protocol_v2`` (the market record's ``protocol_version == "v2"``) signs it
        for ExchangeV3 under domain "3"."""
        maker_amount, taker_amount = amounts(side, price_micro, size_micro, tick_size_micro)
        salt = self._rng.randrange(1, timestamp_ms) if salt is None else salt
        digest = self.digest(salt=salt, token_id=int(token_id), maker_amount=maker_amount,
                             taker_amount=taker_amount, side=side, timestamp_ms=timestamp_ms,
                             protocol_v2=protocol_v2)  # fmt: skip
        sig = self._key.sign_recoverable(digest, hasher=None)
        signature = "0x" + (sig[:64] + bytes([sig[64] + 27])).hex()
        wire = {
            "salt": salt, "maker": self.funder, "signer": self.address, "tokenId": str(token_id),
            "makerAmount": str(maker_amount), "takerAmount": str(taker_amount), "side": side,
            "expiration": str(expiration_s), "signatureType": self.signature_type,
            "timestamp": str(timestamp_ms), "metadata": BYTES32_ZERO, "builder": BYTES32_ZERO,
            "signature": signature,
        }  # fmt: skip
        return SignedOrder("0x" + digest.hex(), str(token_id), side, maker_amount, taker_amount, wire)

    def digest(self, *, salt: int, token_id: int, maker_amount: int, taker_amount: int, side: Side,
               timestamp_ms: int, protocol_v2: bool = False) -> bytes:  # fmt: skip
        """The EIP-712 digest of the order: what is signed, and the order hash the venue reports."""
        # abi.encode of static fields is each one as a 32-byte big-endian word; written out by
        # hand it is ~50x faster than eth_abi, and a test checks it against the official builder.
        struct = keccak(b"".join((
            _ORDER_TYPE_HASH, _word(salt), self._funder_word, self._signer_word, _word(token_id),
            _word(maker_amount), _word(taker_amount), _word(0 if side == "BUY" else 1),
            _word(self.signature_type), _word(timestamp_ms), _ZERO_WORD, _ZERO_WORD,
        )))  # fmt: skip
        domain = self._v3_domain_separator if protocol_v2 else self._domain_separator
        return keccak(b"\x19\x01" + domain + struct)


_ZERO_WORD = b"\0" * 32


def _domain(chain_id: int, version: str, exchange: str) -> bytes:
    return keccak(abi_encode(
        ["bytes32", "bytes32", "bytes32", "uint256", "address"],
        [_DOMAIN_TYPE_HASH, keccak(text=DOMAIN_NAME), keccak(text=version), chain_id, exchange],
    ))  # fmt: skip


def _word(value: int) -> bytes:
    return value.to_bytes(32, "big")


def _address_word(address: str) -> bytes:
    raw = bytes.fromhex(address.removeprefix("0x"))
    if len(raw) != 20:
        raise ValueError(f"not an address: {address!r}")
    return b"\0" * 12 + raw


def amounts(side: Side, price_micro: int, size_micro: int, tick_size_micro: int) -> tuple[int, int]:
    """(makerAmount, takerAmount) in micro-units, rounded exactly as the unified official SDK rounds
    (in decimals: py-clob-client-v2's float arithmetic loses a cent on sizes such as 605.55)."""
    tick = TICKS.get(tick_size_micro)
    if tick is None:
        raise ValueError(f"tick size {tick_size_micro / MICRO} is not one the venue uses")
    digits = ROUNDING_CONFIG[tick]
    price = Decimal(price_micro) / MICRO
    shares = _round(Decimal(size_micro) / MICRO, digits.size, ROUND_DOWN)
    cash = _round_amount(shares * price, digits.amount)
    pusd, tokens = int(cash * MICRO), int(shares * MICRO)
    return (pusd, tokens) if side == "BUY" else (tokens, pusd)


def _round(value: Decimal, places: int, rounding: str) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=rounding)


def _round_amount(value: Decimal, places: int) -> Decimal:
    """Up at four more places first (so 0.12349999… is 0.1235), then down to ``places``."""
    if -value.normalize().as_tuple().exponent <= places:  # type: ignore[operator]
        return value
    return _round(_round(value, places + 4, ROUND_UP), places, ROUND_DOWN)
