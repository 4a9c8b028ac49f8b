"""The merger against the real emulator with its chain: our fills settle on chain, a merge left in
flight by a crash is finished once, full sets are merged during the window, winners are redeemed
after resolution, and the emulator's record of our collateral equals the chain's to the micro-unit.

The test plays the ledger (it writes our ``MarketPosition`` into ``state:positions`` and books each
``InventoryAction``), so that only the merger runs as a worker.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from eth_account import Account
from py_clob_client_v2 import ClobClient, OrderArgsV2, OrderType, PartialCreateOrderOptions
from web3 import AsyncHTTPProvider, AsyncWeb3, HTTPProvider, Web3

from cli.keys import derive_credentials, write_secret
from common import state
from common.bus import streams
from common.bus.codec import decode
from common.chain import FileIntentStore
from common.chain.abi import CTF_ABI, ERC20_ABI, POSITIONS_ABI
from common.chain.ids import BINARY_PARTITION, ZERO_COLLECTION, binary_position_ids
from common.chain.sender import GatewaySettings, TxSender
from common.config import load_settings
from common.schemas.inventory import InventoryAction
from common.schemas.positions import MarketPosition, OutcomePosition
from tests.integration.bus.procs import start_worker, stop, wait_for
from tests.integration.emulator import approve_exchange, emulator, venue_env
from workers.merger.journal import Journal

pytestmark = [pytest.mark.integration, pytest.mark.slow]
WINDOW_S = 20
OPTIONS = PartialCreateOrderOptions(tick_size="0.01")


def buy(client: ClobClient, token: str, price: float, size: float) -> None:
    order = client.create_order(OrderArgsV2(token_id=token, price=price, size=size, side="BUY"), OPTIONS)
    reply = client.post_order(order, OrderType.GTC)
    assert reply["success"], reply


def position(market: str, tokens: tuple[str, str], up: int, down: int, winner: str | None = None) -> str:
    outcomes = tuple(
        OutcomePosition(token_id=t, outcome=n, matched_shares_micro=0, mined_shares_micro=0,
                        confirmed_shares_micro=s, shares_micro=s, cost_micro=0, avg_cost_micro=0, mark_micro=None,
                        unrealized_pnl_micro=0)
        for t, n, s in zip(tokens, ("Up", "Down"), (up, down), strict=True))
    return MarketPosition(market=market, slug="", outcomes=outcomes, mergeable_full_sets_micro=min(up, down),
                          realized_pnl_micro=0, unrealized_pnl_micro=0, taker_fees_paid_micro=0,
                          maker_fee_equivalent_micro=0, rebate_estimate_micro=0, resolved_winner=winner,
                          at_ms=time.time_ns() // 1_000_000).model_dump_json()


def wait_resolved(url: str, market: str, end_s: float) -> int:
    """The winner of ``market`` once the emulator resolved it (within 20 s of its end)."""

    def winner() -> int | None:
        markets = httpx.get(f"{url}/sim/markets").json()["markets"]
        return next(m["winner_index"] for m in markets if m["condition_id"] == market)

    wait_for(lambda: winner() is not None, timeout_s=end_s - time.time() + 20, what="the window resolved")
    found = winner()
    assert found is not None
    return found


def inventory(client: redis.Redis) -> list[InventoryAction]:
    return [decode(f).body for _, f in client.xrange(streams.INVENTORY)]  # type: ignore[misc]


async def crash_after_send(rpc: str, key: str, info: dict[str, Any], condition: bytes, intent_id: str,
                           amount: int, intents: Path) -> None:
    """What a merger killed between broadcast and receipt leaves: a persisted, sent transaction."""
    w3 = AsyncWeb3(AsyncHTTPProvider(rpc))
    account = Account.from_key(key)
    sender = TxSender(w3, account, account.address, FileIntentStore(intents), 137, GatewaySettings(), asyncio.sleep)
    ctf = w3.eth.contract(address=info["ctf"], abi=POSITIONS_ABI)
    intent = await sender.intent(intent_id, "merge", condition, amount)
    await sender.send(intent, ctf.functions.mergePositions(info["collateral"], ZERO_COLLECTION, condition,
                                                           list(BINARY_PARTITION), amount), amount)
    await w3.provider.disconnect()


def test_full_sets_are_merged_once_and_winners_redeemed_and_collateral_matches(redis_url: str, tmp_path: Path) -> None:
    r = redis.Redis.from_url(redis_url)
    secrets = tmp_path / "secrets"
    with emulator(tmp_path, "--series", "btc-5m", "--window-seconds", str(WINDOW_S), "--no-traders",
                  "--seed", "11") as url:
        env = {**venue_env(url), "UPDOWN_SERIES": '["btc-5m"]', "UPDOWN_SECRETS_DIR": str(secrets)}
        ours = Account.create()
        key = ours.key.to_0x_hex()
        write_secret(secrets, "wallet__private_key", key)
        derive_credentials(load_settings(env={**env, "UPDOWN_WALLET__PRIVATE_KEY": key}), secrets)
        info = httpx.get(f"{url}/sim/chain").json()
        w3 = Web3(HTTPProvider(f"{url}/chain/rpc"))
        ctf = w3.eth.contract(address=info["ctf"], abi=CTF_ABI)
        collateral = w3.eth.contract(address=info["collateral"], abi=ERC20_ABI)

        def chain_cash() -> int:
            return int(collateral.functions.balanceOf(ours.address).call())

        def venue_cash() -> int:
            return int(httpx.get(f"{url}/sim/accounts/{ours.address}").json()["cash_micro"])

        assert chain_cash() == venue_cash() == 10_000_000_000  # the faucet, funded on chain

        # The first window still trading for 8 s (merges may go on after its end, until it resolves);
        # we buy 30 Up @ 0.40 and 25 Down @ 0.55 as makers.
        now_s = time.time()
        windows = httpx.get(f"{url}/sim/world").json()["windows"]
        window = min((w for w in windows if w["end_s"] - now_s >= 8), key=lambda w: w["end_s"])
        market, tokens = window["condition_id"], tuple(window["token_ids"])
        condition = bytes.fromhex(market[2:])
        up_id, down_id = binary_position_ids(info["collateral"], condition)
        assert (str(up_id), str(down_id)) == tokens
        me = ClobClient(url, chain_id=137, key=key)
        me.set_api_creds(me.create_or_derive_api_key())
        other_key = Account.create().key.hex()
        other = ClobClient(url, chain_id=137, key=other_key)
        other.set_api_creds(other.create_or_derive_api_key())
        for wallet in (key, other_key):  # the emulator refuses orders of a wallet that never approved
            approve_exchange(url, wallet)
        buy(me, tokens[0], 0.40, 30)
        buy(me, tokens[1], 0.55, 25)
        buy(other, tokens[1], 0.60, 30)
        buy(other, tokens[0], 0.45, 25)

        def held() -> tuple[int, int]:
            up, down = ctf.functions.balanceOfBatch([ours.address] * 2, [up_id, down_id]).call()
            return int(up), int(down)

        wait_for(lambda: held() == (30_000_000, 25_000_000), timeout_s=15, what="our fills settled on chain")

        # A merge of 10 sets left in flight by a crash, then the merger starts with a stale ledger.
        asyncio.run(crash_after_send(f"{url}/chain/rpc", key, info, condition, f"merge:{market}:0", 10_000_000,
                                     tmp_path / "merger" / "intents"))
        journal = Journal.load(tmp_path / "merger")
        journal.open_merges[f"merge:{market}:0"] = (market, "", 10_000_000)
        journal.merge_seq[market] = 1
        journal.save()
        r.hset(state.POSITIONS, market, position(market, tokens, 30_000_000, 25_000_000))
        merger = start_worker("workers.merger.worker:SPEC", redis_url, tmp_path, "merger-0", **env)
        try:
            wait_for(lambda: len(inventory(r)) >= 1, timeout_s=20, what="the crashed merge published")
            assert held() == (20_000_000, 15_000_000), "the merge in flight was sent twice"
            r.hset(state.POSITIONS, market, position(market, tokens, 20_000_000, 15_000_000))  # booked

            wait_for(lambda: len(inventory(r)) >= 2, timeout_s=10, what="a merge during the window")
            assert held() == (5_000_000, 0)
            r.hset(state.POSITIONS, market, position(market, tokens, 5_000_000, 0))
            merges = inventory(r)
            assert [(a.kind, a.op_id, a.sets_micro) for a in merges] == [
                ("merge", f"merge:{market}:0", 10_000_000), ("merge", f"merge:{market}:1", 15_000_000)]
            assert ctf.functions.isApprovedForAll(ours.address, info["exchange"]).call()

            settle_and_check(r, url, market, tokens, window, 2, held, chain_cash, venue_cash)
        finally:
            assert stop(merger) == 0
        log = (tmp_path / "merger-0.log").read_text()
        assert key[2:] not in log and json.dumps(key) not in log


def settle_and_check(r: redis.Redis, url: str, market: str, tokens: Sequence[str], window: dict[str, Any],
                     redeem_at: int, held: Callable[[], tuple[int, int]], chain_cash: Callable[[], int],
                     venue_cash: Callable[[], int]) -> None:  # fmt: skip
    """After the merges (30 Up bought at 0.40 and 25 Down at 0.55, 25 sets merged, 5 Up left): the
    window resolves, the 5 Up are redeemed if Up won (``inventory(r)[redeem_at]``), and the chain's
    cash equals the emulator's and what the fills, merges and redeem make."""
    winner = wait_resolved(url, market, window["end_s"])
    r.hset(state.POSITIONS, market, position(market, tokens, 5_000_000, 0, ("Up", "Down")[winner]))
    if winner == 0:
        wait_for(lambda: len(inventory(r)) > redeem_at, timeout_s=15, what="the redeem")
        redeem = inventory(r)[redeem_at]
        assert (redeem.kind, redeem.collateral_micro, redeem.burned_up_micro) == ("redeem", 5_000_000, 5_000_000)
        assert held() == (0, 0)
    spent = 12_000_000 + 13_750_000  # 30 × 0.40 + 25 × 0.55, as makers (no fee)
    expected = 10_000_000_000 - spent + 25_000_000 + (5_000_000 if winner == 0 else 0)
    wait_for(lambda: chain_cash() == expected == venue_cash(), timeout_s=10,
             what="the emulator's cash to equal the chain's")
