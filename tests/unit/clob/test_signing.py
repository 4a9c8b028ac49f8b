"""The fast order signer produces exactly what the official client's builder produces."""

from __future__ import annotations

import random

import pytest
from eth_account import Account
from hypothesis import given, settings
from hypothesis import strategies as st
from py_clob_client_v2.order_utils import ExchangeOrderBuilderV2
from py_clob_client_v2.order_utils.model.order_data_v2 import OrderDataV2
from py_clob_client_v2.order_utils.model.side import Side as LibSide
from py_clob_client_v2.signer import Signer
from pydantic import SecretStr

from common.clob.signing import OrderSigner, amounts

KEY = Account.from_key(bytes(range(1, 33))).key.hex()  # a generated test key, not a real wallet


@pytest.mark.parametrize(
    ("side", "price_micro", "size_micro", "tick", "expected"),
    [
        ("BUY", 520_000, 10_000_000, 10_000, (5_200_000, 10_000_000)),
        ("SELL", 520_000, 10_000_000, 10_000, (10_000_000, 5_200_000)),
        ("BUY", 530_000, 7_777_000, 10_000, (4_118_100, 7_770_000)),
        ("SELL", 70_000, 12_345_000, 10_000, (12_340_000, 863_800)),
        ("BUY", 995_000, 5_000_000, 1_000, (4_975_000, 5_000_000)),
    ],
)
def test_amounts_match_the_reference_worked_examples(
    side: str, price_micro: int, size_micro: int, tick: int, expected: tuple[int, int]
) -> None:
    assert amounts(side, price_micro, size_micro, tick) == expected  # type: ignore[arg-type]


@settings(max_examples=40, deadline=None)
@given(
    side=st.sampled_from(["BUY", "SELL"]),
    ticks=st.integers(1, 99),
    size_cents=st.integers(500, 100_000),
    token=st.integers(1, 2**256 - 1),
    timestamp_ms=st.integers(1_700_000_000_000, 1_900_000_000_000),
    salt=st.integers(1, 2**53),
)
def test_digest_and_signature_equal_the_official_builders(
    side: str, ticks: int, size_cents: int, token: int, timestamp_ms: int, salt: int
) -> None:
    signer = OrderSigner(SecretStr(KEY), chain_id=137)
    ours = signer.sign(token_id=str(token), side=side, price_micro=ticks * 10_000,  # type: ignore[arg-type]
                       size_micro=size_cents * 10_000, tick_size_micro=10_000, timestamp_ms=timestamp_ms, salt=salt)

    builder = ExchangeOrderBuilderV2(signer.exchange, 137, Signer(KEY, 137), generate_salt=lambda: str(salt))
    order = builder.build_order(OrderDataV2(
        maker=signer.address, tokenId=str(token), makerAmount=str(ours.maker_amount),
        takerAmount=str(ours.taker_amount), side=LibSide.BUY if side == "BUY" else LibSide.SELL,
        signer=signer.address, timestamp=str(timestamp_ms)))  # fmt: skip
    typed = builder.build_order_typed_data(order)

    assert ours.order_id == builder.build_order_hash(typed)
    assert ours.wire["signature"] == builder.build_order_signature(typed)


def test_the_signature_recovers_to_the_signer_and_the_wire_shape_is_the_venues() -> None:
    signer = OrderSigner(SecretStr(KEY), chain_id=137, rng=random.Random(3))

    order = signer.sign(token_id="42", side="BUY", price_micro=480_000, size_micro=5_000_000,
                        tick_size_micro=10_000, timestamp_ms=1_800_000_000_000)  # fmt: skip

    recovered = Account._recover_hash(bytes.fromhex(order.order_id[2:]), signature=order.wire["signature"])
    assert recovered == signer.address
    assert isinstance(order.wire["salt"], int)
    assert all(isinstance(order.wire[k], str) for k in ("tokenId", "makerAmount", "takerAmount", "timestamp"))
    assert order.wire["side"] == "BUY" and order.wire["expiration"] == "0"


def test_the_key_never_shows_in_the_signers_repr() -> None:
    signer = OrderSigner(SecretStr(KEY), chain_id=137)

    assert KEY.removeprefix("0x") not in repr(signer) and KEY.removeprefix("0x") not in str(vars(signer))


def test_an_unknown_tick_size_is_refused() -> None:
    with pytest.raises(ValueError, match="tick size"):
        amounts("BUY", 500_000, 5_000_000, 3_000)
