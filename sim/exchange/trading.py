"""Order entry and cancels: the venue's validation, the taker walk, resting, and their events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.exchange import matching
from sim.exchange.events import Event, order_event
from sim.exchange.execution import execute
from sim.exchange.money import MICRO, ceil_notional_micro, fmt_micro, worst_fee_micro
from sim.exchange.orders import BUY, CANCELED, ORDER_TYPES, RESTING_TYPES, Order
from sim.exchange.publish import best_bid_ask_events, price_change_event, tops
from sim.exchange.state import MarketState

if TYPE_CHECKING:
    from sim.exchange.exchange import Exchange

#: A FOK market BUY counts as fully filled when less than this much of its budget is left.
FOK_BUDGET_DUST_MICRO: int = 10_000

ERR_NOT_READY = "the market is not yet ready to process new orders"
ERR_POST_ONLY_CROSS = "invalid post-only order: order crosses book"
ERR_POST_ONLY_TYPE = "invalid post-only order: only GTC and GTD orders can be post-only"
ERR_EXPIRATION = "invalid expiration"
ERR_BALANCE = "not enough balance / allowance"
ERR_FOK = "order couldn't be fully filled. FOK orders are fully filled or killed."
ERR_FAK = (
    "no orders found to match with FAK order. FAK orders are partially filled or killed if no match is found."
)
ERR_NOT_CANCELED = "already canceled or matched"


class OrderRejected(Exception):
    """A business rejection, carrying the venue's error string."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class OrderRequest:
    """An order as the engine sees it: a limit in the order's own token, a size in shares, or for a
    market BUY a pUSD budget (``budget_micro``) instead of a size."""

    account_id: str
    owner: str
    maker_address: str
    token_id: str
    side: str
    price_micro: int
    size_micro: int
    order_type: str = "GTC"
    post_only: bool = False
    expiration_s: int = 0
    budget_micro: int | None = None
    order_id: str | None = None


def submit(ex: Exchange, req: OrderRequest, delay: bool = False) -> dict[str, object]:
    """Validate, match and (for GTC/GTD) rest an order; raises OrderRejected with the venue's text.
    With ``delay`` (API orders) a marketable order waits out the taker delay first (``sim.exchange.delay``)."""
    state = ex.market_for_token(req.token_id)
    if state is None:
        raise OrderRejected("Invalid token id")
    order = _build(ex, state, req)
    if order.post_only and matching.would_cross(state, order):
        raise OrderRejected(ERR_POST_ONLY_CROSS)
    marketable = order.budget_micro is not None or matching.would_cross(state, order)
    _check_funds(ex, state, order, marketable)
    if delay and marketable and ex.config.taker_delay_ms > 0:
        from sim.exchange.delay import hold

        return hold(ex, order)
    if order.order_type in ("FOK", "FAK"):
        _kill_if_unfillable(ex, state, order)
    ex._seq += 1
    ex._orders[order.order_id] = order
    return execute(ex, state, order)


def submit_internal(
    ex: Exchange,
    account_id: str,
    token_id: str,
    side: str,
    price_micro: int,
    size_micro: int,
    order_type: str = "GTC",
    post_only: bool = False,
    delay: bool = False,
) -> dict[str, object]:
    """Background traders' entry: no signature, same rules; rejections come back as ``success: False``.
    With ``delay`` a marketable order waits out the taker delay as an API order does."""
    account = ex.accounts.find(account_id)
    req = OrderRequest(
        account_id=account_id,
        owner=account_id,
        maker_address=(account.address if account and account.address else account_id),
        token_id=token_id,
        side=side,
        price_micro=price_micro,
        size_micro=size_micro,
        order_type=order_type,
        post_only=post_only,
    )
    try:
        return submit(ex, req, delay)
    except OrderRejected as exc:
        return {"success": False, "errorMsg": exc.message, "orderID": ""}


# --- cancels ------------------------------------------------------------------------------


def cancel(ex: Exchange, owner: str, order_id: str, status: str = CANCELED) -> bool:
    order = ex._open.get(owner, {}).get(order_id)
    if order is None:
        return False
    close_order(ex, order, status)
    return True


def cancel_orders(ex: Exchange, owner: str, order_ids: list[str]) -> dict[str, object]:
    canceled, not_canceled = [], {}
    for order_id in order_ids:
        if cancel(ex, owner, order_id):
            canceled.append(order_id)
        else:
            not_canceled[order_id] = ERR_NOT_CANCELED
    return {"canceled": canceled, "not_canceled": not_canceled}


def cancel_all(ex: Exchange, owner: str) -> dict[str, object]:
    return cancel_orders(ex, owner, list(ex._open.get(owner, {})))


def cancel_market_orders(ex: Exchange, owner: str, market: str = "", asset_id: str = "") -> dict[str, object]:
    ids = [
        o.order_id
        for o in ex._open.get(owner, {}).values()
        if (not market or o.market == market) and (not asset_id or o.token_id == asset_id)
    ]
    return cancel_orders(ex, owner, ids)


def close_order(ex: Exchange, order: Order, status: str) -> None:
    """Take a resting order off the book with a CANCELLATION event (cancel, expiry, dead-man, resolve)."""
    state = ex._markets[order.market]
    before = tops(state)
    total = state.book.remove(order)
    matching.release_reservations(ex.accounts, order)
    order.status = status
    ex._open.get(order.owner, {}).pop(order.order_id, None)
    ts = ex.now_ms()
    order.ended_ms = ts
    levels = {(order.canonical_side, order.canonical_price_micro): total}
    ex._emit(
        [
            Event(
                "user",
                order.market,
                (order.token_id,),
                order_event(order, "CANCELLATION", status, ts),
                order.owner,
            ),
            price_change_event(state, levels, ts),
            *best_bid_ask_events(state, before, ts),
        ]
    )


def _build(ex: Exchange, state: MarketState, req: OrderRequest) -> Order:
    spec, tick = state.spec, state.tick_micro
    order_id = req.order_id or ex._new_hex32()
    if not state.accepting:
        raise OrderRejected(ERR_NOT_READY)
    if req.order_type not in ORDER_TYPES:
        raise OrderRejected(f"invalid order type: {req.order_type}")
    if order_id in ex._orders:
        raise OrderRejected(f"order {order_id} is invalid. Duplicated.")
    if req.price_micro % tick or not tick <= req.price_micro <= MICRO - tick:
        raise OrderRejected(
            f"order {order_id} is invalid. Price ({fmt_micro(req.price_micro)}) breaks minimum "
            f"tick size rule: {fmt_micro(tick)}"
        )
    resting = req.order_type in RESTING_TYPES
    if resting and req.size_micro < spec.min_size_micro:
        raise OrderRejected(
            f"order {order_id} is invalid. Size ({fmt_micro(req.size_micro)}) lower than the "
            f"minimum: {fmt_micro(spec.min_size_micro)}"
        )
    if req.post_only and not resting:
        raise OrderRejected(ERR_POST_ONLY_TYPE)
    now_ms = ex.now_ms()
    expires_at_ms = None
    if req.order_type == "GTD":
        if req.expiration_s * 1000 < now_ms + ex.config.gtd_min_expiration_buffer_s * 1000:
            raise OrderRejected(ERR_EXPIRATION)
        expires_at_ms = (req.expiration_s - ex.config.gtd_security_threshold_s) * 1000
    if ex.accounts.find(req.account_id) is None:
        raise OrderRejected(ERR_BALANCE)
    size = req.size_micro
    if req.budget_micro is not None:
        size = req.budget_micro * MICRO // tick  # upper bound on shares; trimmed to the fill afterwards
    return Order(
        order_id=order_id,
        account_id=req.account_id,
        owner=req.owner,
        maker_address=req.maker_address,
        market=spec.condition_id,
        token_id=req.token_id,
        outcome_index=spec.outcome_index(req.token_id),
        side=req.side,
        price_micro=req.price_micro,
        original_size_micro=size,
        order_type=req.order_type,
        post_only=req.post_only,
        expiration_s=req.expiration_s if req.order_type == "GTD" else 0,
        created_ms=now_ms,
        seq=ex._seq,
        budget_micro=req.budget_micro,
        expires_at_ms=expires_at_ms,
    )


def _check_funds(ex: Exchange, state: MarketState, order: Order, marketable: bool) -> None:
    account = ex.accounts.get(order.account_id)
    spec = state.spec
    if order.side == BUY:
        notional = (
            order.budget_micro
            if order.budget_micro is not None
            else ceil_notional_micro(order.original_size_micro, order.price_micro)
        )
        if marketable and notional < ex.config.marketable_min_notional_micro:
            raise OrderRejected(
                f"invalid amount for a marketable BUY order (${fmt_micro(notional)}), min size: $1"
            )
        shares = (
            order.original_size_micro if order.budget_micro is None else notional * MICRO // order.price_micro
        )
        fee = (
            worst_fee_micro(shares, order.price_micro, spec.fee_rate, spec.fee_exponent) if marketable else 0
        )
        if account.available_cash_micro < notional + fee:
            raise OrderRejected(ERR_BALANCE)
    elif account.available_shares_micro(order.token_id) < order.original_size_micro:
        raise OrderRejected(ERR_BALANCE)


def _kill_if_unfillable(ex: Exchange, state: MarketState, order: Order) -> None:
    shares, spent = matching.fillable_micro(state, order)
    if order.order_type == "FOK":
        full = (
            order.budget_micro - spent < FOK_BUDGET_DUST_MICRO
            if order.budget_micro is not None
            else shares == order.original_size_micro
        )
        message = None if full else ERR_FOK
    else:
        message = None if shares > 0 else ERR_FAK
    if message is None:
        return
    if order.budget_micro is not None:
        order.original_size_micro = shares
    order.status = f"CANCELED_{message}"
    order.ended_ms = order.created_ms
    ex._seq += 1
    ex._orders[order.order_id] = order
    ex._emit(
        [
            Event(
                "user",
                order.market,
                (order.token_id,),
                order_event(order, "CANCELLATION", order.status, ex.now_ms()),
                order.owner,
            )
        ]
    )
    raise OrderRejected(message)
