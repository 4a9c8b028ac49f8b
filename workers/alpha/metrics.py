"""alpha's part of the metrics pack: the fair value, regime and the markouts of our fills."""

from __future__ import annotations

from prometheus_client import Gauge

from common.schemas.signal import Signal

MARKOUT = Gauge("updown_markout_avg_micro", "Average markout of our fills (per share) at a horizon",
                ["series", "horizon"])  # fmt: skip
Q_UP = Gauge("updown_q_up_ppm", "P(the current window settles Up), ppm", ["series"])
TOXICITY = Gauge("updown_toxicity_micro", "Toxicity of the flow against us (per share)", ["series"])
REGIME = Gauge("updown_regime", "1 for the series' current regime", ["series", "regime"])
_REGIMES = ("NORMAL", "STALE_ORACLE", "STALE_LEAD", "VOLATILE", "ENDGAME", "HALTED")


def observe(signal: Signal) -> None:
    s = signal.series
    for horizon, value in (("1s", signal.markout_1s_micro), ("5s", signal.markout_5s_micro),
                           ("30s", signal.markout_30s_micro)):  # fmt: skip
        MARKOUT.labels(s, horizon).set(value)
    Q_UP.labels(s).set(signal.q_up_ppm)
    TOXICITY.labels(s).set(signal.toxicity_micro)
    for regime in _REGIMES:
        REGIME.labels(s, regime).set(1 if signal.regime == regime else 0)
