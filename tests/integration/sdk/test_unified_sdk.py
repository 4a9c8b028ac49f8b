"""polymarket-client (the unified official SDK, pinned in requirements-dev.lock), unmodified, against
``updown sim`` run as a process: what a new user does with it works, on a V1 and a V2 market."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from polymarket import AsyncSecureClient, OrderHeartbeatMismatchError, RequestRejectedError, SecureClient
from polymarket.streams import CryptoPriceSpec, CryptoTwapPriceSpec, MarketSpec, UserSpec

from tests.integration.bus.procs import wait_for
from tests.integration.emulator import emulator

from .unified import latest_window, new_client, sim_environment

pytestmark = pytest.mark.integration
#: A V1 market's series and a Protocol V2 one's (``--v2-series``), with the Gamma version each shows.
MARKETS = {"btc-15m": "v1", "eth-15m": "v2"}
#: The longest a stream event may take to arrive (generous: the machine is shared).
STREAM_WAIT_S = 20.0


@pytest.fixture(scope="module")
def sim_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp: Path = tmp_path_factory.mktemp("sdk-sim")
    with emulator(tmp, "--series", ",".join(MARKETS), "--v2-series", "eth-15m", "--no-traders", "--no-chain",
                  "--seed", "5") as url:  # fmt: skip
        yield url


@pytest.fixture(scope="module", params=list(MARKETS))
def window(sim_url: str, request: pytest.FixtureRequest) -> dict[str, Any]:
    found = latest_window(sim_url, request.param)
    found["version"] = MARKETS[request.param]
    return found


@pytest.fixture(scope="module")
def maker(sim_url: str) -> Iterator[SecureClient]:
    client = new_client(sim_url)
    yield client
    client.close()


def test_l1_creates_the_credentials_and_l2_reads_them_back(sim_url: str, maker: SecureClient) -> None:
    again = SecureClient.create(private_key=maker._ctx.signer.key.hex(), wallet=maker.wallet,
                                environment=maker.environment)  # fmt: skip

    assert maker.wallet_type == "EOA" and maker.credentials.key
    assert again.credentials == maker.credentials  # derived deterministically, not created twice
    assert maker.fetch_api_keys() == (maker.credentials.key,)
    again.close()


def test_gamma_finds_the_market_by_slug_and_by_condition_id(maker: SecureClient, window: dict[str, Any]) -> None:
    by_slug = maker.get_market(slug=window["slug"])
    by_condition = [m for page in maker.list_markets(condition_ids=[window["condition_id"]]) for m in page.items]

    assert by_slug.condition_id == window["condition_id"]
    assert [m.slug for m in by_condition] == [window["slug"]]
    assert by_slug.version == window["version"]
    if window["version"] == "v2":
        assert (by_slug.outcomes.yes.position_id, by_slug.outcomes.no.position_id) == tuple(window["token_ids"])
    assert (by_slug.outcomes.yes.token_id, by_slug.outcomes.no.token_id) == tuple(window["token_ids"])


def test_a_trading_session_rests_batches_takes_and_cancels(sim_url: str, maker: SecureClient,
                                                          window: dict[str, Any]) -> None:  # fmt: skip
    up, down = window["token_ids"]
    collateral = maker.get_balance_allowance(asset_type="COLLATERAL")
    resting = maker.place_limit_order(token_id=up, price="0.47", size="60", side="BUY", post_only=True)
    other_side = maker.place_limit_order(token_id=down, price="0.47", size="60", side="BUY", post_only=True)
    batch = maker.post_orders([
        maker.create_limit_order(token_id=up, price="0.45", size="10", side="BUY", post_only=True),
        maker.create_limit_order(token_id=up, price="0.44", size="10", side="BUY", post_only=True),
    ])  # fmt: skip
    book = maker.get_order_book(token_id=up)

    assert collateral.balance > 0
    assert resting.ok and resting.order_id.startswith("0x") and other_side.ok
    assert all(leg.ok for leg in batch)
    assert [level.price for level in book.bids][-1] == Decimal("0.47")
    assert maker.get_order_scoring(order_id=resting.order_id) is True
    assert maker.get_orders_scoring(order_ids=[batch[0].order_id]) == {batch[0].order_id: False}  # < 50 shares

    taker = new_client(sim_url)
    with pytest.raises(RequestRejectedError, match="invalid post-only order: order crosses book"):
        taker.place_limit_order(token_id=down, price="0.55", size="10", side="BUY", post_only=True)
    fok = taker.place_market_order(token_id=down, side="BUY", amount="5.3", max_price="0.53", order_type="FOK")
    fak = taker.place_market_order(token_id=down, side="BUY", amount="100", max_price="0.53", order_type="FAK")
    too_late = taker.cancel_order(order_id=fok.order_id)  # takers wait out the delay, uncancellable
    asset_type = "CONDITIONAL-V2" if window["version"] == "v2" else "CONDITIONAL"

    def shares() -> int:
        return int(taker.get_balance_allowance(asset_type=asset_type, token_id=down).balance)

    assert fok.ok and fak.ok and fok.status == fak.status == "delayed"
    assert too_late.canceled == () and fok.order_id in too_late.not_canceled
    wait_for(lambda: shares() == 60_000_000, timeout_s=10, what="the delayed takers filled")  # micro-shares:
    # the whole 60-share Up bid at 0.47, minted against the Down buys
    taker.close()

    one = maker.cancel_order(order_id=batch[0].order_id)
    many = maker.cancel_orders(order_ids=[batch[1].order_id, "0x" + "00" * 32])
    last = maker.place_limit_order(token_id=up, price="0.30", size="5", side="BUY")
    rest = maker.cancel_all()

    assert one.canceled == (batch[0].order_id,)
    assert many.canceled == (batch[1].order_id,) and "0x" + "00" * 32 in many.not_canceled
    assert set(rest.canceled) == {last.order_id, other_side.order_id}


def test_heartbeats_chain_and_the_documented_stale_id_recovery_works(maker: SecureClient) -> None:
    first = maker.send_order_heartbeat(heartbeat_id="").heartbeat_id
    second = maker.send_order_heartbeat(heartbeat_id=first).heartbeat_id
    with pytest.raises(OrderHeartbeatMismatchError) as stale:
        maker.send_order_heartbeat(heartbeat_id=first)
    recovered = maker.send_order_heartbeat(heartbeat_id=stale.value.heartbeat_id)

    assert stale.value.heartbeat_id == second
    assert recovered.heartbeat_id not in ("", first, second)


async def test_the_market_and_user_websockets_stream_a_placement(sim_url: str, window: dict[str, Any]) -> None:
    account = Account.create()
    client = await AsyncSecureClient.create(private_key=account.key.hex(), wallet=account.address,
                                            environment=sim_environment(sim_url))  # fmt: skip
    up = window["token_ids"][0]
    market = await client.subscribe(MarketSpec(asset_ids=[up]))
    user = await client.subscribe(UserSpec(markets=[window["condition_id"]]))
    try:
        first = await asyncio.wait_for(anext(aiter(market)), STREAM_WAIT_S)  # the book snapshot
        placed = await client.place_limit_order(token_id=up, price="0.21", size="7", side="BUY", post_only=True)
        mine = await asyncio.wait_for(anext(aiter(user)), STREAM_WAIT_S)
        change = await asyncio.wait_for(_next_of(market, "price_change"), STREAM_WAIT_S)

        assert first.type == "book" and placed.ok
        assert mine.type == "order" and mine.payload.id == placed.order_id
        assert [(c.price, c.size) for c in change.payload.price_changes if c.asset_id == up] == [
            (Decimal("0.21"), Decimal("7"))
        ]
    finally:
        await market.close()
        await user.close()
        await client.cancel_all()
        await client.close()


async def test_polybolt_serves_the_sdk_both_price_channels(sim_url: str) -> None:
    account = Account.create()
    client = await AsyncSecureClient.create(private_key=account.key.hex(), wallet=account.address,
                                            environment=sim_environment(sim_url))  # fmt: skip
    spot = await client.subscribe(CryptoPriceSpec(symbols=["btcusd"]))
    twap = await client.subscribe(CryptoTwapPriceSpec(symbols=["btcusd"]))
    try:
        spot_first = await asyncio.wait_for(anext(aiter(spot)), STREAM_WAIT_S)
        twap_first = await asyncio.wait_for(anext(aiter(twap)), STREAM_WAIT_S)
        spot_next = await asyncio.wait_for(anext(aiter(spot)), STREAM_WAIT_S)
    finally:
        await spot.close()
        await twap.close()
        await client.close()

    assert spot_first.topic == "prices.crypto" and twap_first.topic == "prices.crypto.twap"
    assert (spot_first.type, twap_first.type) == ("subscribe", "subscribe")
    assert spot_first.payload.symbol == twap_first.payload.symbol == "btcusd"
    assert twap_first.payload.window_seconds == 60
    assert spot_next.type == "update" and spot_next.payload.symbol == "btcusd" and spot_next.seq == spot_first.seq + 1


async def _next_of(handle: Any, kind: str) -> Any:
    async for event in handle:
        if event.type == kind:
            return event
    raise AssertionError(f"the stream ended before a {kind} event")
