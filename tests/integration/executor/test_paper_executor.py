"""The paper executor on the emulator's public feeds, without keys: fills follow queue position."""

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
from common.schemas.user import Fill
from tests.integration.bus.procs import start_worker, stop_all, wait_for
from tests.integration.emulator import QUIET_5M, emulator, venue_env
from tests.integration.executor.harness import SERIES_ENV, make_intent, publish_intent, reports
from tests.integration.windows import open_window

pytestmark = [pytest.mark.integration, pytest.mark.slow]
PAPER = "workers.executor.paper_worker:SPEC"


def trader(url: str) -> ClobClient:
    client = ClobClient(url, chain_id=137, key=Account.create().key.hex())
    client.set_api_creds(client.create_or_derive_api_key())
    return client


def buy(client: ClobClient, token: str, price: float, size: float, post_only: bool) -> None:
    order = client.create_order(OrderArgsV2(token_id=token, price=price, size=size, side="BUY"),
                                PartialCreateOrderOptions(tick_size="0.01"))  # fmt: skip
    reply = client.post_order(order, OrderType.GTC, post_only=post_only)
    assert reply["success"] and reply["orderID"], reply


def fills(client: redis.Redis) -> list[Fill]:
    return [b for _, f in client.xrange(streams.FILLS) if isinstance(b := decode(f).body, Fill)]


def bid_size(client: redis.Redis, token: str, price_micro: int) -> int:
    raw = client.get(state.book_key(token))
    return 0 if raw is None else dict(map(tuple, json.loads(raw)["bids"])).get(price_micro, 0)


def test_a_paper_order_is_not_filled_while_queue_ahead_remains_then_fills_in_the_user_feed_schema(
    redis_url: str, tmp_path: Path
) -> None:
    client = redis.Redis.from_url(redis_url)
    with emulator(tmp_path, *QUIET_5M) as url:
        env = {**venue_env(url), "UPDOWN_SERIES": SERIES_ENV, "UPDOWN_MODE": "paper",
               "UPDOWN_SECRETS_DIR": str(tmp_path / "no-secrets")}  # fmt: skip
        workers = [start_worker(name, redis_url, tmp_path, f"{name}-0", **env)
                   for name in ("discovery", "feed-book", PAPER)]  # fmt: skip
        try:
            record = open_window(client, lasting_s=60)
            up, down = record.token_ids
            market = {"condition_id": record.condition_id, "slug": record.slug, "token_ids": [up, down],
                      "tick_size_micro": record.tick_size_micro}  # fmt: skip

            # Another maker is first in the queue at 0.40 on Up with 20 shares.
            maker = trader(url)
            buy(maker, up, 0.40, 20, post_only=True)
            wait_for(lambda: bid_size(client, up, 400_000) == 20_000_000, 20, "the maker's bid in the book")

            publish_intent(client, make_intent(market, (400_000,), size_micro=10_000_000))
            wait_for(lambda: sum(r.kind == "placed" for r in reports(client)) == 2, 20, "our paper orders")
            ours = next(r.order_id for r in reports(client) if r.kind == "placed" and r.token_id == up)

            # A taker buys 10 Down at 0.60: it sells Up at 0.40 to the queue: the maker ahead of us.
            taker = trader(url)
            buy(taker, down, 0.60, 10, post_only=False)
            wait_for(lambda: bid_size(client, up, 400_000) == 10_000_000, 20, "the maker's bid half taken")
            time.sleep(1.0)
            assert fills(client) == [], "filled while 10 shares were still ahead of us"

            # 15 more: the maker's last 10, then 5 for us.
            buy(taker, down, 0.60, 15, post_only=False)
            wait_for(lambda: any(f.status == "CONFIRMED" for f in fills(client)), 20, "our paper fill")
            got = fills(client)
            assert {f.order_id for f in got} == {ours}
            matched = [f for f in got if f.status == "MATCHED"]
            assert sum(f.size_micro for f in matched) == 5_000_000
            assert all((f.side, f.price_micro, f.role) == ("BUY", 400_000, "MAKER") for f in matched)
            assert all(f.trade_id.split("-")[0].isdigit() for f in got), "trade ids are not run-unique"
        finally:
            assert stop_all(workers) == [0] * len(workers)
        assert client.hlen(state.ORDERS) == 0
