"""The async CLOB client against the emulator's REST, signed with our own order signer."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from common.clob.client import AsyncClobClient, HeartbeatMismatch, PostOrder, Sent
from common.clob.signing import OrderSigner
from common.clock import SystemClock
from common.errors import NetworkError, RateLimited, UnknownOutcome, VenueBusy, is_retryable
from common.redis_server import free_port
from sim.exchange import ExchangeConfig
from sim.faults import FaultKind
from tests.integration.sim_api.server import CID, DOWN, UP

from .emulator import Emulator, connected_client, new_wallet, start_emulator

pytestmark = pytest.mark.integration

TICK = 10_000


def buy(signer: OrderSigner, token: str, price_micro: int, size_micro: int = 5_000_000) -> PostOrder:
    order = signer.sign(token_id=token, side="BUY", price_micro=price_micro, size_micro=size_micro,
                        tick_size_micro=TICK, timestamp_ms=time.time_ns() // 1_000_000)  # fmt: skip
    return PostOrder(order, "GTC", post_only=True)


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    emu = await start_emulator(ExchangeConfig(order_burst=60, order_rate_per_s=40, taker_delay_ms=0))
    yield emu
    await emu.server.close()


@pytest.fixture
async def client(emulator: Emulator) -> AsyncIterator[tuple[AsyncClobClient, OrderSigner]]:
    c, signer = await connected_client(emulator)
    yield c, signer
    await c.aclose()


async def test_deriving_the_key_again_gives_the_same_credentials(emulator: Emulator) -> None:
    signer, l1 = new_wallet()
    first = AsyncClobClient(emulator.url, SystemClock(), address=signer.address, l1=l1)
    again = AsyncClobClient(emulator.url, SystemClock(), address=signer.address, l1=l1)

    created = await first.create_or_derive_api_key()
    derived = await again.create_or_derive_api_key()

    assert created.api_key and derived.api_key == created.api_key
    assert derived.secret.get_secret_value() == created.secret.get_secret_value()
    assert created.secret.get_secret_value() not in repr(created)
    await first.aclose()
    await again.aclose()


async def test_a_signed_batch_is_accepted_under_the_hashes_computed_before_sending(client) -> None:  # type: ignore[no-untyped-def]
    c, signer = client
    legs = [buy(signer, UP if i % 2 else DOWN, 300_000 + i * TICK) for i in range(15)]

    results = await c.post_orders(legs)
    open_orders = await c.open_orders(market=CID)

    assert [r.order_id for r in results] == [leg.order.order_id for leg in legs]
    assert all(r.accepted and r.status == "live" for r in results)
    assert {o.order_id for o in open_orders} == {leg.order.order_id for leg in legs}
    assert c.rate_limit is not None and c.rate_limit.remaining == 45


async def test_an_order_and_its_cancel_hand_nothing_to_a_worker_thread(client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Proxy settings and ~/.netrc are read when the session opens, not on a thread per request: a
    # thread hop sits between an order's signature and its bytes leaving.
    c, signer = client
    loop = asyncio.get_running_loop()
    handed: list[object] = []
    real = loop.run_in_executor

    def counting(executor, fn, *args):  # type: ignore[no-untyped-def]
        handed.append(fn)
        return real(executor, fn, *args)

    monkeypatch.setattr(loop, "run_in_executor", counting)
    [placed] = await c.post_orders([buy(signer, UP, 400_000)])
    cancelled = await c.cancel_orders([placed.order_id])

    assert placed.accepted and cancelled.canceled == (placed.order_id,)
    assert handed == []


async def test_a_post_is_stamped_when_it_goes_on_the_wire_and_not_when_it_never_leaves(client) -> None:  # type: ignore[no-untyped-def]
    c, signer = client
    sent = Sent()
    before = time.time_ns() / 1e6
    [placed] = await c.post_orders([buy(signer, UP, 400_000)], sent)
    after = time.time_ns() / 1e6
    assert placed.accepted and sent.at_ms is not None and before <= sent.at_ms <= after

    nowhere = AsyncClobClient(f"http://127.0.0.1:{free_port()}", SystemClock(), address=signer.address, creds=c.creds)
    never = Sent()
    with pytest.raises(NetworkError):
        await nowhere.post_orders([buy(signer, UP, 410_000)], never)
    assert never.at_ms is None
    await nowhere.aclose()


async def test_a_crossing_post_only_leg_is_rejected_alone_with_the_venue_reason(client) -> None:  # type: ignore[no-untyped-def]
    c, signer = client
    await c.post_orders([buy(signer, UP, 500_000)])
    sell = signer.sign(token_id=DOWN, side="BUY", price_micro=520_000, size_micro=5_000_000,
                       tick_size_micro=TICK, timestamp_ms=time.time_ns() // 1_000_000)  # fmt: skip
    # a BUY Down at 0.52 crosses a BUY Up at 0.50 on the unified book (0.50 + 0.52 > 1)
    results = await c.post_orders([buy(signer, UP, 200_000), PostOrder(sell, "GTC", post_only=True)])

    assert results[0].accepted
    assert not results[1].accepted and results[1].order_id == ""
    assert "post-only" in results[1].error_msg
    assert results[1].expected_id == sell.order_id


async def test_cancels_by_id_by_market_and_all_report_what_they_cancelled(client) -> None:  # type: ignore[no-untyped-def]
    c, signer = client
    legs = [buy(signer, UP, 100_000 + i * TICK) for i in range(6)]
    ids = [r.order_id for r in await c.post_orders(legs)]

    one = await c.cancel_orders([ids[0], "0xunknown"])
    market = await c.cancel_market_orders(CID)
    nothing_left = await c.cancel_all()

    assert one.canceled == (ids[0],) and "0xunknown" in one.not_canceled
    assert set(market.canceled) == set(ids[1:])
    assert nothing_left.canceled == () and await c.open_orders() == []


async def test_heartbeats_chain_and_a_stale_id_brings_back_the_expected_one(client) -> None:  # type: ignore[no-untyped-def]
    c, _ = client
    first = await c.heartbeat("")
    second = await c.heartbeat(first)

    with pytest.raises(HeartbeatMismatch) as stale:
        await c.heartbeat(first)

    assert first and second and second != first
    assert stale.value.expected_id == second
    assert not is_retryable(stale.value)
    assert await c.heartbeat(stale.value.expected_id)


async def test_one_open_order_trades_scoring_time_and_balance_are_read(client, emulator: Emulator) -> None:  # type: ignore[no-untyped-def]
    c, signer = client
    [placed] = await c.post_orders([buy(signer, UP, 400_000)])

    one = await c.order(placed.order_id)
    gone = await c.order("0x" + "00" * 32)
    scoring = await c.orders_scoring([placed.order_id])
    balance = await c.balance_allowance()
    server_s = await c.server_time()
    offset_s = await c.sync_time()

    assert one is not None and one.price_micro == 400_000 and one.original_size_micro == 5_000_000
    assert gone is None
    assert scoring == {placed.order_id: False}  # no two-sided book: nothing scores
    assert balance.balance_micro == emulator.exchange.config.faucet_pusd_micro  # resting orders hold no cash
    assert balance.allowances_micro[signer.exchange] == 2**256 - 1
    assert abs(server_s - time.time()) < 5 and abs(offset_s) <= 2
    assert await c.trades(market=CID) == []


async def test_open_orders_and_trades_follow_every_page(emulator: Emulator) -> None:
    from sim.api import ApiSettings

    paged = await start_emulator(settings=ApiSettings(page_limit=2, auth_skew_s=3_600))
    c, signer = await connected_client(paged)
    taker, taker_signer = await connected_client(paged)
    await c.post_orders([buy(signer, UP, 300_000 + i * TICK) for i in range(7)])
    hits = [taker_signer.sign(token_id=DOWN, side="BUY", price_micro=700_000 - i * TICK, size_micro=5_000_000,
                              tick_size_micro=TICK, timestamp_ms=time.time_ns() // 1_000_000)
            for i in range(3)]  # fmt: skip
    await taker.post_orders([PostOrder(h, "FAK") for h in hits])
    assert c.creds is not None
    venue_open = {o.order_id for o in paged.exchange.open_orders(c.creds.api_key)}
    venue_trades = {t.trade_id for t in paged.exchange.trades(c.creds.api_key)}

    orders = await c.open_orders()
    trades = await c.trades()

    assert len(venue_open) > 2 and {o.order_id for o in orders} == venue_open
    assert len(venue_trades) > 2 and {t.trade_id for t in trades} == venue_trades
    await c.aclose()
    await taker.aclose()
    await paged.server.close()


async def test_an_empty_order_bucket_answers_429_with_when_to_retry(emulator: Emulator) -> None:
    tight = await start_emulator(ExchangeConfig(order_burst=20, order_rate_per_s=1))
    c, signer = await connected_client(tight)
    await c.post_orders([buy(signer, UP, 100_000 + i * TICK) for i in range(15)])

    with pytest.raises(RateLimited) as limited:
        await c.post_orders([buy(signer, UP, 300_000 + i * TICK) for i in range(10)])

    assert limited.value.retry_after_s == 5 and is_retryable(limited.value)
    assert c.rate_limit is not None and c.rate_limit.remaining == 5
    assert len((await c.cancel_all()).canceled) == 15  # cancels have their own bucket
    await c.aclose()
    await tight.server.close()


async def test_an_engine_restart_is_a_425_to_wait_out(client, emulator: Emulator) -> None:  # type: ignore[no-untyped-def]
    c, signer = client
    emulator.faults.force(FaultKind.ENGINE_RESTART, 60_000)

    with pytest.raises(VenueBusy) as busy:
        await c.post_orders([buy(signer, UP, 300_000)])

    assert busy.value.status == 425 and is_retryable(busy.value)


async def test_post_only_and_cancel_only_modes_answer_503_to_what_they_forbid(client, emulator: Emulator) -> None:  # type: ignore[no-untyped-def]
    c, signer = client
    resting = buy(signer, UP, 200_000)
    emulator.faults.force(FaultKind.POST_ONLY_MODE, 60_000)

    with pytest.raises(VenueBusy) as post_only:
        await c.post_orders([PostOrder(buy(signer, UP, 210_000).order, "GTC", post_only=False)])
    allowed = await c.post_orders([resting])
    emulator.faults.force(FaultKind.POST_ONLY_MODE, 0)
    emulator.faults.force(FaultKind.CANCEL_ONLY_MODE, 60_000)
    with pytest.raises(VenueBusy) as cancel_only:
        await c.post_orders([buy(signer, UP, 220_000)])
    canceled = await c.cancel_orders([resting.order.order_id])
    emulator.faults.force(FaultKind.CANCEL_ONLY_MODE, 0)

    assert post_only.value.status == 503 and "post-only mode" in str(post_only.value)
    assert allowed[0].accepted
    assert cancel_only.value.status == 503 and "cancel-only" in str(cancel_only.value)
    assert canceled.canceled == (resting.order.order_id,)


async def test_a_lost_answer_after_the_engine_took_the_order_is_an_unknown_outcome(client, emulator: Emulator) -> None:  # type: ignore[no-untyped-def]
    c, signer = client
    emulator.faults.probability = lambda kind: 1.0 if kind is FaultKind.AMBIGUOUS_SUBMIT else 0.0  # type: ignore[method-assign]
    sent: list[str] = []
    unknown = 0
    for i in range(6):  # the emulator's coin: half lose the answer, half answer 502
        leg = buy(signer, UP, 300_000 + i * TICK)
        sent.append(leg.order.order_id)
        try:
            await c.post_orders([leg])
        except UnknownOutcome:
            unknown += 1
    emulator.faults.probability = lambda kind: 0.0  # type: ignore[method-assign]

    live = {o.order_id for o in await c.open_orders()}

    assert unknown == 6
    assert live == set(sent)  # every order rests although no answer said so: found by its hash
