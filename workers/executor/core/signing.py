"""From a ``PlaceSpec`` to the signed leg of a ``POST /orders`` (live), or to a paper order id."""

from __future__ import annotations

import hashlib

from common.clob.client import PostOrder
from common.clob.signing import OrderSigner
from workers.executor.core.orders import PlaceSpec


def sign_spec(signer: OrderSigner, spec: PlaceSpec, now_ms: int) -> PostOrder:
    """Sign ``spec``; the leg's ``order.order_id`` is the hash to record before the POST."""
    order = signer.sign(token_id=spec.slot.token_id, side=spec.slot.side, price_micro=spec.price_micro,
                        size_micro=spec.size_micro, tick_size_micro=spec.tick_micro, timestamp_ms=now_ms,
                        protocol_v2=spec.protocol_v2)  # fmt: skip
    return PostOrder(order, spec.order_type, post_only=spec.post_only)


def paper_order_id(spec: PlaceSpec, now_ms: int, sequence: int) -> str:
    """A deterministic id for a paper order (there is nothing to sign in paper mode)."""
    key = f"{spec.slot}|{spec.intent_id}|{spec.price_micro}|{spec.size_micro}|{now_ms}|{sequence}"
    return "0x" + hashlib.blake2b(key.encode(), digest_size=32).hexdigest()
