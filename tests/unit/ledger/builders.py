from __future__ import annotations

from common.schemas.market import FeeSchedule, MarketRecord, Settlement
from common.schemas.user import Fill

MARKET = "0xcond"
UP, DOWN = "111", "222"
T0 = 1_800_000_000_000


def record(fees: bool = True) -> MarketRecord:
    return MarketRecord(series="btc-updown-15m", slug="btc-updown-15m-1", gamma_id="1", condition_id=MARKET,
                        outcomes=("Up", "Down"), token_ids=(UP, DOWN), protocol_version="v1", window_start_ms=T0,
                        window_end_ms=T0 + 900_000, tick_size_micro=10_000, min_size_micro=5_000_000,
                        fees_enabled=fees, fee_schedule=FeeSchedule(rate_ppm=70_000, exponent=1, taker_only=True,
                                                                    rebate_rate_ppm=200_000),
                        rewards_min_size_micro=50_000_000, rewards_max_spread_micro=45_000, neg_risk=False,
                        settlement=Settlement(kind="twap", lookback_s=60), active=True, closed=False,
                        accepting_orders=True)  # fmt: skip


def fill(trade: str, token: str = UP, side: str = "BUY", price: int = 400_000, size: int = 10_000_000,
         status: str = "MATCHED", role: str = "MAKER", order: str = "0xo") -> Fill:  # fmt: skip
    return Fill(fill_id=f"{trade}:{order}:{status}", trade_id=trade, status=status, order_id=order,  # type: ignore[arg-type]
                role=role, market=MARKET, asset_id=token, side=side, price_micro=price, size_micro=size,  # type: ignore[arg-type]
                recv_ts_ms=T0)  # fmt: skip
