"""Liquidity rewards in a backtest: the venue's formula (reference §7.4) on each sampled second.

The venue samples each market once a minute at random; the expected share over a window is the
time average of the share, so the backtest samples every second instead (deterministic, and a
60-second window still gets 60 samples). Each sample scores our resting orders against the book
the venue would show (the recorded others' book with ours added) with the rewards worker's own
scoring (``workers.rewards.core.scoring``). The pool is not in a recording: ``--set
rewards_pool_daily_usd=...`` (0 by default: the time inside the band is still reported).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workers.rewards.core.scoring import score_market
from workers.rewards.core.types import LiveOrder, RewardConfig, UnifiedBook

if TYPE_CHECKING:
    from backtest.market import MarketSim


def sample_rewards(m: MarketSim, pool_daily_micro: int) -> None:
    config = RewardConfig(m.record.rewards_max_spread_micro, m.record.rewards_min_size_micro, pool_daily_micro)
    if not config.enabled or all(o.remaining_micro < config.min_size_micro for o in m.venue.resting.values()):
        return  # no order of ours can score: the sample's share is 0 (the formula's, without evaluating it)
    bids, asks = dict(m.venue.bids), dict(m.venue.asks)
    ours = []
    for order in sorted(m.venue.resting.values(), key=lambda o: o.request.order_id):
        levels = bids if order.frame.bid else asks
        levels[order.frame.price_micro] = levels.get(order.frame.price_micro, 0) + order.remaining_micro
        r = order.request
        ours.append(LiveOrder(r.order_id, r.outcome, r.side, r.price_micro, order.remaining_micro))
    book = UnifiedBook(bids=tuple(sorted(bids.items())), asks=tuple(sorted(asks.items())))
    score = score_market(book, ours, config)
    if any(s.scoring for s in score.orders):
        m.stats.in_band_s += 1
    m.stats.reward_share_s += float(score.share)
