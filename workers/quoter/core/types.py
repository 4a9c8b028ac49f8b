"""The quoter core's own input types; the loop adapts bus messages and hashes into them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from common.fees import CRYPTO_FEES_V2, FeeSchedule
from common.schemas.signal import Signal


class Outcome(StrEnum):
    UP = "UP"
    DOWN = "DOWN"

    @property
    def other(self) -> Outcome:
        return Outcome.DOWN if self is Outcome.UP else Outcome.UP


class TradingMode(StrEnum):
    """From control: ACTIVE quotes, REDUCE_ONLY only shrinks the position, FLATTENING closes it
    (sells what is unpaired, or completes it when that pays more), HALTED wants nothing."""

    ACTIVE = "ACTIVE"
    REDUCE_ONLY = "REDUCE_ONLY"
    FLATTENING = "FLATTENING"
    HALTED = "HALTED"

    @property
    def reducing(self) -> bool:
        """Only orders that shrink the position (what the executor knows as REDUCE_ONLY)."""
        return self is TradingMode.REDUCE_ONLY or self is TradingMode.FLATTENING


@dataclass(frozen=True, slots=True)
class MarketMeta:
    """One window's market: tokens, grid, minimum sizes, rewards and fees."""

    series: str
    slug: str
    condition_id: str
    up_token_id: str
    down_token_id: str
    tick_micro: int
    window_end_ms: int
    min_size_micro: int = 5_000_000
    #: A Protocol V2 market (Gamma ``version: "v2"``): its orders are signed for ExchangeV3.
    protocol_v2: bool = False
    rewards_enabled: bool = False
    reward_min_size_micro: int = 0
    #: The reward band: the most an order may sit from the adjusted midpoint and still score.
    reward_max_spread_micro: int = 0
    fee: FeeSchedule = CRYPTO_FEES_V2

    def token(self, outcome: Outcome) -> str:
        return self.up_token_id if outcome is Outcome.UP else self.down_token_id


@dataclass(frozen=True, slots=True)
class BookTop:
    """Best bid and ask of one outcome's book (None when that side is empty)."""

    bid_micro: int | None = None
    ask_micro: int | None = None
    bid_size_micro: int = 0
    ask_size_micro: int = 0

    @property
    def mid_micro(self) -> int | None:
        if self.bid_micro is None or self.ask_micro is None:
            return None
        return (self.bid_micro + self.ask_micro) // 2


@dataclass(frozen=True, slots=True)
class Books:
    up: BookTop
    down: BookTop

    def of(self, outcome: Outcome) -> BookTop:
        return self.up if outcome is Outcome.UP else self.down


@dataclass(frozen=True, slots=True)
class Positions:
    """Shares held in this window per outcome, their cost, and what the limits need beyond it."""

    up_micro: int = 0
    down_micro: int = 0
    up_cost_micro: int = 0
    down_cost_micro: int = 0
    #: Cost of positions held in other windows (for the total limit).
    other_windows_cost_micro: int = 0
    #: Today's realized plus unrealized PnL.
    daily_pnl_micro: int = 0
    #: This window's PnL realized so far (merged full sets and sales against their cost), net of fees.
    window_realized_micro: int = 0

    def held(self, outcome: Outcome) -> int:
        return self.up_micro if outcome is Outcome.UP else self.down_micro

    def avg_cost_micro(self, outcome: Outcome) -> int:
        held = self.held(outcome)
        cost = self.up_cost_micro if outcome is Outcome.UP else self.down_cost_micro
        return -(-cost * 1_000_000 // held) if held else 0

    @property
    def worst_window_pnl_micro(self) -> int:
        """This window's PnL if every unpaired share loses at resolution (full sets pay $1)."""
        paired = min(self.up_micro, self.down_micro)
        return self.window_realized_micro + paired - self.up_cost_micro - self.down_cost_micro

    @property
    def excess_up_micro(self) -> int:
        """Unpaired Up shares (negative: unpaired Down)."""
        return self.up_micro - self.down_micro


@dataclass(frozen=True, slots=True)
class RewardHint:
    """From the rewards worker: what would make our best order on ``outcome`` score."""

    outcome: Outcome
    min_size_micro: int
    max_spread_micro: int
    midpoint_micro: int


@dataclass(frozen=True, slots=True)
class QuoterInputs:
    """Everything one decision depends on; the intent id is a hash of it."""

    now_ms: int
    signal: Signal
    market: MarketMeta
    books: Books
    positions: Positions
    mode: TradingMode = TradingMode.ACTIVE
    hints: tuple[RewardHint, ...] = ()
    #: Why the positions cannot be trusted now (the ledger down, or behind the fills); empty when
    #: they can. Untrusted holdings are unknown: nothing is bought, whatever the mode.
    positions_stale: str = ""
