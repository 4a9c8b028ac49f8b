"""The venue's liquidity-reward formula (reference §7.4), evaluated exactly.

**Size-cutoff-adjusted midpoint.** The midpoint of the best bid and the best ask of the unified
book after ignoring every price level smaller than the market's ``rewardsMinSize``: dust at the top
of the book cannot drag the midpoint (and so every maker's distance) around. A level is the total
resting at one price (the book does not show individual orders). When one side has no level of
the minimum size there is no adjusted midpoint and nothing scores (the conservative reading).

An order's score is ``S = ((v − s)/v)² · b`` where ``s`` is its distance from that midpoint and
``v`` the reward band; only orders of at least the minimum size with ``s < v`` count (at ``s = v``
the formula gives 0 anyway).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fractions import Fraction

from workers.rewards.core.types import (
    ONE_SIDED_DIVISOR,
    TWO_SIDED_BAND_HIGH_MICRO,
    TWO_SIDED_BAND_LOW_MICRO,
    Level,
    LiveOrder,
    MarketScore,
    OrderScore,
    QSide,
    RewardConfig,
    UnifiedBook,
)

_ZERO = Fraction(0)


def adjusted_midpoint(book: UnifiedBook, min_size_micro: int) -> Fraction | None:
    """The size-cutoff-adjusted midpoint (micro-pUSD, may be a half micro), or None."""
    bids = [p for p, s in book.bids if s >= min_size_micro and s > 0]
    asks = [p for p, s in book.asks if s >= min_size_micro and s > 0]
    if not bids or not asks:
        return None
    return Fraction(max(bids) + min(asks), 2)


def spread_score(distance_micro: Fraction, config: RewardConfig) -> Fraction:
    """``((v − s)/v)² · b``, zero at or beyond the band."""
    v = config.max_spread_micro
    if v <= 0 or distance_micro >= v:
        return _ZERO
    return ((v - distance_micro) / v) ** 2 * Fraction(config.multiplier)


def level_score(price_micro: int, size_micro: int, is_bid: bool, midpoint: Fraction, config: RewardConfig) -> Fraction:
    """S × size (in shares) of resting liquidity at one Up-frame price; zero below the minimum size."""
    if size_micro < config.min_size_micro or size_micro <= 0:
        return _ZERO
    distance = abs(midpoint - price_micro) if is_bid else abs(price_micro - midpoint)
    return spread_score(distance, config) * Fraction(size_micro, 1_000_000)


def score_order(order: LiveOrder, midpoint: Fraction | None, config: RewardConfig) -> OrderScore:
    """One order's estimated score, with the reason it scores zero when it does."""
    frame_side, price = order.up_frame
    side: QSide = "one" if frame_side == "BUY" else "two"
    if not config.enabled:
        return OrderScore(order.order_id, order.outcome, side, None, _ZERO, _ZERO, "rewards_off")
    if midpoint is None:
        return OrderScore(order.order_id, order.outcome, side, None, _ZERO, _ZERO, "no_midpoint")
    distance = abs(midpoint - price)
    s = spread_score(distance, config)
    if order.size_micro < config.min_size_micro:
        return OrderScore(order.order_id, order.outcome, side, distance, s, _ZERO, "below_min_size")
    if s == 0:
        return OrderScore(order.order_id, order.outcome, side, distance, s, _ZERO, "outside_band")
    weighted = s * Fraction(order.size_micro, 1_000_000)
    return OrderScore(order.order_id, order.outcome, side, distance, s, weighted, "")


def q_min(q_one: Fraction, q_two: Fraction, midpoint_micro: Fraction) -> Fraction:
    """The two-sided requirement: one-sided liquidity counts a third inside [0.10, 0.90], not at all outside."""
    if TWO_SIDED_BAND_LOW_MICRO <= midpoint_micro <= TWO_SIDED_BAND_HIGH_MICRO:
        return max(min(q_one, q_two), max(q_one / ONE_SIDED_DIVISOR, q_two / ONE_SIDED_DIVISOR))
    return min(q_one, q_two)


def others_book(book: UnifiedBook, ours: Iterable[LiveOrder]) -> UnifiedBook:
    """The book without our own orders (our size taken off its level, never below zero)."""
    bids: dict[int, int] = {}
    asks: dict[int, int] = {}
    for p, s in book.bids:
        bids[p] = bids.get(p, 0) + s
    for p, s in book.asks:
        asks[p] = asks.get(p, 0) + s
    for order in ours:
        side, price = order.up_frame
        levels = bids if side == "BUY" else asks
        if price in levels:
            levels[price] = max(0, levels[price] - order.size_micro)
    return UnifiedBook(
        bids=tuple((p, s) for p, s in bids.items() if s > 0),
        asks=tuple((p, s) for p, s in asks.items() if s > 0),
    )


def _book_q(levels: Sequence[Level], is_bid: bool, midpoint: Fraction, config: RewardConfig) -> Fraction:
    return sum((level_score(p, s, is_bid, midpoint, config) for p, s in levels), _ZERO)


def score_market(book: UnifiedBook, ours: Sequence[LiveOrder], config: RewardConfig) -> MarketScore:
    """Score our live orders against the book (ours included) and estimate our share of the sample.

    The other makers are estimated from the visible book without our orders, as if they were one
    maker whose every level is one order: the venue sums ``Q_min`` per maker, which the book does
    not reveal, so this is an approximation of the denominator.
    """
    midpoint = adjusted_midpoint(book, config.min_size_micro) if config.enabled else None
    scores = tuple(score_order(o, midpoint, config) for o in ours)
    q_one = sum((s.weighted for s in scores if s.q_side == "one"), _ZERO)
    q_two = sum((s.weighted for s in scores if s.q_side == "two"), _ZERO)
    if midpoint is None:
        return MarketScore(None, scores, q_one, q_two, _ZERO, _ZERO, _ZERO)
    ours_min = q_min(q_one, q_two, midpoint)
    rest = others_book(book, ours)
    others_min = q_min(
        _book_q(rest.bids, True, midpoint, config), _book_q(rest.asks, False, midpoint, config), midpoint
    )
    total = ours_min + others_min
    share = ours_min / total if total > 0 else _ZERO
    return MarketScore(midpoint, scores, q_one, q_two, ours_min, others_min, share)
