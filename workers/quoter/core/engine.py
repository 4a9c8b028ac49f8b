"""The quoter core: from a signal, positions, the market, book tops and hints, the desired state.

The order of work is the order of priority: limits that block everything; a completion that pairs
an unpaired holding; a complete set when both asks sum below $1 after fees; then the maker ladder,
level by level and outcome by outcome, while the position and exposure room lasts.
"""

from __future__ import annotations

import hashlib
from typing import Literal, NamedTuple

from common.money import MICRO_PER_UNIT
from common.schemas.intent import DesiredOrder, Intent, OutcomeName, TakerOrder
from common.strategy.quoter import HalfSpreadSource, QuoterConfig
from common.ticks import TickGrid
from workers.quoter.core.churn import churn_tolerance, config_digest, intent_id
from workers.quoter.core.completion import complete_set_orders, completion_order
from workers.quoter.core.endgame import NOT_ENDGAME, endgame_plan
from workers.quoter.core.flatten import flatten_plan
from workers.quoter.core.ladder import ladder_prices, post_only_limit_micro
from workers.quoter.core.limits import Budget, blocked_reason, maker_blocked_reason
from workers.quoter.core.pickoff import pickoff_half_spread_micro
from workers.quoter.core.skew import inventory_skew
from workers.quoter.core.types import MarketMeta, Outcome, QuoterInputs, RewardHint, TradingMode

OUTCOMES = (Outcome.UP, Outcome.DOWN)
#: A desired order before it becomes a message body: (outcome, token id, price, size, level).
OrderKey = tuple[OutcomeName, str, int, int, int]
#: The modes an intent carries (the executor's).
IntentMode = Literal["ACTIVE", "REDUCE_ONLY", "HALTED"]
#: Order bodies kept for reuse (frozen, so sharing them is safe); the cache is cleared beyond this.
ORDER_CACHE_SIZE = 4_096


class Side(NamedTuple):
    """One outcome's ladder while it is built: prices by level (edited by the reward band) and sizes
    by level (shared with the memo: never edited)."""

    outcome: Outcome
    prices: list[int]
    sizes: list[int]
    #: 1 when level 0 is pulled (the long side under skew).
    first_level: int
    limit_micro: int
    fallback_micro: int


class QuoterCore:
    """Pure and deterministic: ``decide`` depends on its inputs and the configuration only."""

    def __init__(self, config: QuoterConfig | None = None) -> None:
        self.config = config or QuoterConfig()
        self._config_hash = config_digest(self.config)
        self._churn = churn_tolerance(self.config)
        self._market: MarketMeta | None = None
        self._last_keys: list[OrderKey] = []
        self._last_orders: tuple[DesiredOrder, ...] = ()
        self._order_cache: dict[OrderKey, DesiredOrder] = {}
        self._market_repr = ""
        self._sizes_by_factor: dict[int, list[int]] = {}
        c = self.config
        #: Size of each level before the regime, endgame and skew factors.
        self._level_sizes = [
            c.base_size_micro * c.level_size_ppm[min(i, len(c.level_size_ppm) - 1)] // MICRO_PER_UNIT
            for i in range(c.levels)
        ]

    def decide(self, inputs: QuoterInputs) -> Intent:
        c, market = self.config, inputs.market
        grid = TickGrid(market.tick_micro)
        budget = Budget(inputs.positions, inputs.mode, c, market.min_size_micro, stale=bool(inputs.positions_stale))
        takers: list[TakerOrder] = []
        orders: list[OrderKey] = []
        sells: tuple[DesiredOrder, ...] = ()
        reason = blocked_reason(inputs, c)
        if reason is None and inputs.mode is TradingMode.FLATTENING:
            sells, flatten_takers, reason = flatten_plan(inputs, grid, budget, c)
            takers.extend(flatten_takers)
        elif reason is None and inputs.positions_stale:
            reason = inputs.positions_stale  # no buy can be known to reduce holdings nobody vouches for
        elif reason is None:
            completion = completion_order(inputs, budget, c)
            if completion is not None:
                takers.append(completion)
            reason = maker_blocked_reason(inputs)
            if reason is None and inputs.mode is TradingMode.ACTIVE:
                takers.extend(complete_set_orders(inputs, budget, c))
            if reason is None:
                orders, reason = self._ladder(inputs, grid, budget)
        signal = inputs.signal
        # Quotes priced from the signal live no longer than it; an empty intent (cancel everything)
        # must never be born stale, or the executor would drop it and leave the orders on the book.
        valid_until_ms = inputs.now_ms + c.intent_ttl_ms
        if orders:
            valid_until_ms = min(valid_until_ms, signal.valid_until_ms, market.window_end_ms)
        elif sells:  # priced from the book, not the signal
            valid_until_ms = min(valid_until_ms, market.window_end_ms)
        if inputs.market is not self._market:
            self._market = inputs.market
            self._market_repr = hashlib.blake2b(repr(inputs.market).encode(), digest_size=16).hexdigest()
        return Intent(
            intent_id=intent_id(inputs, self._config_hash, self._market_repr),
            series=market.series,
            slug=market.slug,
            condition_id=market.condition_id,
            tick_micro=market.tick_micro,
            protocol_v2=market.protocol_v2,
            created_ms=inputs.now_ms,
            valid_until_ms=valid_until_ms,
            mode=intent_mode(inputs),
            regime=signal.regime,
            reason=reason,
            target_total_micro=signal.target_total_micro,
            orders=sells or self._orders(orders),
            takers=tuple(takers),
            churn=self._churn,
        )

    def _orders(self, keys: list[OrderKey]) -> tuple[DesiredOrder, ...]:
        """The order bodies; each is built once and reused while the ladder revisits its price and size."""
        if keys == self._last_keys:
            return self._last_orders
        cache = self._order_cache
        if len(cache) > ORDER_CACHE_SIZE:
            cache.clear()
        orders = []
        for key in keys:
            order = cache.get(key)
            if order is None:
                o, token, price, size, level = key
                order = DesiredOrder(outcome=o, token_id=token, price_micro=price, size_micro=size, level=level)
                cache[key] = order
            orders.append(order)
        self._last_keys, self._last_orders = keys, tuple(orders)
        return self._last_orders

    def _sizes(self, factor_ppm3: int) -> list[int]:
        """Every level's size times three ppm factors, rounded down to the size quantum (memoised:
        the factors change only with the regime, the endgame and the inventory)."""
        sizes = self._sizes_by_factor.get(factor_ppm3)
        if sizes is None:
            if len(self._sizes_by_factor) > ORDER_CACHE_SIZE:
                self._sizes_by_factor.clear()
            quantum = self.config.size_quantum_micro
            sizes = [s * factor_ppm3 // MICRO_PER_UNIT**3 for s in self._level_sizes]
            sizes = [s - s % quantum for s in sizes]
            self._sizes_by_factor[factor_ppm3] = sizes
        return sizes

    def _ladder(self, inputs: QuoterInputs, grid: TickGrid, budget: Budget) -> tuple[list[OrderKey], str]:
        c, signal = self.config, inputs.signal
        plan = endgame_plan(signal, c)
        if not plan.sides:
            return [], plan.reason
        skews = inventory_skew(inputs.positions, c, signal.q_up_ppm)
        total = signal.target_total_micro
        base_half = -(-(MICRO_PER_UNIT - total) // 2)
        if c.half_spread_source == HalfSpreadSource.MEASURED and c.measured_half_spread_micro:
            base_half = measured_half_spread(c, signal.window_end_ms - inputs.now_ms)
            total = MICRO_PER_UNIT - 2 * base_half  # the combined cap follows the measured spread
        pickoff = pickoff_half_spread_micro(signal, c.pickoff_horizon_ms)
        if pickoff > base_half:  # the fair value moves further than the target's floor allows for
            base_half, total = pickoff, MICRO_PER_UNIT - 2 * pickoff
        half = base_half + plan.extra_half_spread_micro
        q_up = min(MICRO_PER_UNIT, max(0, signal.q_up_ppm))
        # A fast lead move the oracle has not shown yet: our bids on the outcome it hurts get picked
        # off first (a BUY Down at p is a SELL Up at 1 − p), so they step back further.
        at_risk = Outcome.DOWN if signal.fast_move > 0 else Outcome.UP if signal.fast_move < 0 else None
        sides: list[Side] = []
        for o, fair in ((Outcome.UP, q_up), (Outcome.DOWN, MICRO_PER_UNIT - q_up)):
            skew = skews[o]
            limit = post_only_limit_micro(o, inputs.books, grid)
            if o not in plan.sides or skew.stop or limit is None:
                continue
            fallback = skew.fallback_micro + (c.fast_move_fallback_micro if o is at_risk else 0)
            fallback = max(fallback, -half)  # a raise never bids above the fair value
            prices = ladder_prices(fair - half - fallback, limit, grid, c.levels, c.level_step_micro)
            factor = signal.size_factor_ppm * plan.size_ppm * skew.size_ppm
            sizes = self._sizes(factor)
            sides.append(Side(o, prices, sizes, 1 if skew.drop_level0 else 0, limit, fallback))
        reward_sizes = self._follow_rewards(inputs, grid, sides, total, plan is NOT_ENDGAME)
        # Level by level, alternating outcomes, so that both sides share the room fairly.
        rungs = [
            (side.outcome, level, side.prices[level], side.sizes[level])
            for level in range(c.levels)
            for side in sides
            if side.first_level <= level < len(side.prices)
        ]
        names: dict[Outcome, tuple[OutcomeName, str]] = {
            Outcome.UP: ("UP", inputs.market.up_token_id),
            Outcome.DOWN: ("DOWN", inputs.market.down_token_id),
        }
        desired: list[OrderKey] = [
            (*names[outcome], price, size, level)
            for outcome, level, price, size in budget.allocate(rungs, reward_sizes)
        ]
        if not desired and budget.loss_limited:
            return desired, "window_loss_limit"
        return desired, plan.reason or ("quoting" if desired else "no_room")

    def _follow_rewards(
        self, inputs: QuoterInputs, grid: TickGrid, sides: list[Side], total: int, calm: bool
    ) -> dict[Outcome, int]:
        """Move level 0 into the reward band where the cap and the post-only limit allow; return the
        reward minimum size per outcome (granted later only if the whole of it fits the limits)."""
        c, market = self.config, inputs.market
        if not (c.follow_rewards and calm and inputs.mode is TradingMode.ACTIVE and inputs.signal.regime == "NORMAL"):
            return {}
        if not inputs.hints and not (market.rewards_enabled and market.reward_min_size_micro):
            return {}
        sizes: dict[Outcome, int] = {}
        for side in sides:
            o = side.outcome
            if side.first_level != 0 or not side.prices or side.fallback_micro:
                continue
            hint = _hint_for(inputs.hints, o)
            if hint is None and market.rewards_enabled and market.reward_min_size_micro:
                mid = inputs.books.of(o).mid_micro
                hint = RewardHint(o, market.reward_min_size_micro, market.reward_max_spread_micro, mid or 0)
            if hint is None:
                continue
            sizes[o] = hint.min_size_micro
            band_low = hint.midpoint_micro - hint.max_spread_micro
            if hint.midpoint_micro and hint.max_spread_micro and side.prices[0] < band_low:
                moved = grid.ceil(band_low)
                # The other outcome's best bid, whichever level it is (its level 0 may be pulled).
                other_top = next(
                    (s.prices[s.first_level] for s in sides if s.outcome is not o and len(s.prices) > s.first_level),
                    0,
                )
                if moved <= side.limit_micro and moved + other_top <= total and grid.on_grid(moved):
                    side.prices[0] = moved
        return sizes


def measured_half_spread(c: QuoterConfig, time_left_ms: int) -> int:
    """The measured table's half-spread for ``time_left_ms`` (its last bucket beyond the last bound)."""
    for bound_s, half in zip(c.measured_time_left_s, c.measured_half_spread_micro, strict=False):
        if time_left_ms <= bound_s * 1000:
            return half
    return c.measured_half_spread_micro[-1]


def intent_mode(inputs: QuoterInputs) -> IntentMode:
    """The mode the executor applies: FLATTENING, or ACTIVE on positions nobody vouches for, is
    REDUCE_ONLY to it."""
    if inputs.mode is TradingMode.HALTED:
        return "HALTED"
    if inputs.mode.reducing or inputs.positions_stale:
        return "REDUCE_ONLY"
    return "ACTIVE"


def _hint_for(hints: tuple[RewardHint, ...], outcome: Outcome) -> RewardHint | None:
    for hint in hints:
        if hint.outcome is outcome:
            return hint
    return None
