"""What the merger does next, decided from the ledger's positions and the windows' lifecycle (pure).

- **Merge** during a window (until it resolves): the ledger's confirmed full sets (min of confirmed
  Up and Down), once they reach ``min_merge_micro``, at most ``max_merge_micro`` per transaction
  and one merge per market every ``merge_interval_ms``, never again before the ledger has published
  a position newer than our last merge. The chain gateway caps every merge by what the chain
  holds, so even a stale position can never merge more than exists.
- **Redeem** once a window resolved: retried every ``redeem_retry_ms`` while the chain still shows
  tokens (trades confirmed after resolution, an oracle report not yet on chain), until nothing is
  left or ``redeem_give_up_ms`` after resolution.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from common.schemas.inventory import InventoryAction
from common.schemas.positions import MarketPosition

#: Fewest full sets worth a merge transaction (5 sets: one minimum order of each outcome).
DEFAULT_MIN_MERGE_MICRO = 5_000_000
#: Most full sets merged by one transaction (a larger holding is merged over several).
DEFAULT_MAX_MERGE_MICRO = 10_000_000_000
#: Least time between two merges of one market.
DEFAULT_MERGE_INTERVAL_MS = 2_000
#: Pause between redeem attempts of one resolved market.
DEFAULT_REDEEM_RETRY_MS = 5_000
#: A resolved market still holding tokens this long after resolution is given up (and logged).
DEFAULT_REDEEM_GIVE_UP_MS = 900_000


@dataclass(frozen=True)
class MergerConfig:
    min_merge_micro: int = DEFAULT_MIN_MERGE_MICRO
    max_merge_micro: int = DEFAULT_MAX_MERGE_MICRO
    merge_interval_ms: int = DEFAULT_MERGE_INTERVAL_MS
    redeem_retry_ms: int = DEFAULT_REDEEM_RETRY_MS
    redeem_give_up_ms: int = DEFAULT_REDEEM_GIVE_UP_MS


@dataclass(frozen=True)
class Action:
    kind: Literal["merge", "redeem"]
    market: str
    slug: str
    #: merge: full sets to merge (redeem: 0, it redeems whatever is held).
    amount_micro: int = 0


@dataclass
class MarketTrack:
    slug: str = ""
    resolved_ms: int | None = None
    last_merge_ms: int | None = None
    last_redeem_ms: int | None = None
    done: bool = False


@dataclass
class MergerCore:
    """Per-market state of the merger; feed it lifecycle and positions, ask it what to do."""

    config: MergerConfig = field(default_factory=MergerConfig)
    markets: dict[str, MarketTrack] = field(default_factory=dict)

    def track(self, market: str, slug: str = "") -> MarketTrack:
        entry = self.markets.setdefault(market, MarketTrack())
        entry.slug = entry.slug or slug
        return entry

    def on_resolved(self, market: str, slug: str, at_ms: int) -> None:
        entry = self.track(market, slug)
        if entry.resolved_ms is None:
            entry.resolved_ms = at_ms

    def next_actions(self, positions: dict[str, MarketPosition], now_ms: int) -> list[Action]:
        """At most one action per market, redeems first (they free a whole window's capital)."""
        cfg = self.config
        redeems: list[Action] = []
        merges: list[Action] = []
        for market, position in positions.items():
            if position.resolved_winner is not None:
                self.on_resolved(market, position.slug, position.at_ms)
            entry = self.track(market, position.slug)
            if entry.done:
                continue
            if entry.resolved_ms is not None:
                if now_ms - entry.resolved_ms > cfg.redeem_give_up_ms:
                    entry.done = True
                elif held(position) and _due(entry.last_redeem_ms, cfg.redeem_retry_ms, now_ms):
                    redeems.append(Action("redeem", market, entry.slug))
                continue
            if entry.last_merge_ms is not None and position.at_ms <= entry.last_merge_ms:
                continue  # the ledger has not booked our last merge yet: its full sets are stale
            sets = min(position.mergeable_full_sets_micro, cfg.max_merge_micro)
            if sets >= cfg.min_merge_micro and _due(entry.last_merge_ms, cfg.merge_interval_ms, now_ms):
                merges.append(Action("merge", market, entry.slug, sets))
        return redeems + merges

    def merged(self, market: str, now_ms: int) -> None:
        self.track(market).last_merge_ms = now_ms

    def redeemed(self, market: str, now_ms: int, tokens_left: bool) -> None:
        entry = self.track(market)
        entry.last_redeem_ms = now_ms
        entry.done = not tokens_left


def held(position: MarketPosition) -> bool:
    return any(o.shares_micro > 0 for o in position.outcomes)


def _due(last_ms: int | None, interval_ms: int, now_ms: int) -> bool:
    return last_ms is None or now_ms - last_ms >= interval_ms


def merge_action(market: str, slug: str, op_id: str, sets_micro: int, tx_hash: str | None,
                 now_ms: int) -> InventoryAction:
    """A confirmed merge: ``sets_micro`` of each outcome burned, as much collateral returned."""
    return InventoryAction(kind="merge", market=market, slug=slug, op_id=op_id, sets_micro=sets_micro,
                           collateral_micro=sets_micro, burned_up_micro=sets_micro, burned_down_micro=sets_micro,
                           tx_hash=tx_hash or "", confirmed_ms=now_ms)


def redeem_action(market: str, slug: str, redeemed_total_micro: int, collateral_micro: int,
                  burned: tuple[int, int], tx_hash: str | None, now_ms: int) -> InventoryAction:
    """A confirmed redeem; its op id names the condition's running total, so a later redeem of
    tokens that arrived after the first one is a new action, and a replay of either is not."""
    return InventoryAction(kind="redeem", market=market, slug=slug,
                           op_id=f"redeem:{market}:{redeemed_total_micro}", collateral_micro=collateral_micro,
                           burned_up_micro=burned[0], burned_down_micro=burned[1], tx_hash=tx_hash or "",
                           confirmed_ms=now_ms)
