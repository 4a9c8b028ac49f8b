"""The ledger core: fills (by settlement state), merges, redemptions, resolutions and marks in;
positions, the account and window summaries out.

Each (trade id, order id, status) is applied once. A trade's status only moves forward (MATCHED →
MINED → CONFIRMED, RETRYING at any point before the end); CONFIRMED and FAILED are final, and a
FAILED that arrives after CONFIRMED is ignored and counted (the venue does not undo a confirmed
trade). A FAILED fill is taken out of the books as if it never happened (the market is refolded).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from common.fees import CRYPTO_FEES_V2, NO_FEES, FeeSchedule, fee_equivalent, maker_rebate_upper_bound, taker_fee_micro
from common.money import from_micro, to_micro_rounded
from common.schemas.exec import ExecReport
from common.schemas.market import MarketRecord
from common.schemas.positions import AccountPosition, MarketPosition, OutcomePosition
from common.schemas.user import Fill
from workers.ledger.core.market import FillOp, State, notional_micro
from workers.ledger.core.summary import WindowCounters

_RANK = {"MATCHED": 0, "MATCHED_NOT_BROADCASTED": 0, "RETRYING": 1, "MINED": 2, "CONFIRMED": 3, "FAILED": 3}
_BUCKET = {"MATCHED": 0, "MATCHED_NOT_BROADCASTED": 0, "RETRYING": 0, "MINED": 1, "CONFIRMED": 2}
_FINAL = frozenset({"CONFIRMED", "FAILED"})
FillKey = tuple[str, str]  # (trade id, order id)


@dataclass(slots=True)
class MarketBooks:
    market: str
    slug: str = ""
    token_ids: list[str] = field(default_factory=list)
    outcomes: dict[str, str] = field(default_factory=dict)
    schedule: FeeSchedule = CRYPTO_FEES_V2
    ops: list[tuple[str, object]] = field(default_factory=list)
    fills: dict[FillKey, FillOp] = field(default_factory=dict)
    burned_micro: dict[str, int] = field(default_factory=dict)
    marks: dict[str, int] = field(default_factory=dict)
    winner: str | None = None
    state: State = field(default_factory=State)
    counters: WindowCounters = field(default_factory=WindowCounters)
    #: (trade id, order id, status) already applied.
    seen: set[tuple[str, str, str]] = field(default_factory=set)

    def token(self, token_id: str, outcome: str = "") -> None:
        if token_id not in self.token_ids:
            self.token_ids.append(token_id)
        if outcome and token_id not in self.outcomes:
            self.outcomes[token_id] = outcome

    def refold(self) -> None:
        state = State()
        for kind, arg in self.ops:
            if kind == "fill":
                op = self.fills[arg]  # type: ignore[index]
                if op.status != "FAILED":
                    state.apply_fill(op)
            elif kind == "merge":
                state.apply_merge(tuple(self.token_ids), arg)  # type: ignore[arg-type]
            elif kind == "resolve":
                state.apply_resolution(tuple(self.token_ids), arg)  # type: ignore[arg-type]
            elif kind == "redeem":
                state.apply_redemption(tuple(self.token_ids), arg)  # type: ignore[arg-type]
        self.state = state


@dataclass(slots=True)
class Closed:
    """What forgotten (closed) windows left in the account: carried, so forgetting changes nothing."""

    cash_delta_micro: int = 0
    realized_pnl_micro: int = 0
    fees_micro: int = 0
    rebate_micro: int = 0


class Ledger:
    def __init__(self, initial_cash_micro: int, closed: Closed | None = None) -> None:
        self.initial_cash_micro = initial_cash_micro
        self.markets: dict[str, MarketBooks] = {}
        self._token_market: dict[str, str] = {}
        self._ops_seen: set[str] = set()
        self.ignored_after_final = 0
        self.closed = closed or Closed()

    def books(self, market: str) -> MarketBooks:
        return self.markets.setdefault(market, MarketBooks(market))

    # -- inputs -----------------------------------------------------------------------------------

    def on_market(self, record: MarketRecord) -> None:
        books = self.books(record.condition_id)
        books.slug = record.slug
        for token_id, outcome in zip(record.token_ids, record.outcomes, strict=True):
            books.token(token_id, outcome)
            self._token_market[token_id] = record.condition_id
        books.schedule = _schedule(record)

    def on_fill(self, fill: Fill) -> bool:
        """Apply one fill status; False when it changed nothing (a duplicate, or after final)."""
        books = self.books(fill.market)
        if (fill.trade_id, fill.order_id, fill.status) in books.seen:
            return False
        books.seen.add((fill.trade_id, fill.order_id, fill.status))
        books.token(fill.asset_id, fill.outcome)
        self._token_market[fill.asset_id] = fill.market
        key = (fill.trade_id, fill.order_id)
        op = books.fills.get(key)
        if op is None:
            op = books.fills[key] = self._fill_op(fill, books.schedule)
            books.ops.append(("fill", key))
            if op.status != "FAILED":
                books.state.apply_fill(op)
            return True
        if op.status in _FINAL:
            self.ignored_after_final += op.status != fill.status
            return False
        if fill.status == "FAILED":
            op.status = "FAILED"
            books.refold()
            return True
        if _RANK[fill.status] > _RANK[op.status] or fill.status == "RETRYING":
            op.status = fill.status
            return True
        return False

    def on_merge(self, market: str, amount_micro: int, op_id: str) -> bool:
        """The merger burnt ``amount`` full sets of the market for ``amount`` pUSD."""
        if op_id in self._ops_seen:
            return False
        self._ops_seen.add(op_id)
        books = self.books(market)
        books.ops.append(("merge", amount_micro))
        books.state.apply_merge(tuple(books.token_ids), amount_micro)
        for token_id in books.token_ids:
            books.burned_micro[token_id] = books.burned_micro.get(token_id, 0) + amount_micro
        return True

    def on_redeem(self, market: str, payout_micro: int, op_id: str) -> bool:
        """The merger redeemed every share of the (resolved) market for ``payout`` pUSD."""
        if op_id in self._ops_seen:
            return False
        self._ops_seen.add(op_id)
        books = self.books(market)
        for token_id in books.token_ids:
            books.burned_micro[token_id] = books.burned_micro.get(token_id, 0) + max(
                0, books.state.holding(token_id).shares_micro
            )
        books.ops.append(("redeem", payout_micro))
        books.state.apply_redemption(tuple(books.token_ids), payout_micro)
        return True

    def on_resolution(self, market: str, winning_token_id: str) -> bool:
        books = self.books(market)
        if books.winner is not None:
            return False
        books.token(winning_token_id)
        books.winner = winning_token_id
        books.ops.append(("resolve", winning_token_id))
        books.state.apply_resolution(tuple(books.token_ids), winning_token_id)
        return True

    def on_mark(self, token_id: str, mid_micro: int) -> None:
        market = self._token_market.get(token_id)
        if market is not None:
            self.markets[market].marks[token_id] = mid_micro

    def on_exec_report(self, report: ExecReport) -> None:
        self.books(report.market).counters.count(report)

    def forget_market(self, market: str) -> None:
        """Close a redeemed window's books: its cash effect and PnL move into the running totals.

        Call it only once the window's shares are redeemed (what is still held at cost would vanish).
        """
        books = self.markets.pop(market, None)
        if books is None:
            return
        self.closed.cash_delta_micro += books.state.cash_delta_micro
        self.closed.realized_pnl_micro += books.state.realized_pnl_micro
        self.closed.fees_micro += books.state.fees_micro
        self.closed.rebate_micro += books.state.rebate_micro
        for token_id in books.token_ids:
            self._token_market.pop(token_id, None)

    # -- outputs ----------------------------------------------------------------------------------

    def cash_micro(self) -> int:
        open_delta = sum(b.state.cash_delta_micro for b in self.markets.values())
        return self.initial_cash_micro + self.closed.cash_delta_micro + open_delta

    def position(self, market: str, now_ms: int) -> MarketPosition:
        books = self.books(market)
        outcomes = tuple(self._outcome(books, t) for t in books.token_ids)
        confirmed = [o.confirmed_shares_micro for o in outcomes]
        s = books.state
        return MarketPosition(
            market=market, slug=books.slug, outcomes=outcomes,
            mergeable_full_sets_micro=max(0, min(confirmed)) if len(confirmed) == 2 else 0,
            realized_pnl_micro=s.realized_pnl_micro, unrealized_pnl_micro=sum(o.unrealized_pnl_micro for o in outcomes),
            taker_fees_paid_micro=s.fees_micro, maker_fee_equivalent_micro=s.fee_equivalent_micro,
            rebate_estimate_micro=s.rebate_micro, resolved_winner=books.outcomes.get(books.winner or "", books.winner),
            at_ms=now_ms,
        )  # fmt: skip

    def account(self, now_ms: int) -> AccountPosition:
        states = [b.state for b in self.markets.values()]
        cost = sum(h.cost_micro for s in states for h in s.holdings.values())
        unrealized = sum(self.position(m, now_ms).unrealized_pnl_micro for m in self.markets)
        cash = self.cash_micro()
        realized = self.closed.realized_pnl_micro + sum(s.realized_pnl_micro for s in states)
        return AccountPosition(cash_micro=cash, equity_at_cost_micro=cash + cost, realized_pnl_micro=realized,
                               unrealized_pnl_micro=unrealized,
                               taker_fees_paid_micro=self.closed.fees_micro + sum(s.fees_micro for s in states),
                               rebate_estimate_micro=self.closed.rebate_micro + sum(s.rebate_micro for s in states),
                               at_ms=now_ms)  # fmt: skip

    # -- internals --------------------------------------------------------------------------------

    def _outcome(self, books: MarketBooks, token_id: str) -> OutcomePosition:
        buckets = [0, 0, 0]
        for (_, _), op in books.fills.items():
            if op.token_id == token_id and op.status != "FAILED":
                buckets[_BUCKET[op.status]] += op.size_micro if op.side == "BUY" else -op.size_micro
        buckets[2] -= books.burned_micro.get(token_id, 0)
        holding = books.state.holding(token_id)
        if books.winner is not None:
            mark: int | None = 1_000_000 if token_id == books.winner else 0
        else:
            mark = books.marks.get(token_id)
        unrealized = 0 if mark is None else notional_micro(holding.shares_micro, mark) - holding.cost_micro
        avg = holding.cost_micro * 1_000_000 // holding.shares_micro if holding.shares_micro > 0 else 0
        return OutcomePosition(token_id=token_id, outcome=books.outcomes.get(token_id, ""),
                               matched_shares_micro=buckets[0], mined_shares_micro=buckets[1],
                               confirmed_shares_micro=buckets[2], shares_micro=holding.shares_micro,
                               cost_micro=holding.cost_micro, avg_cost_micro=avg, mark_micro=mark,
                               unrealized_pnl_micro=unrealized)  # fmt: skip

    @staticmethod
    def _fill_op(fill: Fill, schedule: FeeSchedule) -> FillOp:
        fee = taker_fee_micro(fill.size_micro, fill.price_micro, schedule) if fill.role == "TAKER" else 0
        equivalent = rebate = 0
        if fill.role == "MAKER":
            shares, price = from_micro(fill.size_micro), from_micro(fill.price_micro)
            equivalent = to_micro_rounded(fee_equivalent(shares, price, schedule))
            rebate = to_micro_rounded(maker_rebate_upper_bound(shares, price, schedule))
        return FillOp(fill.asset_id, fill.side, fill.price_micro, fill.size_micro, fee, equivalent, rebate,
                      fill.status)  # fmt: skip


def _schedule(record: MarketRecord) -> FeeSchedule:
    if not record.fees_enabled:
        return NO_FEES
    if record.fee_schedule is None:
        return CRYPTO_FEES_V2
    fs = record.fee_schedule
    return FeeSchedule(rate=Decimal(fs.rate_ppm) / 1_000_000, exponent=fs.exponent, taker_only=fs.taker_only,
                       rebate_rate=Decimal(fs.rebate_rate_ppm) / 1_000_000)  # fmt: skip
