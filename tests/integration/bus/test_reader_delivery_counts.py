"""What the reader counts as a delivery (toward ``bus.max_deliveries``), against a real Redis."""

from __future__ import annotations

import redis.asyncio as aioredis

from common.bus.reader import GroupReader
from common.config.settings import BusSettings

STREAM = "t.counts"


def reader(client: aioredis.Redis) -> GroupReader:
    return GroupReader(client, stream=STREAM, group="g", consumer="c-0", cfg=BusSettings(), block_ms=10)


async def first_read(client: aioredis.Redis) -> GroupReader:
    await client.xadd(STREAM, {b"n": b"1"})
    await client.xadd(STREAM, {b"n": b"2"})
    r = reader(client)
    await r.ensure_group()
    r.reread_pending()
    fresh = await r.read()  # nothing pending yet: new entries
    assert [d.deliveries for d in fresh] == [1, 1]
    return r


async def test_pending_entries_read_again_after_reconnects_are_not_counted_as_deliveries(redis_url: str) -> None:
    client = aioredis.Redis.from_url(redis_url)
    r = await first_read(client)

    for _ in range(7):  # seven reconnects with the entries in hand
        r.reread_pending()
        again = await r.read()
        assert [(d.fields, d.deliveries) for d in again] == [({b"n": b"1"}, 1), ({b"n": b"2"}, 1)]

    rows = await client.xpending_range(STREAM, "g", min="-", max="+", count=10)
    assert [row["times_delivered"] for row in rows] == [1, 1]
    await r.aclose()
    await client.aclose()


async def test_a_new_process_reading_its_pending_entries_counts_a_delivery(redis_url: str) -> None:
    client = aioredis.Redis.from_url(redis_url)
    await (await first_read(client)).aclose()

    restarted = reader(client)  # the same consumer name in a new process: the entry may have killed it
    restarted.reread_pending()
    again = await restarted.read()

    assert [d.deliveries for d in again] == [2, 2]
    await restarted.aclose()
    await client.aclose()


async def test_an_entry_retried_after_its_handler_failed_counts_a_delivery(redis_url: str) -> None:
    client = aioredis.Redis.from_url(redis_url)
    r = await first_read(client)

    r.retry_pending()
    (retried,) = await r.read()

    assert (retried.fields, retried.deliveries) == ({b"n": b"1"}, 2)
    await r.aclose()
    await client.aclose()


async def test_an_entry_trimmed_away_while_pending_comes_back_without_fields_after_a_reconnect(
    redis_url: str,
) -> None:
    client = aioredis.Redis.from_url(redis_url)
    r = await first_read(client)
    first_id = (await client.xrange(STREAM, count=1))[0][0]
    await client.xdel(STREAM, first_id)

    r.reread_pending()
    again = await r.read()

    assert [d.fields for d in again] == [None, {b"n": b"2"}]
    await r.aclose()
    await client.aclose()
