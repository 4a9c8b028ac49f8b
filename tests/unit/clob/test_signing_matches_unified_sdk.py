"""Our signer against the unified official SDK (polymarket-client): for the same order, the same
amounts, order hash and signature, on a V1 market (CTF Exchange V2, domain "2") and on a Protocol V2
market (ExchangeV3, domain "3"). The SDK picks the domain from the position id itself; we pick it
from the market record, and the two must agree."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from eth_account import Account
from eth_account.messages import _hash_eip191_message, encode_typed_data
from hypothesis import given, settings
from hypothesis import strategies as st
from polymarket._internal.actions.orders.context import resolve_order_exchange_address
from polymarket._internal.actions.orders.limit import _compute_limit_order_amounts
from polymarket._internal.actions.orders.orders import create_unsigned_order
from polymarket._internal.actions.orders.typed_data import build_order_signature, build_order_typed_data
from polymarket._internal.actions.orders.types import OrderDraft
from polymarket._internal.environment import PRODUCTION_CONFIG
from polymarket._internal.protocol import is_v2_position_id
from pydantic import SecretStr

from common.clob.protocol import conditional_asset_type
from common.clob.protocol import is_v2_position_id as our_is_v2
from common.clob.signing import OrderSigner

KEYS = [Account.create(extra_entropy=str(i)) for i in range(3)]
TICKS = {10_000: Decimal("0.01"), 1_000: Decimal("0.001")}


@st.composite
def v2_position_ids(draw: st.DrawFn) -> str:
    """A binary-module position id: module byte 1, bits 40..103 zero, the outcome index last."""
    head, tail = draw(st.binary(min_size=18, max_size=18)), draw(st.binary(min_size=4, max_size=4))
    outcome = draw(st.sampled_from([0, 1]))
    return str(int.from_bytes(b"\x01" + head + b"\0" * 8 + tail + bytes([outcome]), "big"))


v1_token_ids = st.integers(min_value=1 << 128, max_value=(1 << 256) - 1).map(str).filter(
    lambda token: not is_v2_position_id(token)
)


@settings(max_examples=150, deadline=None)
@given(
    key=st.sampled_from(KEYS),
    token_id=st.one_of(v1_token_ids, v2_position_ids()),
    side=st.sampled_from(["BUY", "SELL"]),
    tick_micro=st.sampled_from(sorted(TICKS)),
    ticks=st.integers(min_value=1, max_value=999),
    size_cents=st.integers(min_value=500, max_value=1_000_000),
    salt=st.integers(min_value=1, max_value=(1 << 53) - 1),
    timestamp_ms=st.integers(min_value=1_700_000_000_000, max_value=1_900_000_000_000),
)
def test_our_order_hash_and_signature_are_the_official_sdks(key: object, token_id: str, side: str, tick_micro: int,
                                                             ticks: int, size_cents: int, salt: int,
                                                             timestamp_ms: int) -> None:  # fmt: skip
    account = key  # type: ignore[assignment]
    tick = TICKS[tick_micro]
    price = tick * ticks
    if price >= 1:
        price = 1 - tick
    size = Decimal(size_cents) / 100
    protocol_v2 = is_v2_position_id(token_id)
    ours = OrderSigner(SecretStr(account.key.hex()), chain_id=137).sign(  # type: ignore[attr-defined]
        token_id=token_id, side=side, price_micro=int(price * 10**6), size_micro=size_cents * 10**4,  # type: ignore[arg-type]
        tick_size_micro=tick_micro, timestamp_ms=timestamp_ms, salt=salt, protocol_v2=protocol_v2,
    )  # fmt: skip

    maker, taker = _compute_limit_order_amounts(price=price, size=size, side=side, tick_size=tick)  # type: ignore[arg-type]
    draft = OrderDraft(
        chain_id=137, expiration=0, funder_address=account.address, offered_amount=maker, order_type="GTC",  # type: ignore[attr-defined]
        side=side, signer=account.address, requested_amount=taker, asset_id=token_id,  # type: ignore[arg-type, attr-defined]
        exchange_address=resolve_order_exchange_address(PRODUCTION_CONFIG, asset_id=token_id, neg_risk=False),
    )  # fmt: skip
    unsigned = dataclasses.replace(create_unsigned_order(draft, wallet=account.address, wallet_type="EOA"),  # type: ignore[attr-defined]
                                   salt=salt, timestamp=timestamp_ms)  # fmt: skip
    typed = build_order_typed_data(unsigned)
    digest = _hash_eip191_message(encode_typed_data(full_message=typed))
    signed = Account.sign_typed_data(account.key, full_message=typed)  # type: ignore[attr-defined]
    signature = build_order_signature(unsigned, "0x" + signed.signature.hex())  # type: ignore[arg-type]

    assert (ours.maker_amount, ours.taker_amount) == (maker, taker)
    assert unsigned.protocol_version == ("3" if protocol_v2 else "2")
    assert ours.order_id == "0x" + digest.hex()
    assert ours.wire["signature"] == signature


@settings(max_examples=200, deadline=None)
@given(token_id=st.one_of(v1_token_ids, v2_position_ids(), st.integers(min_value=0, max_value=1 << 80).map(str)))
def test_we_tell_v2_position_ids_apart_as_the_sdk_does(token_id: str) -> None:
    assert our_is_v2(token_id) == is_v2_position_id(token_id)
    assert conditional_asset_type(token_id) == ("CONDITIONAL-V2" if is_v2_position_id(token_id) else "CONDITIONAL")
