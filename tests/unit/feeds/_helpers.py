"""Shared builders for the feed and discovery tests."""

from __future__ import annotations

from common.schemas.market import MarketRecord, Settlement

#: 2025-12-31T17:00:00Z, the start of the real window ``btc-updown-15m-1767200400`` (reference §1.2).
T_15M = 1_767_200_400


def record_for(slug: str, start_s: int, length_s: int, **changes) -> MarketRecord:
    fields = dict(
        series=slug.rsplit("-", 1)[0],
        slug=slug,
        gamma_id="1",
        condition_id=f"0x{start_s:x}",
        outcomes=("Up", "Down"),
        token_ids=("11", "22"),
        protocol_version="v1",
        window_start_ms=start_s * 1000,
        window_end_ms=(start_s + length_s) * 1000,
        tick_size_micro=10_000,
        min_size_micro=5_000_000,
        fees_enabled=True,
        rewards_min_size_micro=50_000_000,
        rewards_max_spread_micro=45_000,
        neg_risk=False,
        settlement=Settlement(kind="twap", lookback_s=60),
        active=True,
        closed=False,
        accepting_orders=True,
    )
    return MarketRecord(**(fields | changes))
