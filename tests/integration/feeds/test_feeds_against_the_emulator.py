"""discovery, feed-book, feed-user and feed-ref as real processes against the real emulator.

The emulator runs without background traders, so the test makes the book itself with the
official client and knows exactly what every feed must show.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import redis
from eth_account import Account
from py_clob_client_v2 import ClobClient, OrderArgsV2, OrderType, PartialCreateOrderOptions

from cli.keys import derive_credentials, write_secret
from common import state
from common.bus import streams
from common.bus.codec import decode
from common.config import load_settings
from common.schemas.user import Fill
from tests.integration.bus.procs import start_worker, stop_all, wait_for
from tests.integration.emulator import QUIET_5M, emulator, venue_env
from tests.integration.windows import open_window

pytestmark = [pytest.mark.integration, pytest.mark.slow]
SERIES = '["btc-5m"]'


def trader(url: str) -> ClobClient:
    client = ClobClient(url, chain_id=137, key=Account.create().key.hex())
    client.set_api_creds(client.create_or_derive_api_key())
    return client


def post(client: ClobClient, token: str, price: float, size: float, post_only: bool = True) -> str:
    order = client.create_order(OrderArgsV2(token_id=token, price=price, size=size, side="BUY"),
                                PartialCreateOrderOptions(tick_size="0.01"))  # fmt: skip
    reply = client.post_order(order, OrderType.GTC, post_only=post_only)
    assert reply["success"] and reply["orderID"], reply
    return str(reply["orderID"])


def feed_state(client: redis.Redis, feed: str) -> str | None:
    raw = client.hget(state.FEEDS, feed)
    return None if raw is None else str(json.loads(raw)["state"])


def order_ids(client: redis.Redis) -> set[str]:
    """The orders whose events feed-user published (from its socket)."""
    return {decode(f).body.order_id for _, f in client.xrange(streams.ORDERS)}  # type: ignore[attr-defined]


def best(levels: list[dict[str, str]] | list[list[int]], pick: type = max) -> int | None:  # type: ignore[type-arg]
    prices = [round(float(lv["price"]) * 1e6) if isinstance(lv, dict) else lv[0] for lv in levels]
    return pick(prices) if prices else None


def test_windows_books_fills_and_prices_flow_from_the_emulator(redis_url: str, tmp_path: Path) -> None:
    client = redis.Redis.from_url(redis_url)
    secrets = tmp_path / "secrets"
    with emulator(tmp_path, *QUIET_5M) as url:
        env = {**venue_env(url), "UPDOWN_SERIES": SERIES, "UPDOWN_SECRETS_DIR": str(secrets)}
        ours = Account.create()
        write_secret(secrets, "wallet__private_key", ours.key.hex())
        settings = load_settings(env={**env, "UPDOWN_WALLET__PRIVATE_KEY": ours.key.hex()})
        derive_credentials(settings, secrets)
        workers = [start_worker(name, redis_url, tmp_path, f"{name}-0", **env)
                   for name in ("discovery", "feed-book", "feed-user", "feed-ref")]  # fmt: skip
        try:
            # Nothing trades before feed-user listens. The workers start together, but feed-user is
            # often ready seconds after the book is; with more than 60 s of the window left nothing
            # else waited, and the taker below could match before feed-user had started: its MATCHED
            # status was then never published (no socket yet, and feed-user's first read of the
            # venue's trades starts at its own start, workers/feed_user/backfill.py: an older trade is
            # in the balance the ledger starts from), only MINED and CONFIRMED, so the wait failed.
            wait_for(lambda: feed_state(client, "user") == "up", timeout_s=30, what="feed-user's socket")
            current = open_window(client, lasting_s=60)
            up, down = current.token_ids
            assert current.series == "btc-updown-5m"

            # Our resting BUY Up 0.40 x 10 and another maker's BUY Down 0.50 x 20 (= SELL Up at 0.50).
            me = ClobClient(url, chain_id=137, key=ours.key.hex())
            me.set_api_creds(me.create_or_derive_api_key())
            mine = post(me, up, 0.40, 10)
            # Its placement read back from the socket: the emulator has the subscription, for this window.
            wait_for(lambda: mine in order_ids(client), timeout_s=20, what="our order's placement from feed-user")
            other = trader(url)
            post(other, down, 0.50, 20)

            def book_matches() -> bool:
                raw = client.get(state.book_key(up))
                if raw is None:
                    return False
                snap = json.loads(raw)
                venue = other.get_order_book(up)
                return (best(snap["bids"]), best(snap["asks"], min)) == (best(venue["bids"]), best(venue["asks"], min))

            wait_for(book_matches, timeout_s=20, what="our book to equal the emulator's")
            snap = json.loads(client.get(state.book_key(up)))  # type: ignore[arg-type]
            assert (best(snap["bids"]), best(snap["asks"], min)) == (400_000, 500_000)

            # A taker BUY Down at 0.60 x 5 meets our BUY Up 0.40: a mint, and our maker fill.
            post(other, down, 0.60, 5, post_only=False)

            def statuses() -> set[str]:
                return {decode(f).body.status for _, f in client.xrange(streams.FILLS)}  # type: ignore[attr-defined]

            wait_for(lambda: statuses() >= {"MATCHED", "CONFIRMED"}, timeout_s=30, what="our fill")
            time.sleep(1.0)
            fills = [decode(f).body for _, f in client.xrange(streams.FILLS)]
            assert all(isinstance(f, Fill) for f in fills)
            assert [f.order_id for f in fills] == [mine] * len(fills)
            assert len({f.fill_id for f in fills}) == len(fills), "a fill was published twice"
            first = fills[0]
            assert (first.side, first.price_micro, first.size_micro, first.role) == ("BUY", 400_000, 5_000_000, "MAKER")

            sources = {decode(f).body.source for _, f in client.xrange(streams.ref("btc"))}  # type: ignore[attr-defined]
            assert sources == {"pyth", "chainlink_twap60"}  # PolyBolt, sim's transport: both channels
            feeds = {k.decode(): json.loads(v)["state"] for k, v in client.hgetall(state.FEEDS).items()}
            assert feeds["book"] == feeds["user"] == feeds["ref"] == "up"
        finally:
            assert stop_all(workers) == [0] * len(workers)
