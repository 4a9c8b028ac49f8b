"""A Protocol V2 market's orders are signed for ExchangeV3 (domain "3") all the way from its market
record: record → quoter market → intent → place spec → signed order; V1 markets stay on domain "2"."""

from __future__ import annotations

import random

from eth_account import Account
from pydantic import SecretStr

from common.clob.signing import OrderSigner
from workers.executor.core import sign_spec
from workers.quoter.core.adapt import market_from_record

from ..quoter.test_adapt import record
from .builders import T0, desired, intent, ready_core, taker

KEY = SecretStr(Account.create(extra_entropy="v2").key.hex())


def _signer() -> OrderSigner:
    return OrderSigner(KEY, chain_id=137, rng=random.Random(1))


def test_the_market_record_says_which_exchange_the_quoters_market_signs_for() -> None:
    assert market_from_record(record(protocol_version="v2")).protocol_v2 is True
    assert market_from_record(record()).protocol_v2 is False


def test_maker_and_taker_specs_of_a_v2_intent_are_signed_for_exchange_v3() -> None:
    core = ready_core()
    v2 = intent(desired(), takers=(taker(),)).model_copy(update={"protocol_v2": True})
    v1 = intent(desired(price=440_000))

    specs = [s for batch in core.on_intent(v2, T0).place_batches for s in batch]
    v1_specs = [s for batch in core.on_intent(v1, T0 + 1).place_batches for s in batch]

    assert len(specs) == 2 and all(s.protocol_v2 for s in specs)
    assert v1_specs and not any(s.protocol_v2 for s in v1_specs)
    for spec in specs + v1_specs:
        leg = sign_spec(_signer(), spec, T0)
        o = leg.order
        expected = _signer().digest(salt=int(o.wire["salt"]), token_id=int(o.token_id), maker_amount=o.maker_amount,
                                    taker_amount=o.taker_amount, side=o.side, timestamp_ms=T0,
                                    protocol_v2=spec.protocol_v2)  # fmt: skip
        other = _signer().digest(salt=int(o.wire["salt"]), token_id=int(o.token_id), maker_amount=o.maker_amount,
                                 taker_amount=o.taker_amount, side=o.side, timestamp_ms=T0,
                                 protocol_v2=not spec.protocol_v2)  # fmt: skip
        assert o.order_id == "0x" + expected.hex() != "0x" + other.hex()
