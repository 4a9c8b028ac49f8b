"""Under a websocket storm (drops, silences, slow-consumer closes, malformed bursts), the feeds
recover by themselves, report their gaps, and the book matches the emulator's again."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import redis
from eth_account import Account
from py_clob_client_v2 import ClobClient, OrderArgsV2, OrderType, PartialCreateOrderOptions

from common import state
from common.bus import streams
from common.bus.codec import decode
from common.schemas.feed import FeedStatus
from tests.integration.bus.procs import start_worker, stop_all, wait_for
from tests.integration.emulator import emulator, venue_env
from tests.integration.windows import open_window

pytestmark = [pytest.mark.integration, pytest.mark.slow]
#: How long the storm runs before the book is compared.
STORM_S = 25


def best_pair(levels: dict[str, list]) -> tuple[int | None, int | None]:  # type: ignore[type-arg]
    def price(level: object) -> int:
        return level[0] if isinstance(level, list) else round(float(level["price"]) * 1e6)  # type: ignore[index]

    bids = [price(x) for x in levels["bids"]]
    asks = [price(x) for x in levels["asks"]]
    return (max(bids) if bids else None, min(asks) if asks else None)


def test_feeds_recover_from_a_websocket_storm_and_the_book_matches_again(redis_url: str, tmp_path: Path) -> None:
    client = redis.Redis.from_url(redis_url)
    with emulator(tmp_path, "--series", "btc-5m", "--no-traders", "--no-chain", "--faults", "ws-storm") as url:
        env = {**venue_env(url), "UPDOWN_SERIES": '["btc-5m"]', "UPDOWN_FEED_REF__TRANSPORT": "rtds"}
        names = ("discovery", "feed-book", "feed-ref")
        workers = [start_worker(n, redis_url, tmp_path, f"{n}-0", **env) for n in names]
        try:
            record = open_window(client, lasting_s=STORM_S + 35)
            up, down = record.token_ids
            maker = ClobClient(url, chain_id=137, key=Account.create().key.hex())
            maker.set_api_creds(maker.create_or_derive_api_key())
            for token, price in ((up, 0.41), (down, 0.52), (up, 0.38)):
                order = maker.create_order(OrderArgsV2(token_id=token, price=price, size=10, side="BUY"),
                                           PartialCreateOrderOptions(tick_size="0.01"))  # fmt: skip
                maker.post_order(order, OrderType.GTC, post_only=True)
            time.sleep(STORM_S)
            assert all(p.poll() is None for p in workers), "a feed worker crashed"

            downs = [decode(f).body for _, f in client.xrange(streams.FEEDS)]
            assert all(isinstance(s, FeedStatus) for s in downs)
            assert any(s.feed == "book" and s.state == "down" for s in downs), "the storm never hit the book feed"
            assert any(s.feed == "book" and s.state == "up" and s.gap_ms > 0 for s in downs), "no recovery reported"
            assert client.xlen("feed.raw:dlq") > 0, "malformed frames were not dead-lettered"

            venue = best_pair(maker.get_order_book(up))

            def matches() -> bool:
                raw = client.get(state.book_key(up))
                return raw is not None and best_pair(json.loads(raw)) == venue

            wait_for(matches, timeout_s=30, what="the book to match the emulator's after the storm")
            assert venue == (410_000, 480_000)
        finally:
            assert stop_all(workers) == [0] * len(workers)
