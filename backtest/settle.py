"""Each window settled by its own rule (reference §9), from the recorded reference prices.

- TWAP (from 2026-08-07): Up iff Chainlink's 60-s TWAP at the end ≥ the TWAP at the start, each the
  stream's latest value stamped at or before that instant (``chainlink_twap60``).
- Spot (until then): Up iff the oracle's latest price at or before the end ≥ the strike (the record's
  ``priceToBeat``, else the oracle's latest price at or before the start).

Ties go Up under both rules. A value counts only when the recording also holds a later one of the
same source (it was the latest, not merely the last recorded) and it is the report of the instant's
own second (``FRESH_MS``: not from before a gap in the recording). When the rule cannot be applied the
venue's own resolution, if recorded, is used and the result says so; failing that (books without
prices or outcomes), the Up mid's last value before the end when it is decided
(``LAST_MID_DECIDED_MICRO``), flagged ``last_mid``: an estimate, not the rule.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from backtest.frame import OutcomeName
from common.schemas.market import MarketRecord
from common.schemas.ref import RefTick

#: The value a rule reads must be stamped within this long before its instant: the report for that
#: very second (both sources publish once a second, second-aligned). Across a gap in the recording
#: the value the venue read is not known; on the recorded Chainlink days an older value settled one
#: window wrongly (its end second's report is missing from the file).
FRESH_MS = 999
#: Spot-rule oracles in order of preference (PolyBolt carries Pyth, not Chainlink's spot).
SPOT_SOURCES = ("chainlink", "pyth")
How = Literal["twap", "spot", "venue", "last_mid", "unsettled"]
#: Without prices or a recorded resolution, a window whose Up mid ends this far from 0.5 (at or
#: above it, or at or below 1 minus it) is taken to have settled that way (top-of-book data).
LAST_MID_DECIDED_MICRO = 900_000


@dataclass(frozen=True, slots=True)
class Settlement:
    winner: OutcomeName | None
    how: How
    #: The venue's recorded winner, for comparison (None if not recorded).
    venue_winner: OutcomeName | None = None


class RefHistory:
    """Every recorded tick per (asset, source), by the source's own time."""

    def __init__(self, ticks: Iterable[RefTick]) -> None:
        series: dict[tuple[str, str], list[tuple[int, int]]] = {}
        for t in ticks:
            series.setdefault((t.asset, t.source), []).append((t.venue_ts_ms, t.value_e18))
        # By stamp; a correction (a second value for the same stamp, received later) stays after what it corrects.
        self._series = {k: sorted(v, key=lambda p: p[0]) for k, v in series.items()}
        self._stamps = {k: [p[0] for p in v] for k, v in self._series.items()}

    def at(self, asset: str, source: str, ts_ms: int) -> int | None:
        """The latest value stamped at or before ``ts_ms`` (the last received for that stamp), if a
        later one proves it was the latest."""
        points = self._series.get((asset, source), [])
        i = bisect.bisect_right(self._stamps.get((asset, source), []), ts_ms)
        if i == 0 or i == len(points) or ts_ms - points[i - 1][0] > FRESH_MS:
            return None
        return points[i - 1][1]


def asset_of(record: MarketRecord) -> str:
    """``btc-updown-15m`` → ``btc``."""
    return (record.series or record.slug).split("-")[0]


def settle(record: MarketRecord, history: RefHistory, venue_winner: OutcomeName | None) -> Settlement:
    start, end = record.window_start_ms, record.window_end_ms
    if start is None or end is None:
        return Settlement(venue_winner, "venue" if venue_winner else "unsettled", venue_winner)
    asset = asset_of(record)
    if record.settlement.kind == "twap":
        begin, final = history.at(asset, "chainlink_twap60", start), history.at(asset, "chainlink_twap60", end)
        if begin is not None and final is not None:
            return Settlement("UP" if final >= begin else "DOWN", "twap", venue_winner)
    else:
        for source in SPOT_SOURCES:
            strike = record.strike_e18 or history.at(asset, source, start)
            final = history.at(asset, source, end)
            if strike is not None and final is not None:
                return Settlement("UP" if final >= strike else "DOWN", "spot", venue_winner)
    return Settlement(venue_winner, "venue" if venue_winner else "unsettled", venue_winner)


def by_last_mid(up_mid_micro: int | None, venue_winner: OutcomeName | None) -> Settlement:
    """The fallback for a window neither rule nor the venue's record settles."""
    if up_mid_micro is not None and up_mid_micro >= LAST_MID_DECIDED_MICRO:
        return Settlement("UP", "last_mid", venue_winner)
    if up_mid_micro is not None and up_mid_micro <= 1_000_000 - LAST_MID_DECIDED_MICRO:
        return Settlement("DOWN", "last_mid", venue_winner)
    return Settlement(None, "unsettled", venue_winner)
