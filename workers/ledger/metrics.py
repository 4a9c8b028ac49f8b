"""The ledger's part of the metrics pack: inventory, exposure, PnL and the fill ratio, set from
the very bodies it publishes (so the dashboard and the bus never disagree)."""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import Gauge

from common.runner import Emit
from common.schemas.positions import AccountPosition, MarketPosition, WindowSummary

INVENTORY = Gauge("updown_inventory_shares_micro", "Shares held per window and outcome", ["market", "outcome"])
EXPOSURE = Gauge("updown_exposure_micro", "Cost of every position held, all windows")
PNL_REALIZED = Gauge("updown_pnl_realized_micro", "Realized PnL of the run")
PNL_UNREALIZED = Gauge("updown_pnl_unrealized_micro", "Unrealized PnL marked to the mid")
PNL_DAILY = Gauge("updown_pnl_daily_micro", "Realized plus unrealized PnL since the run started")
FILL_RATIO = Gauge("updown_fill_ratio", "Fills per quote posted, over resolved windows")

_costs: dict[str, int] = {}
_posted_and_filled: dict[str, tuple[int, int]] = {}


def observe(emits: Sequence[Emit]) -> None:
    for emit in emits:
        body = emit.body
        if isinstance(body, MarketPosition):
            label = body.slug or body.market
            for outcome in body.outcomes:
                INVENTORY.labels(label, outcome.outcome).set(outcome.shares_micro)
            _costs[body.market] = sum(o.cost_micro for o in body.outcomes)
            EXPOSURE.set(sum(_costs.values()))
        elif isinstance(body, AccountPosition):
            PNL_REALIZED.set(body.realized_pnl_micro)
            PNL_UNREALIZED.set(body.unrealized_pnl_micro)
            PNL_DAILY.set(body.realized_pnl_micro + body.unrealized_pnl_micro)
        elif isinstance(body, WindowSummary):
            _posted_and_filled[body.market] = (body.quotes_posted, body.fills)
            posted = sum(p for p, _ in _posted_and_filled.values())
            FILL_RATIO.set(sum(f for _, f in _posted_and_filled.values()) / posted if posted else 0.0)
