"""The quoter's part of the metrics pack: how much of the time it wants quotes on each side, and
the loss limit it enforces (for the "loss limit near" alert)."""

from __future__ import annotations

from prometheus_client import Gauge

from common.schemas.intent import Intent

#: Weight of the newest decision in the uptime average (decisions come a few times a second).
UPTIME_ALPHA = 0.02

QUOTE_UPTIME = Gauge("updown_quote_uptime_ratio", "Share of recent decisions with a level-0 quote on that side",
                     ["series", "side"])  # fmt: skip
LOSS_LIMIT = Gauge("updown_loss_limit_micro", "The daily loss limit that halts quoting")
_uptime: dict[tuple[str, str], float] = {}


def observe(intent: Intent) -> None:
    for side in ("UP", "DOWN"):
        quoting = any(o.outcome == side and o.level == 0 for o in intent.orders)
        key = (intent.series, side)
        value = _uptime.get(key, 1.0 if quoting else 0.0)
        value += UPTIME_ALPHA * ((1.0 if quoting else 0.0) - value)
        _uptime[key] = value
        QUOTE_UPTIME.labels(intent.series, side).set(value)
