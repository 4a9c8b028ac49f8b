"""The rewards worker against the emulator: the venue's ``/orders-scoring`` answer agrees with our
estimate, and an order below the reward minimum and outside the band gets a hint.

``state:orders`` is written here as the executor writes it (the executor is not run)."""

from __future__ import annotations

import json
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
from common.schemas.rewards import RewardEstimate, RewardHintMessage
from tests.integration.bus.procs import start_worker, stop_all, wait_for
from tests.integration.emulator import QUIET_5M, emulator, venue_env
from tests.integration.windows import open_window

pytestmark = [pytest.mark.integration, pytest.mark.slow]
OPTIONS = PartialCreateOrderOptions(tick_size="0.01")


def buy(client: ClobClient, token: str, price: float, size: float) -> str:
    order = client.create_order(OrderArgsV2(token_id=token, price=price, size=size, side="BUY"), OPTIONS)
    reply = client.post_order(order, OrderType.GTC, post_only=True)
    assert reply["success"], reply
    return str(reply["orderID"])


def test_the_venue_and_our_estimate_agree_on_which_orders_score_and_a_hint_is_published(
        redis_url: str, tmp_path: Path) -> None:
    r = redis.Redis.from_url(redis_url)
    secrets = tmp_path / "secrets"
    with emulator(tmp_path, *QUIET_5M) as url:
        env = {**venue_env(url), "UPDOWN_SERIES": '["btc-5m"]', "UPDOWN_SECRETS_DIR": str(secrets)}
        ours = Account.create()
        key = ours.key.to_0x_hex()
        write_secret(secrets, "wallet__private_key", key)
        derive_credentials(load_settings(env={**env, "UPDOWN_WALLET__PRIVATE_KEY": key}), secrets)
        workers = [start_worker(name, redis_url, tmp_path, f"{name}-0", **env) for name in ("discovery", "feed-book")]
        try:
            current = open_window(r, lasting_s=60)
            up, down = current.token_ids
            other = ClobClient(url, chain_id=137, key=Account.create().key.hex())
            other.set_api_creds(other.create_or_derive_api_key())
            buy(other, up, 0.46, 100)
            buy(other, down, 0.48, 100)  # an Up ask at 0.52
            me = ClobClient(url, chain_id=137, key=key)
            me.set_api_creds(me.create_or_derive_api_key())
            scoring = buy(me, up, 0.47, 60)  # 2.5 c from the midpoint 0.495, 60 ≥ 50 shares
            small = buy(me, down, 0.30, 20)  # under the minimum and 20 c outside the band
            mine = ((scoring, up, 470_000, 60_000_000), (small, down, 300_000, 20_000_000))
            for order_id, token, price, size in mine:
                r.hset(state.ORDERS, order_id, json.dumps({
                    "order_id": order_id, "market": current.condition_id, "token_id": token, "side": "BUY",
                    "price_micro": price, "size_micro": size, "size_matched_micro": 0}))
            workers.append(start_worker("workers.rewards.worker:SPEC", redis_url, tmp_path, "rewards-0", **env))

            def bodies() -> list[object]:
                return [decode(f).body for _, f in r.xrange(streams.REWARDS)]

            def seen() -> bool:
                return any(isinstance(b, RewardEstimate) and b.market == current.condition_id and b.live_orders == 2
                           for b in bodies())

            wait_for(seen, timeout_s=30, what="an estimate of our two orders")
            estimate = next(b for b in bodies() if isinstance(b, RewardEstimate) and b.live_orders == 2)
            assert (estimate.scoring_orders, estimate.venue_mismatches) == (1, 0)
            hints = [b for b in bodies() if isinstance(b, RewardHintMessage)]
            assert {(h.outcome, h.order_id, h.reason, h.target_size_micro) for h in hints} == {
                ("DOWN", small, "size_and_band", 50_000_000)}
        finally:
            assert stop_all(workers) == [0] * len(workers)
