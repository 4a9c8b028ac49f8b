"""The exchange's side of a sync: which tokens to read from the chain for a chain-backed account,
and, once they are read, its balances made chain + owed + pending. On the server's loop only."""

from __future__ import annotations

from sim.exchange.exchange import Exchange
from sim.exchange.orders import BUY, SELL
from sim.settlement_owed import Owed, SettlementStats, by_contract


def pending_of(exchange: Exchange, account_id: str) -> Owed:
    """The account's changes in trades matched or mined but not yet confirmed."""
    expected = Owed()
    for trade in exchange.pending_trades():
        if trade.status in ("MATCHED", "MINED"):
            for entry in trade.ledger:
                if entry.account_id == account_id:
                    expected.add(entry)
    return expected


def tokens_to_read(exchange: Exchange, account_id: str, owed: Owed, tokens_asked: tuple[str, ...]) -> list[list[str]]:
    """Those the exchange holds for it, those owed or pending, those of markets not yet resolved
    (tokens may arrive from outside the exchange) and ``tokens_asked``, grouped by contract."""
    account = exchange.accounts.get(account_id)
    pending = pending_of(exchange, account_id)
    live = {t for m in exchange.markets() if m.winner_index is None for t in m.spec.token_ids}
    tokens = sorted({t for t, n in account.positions_micro.items() if n} | set(owed.tokens_micro)
                    | set(pending.tokens_micro) | live | {t for t in tokens_asked if t.isdigit()})
    return [list(group) for group in by_contract(dict.fromkeys(tokens, 0))]


def apply_chain(exchange: Exchange, account_id: str, owed: Owed, cash_on_chain: int, held: dict[str, int],
                stats: SettlementStats) -> None:  # fmt: skip
    """Right after the chain was read: the exchange's balances made chain + owed + pending."""
    account = exchange.accounts.get(account_id)
    expected = pending_of(exchange, account_id)
    cash = cash_on_chain + owed.cash_micro + expected.cash_micro
    if cash != account.cash_micro:
        stats.corrections += 1
        exchange.credit(account_id, cash - account.cash_micro)
    for token, on_chain in held.items():
        want = on_chain + owed.tokens_micro.get(token, 0) + expected.tokens_micro.get(token, 0)
        have = account.positions_micro.get(token, 0)
        if want != have:
            stats.corrections += 1
            exchange.adjust_position(account_id, token, want - have)
    release_uncovered(exchange, account_id, stats)
    stats.syncs += 1


def release_uncovered(exchange: Exchange, account_id: str, stats: SettlementStats) -> None:
    """Cancel the newest resting orders whose reservation the holdings no longer cover."""
    account = exchange.accounts.get(account_id)
    for order in sorted(exchange.account_open_orders(account_id), key=lambda o: o.seq, reverse=True):
        short = (order.side == SELL and account.available_shares_micro(order.token_id) < 0) or (
            order.side == BUY and account.available_cash_micro < 0)
        if short and exchange.cancel(order.owner, order.order_id):
            stats.orders_released += 1
