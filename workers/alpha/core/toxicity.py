"""Toxicity: markouts of our own fills at 1, 5 and 30 s, and the imbalance of recent taker flow.

A markout is the fair value of the outcome we bought, some seconds after the fill, minus what we
paid (micro-pUSD per share): negative when the taker knew better. Each horizon keeps an EWMA over
fills. Taker flow is signed in Up terms (buying Up or selling Down is +1) and decayed in time.
"""

from __future__ import annotations

from collections import deque
from typing import NamedTuple

#: Markout horizons in seconds.
MARKOUT_HORIZONS_S = (1, 5, 30)
#: How much each horizon counts in the toxicity (the longer, the more it says about information).
MARKOUT_WEIGHTS = (0.2, 0.3, 0.5)
#: Weight of one new fill in the per-horizon markout average.
MARKOUT_ALPHA = 0.1
#: Fills waiting for their markouts, at most.
MAX_PENDING_FILLS = 512


class Toxicity(NamedTuple):
    markouts_micro: tuple[int, int, int]
    #: Signed taker flow in Up terms, in ppm of the recent flow (−1e6 all Down .. +1e6 all Up).
    flow_imbalance_ppm: int
    #: Expected adverse move per share against our fills, micro-pUSD, ≥ 0.
    toxicity_micro: int


NO_TOXICITY = Toxicity(markouts_micro=(0, 0, 0), flow_imbalance_ppm=0, toxicity_micro=0)


class ToxicityTracker:
    """Pending fills awaiting markouts, the per-horizon markout averages, and the taker flow."""

    __slots__ = (
        "_flow_abs",
        "_flow_half_life_s",
        "_flow_ms",
        "_flow_signed",
        "_markouts",
        "_pending",
        "_seen",
        "flow_weight_micro",
    )

    def __init__(self, flow_half_life_s: float = 30.0, flow_weight_micro: int = 5_000) -> None:
        self._pending: deque[tuple[int, bool, int, int]] = deque(maxlen=MAX_PENDING_FILLS)
        self._markouts: list[float | None] = [None] * len(MARKOUT_HORIZONS_S)
        self._flow_signed = 0.0
        self._flow_abs = 0.0
        self._flow_ms: int | None = None
        self._flow_half_life_s = flow_half_life_s
        self._seen: set[str] = set()
        #: Toxicity added by a one-sided taker flow (micro-pUSD per share at full imbalance).
        self.flow_weight_micro = flow_weight_micro

    def on_own_fill(self, fill_id: str, ts_ms: int, outcome_up: bool, price_micro: int) -> None:
        """One of our maker fills (idempotent by fill id)."""
        if fill_id in self._seen:
            return
        if len(self._seen) > 4 * MAX_PENDING_FILLS:
            self._seen.clear()
        self._seen.add(fill_id)
        self._pending.append((ts_ms, outcome_up, price_micro, 0))

    def on_taker_trade(self, ts_ms: int, up_direction: bool, size_micro: int) -> None:
        """A trade on the market whose taker bought Up (or sold Down) when ``up_direction``."""
        self._decay_flow(ts_ms)
        self._flow_signed += size_micro if up_direction else -size_micro
        self._flow_abs += size_micro

    def _decay_flow(self, now_ms: int) -> None:
        if self._flow_ms is not None and now_ms > self._flow_ms:
            factor = 0.5 ** ((now_ms - self._flow_ms) / 1000.0 / self._flow_half_life_s)
            self._flow_signed *= factor
            self._flow_abs *= factor
        if self._flow_ms is None or now_ms > self._flow_ms:
            self._flow_ms = now_ms

    def on_fair(self, now_ms: int, fair_up_micro: int) -> None:
        """The fair value of Up now: settles every horizon whose time has come."""
        if not self._pending:
            return
        kept: deque[tuple[int, bool, int, int]] = deque(maxlen=MAX_PENDING_FILLS)
        for ts_ms, outcome_up, price_micro, done in self._pending:
            fair = fair_up_micro if outcome_up else 1_000_000 - fair_up_micro
            while done < len(MARKOUT_HORIZONS_S) and now_ms >= ts_ms + 1000 * MARKOUT_HORIZONS_S[done]:
                markout = fair - price_micro
                old = self._markouts[done]
                self._markouts[done] = markout if old is None else old + MARKOUT_ALPHA * (markout - old)
                done += 1
            if done < len(MARKOUT_HORIZONS_S):
                kept.append((ts_ms, outcome_up, price_micro, done))
        self._pending = kept

    def state(self, now_ms: int) -> Toxicity:
        if self._flow_ms is None and self._markouts[0] is None:
            return NO_TOXICITY  # nothing seen yet: the common case before our first fill
        self._decay_flow(now_ms)
        markouts = tuple(int(m) if m is not None else 0 for m in self._markouts)
        adverse = sum(w * -m for w, m in zip(MARKOUT_WEIGHTS, markouts, strict=True))
        imbalance = self._flow_signed / self._flow_abs if self._flow_abs > 1.0 else 0.0
        toxicity = max(0.0, adverse) + abs(imbalance) * self.flow_weight_micro
        return Toxicity(
            markouts_micro=(markouts[0], markouts[1], markouts[2]),
            flow_imbalance_ppm=int(imbalance * 1_000_000),
            toxicity_micro=int(toxicity),
        )
