"""A scaled stage decides only for the series it owns: the alpha signals them, the quoter quotes
them; one instance (no leases) owns every series, as before."""

from __future__ import annotations

import fakeredis.aioredis

from common.bus.writer import Writer
from common.clock import ManualClock
from common.config import load_settings
from common.logs import get_logger
from common.runner.spec import Context
from common.schemas.market import MarketRecord, Settlement
from workers.alpha import worker as alpha

NOW_MS = 1_786_000_200_000
SERIES = ("btc-updown-15m", "btc-updown-5m")


class Holding:
    """Leases that hold the given series (what ``SeriesLeases.holds`` answers)."""

    def __init__(self, *series: str) -> None:
        self.series = set(series)

    def holds(self, series: str) -> bool:
        return series in self.series


def window(key: str, length_ms: int) -> MarketRecord:
    start = NOW_MS // length_ms * length_ms
    return MarketRecord(
        series=key, slug=f"{key}-{start // 1000}", gamma_id=key, condition_id=f"0x{len(key)}", outcomes=("Up", "Down"),
        token_ids=(f"{key}-up", f"{key}-down"), protocol_version="v1", window_start_ms=start,
        window_end_ms=start + length_ms, tick_size_micro=10_000, min_size_micro=5_000_000, fees_enabled=False,
        rewards_min_size_micro=0, rewards_max_spread_micro=0, neg_risk=False, settlement=Settlement(kind="spot"),
        strike_e18=63_000 * 10**18, active=True, closed=False, accepting_orders=True,
    )  # fmt: skip


async def alpha_on(leases: Holding | None) -> Context:
    settings = load_settings(env={"UPDOWN_SERIES": '["btc-15m", "btc-5m"]'})
    redis = fakeredis.aioredis.FakeRedis()
    clock = ManualClock(NOW_MS)
    ctx = Context(name="alpha", instance="alpha-0", settings=settings, redis=redis, log=get_logger("alpha"),
                  writer=Writer(redis, "alpha", settings.bus, clock), clock=clock)  # fmt: skip
    ctx.leases = leases  # type: ignore[assignment]
    await alpha.setup(ctx)
    alpha.on_record(ctx.resources["series"], window(SERIES[0], 900_000))
    alpha.on_record(ctx.resources["series"], window(SERIES[1], 300_000))
    return ctx


async def test_a_scaled_alpha_signals_only_the_series_it_owns() -> None:
    ctx = await alpha_on(Holding(SERIES[0]))

    assert alpha.signal_for(ctx, SERIES[0], NOW_MS) is not None
    assert alpha.signal_for(ctx, SERIES[1], NOW_MS) is None
    await ctx.redis.aclose()


async def test_one_alpha_signals_every_series() -> None:
    ctx = await alpha_on(None)

    assert all(alpha.signal_for(ctx, key, NOW_MS) is not None for key in SERIES)
    await ctx.redis.aclose()
