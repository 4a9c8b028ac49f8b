"""Bus messages → the alpha core's inputs: the loop's only translation layer."""

from __future__ import annotations

from common.schemas.market import MarketRecord
from common.schemas.ref import RefTick
from workers.alpha.core.engine import AlphaCore
from workers.alpha.core.types import SettlementRule, WindowSpec

#: Chainlink prices are integers scaled by 1e18 on the bus.
_E18 = 10**18
#: TWAP samples when the record does not say (reference §9.2: a 60-second TWAP).
DEFAULT_TWAP_SAMPLES = 60


class NotAWindow(ValueError):
    """A market record without a series or window bounds: nothing to price."""


def window_from_record(record: MarketRecord) -> WindowSpec:
    """The window of a ``market.record``: bounds, settlement rule and the strike once published."""
    if record.series is None or record.window_start_ms is None or record.window_end_ms is None:
        raise NotAWindow(f"{record.slug} is not a window of a series")
    twap = record.settlement.kind == "twap"
    return WindowSpec(
        series=record.series,
        slug=record.slug,
        start_s=record.window_start_ms // 1000,
        end_s=record.window_end_ms // 1000,
        rule=SettlementRule.TWAP if twap else SettlementRule.SPOT,
        strike=None if record.strike_e18 is None else record.strike_e18 / _E18,
        twap_samples=(record.settlement.lookback_s or DEFAULT_TWAP_SAMPLES) if twap else 1,
    )


def apply_ref_tick(core: AlphaCore, tick: RefTick) -> bool:
    """Feed a ``ref.tick`` to the core: the spot is the oracle (Chainlink on RTDS, Pyth on PolyBolt,
    which carries no Chainlink spot), Binance the lead, the venue's published 60-s TWAP the
    settlement value of TWAP-rule windows; returns whether it was used."""
    price = tick.value_e18 / _E18
    if tick.source == "chainlink_twap60":
        core.on_twap(tick.venue_ts_ms, price)
        return True
    if tick.source in ("chainlink", "pyth"):
        core.on_oracle(tick.venue_ts_ms, price, tick.recv_ts_ms)
        return True
    if tick.source == "binance":
        core.on_lead(tick.venue_ts_ms, price, tick.recv_ts_ms)
        return True
    return False
