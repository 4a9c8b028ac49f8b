"""The taker walk: price-time priority over the canonical book, fills and their balance effects."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.exchange.accounts import Accounts
from sim.exchange.money import (
    MICRO,
    ceil_notional_micro,
    fee_equivalent,
    lot_micro,
    notional_micro,
    taker_fee_micro,
)
from sim.exchange.orders import ASK, BID, BUY, LedgerEntry, MakerFill, Order
from sim.exchange.state import MarketState


@dataclass
class WalkResult:
    fills: list[MakerFill] = field(default_factory=list)
    ledger: list[LedgerEntry] = field(default_factory=list)
    fee_micro: int = 0
    taker_given_micro: int = 0
    taker_received_micro: int = 0
    #: Canonical levels touched: (side, price) → new total.
    levels: dict[tuple[str, int], int] = field(default_factory=dict)
    #: Makers whose order changed, in fill order (a maker may repeat).
    touched: list[Order] = field(default_factory=list)
    #: Makers removed as unfillable dust.
    dust: list[Order] = field(default_factory=list)


def crosses(taker_side: str, maker_price: int, limit: int) -> bool:
    return maker_price <= limit if taker_side == BID else maker_price >= limit


def would_cross(state: MarketState, order: Order) -> bool:
    maker_side = ASK if order.canonical_side == BID else BID
    best = state.book.best(maker_side)
    return best is not None and crosses(order.canonical_side, best, order.canonical_price_micro)


def _own_price(order: Order, canonical_price: int) -> int:
    return canonical_price if order.outcome_index == 0 else MICRO - canonical_price


def _quantity(order: Order, maker: Order, exec_canon: int, budget_left: int | None) -> int:
    q = min(order.remaining_micro, maker.remaining_micro)
    if budget_left is not None:
        q = min(maker.remaining_micro, budget_left * MICRO // _own_price(order, exec_canon))
    return q - q % lot_micro(exec_canon)


def fillable_micro(state: MarketState, order: Order) -> tuple[int, int]:
    """Dry run: (shares, pUSD) the order could fill right now, without touching anything."""
    taker_side, limit = order.canonical_side, order.canonical_price_micro
    maker_side = ASK if taker_side == BID else BID
    shares = spent = 0
    budget = order.budget_micro
    want = order.remaining_micro
    for maker in state.book.walk(maker_side):
        price = maker.canonical_price_micro
        if not crosses(taker_side, price, limit):
            break
        own = _own_price(order, price)
        q = maker.remaining_micro if budget is not None else min(want - shares, maker.remaining_micro)
        if budget is not None:
            q = min(q, (budget - spent) * MICRO // own)
        q -= q % lot_micro(price)
        if q <= 0:
            if maker.remaining_micro < lot_micro(price):
                continue  # dust that the real walk removes
            break
        shares += q
        spent += notional_micro(q, own)
    return shares, spent


def walk(state: MarketState, accounts: Accounts, order: Order) -> WalkResult:
    """Fill ``order`` against the book as far as its limit, size and budget allow."""
    spec, book = state.spec, state.book
    result = WalkResult()
    taker_side, limit = order.canonical_side, order.canonical_price_micro
    maker_side = ASK if taker_side == BID else BID
    budget_left = order.budget_micro
    while order.remaining_micro > 0 and (budget_left is None or budget_left > 0):
        best = book.best(maker_side)
        if best is None or not crosses(taker_side, best, limit):
            break
        maker = book.head(maker_side, best)
        q = _quantity(order, maker, best, budget_left)
        if q <= 0:
            if maker.remaining_micro < lot_micro(best):
                result.levels[(maker_side, best)] = book.remove(maker)
                result.dust.append(maker)
                continue
            break
        taker_price, maker_price = _own_price(order, best), maker.price_micro
        _fill_maker(state, accounts, maker, q, result)
        result.levels[(maker_side, best)] = book.level_total(maker_side, best)
        taker_notional = notional_micro(q, taker_price)
        fee = taker_fee_micro(q, taker_price, spec.fee_rate, spec.fee_exponent)
        result.fee_micro += fee
        sign = -1 if order.side == BUY else 1
        result.ledger.append(
            LedgerEntry(order.account_id, sign * taker_notional - fee, order.token_id, -sign * q)
        )
        accounts.apply(result.ledger[-1])
        order.size_matched_micro += q
        if order.side == BUY:
            result.taker_given_micro += taker_notional
            result.taker_received_micro += q
        else:
            result.taker_given_micro += q
            result.taker_received_micro += taker_notional
        if budget_left is not None:
            budget_left -= taker_notional
        result.fills.append(
            MakerFill(
                order_id=maker.order_id,
                owner=maker.owner,
                account_id=maker.account_id,
                maker_address=maker.maker_address,
                asset_id=maker.token_id,
                outcome_index=maker.outcome_index,
                side=maker.side,
                price_micro=maker_price,
                matched_micro=q,
            )
        )
    accounts.taker_fees_micro[spec.condition_id] += result.fee_micro
    return result


def _fill_maker(state: MarketState, accounts: Accounts, maker: Order, q: int, result: WalkResult) -> None:
    spec = state.spec
    account = accounts.get(maker.account_id)
    notional = notional_micro(q, maker.price_micro)
    if maker.side == BUY:
        release = min(maker.reserved_cash_micro, ceil_notional_micro(q, maker.price_micro))
        maker.reserved_cash_micro -= release
        account.reserved_cash_micro -= release
        entry = LedgerEntry(maker.account_id, -notional, maker.token_id, q)
    else:
        maker.reserved_shares_micro -= q
        account.reserved_shares_micro[maker.token_id] -= q
        entry = LedgerEntry(maker.account_id, notional, maker.token_id, -q)
    accounts.apply(entry)
    result.ledger.append(entry)
    accounts.fee_equivalents[(spec.condition_id, maker.account_id)] += fee_equivalent(
        q, maker.price_micro, spec.fee_rate, spec.fee_exponent
    )
    maker.size_matched_micro += q
    state.book.reduce(maker, q)
    if maker.remaining_micro == 0:
        state.book.remove(maker)
        release_reservations(accounts, maker)
    result.touched.append(maker)


def release_reservations(accounts: Accounts, order: Order) -> None:
    account = accounts.get(order.account_id)
    account.reserved_cash_micro -= order.reserved_cash_micro
    account.reserved_shares_micro[order.token_id] -= order.reserved_shares_micro
    order.reserved_cash_micro = order.reserved_shares_micro = 0


def reserve_rest(accounts: Accounts, order: Order) -> None:
    """Reserve what the resting remainder of an order may consume."""
    account = accounts.get(order.account_id)
    if order.side == BUY:
        order.reserved_cash_micro = ceil_notional_micro(order.remaining_micro, order.price_micro)
        account.reserved_cash_micro += order.reserved_cash_micro
    else:
        order.reserved_shares_micro = order.remaining_micro
        account.reserved_shares_micro[order.token_id] += order.remaining_micro
