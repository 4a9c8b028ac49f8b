"""The ledger as a real process against the real emulator: its books equal the venue's record of our
account to the micro-unit, through maker fills, a taker fill with its fee, a FAILED trade, and a
SIGKILL of the ledger in the middle of the run.

The emulator runs the ``chaos`` fault profile with a seed whose fault draws are known: the second
trade ends FAILED and no other fault fires within this test's first 150 draws of each kind (every
kind draws from its own seeded stream, ``sim.faults.Faults``).
"""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
import pytest
import redis
from eth_account import Account
from py_clob_client_v2 import ClobClient, OrderArgsV2, OrderType, PartialCreateOrderOptions

from cli.keys import derive_credentials, write_secret
from common import state
from common.bus import streams
from common.bus.codec import decode
from common.config import load_settings
from common.schemas.positions import AccountPosition, MarketPosition
from tests.integration.bus.procs import start_worker, stop, wait_for
from tests.integration.emulator import emulator, venue_env
from tests.integration.windows import open_window
from workers.ledger import store
from workers.ledger.core import Ledger
from workers.ledger.ops import Books

pytestmark = [pytest.mark.integration, pytest.mark.slow]
SERIES = '["btc-5m"]'
#: Under ``chaos`` with this seed the 2nd trade ends FAILED, and nothing else fires early on.
CHAOS_SEED = "2479"
FINAL = {"CONFIRMED", "FAILED"}


def client_for(url: str, key: str) -> ClobClient:
    client = ClobClient(url, chain_id=137, key=key)
    client.set_api_creds(client.create_or_derive_api_key())
    return client


def post(client: ClobClient, token: str, price: float, size: float, side: str = "BUY", rest: bool = True) -> str:
    order = client.create_order(OrderArgsV2(token_id=token, price=price, size=size, side=side),
                                PartialCreateOrderOptions(tick_size="0.01"))  # fmt: skip
    reply = client.post_order(order, OrderType.GTC, post_only=rest)
    assert reply["success"] and reply["orderID"], reply
    return str(reply["orderID"])


def sim(url: str, path: str) -> dict:  # type: ignore[type-arg]
    return httpx.get(f"{url}{path}", timeout=5).json()  # type: ignore[no-any-return]


def ledger_view(client: redis.Redis) -> tuple[int, dict[str, int]]:
    """The ledger's cash and its shares per token (non-zero), from ``state:positions``."""
    raw = {k.decode(): v for k, v in client.hgetall(state.POSITIONS).items()}
    cash = AccountPosition.model_validate_json(raw.pop("account")).cash_micro if "account" in raw else -1
    shares = {o.token_id: o.shares_micro for v in raw.values()
              for o in MarketPosition.model_validate_json(v).outcomes if o.shares_micro}  # fmt: skip
    return cash, shares


def never_stopped(client: redis.Redis) -> Ledger:
    """A ledger fed every input once, in stream order, in this process: what a ledger that never
    stopped would hold."""
    books = Books(Ledger(int(client.hget(store.LEDGER_KEY, store.INITIAL_CASH_FIELD))))
    for stream in (streams.MARKETS, streams.FILLS):
        for _, fields in client.xrange(stream):
            for op in books.ops_for(decode(fields).body):
                books.apply(op)
    return books.ledger


def test_the_ledger_equals_the_venue_to_the_micro_unit_through_fees_a_failed_trade_and_a_sigkill(
    redis_url: str, tmp_path: Path
) -> None:
    client = redis.Redis.from_url(redis_url)
    secrets = tmp_path / "secrets"
    with emulator(tmp_path, "--series", "btc-5m", "--no-traders", "--no-chain", "--seed", CHAOS_SEED,
                  "--faults", "chaos") as url:  # fmt: skip
        env = {**venue_env(url), "UPDOWN_SERIES": SERIES, "UPDOWN_SECRETS_DIR": str(secrets)}
        ours = Account.create()
        write_secret(secrets, "wallet__private_key", ours.key.hex())
        derive_credentials(load_settings(env={**env, "UPDOWN_WALLET__PRIVATE_KEY": ours.key.hex()}), secrets)
        feeds = [start_worker(name, redis_url, tmp_path, f"{name}-0", **env) for name in ("discovery", "feed-user")]
        ledger = start_worker("workers.ledger.worker:SPEC", redis_url, tmp_path, "ledger-0", **env)
        try:
            wait_for(lambda: client.hexists(store.LEDGER_KEY, store.INITIAL_CASH_FIELD), timeout_s=20,
                     what="the ledger's starting cash")  # fmt: skip
            current = open_window(client, lasting_s=60)
            up, down = current.token_ids
            me, other = client_for(url, ours.key.hex()), client_for(url, Account.create().key.hex())

            post(me, up, 0.40, 10)  # trade 1: our maker BUY Up 5 @ 0.40
            post(other, down, 0.60, 5, rest=False)
            post(other, down, 0.45, 12)  # a SELL Up at 0.55 for our takers
            post(me, up, 0.55, 6, rest=False)  # trade 2: our taker BUY, fee paid, then FAILED
            booked = 10_000_000_000 - 2_000_000 - 3_300_000 - 103_950
            wait_for(lambda: ledger_view(client)[0] == booked, timeout_s=20, what="trades 1 and 2 booked")
            ledger.send_signal(signal.SIGKILL)  # trade 2 is still MATCHED: its FAILED comes after the restart
            ledger.wait(10)

            post(me, up, 0.55, 6, rest=False)  # trade 3: a taker BUY with its fee, while the ledger is dead
            post(me, up, 0.70, 5, side="SELL")  # trade 4: our maker SELL 5 @ 0.70
            post(other, up, 0.70, 5, rest=False)
            ledger = start_worker("workers.ledger.worker:SPEC", redis_url, tmp_path, "ledger-0", **env)
            post(me, down, 0.25, 8)  # trade 5: our maker BUY Down 8 @ 0.25
            post(other, up, 0.75, 8, rest=False)

            address = ours.address
            wait_for(lambda: len(trades := sim(url, f"/sim/trades?api_key={me.creds.api_key}")["trades"]) == 5
                     and {t["status"] for t in trades} <= FINAL, timeout_s=30, what="every trade final")  # fmt: skip

            def venue() -> tuple[int, dict[str, int]]:
                acct = sim(url, f"/sim/accounts/{address}")
                return acct["cash_micro"], {t: n for t, n in acct["positions_micro"].items() if n}

            wait_for(lambda: ledger_view(client) == venue(), timeout_s=20, what="the ledger to equal the venue")
            cash, shares = ledger_view(client)
            account = AccountPosition.model_validate_json(client.hget(state.POSITIONS, "account"))
            trades, api_key = sim(url, f"/sim/trades?api_key={me.creds.api_key}")["trades"], me.creds.api_key
            reference = never_stopped(client)
        finally:
            for proc in [*feeds, ledger]:
                assert stop(proc) == 0

    failed = [t for t in trades if t["status"] == "FAILED"]
    assert len(failed) == 1 and failed[0]["taker_owner"] == api_key and failed[0]["fee_micro"] == 103_950
    assert account.taker_fees_paid_micro == 103_950  # trade 3's fee; the FAILED trade's was refunded
    assert (cash, shares) == (10_000_000_000 - 2_000_000 - 3_300_000 - 103_950 + 3_500_000 - 2_000_000,
                              {up: 6_000_000, down: 8_000_000})  # fmt: skip
    assert reference.cash_micro() == cash
    assert {o.token_id: o.shares_micro for o in reference.position(current.condition_id, 0).outcomes} == shares
