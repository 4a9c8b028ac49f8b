"""From a signed V2 order in JSON to an engine order request: ownership, signature, price and size."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from eth_utils.address import to_checksum_address

from sim.api.context import ClobContext
from sim.api.eip712 import SignatureError, order_digest, recover_address
from sim.api.keys import ApiKey
from sim.exchange.money import MICRO, fmt_micro, round_to_tick
from sim.exchange.trading import OrderRejected, OrderRequest

ERR_OWNER = "the order owner has to be the owner of the API KEY"
ERR_SIGNER = "the order signer address has to be the address of the API KEY"
ERR_SIGNATURE = "invalid signature"
ERR_PAYLOAD = "Invalid order payload"
#: The venue's refusal of an order its wallet has not approved the exchange for. It carries both
#: forms the official SDK recognises (reference §6: "not enough balance / allowance", or a message
#: containing "allowance is not enough", on which polymarket-client approves and retries); the exact
#: venue text is UNCERTAIN.
ERR_ALLOWANCE = "not enough balance / allowance: the allowance is not enough"
#: Signature types whose funder (``maker``) may differ from the signer: POLY_PROXY, POLY_GNOSIS_SAFE.
PROXY_SIGNATURE_TYPES = (1, 2)


def _check_allowance(ctx: ClobContext, maker: str, side: str, maker_amount: int) -> None:
    """A BUY needs the funder's collateral allowance to the exchange (at least what it pays), a SELL
    its ERC-1155 approval; only wallets the local chain backs have allowances to check (others,
    the background traders and chain-less runs, count as approved)."""
    if not ctx.settings.enforce_allowances or ctx.allowance_of is None:
        return
    allowance = ctx.allowance_of(maker, "COLLATERAL" if side == "BUY" else "CONDITIONAL")
    if allowance is not None and allowance < (maker_amount if side == "BUY" else 1):
        raise OrderRejected(ERR_ALLOWANCE)


def to_request(ctx: ClobContext, key: ApiKey, payload: Any) -> OrderRequest:
    """Verify one ``{order, owner, orderType, postOnly}`` entry; raises OrderRejected with the venue text."""
    try:
        order = payload["order"]
        owner = str(payload["owner"])
        order_type = str(payload.get("orderType") or "GTC")
        post_only = bool(payload.get("postOnly", False))
        signer, maker = str(order["signer"]).lower(), str(order["maker"])
        signature_type = int(order["signatureType"])
        token_id = str(order["tokenId"])
        maker_amount, taker_amount = int(order["makerAmount"]), int(order["takerAmount"])
        side = str(order["side"]).upper()
        expiration = int(order.get("expiration") or 0)
        signature = str(order["signature"])
    except (KeyError, TypeError, ValueError) as exc:
        raise OrderRejected(ERR_PAYLOAD) from exc
    if owner != key.api_key:
        raise OrderRejected(ERR_OWNER)
    if signer != key.address:
        raise OrderRejected(ERR_SIGNER)
    if side not in ("BUY", "SELL") or maker_amount <= 0 or taker_amount <= 0:
        raise OrderRejected(ERR_PAYLOAD)
    if signature_type not in (0, *PROXY_SIGNATURE_TYPES) or (signature_type == 0 and maker.lower() != signer):
        raise OrderRejected(ERR_SIGNATURE)
    state = ctx.exchange.market_for_token(token_id)
    if state is None:
        raise OrderRejected("Invalid token id")
    try:
        digest = order_digest(ctx.domains[state.spec.neg_risk, state.spec.protocol_v2], order)
        if recover_address(digest, signature) != signer:
            raise OrderRejected(ERR_SIGNATURE)
    except (SignatureError, ValueError, KeyError) as exc:
        raise OrderRejected(ERR_SIGNATURE) from exc
    order_id = "0x" + digest.hex()
    _check_allowance(ctx, maker, side, maker_amount)
    account_id = maker.lower()
    if ctx.exchange.accounts.find_by_address(account_id) is None:  # a proxy funder seen for the first time
        ctx.exchange.ensure_account(
            account_id, to_checksum_address(account_id), ctx.exchange.config.faucet_pusd_micro
        )
    # BUY gives pUSD for shares, SELL gives shares for pUSD: the price is pUSD per share either way.
    pusd, shares = (maker_amount, taker_amount) if side == "BUY" else (taker_amount, maker_amount)
    exact = Decimal(pusd) * MICRO / Decimal(shares)
    market_order = order_type in ("FOK", "FAK")
    if market_order:
        price = round_to_tick(exact, state.tick_micro)
    elif exact != exact.to_integral_value():
        raise OrderRejected(
            f"order {order_id} is invalid. Price ({(exact / MICRO).normalize()}) breaks minimum "
            f"tick size rule: {fmt_micro(state.tick_micro)}"
        )
    else:
        price = int(exact)
    budget = pusd if market_order and side == "BUY" else None
    return OrderRequest(
        account_id=account_id,
        owner=key.api_key,
        maker_address=maker,
        token_id=token_id,
        side=side,
        price_micro=price,
        size_micro=shares,
        order_type=order_type,
        post_only=post_only,
        expiration_s=expiration,
        budget_micro=budget,
        order_id=order_id,
    )
