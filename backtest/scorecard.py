"""The market maker's scorecard of one run: per window and in total, where the PnL came from.

Every fill of ours is split against the outcome's mid when it filled (m₀), its mid h seconds later
(past the window's end: the settlement value, 1 or 0) and the settlement value S:

- spread captured: (m₀ − price) × size for a BUY (a taker's is negative: it paid the spread);
- markout at h: (m_h − m₀) × size, the adverse selection when negative (h = 1, 5, 30, 60 s);
- markout to settlement: (S − m₀) × size.

So a window's PnL = spread + markout to settlement − taker fees + rebate + rewards, exactly (merged
full sets are worth the $1 a settled pair pays). Inventory PnL at resolution is the part of it
that the shares still held at the end made (their value at S minus their cost). Windows the
recording does not cover to their end, or whose winner is unknown, are shown but not totalled.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from backtest.market import MarketSim
from backtest.types import FillRecord, Run
from common.money import MICRO_PER_UNIT as MICRO

#: Markout horizons, seconds.
HORIZONS_S = (1, 5, 30, 60)


@dataclass(slots=True)
class Score:
    """Sums over some fills and windows, micro-units (``*_num`` carry micro² until divided)."""

    windows: int = 0
    seconds: int = 0
    two_sided_s: int = 0
    in_band_s: int = 0
    placed_micro: int = 0
    maker_filled_micro: int = 0
    fills: int = 0
    shares_micro: int = 0
    spread_num: int = 0
    markout_num: list[int] = field(default_factory=lambda: [0] * len(HORIZONS_S))
    settle_num: int = 0
    fees_micro: int = 0
    rebate_micro: int = 0
    reward_micro: int = 0
    inventory_pnl_micro: int = 0
    largest_unpaired_micro: int = 0
    #: Unpaired shares still held when the window ended (left to resolution); the largest in a total.
    unpaired_end_micro: int = 0
    capital_used_micro: int = 0
    recycled_micro: int = 0

    @property
    def spread_micro(self) -> int:
        return self.spread_num // MICRO

    @property
    def settle_markout_micro(self) -> int:
        # The rest of Σ (S − price) × size, so that the parts add up to the PnL exactly.
        return (self.spread_num + self.settle_num) // MICRO - self.spread_micro

    def markout_micro(self, i: int) -> int:
        return self.markout_num[i] // MICRO

    @property
    def pnl_micro(self) -> int:
        return self.spread_micro + self.settle_markout_micro - self.fees_micro + self.rebate_micro + self.reward_micro

    @property
    def fill_rate_ppm(self) -> int:
        return self.maker_filled_micro * 1_000_000 // self.placed_micro if self.placed_micro else 0

    @property
    def uptime_ppm(self) -> int:
        return self.two_sided_s * 1_000_000 // self.seconds if self.seconds else 0

    @property
    def in_band_ppm(self) -> int:
        return self.in_band_s * 1_000_000 // self.seconds if self.seconds else 0

    def add(self, other: Score) -> None:
        for name in ("windows", "seconds", "two_sided_s", "in_band_s", "placed_micro", "maker_filled_micro", "fills",
                     "shares_micro", "spread_num", "settle_num", "fees_micro", "rebate_micro", "reward_micro",
                     "inventory_pnl_micro", "recycled_micro"):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.markout_num = [a + b for a, b in zip(self.markout_num, other.markout_num, strict=True)]
        self.largest_unpaired_micro = max(self.largest_unpaired_micro, other.largest_unpaired_micro)
        self.unpaired_end_micro = max(self.unpaired_end_micro, other.unpaired_end_micro)
        self.capital_used_micro = max(self.capital_used_micro, other.capital_used_micro)


@dataclass(frozen=True, slots=True)
class Markout:
    """One fill's figures (micro-pUSD per share for the markouts)."""

    fill: FillRecord
    spread_per_share: int
    markouts_per_share: tuple[int, ...]
    settle_per_share: int


def settle_value(m: MarketSim, outcome: str) -> int:
    return MICRO if m.settlement.winner == outcome else 0


def outcome_mid(m: MarketSim, outcome: str, at_ms: int) -> int:
    """The outcome's mid at ``at_ms``; past the window's end, its settlement value."""
    if at_ms >= m.end_ms:
        return settle_value(m, outcome)
    up = m.mid_at(at_ms)
    if up is None:
        return settle_value(m, outcome)
    return up if outcome == "UP" else MICRO - up


def markouts(m: MarketSim, fills: list[FillRecord]) -> list[Markout]:
    out = []
    for f in fills:
        sign = 1 if f.side == "BUY" else -1
        m0 = f.mid_micro if f.mid_micro is not None else f.price_micro
        later = tuple(sign * (outcome_mid(m, f.outcome, f.at_ms + h * 1000) - m0) for h in HORIZONS_S)
        out.append(Markout(f, sign * (m0 - f.price_micro), later, sign * (settle_value(m, f.outcome) - m0)))
    return out


def window_score(m: MarketSim, fills: list[FillRecord]) -> Score:
    s = Score(windows=1, seconds=m.stats.seconds, two_sided_s=m.stats.two_sided_s, in_band_s=m.stats.in_band_s,
              placed_micro=m.stats.placed_micro, rebate_micro=m.rebate_micro, reward_micro=m.reward_micro,
              inventory_pnl_micro=m.inventory_pnl_micro, largest_unpaired_micro=m.book.largest_unpaired_micro,
              unpaired_end_micro=m.book.unpaired_micro,
              capital_used_micro=m.capital_used_micro,
              recycled_micro=m.book.merged_sets_micro + m.book.redeemed_micro)  # fmt: skip
    for mk in markouts(m, fills):
        f = mk.fill
        s.fills += 1
        s.shares_micro += f.size_micro
        s.maker_filled_micro += f.size_micro if f.maker else 0
        s.fees_micro += f.fee_micro
        s.spread_num += mk.spread_per_share * f.size_micro
        s.settle_num += mk.settle_per_share * f.size_micro
        s.markout_num = [a + b * f.size_micro for a, b in zip(s.markout_num, mk.markouts_per_share, strict=True)]
    return s


@dataclass(slots=True)
class Card:
    strategy: str
    rows: list[tuple[MarketSim, Score]]
    total: Score
    markouts: list[Markout]


def scorecard(run: Run) -> Card:
    total = Score()
    rows = []
    all_markouts: list[Markout] = []
    for m in run.markets:
        if m.stats.seconds == 0 and not m.orders:
            continue
        fills = [f for f in run.fills if f.slug == m.record.slug]
        score = window_score(m, fills)
        rows.append((m, score))
        if not m.unsettled:
            total.add(score)
            all_markouts += markouts(m, fills)
    total.capital_used_micro = run.capital_used_micro
    return Card(run.strategy, rows, total, all_markouts)
