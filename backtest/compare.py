"""The backtest against the venue's own truth: the recorded bot's fills beside the replayed quoter's.

A whole-bot recording holds what the emulator really filled of our orders (``fills``, the user
feed's copy of the venue's record, one per trade and order at MATCHED) and the order latency the bot
really had (``exec`` reports: the originating event's ingest to the venue's answer). Replaying the
same quoter with that latency over the same market data should find about the same fills; per
window, this prints both and their ratio.
"""

from __future__ import annotations

from dataclasses import dataclass

from backtest.recording import Recording
from backtest.types import Run
from common.money import MICRO_PER_UNIT as MICRO
from common.schemas.exec import ExecReport
from common.schemas.user import Fill


@dataclass(frozen=True, slots=True)
class Side:
    fills: int
    up_micro: int
    down_micro: int

    @property
    def shares_micro(self) -> int:
        return self.up_micro + self.down_micro


def recorded_latency_ms(recording: Recording) -> int | None:
    """The median of the recorded orders' originating event (ingest) to the venue's answer."""
    reports = [e.body for e in recording.of(ExecReport) if isinstance(e.body, ExecReport)]
    spans = sorted(
        r.ack_ms - r.tick_ms for r in reports if r.kind == "placed" and r.tick_ms is not None and r.ack_ms is not None
    )
    return round(spans[len(spans) // 2]) if spans else None


#: A recorded fill and a backtest fill of the same outcome and price this close in time are the same fill.
MATCH_WINDOW_MS = 1_000


def recorded_fill_list(recording: Recording) -> list[Fill]:
    """The recorded bot's BUY fills, each trade and order once, in time order."""
    seen: set[tuple[str, str]] = set()
    fills = []
    for e in recording.of(Fill):
        f: Fill = e.body  # type: ignore[assignment]
        if f.side == "BUY" and (f.trade_id, f.order_id) not in seen:
            seen.add((f.trade_id, f.order_id))
            fills.append(f)
    return fills


def matched(recorded: list[Fill], run: Run, slugs: dict[str, str]) -> int:
    """Recorded fills that have a backtest fill of their window, outcome and price within ``MATCH_WINDOW_MS``."""
    left = [(f.slug, f.outcome, f.price_micro, f.at_ms) for f in run.fills if f.side == "BUY"]
    found = 0
    for f in recorded:
        at = f.recv_ts_ms  # match_time is whole seconds; the user feed had it within ms
        key = (slugs.get(f.market), f.outcome.upper(), f.price_micro)
        hit = next((x for x in left if x[:3] == key and abs(x[3] - at) <= MATCH_WINDOW_MS), None)
        if hit is not None:
            left.remove(hit)
            found += 1
    return found


def recorded_fills(recording: Recording) -> dict[str, Side]:
    """The recorded bot's fills per market (condition id), each trade and order once."""
    acc: dict[str, list[int]] = {}
    for f in recorded_fill_list(recording):
        row = acc.setdefault(f.market, [0, 0, 0])
        row[0] += 1
        row[1 if f.outcome.lower() == "up" else 2] += f.size_micro
    return {k: Side(*v) for k, v in acc.items()}


def compare(recording: Recording, run: Run) -> list[str]:
    """Lines of the comparison table, one per window the recording covers from its start."""
    recorded = recorded_fills(recording)
    lines = [f"{'window':<28} {'recorded fills':>14} {'shares Up/Down':>16} {'backtest fills':>14} "
             f"{'shares Up/Down':>16} {'ratio':>6}"]  # fmt: skip
    total_rec = total_bt = 0
    covered: set[str] = set()
    for m in run.markets:
        if m.start_ms < recording.first_ms or m.stats.seconds == 0:
            continue  # the recording began inside it (orders it never saw placed)
        rec = recorded.get(m.meta.condition_id, Side(0, 0, 0))
        fills = [f for f in run.fills if f.slug == m.record.slug and f.side == "BUY"]
        up = sum(f.size_micro for f in fills if f.outcome == "UP")
        down = sum(f.size_micro for f in fills if f.outcome == "DOWN")
        ratio = f"{(up + down) / rec.shares_micro:.2f}" if rec.shares_micro else "-"
        lines.append(f"{m.record.slug:<28} {rec.fills:>14} {_pair(rec.up_micro, rec.down_micro):>16} "
                     f"{len(fills):>14} {_pair(up, down):>16} {ratio:>6}")  # fmt: skip
        covered.add(m.meta.condition_id)
        total_rec += rec.shares_micro
        total_bt += up + down
    ratio = f"{total_bt / total_rec:.2f}" if total_rec else "-"
    lines.append(f"{'TOTAL shares':<28} {total_rec / MICRO:>31.2f} {total_bt / MICRO:>31.2f} {ratio:>6}")
    theirs = [f for f in recorded_fill_list(recording) if f.market in covered]
    slugs = {m.meta.condition_id: m.record.slug for m in run.markets}
    lines.append(f"{matched(theirs, run, slugs)} of the {len(theirs)} recorded fills have a backtest fill of the same "
                 f"window, outcome and price within {MATCH_WINDOW_MS} ms")  # fmt: skip
    return lines


def _pair(up: int, down: int) -> str:
    return f"{up / MICRO:.2f}/{down / MICRO:.2f}"
