"""The venue's tick-size rule near the extremes: 0.01 normally, 0.001 once the Up token's price
leaves [0.04, 0.96] (protocol reference §2.5; the thresholds are the long-standing rule, the venue
does not document them). "Price" here is the midpoint, or the one side quoted when the other is
empty. The narrower tick is kept until the window ends."""

from __future__ import annotations

#: The normal tick and the fine tick near the extremes, in micro-pUSD.
NORMAL_TICK_MICRO = 10_000
FINE_TICK_MICRO = 1_000
#: Outside [low, high] the fine tick applies.
FINE_TICK_LOW_MICRO = 40_000
FINE_TICK_HIGH_MICRO = 960_000


def tick_for(best_bid_micro: int | None, best_ask_micro: int | None, current_tick_micro: int) -> int:
    """The tick a market should have given the Up token's best bid and ask."""
    if current_tick_micro == FINE_TICK_MICRO:
        return FINE_TICK_MICRO
    if best_bid_micro is not None and best_ask_micro is not None:
        price: int | None = (best_bid_micro + best_ask_micro) // 2
    else:
        price = best_bid_micro if best_bid_micro is not None else best_ask_micro
    if price is not None and not FINE_TICK_LOW_MICRO <= price <= FINE_TICK_HIGH_MICRO:
        return FINE_TICK_MICRO
    return current_tick_micro
