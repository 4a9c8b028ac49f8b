"""The market's own mid blended into q_up (``book_blend_weight``), from the core to the worker."""

import math
from dataclasses import replace

from common.bus.envelope import Envelope
from common.schemas.book import BestBidAsk
from common.strategy.alpha import AlphaConfig
from tests.unit.alpha.builders import START_S, WINDOW, fed_core
from tests.unit.scale.test_owned_series import NOW_MS, SERIES, alpha_on
from workers.alpha import worker as alpha
from workers.alpha.core.tails import blend_book

NOW = (START_S + 600) * 1000 + 500


def logit(p: float) -> float:
    return math.log(p / (1 - p))


def test_the_blend_is_a_weighted_mean_in_logit_space_and_off_at_zero():
    assert blend_book(0.3, 0.9, 0.0, 1e-4) == 0.3
    q = blend_book(0.3, 0.9, 0.25, 1e-4)
    assert abs(logit(q) - (0.75 * logit(0.3) + 0.25 * logit(0.9))) < 1e-12
    assert abs(blend_book(0.3, 0.9, 1.0, 1e-4) - 0.9) < 1e-12
    assert 0.0 < blend_book(0.5, 0.0, 0.5, 1e-3) < 0.5  # a mid of 0 is clipped, not infinite


def test_a_fresh_book_pulls_q_up_toward_the_market_mid_both_outcomes_counted():
    config = replace(AlphaConfig(), book_blend_weight=0.5)
    core, _ = fed_core(config=config)
    alone = core.evaluate(NOW, WINDOW).q_up_ppm / 1e6
    core.on_book(WINDOW.slug, True, 940_000, 960_000, NOW)  # Up mid 0.95
    core.on_book(WINDOW.slug, False, 60_000, 80_000, NOW)  # Down mid 0.07: Up 0.93
    assert abs(core.book_up_mid(WINDOW.slug, NOW) - 0.94) < 1e-12
    blended = core.evaluate(NOW, WINDOW).q_up_ppm / 1e6
    assert abs(blended - blend_book(alone, 0.94, 0.5, config.q_clip)) < 2e-6


def test_a_stale_one_sided_or_other_window_book_leaves_q_up_alone():
    config = replace(AlphaConfig(), book_blend_weight=0.5)
    core, _ = fed_core(config=config)
    alone = core.evaluate(NOW, WINDOW).q_up_ppm
    core.on_book(WINDOW.slug, True, 940_000, 960_000, NOW - config.book_stale_ms - 1)
    core.on_book("another-window", True, 940_000, 960_000, NOW)
    assert core.evaluate(NOW, WINDOW).q_up_ppm == alone
    core.on_book(WINDOW.slug, True, 940_000, 960_000, NOW)
    core.on_book(WINDOW.slug, True, None, 960_000, NOW)  # the bids are gone: no mid any more
    assert core.evaluate(NOW, WINDOW).q_up_ppm == alone
    off, _ = fed_core()
    off.on_book(WINDOW.slug, True, 940_000, 960_000, NOW)
    assert off.evaluate(NOW, WINDOW).q_up_ppm == alone


async def test_the_worker_feeds_the_top_of_book_of_its_windows_to_the_core():
    ctx = await alpha_on(None)
    held = ctx.resources["series"][SERIES[1]]
    slug = next(iter(held.windows))
    top = BestBidAsk(market="0x1", asset_id=f"{SERIES[1]}-down", source="venue", best_bid_micro=200_000,
                     best_ask_micro=220_000, venue_ts_ms=NOW_MS, recv_ts_ms=NOW_MS)  # fmt: skip
    await alpha.handle(ctx, Envelope(top, "feed-book", SERIES[1], NOW_MS, NOW_MS, NOW_MS))
    assert abs(held.core.book_up_mid(slug, NOW_MS) - 0.79) < 1e-12
    await ctx.redis.aclose()


def test_a_book_weight_outside_zero_to_one_is_refused_with_its_name():
    import common.config  # noqa: F401  (loads params without the circular import)
    from common.strategy.params import alpha_consistency

    assert any("book_blend_weight" in p for p in alpha_consistency(replace(AlphaConfig(), book_blend_weight=1.5)))
    assert not alpha_consistency(replace(AlphaConfig(), book_blend_weight=1.0))


def test_the_fitted_book_weight_follows_whichever_input_knows_the_outcome():
    import random

    from workers.alpha.calibrate_book import LadderPoint, fit_weight

    rng = random.Random(11)
    truth = [rng.random() for _ in range(2_000)]
    noisy = [min(0.99, max(0.01, t + rng.gauss(0.0, 0.25))) for t in truth]
    outcomes = [int(rng.random() < t) for t in truth]
    mid_knows = [LadderPoint(0, 60, n, t, y) for t, n, y in zip(truth, noisy, outcomes, strict=True)]
    fair_knows = [LadderPoint(0, 60, t, n, y) for t, n, y in zip(truth, noisy, outcomes, strict=True)]
    assert fit_weight(mid_knows) >= 0.8
    assert fit_weight(fair_knows) <= 0.2
