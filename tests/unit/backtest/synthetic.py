"""A small recording written in the recorder's own format: two 60-s windows of one series, a book
with depth, prints on both tokens, the oracle and its 60-s TWAP. Seeded: the same every time."""

from __future__ import annotations

import random
from pathlib import Path

from common.bus.codec import encode
from common.schemas.base import Message
from common.schemas.book import BookDelta, BookSnapshot, LastTrade
from common.schemas.market import FeeSchedule, MarketLifecycle, MarketRecord, Settlement
from common.schemas.ref import RefTick
from common.schemas.user import Fill
from workers.recorder.files import StreamFiles
from workers.recorder.records import Record

T0 = 1_796_605_200_000
WINDOW_MS = 60_000
SERIES = "btc-updown-60s"
E18 = 10**18


def market(i: int) -> MarketRecord:
    start = T0 + i * WINDOW_MS
    return MarketRecord(
        series=SERIES, slug=f"{SERIES}-{start // 1000}", gamma_id=str(i), condition_id=f"0xc{i}",
        outcomes=("Up", "Down"), token_ids=(f"up{i}", f"down{i}"), protocol_version="v1",
        window_start_ms=start, window_end_ms=start + WINDOW_MS, tick_size_micro=10_000, min_size_micro=5_000_000,
        fees_enabled=True, fee_type="crypto_fees_v2",
        fee_schedule=FeeSchedule(rate_ppm=70_000, exponent=1, taker_only=True, rebate_rate_ppm=200_000),
        rewards_min_size_micro=50_000_000, rewards_max_spread_micro=45_000, neg_risk=False,
        settlement=Settlement(kind="twap", lookback_s=60), active=True, closed=False, accepting_orders=True,
    )  # fmt: skip


def write(root: Path, seed: int = 7) -> Path:
    rng = random.Random(seed)
    entries: list[tuple[int, str, Message]] = []
    for i in range(2):
        entries.append((T0 - 90_000 + i * WINDOW_MS, "markets", market(i)))
    price = 62_000.0
    mid = 500_000
    for s in range(-90, 2 * 60 + 5):
        ms = T0 + s * 1000
        price *= 1 + rng.gauss(0.0002, 0.0004)
        entries.append((ms + 5, "ref.btc", RefTick(source="pyth", asset="btc", symbol="btcusd",
                                                  value_e18=round(price * 100) * E18 // 100, venue_ts_ms=ms,
                                                  recv_ts_ms=ms + 5)))  # fmt: skip
        entries.append((ms + 6, "ref.btc", RefTick(source="chainlink_twap60", asset="btc", symbol="btcusd",
                                                  value_e18=round((62_000 + s) * 100) * E18 // 100, venue_ts_ms=ms,
                                                  recv_ts_ms=ms + 6)))  # fmt: skip
        i = max(0, (ms - T0) // WINDOW_MS)
        if i > 1:
            continue
        up, cid = f"up{i}", f"0xc{i}"
        if (ms - T0) % WINDOW_MS == 0 or s == -90:
            mid = 500_000
            entries.append((ms + 10, f"book.{SERIES}", BookSnapshot(
                market=cid, asset_id=up, bids=((490_000, 100_000_000), (480_000, 200_000_000)),
                asks=((510_000, 100_000_000), (520_000, 200_000_000)), best_bid_micro=490_000,
                best_ask_micro=510_000, venue_ts_ms=ms, recv_ts_ms=ms + 10)))  # fmt: skip
        step = rng.choice((-10_000, 0, 0, 10_000))
        if step and 100_000 < mid + step < 900_000:
            old_bid, old_ask = mid - 10_000, mid + 10_000
            mid += step
            changes = (("BUY", old_bid, 0), ("SELL", old_ask, 0), ("BUY", mid - 10_000, 100_000_000),
                       ("SELL", mid + 10_000, 100_000_000))  # fmt: skip
            delta = BookDelta(market=cid, asset_id=up, changes=changes, venue_ts_ms=ms + 300, recv_ts_ms=ms + 300)
            entries.append((ms + 300, f"book.{SERIES}", delta))
        if s % 2 == 0:
            down_print = rng.random() < 0.5
            token, side = (f"down{i}", "BUY") if down_print else (up, "SELL")
            hit = mid - 10_000 - rng.choice((0, 0, 10_000, 30_000))  # sometimes a sweep through the bid
            at = 1_000_000 - hit if down_print else hit
            entries.append((ms + 600, f"book.{SERIES}", LastTrade(market=cid, asset_id=token, price_micro=at,
                                                                  size_micro=rng.randrange(20, 120) * 1_000_000,
                                                                  side=side, venue_ts_ms=ms + 600,
                                                                  recv_ts_ms=ms + 600)))  # fmt: skip
    for status in ("MATCHED", "CONFIRMED"):  # the recorded bot's own fill, at two statuses
        at = T0 + 5_000 + (status == "CONFIRMED") * 2_000
        entries.append((at, "fills", Fill(fill_id=f"t1:o1:{status}", trade_id="t1", status=status, order_id="o1",
                                          role="MAKER", market="0xc0", asset_id="up0", outcome="Up", side="BUY",
                                          price_micro=490_000, size_micro=10_000_000, recv_ts_ms=at)))  # fmt: skip
    for i in range(2):
        m = market(i)
        entries.append((m.window_end_ms + 3_000, "markets", MarketLifecycle(  # type: ignore[operator]
            series=SERIES, slug=m.slug, condition_id=m.condition_id, phase="resolved",
            window_start_ms=m.window_start_ms, window_end_ms=m.window_end_ms, at_ms=m.window_end_ms + 3_000,
            cause="gamma", winner_index=0, winning_asset_id=f"up{i}", winning_outcome="Up")))  # fmt: skip
    files = StreamFiles(root, rotate_bytes=1 << 24)
    for seq, (ms, stream, body) in enumerate(sorted(entries, key=lambda e: (e[0], e[1]))):
        fields = encode(body, src="test", key=SERIES, event_ms=ms, ingest_ms=float(ms), emit_ms=float(ms))
        files.append(Record(stream, f"{ms}-{seq}", fields))
    files.flush()
    return root
