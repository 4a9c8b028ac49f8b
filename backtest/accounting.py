"""One window's book-keeping for one strategy: shares, cost, cash, fees, merges, rebate, settlement.

Exact money throughout: micro-units as integers, the fee curve in ``Decimal`` (``common.fees``),
shares of a pool as ``Fraction``, rounded down to a micro-unit only when reported.

- A fill's notional is price × size; a taker pays the venue's rounded fee on top (reference §7.1),
  a maker pays nothing and earns its fee equivalent.
- Full sets (one Up and one Down) are merged back into $1 of collateral as soon as both are held,
  each outcome's cost reduced at its average.
- The maker rebate is the venue's formula (reference §7.2), per market:
  ``rebate = our fee equivalent / all makers' fee equivalent × rebate_rate × all taker fees``,
  where "all" is every recorded print of the window plus our own fills.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from backtest.frame import OutcomeName
from common.fees import FeeSchedule, fee_equivalent, taker_fee
from common.money import MICRO_PER_UNIT as MICRO
from common.money import from_micro, to_micro_rounded


def notional_micro(price_micro: int, size_micro: int) -> int:
    """price × size in micro-pUSD (exact on the venue's grids; half-even below a micro-unit)."""
    return (price_micro * size_micro + MICRO // 2) // MICRO


@dataclass(slots=True)
class WindowBook:
    """Our holdings and money in one window."""

    fee: FeeSchedule
    shares: dict[OutcomeName, int] = field(default_factory=lambda: {"UP": 0, "DOWN": 0})
    cost: dict[OutcomeName, int] = field(default_factory=lambda: {"UP": 0, "DOWN": 0})
    #: Every flow of pUSD: paid for fills (negative), fees (negative), merges and redemption (positive).
    cash_micro: int = 0
    taker_fees_micro: int = 0
    merged_sets_micro: int = 0
    #: Our maker fills' fee equivalent, and every print's (ours included) for the rebate's shares.
    our_fee_equivalent: Decimal = Decimal(0)
    public_fee_equivalent: Decimal = Decimal(0)
    public_taker_fees: Decimal = Decimal(0)
    largest_unpaired_micro: int = 0
    settled_winner: OutcomeName | None = None
    redeemed_micro: int = 0

    def fill(self, outcome: OutcomeName, side: str, price_micro: int, size_micro: int, maker: bool) -> int:
        """Book one of our fills; returns the taker fee paid (0 for a maker)."""
        money = notional_micro(price_micro, size_micro)
        fee = 0
        if maker:
            self.our_fee_equivalent += fee_equivalent(from_micro(size_micro), from_micro(price_micro), self.fee)
        else:
            fee_decimal = taker_fee(from_micro(size_micro), from_micro(price_micro), self.fee)
            fee = to_micro_rounded(fee_decimal)
            self.public_taker_fees += fee_decimal
            self.public_fee_equivalent += fee_equivalent(from_micro(size_micro), from_micro(price_micro), self.fee)
            self.taker_fees_micro += fee
        if side == "BUY":
            self.shares[outcome] += size_micro
            self.cost[outcome] += money
            self.cash_micro -= money + fee
        else:
            held = self.shares[outcome]
            self.cost[outcome] -= self.cost[outcome] * min(size_micro, held) // held if held else 0
            self.shares[outcome] -= size_micro
            self.cash_micro += money - fee
        self._merge()
        self.largest_unpaired_micro = max(self.largest_unpaired_micro, self.unpaired_micro)
        return fee

    def public_print(self, price_micro: int, size_micro: int) -> None:
        """A recorded print: its taker's fee funds the pool, its makers' fee equivalent shares it."""
        shares, price = from_micro(size_micro), from_micro(price_micro)
        self.public_fee_equivalent += fee_equivalent(shares, price, self.fee)
        self.public_taker_fees += taker_fee(shares, price, self.fee)

    def extra_maker_volume(self, price_micro: int, size_micro: int) -> None:
        """A maker fill of ours that no recorded print shows (a crossing order met us): it adds to
        all makers' fee equivalent."""
        self.public_fee_equivalent += fee_equivalent(from_micro(size_micro), from_micro(price_micro), self.fee)

    @property
    def unpaired_micro(self) -> int:
        return abs(self.shares["UP"] - self.shares["DOWN"])

    def _merge(self) -> None:
        sets = min(self.shares["UP"], self.shares["DOWN"])
        if sets <= 0:
            return
        outcome: OutcomeName
        for outcome in ("UP", "DOWN"):
            self.cost[outcome] -= self.cost[outcome] * sets // self.shares[outcome]
            self.shares[outcome] -= sets
        self.cash_micro += sets  # one set is worth $1: micro-shares of sets are micro-pUSD
        self.merged_sets_micro += sets

    def rebate_micro(self) -> int:
        """Our share of the window's maker rebate pool (reference §7.2), rounded down."""
        if self.our_fee_equivalent <= 0 or self.public_fee_equivalent <= 0:
            return 0
        share = Fraction(self.our_fee_equivalent) / Fraction(self.public_fee_equivalent)
        pool = Fraction(self.fee.rebate_rate) * Fraction(self.public_taker_fees)
        return int(share * pool * MICRO)

    def settle(self, winner: OutcomeName) -> None:
        """Redeem the winner at $1 a share; the loser is worth nothing."""
        self.settled_winner = winner
        self.redeemed_micro = self.shares[winner]
        self.cash_micro += self.redeemed_micro
