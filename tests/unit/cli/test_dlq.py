"""``updown dlq list|replay``: against a real redis-server, dead letters made by the real writer."""

from __future__ import annotations

import asyncio

import pytest
import redis
import redis.asyncio as aioredis

from cli.main import main
from common.bus import streams
from common.bus.codec import decode, encode
from common.bus.writer import Writer
from common.clock import SYSTEM_CLOCK
from common.config.settings import BusSettings
from common.schemas.base import load_all
from common.schemas.heartbeat import Heartbeat

STREAM = "t.dlq.fills"
GROUP = "ledger"


def beat(seq: int) -> dict[bytes, bytes]:
    return encode(Heartbeat(seq=seq, producer="test"), src="test", event_ms=1, ingest_ms=1, emit_ms=1)


async def _dead_letter(url: str, seqs: list[int]) -> list[str]:
    """Entries read by a group and dead-lettered the way the consumer does it; their dead letters' ids."""
    client = aioredis.Redis.from_url(url)
    await client.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
    for seq in seqs:
        await client.xadd(STREAM, beat(seq))
    writer = Writer(client, "ledger", BusSettings(), SYSTEM_CLOCK)
    for entry_id, fields in (await client.xreadgroup(GROUP, "c-0", {STREAM: ">"}))[0][1]:
        await writer.dead_letter(client, stream=STREAM, group=GROUP, entry_id=entry_id.decode(), fields=fields,
                                 reason="max_deliveries: failed 5 times", deliveries=6)  # fmt: skip
    ids = [i.decode() for i, _ in await client.xrange(streams.dlq(STREAM))]
    await client.aclose()
    return ids


@pytest.fixture
def dead(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("REDIS_URL", redis_url)
    load_all()
    return asyncio.run(_dead_letter(redis_url, [1, 2, 3]))


def seqs(client: redis.Redis, stream: str) -> list[int]:
    return [decode(f).body.seq for _, f in client.xrange(stream)]  # type: ignore[attr-defined]


def test_dlq_list_shows_each_dead_letter_with_where_it_came_from_why_and_the_entry(
    dead: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["dlq", "list", STREAM, "--count", "2"]) == 0

    out = capsys.readouterr().out
    assert f"{STREAM}:dlq: 3 dead letter(s), the latest 2 shown" in out
    shown = [line.split()[0] for line in out.splitlines()[1:] if not line.startswith(" ")]
    assert shown == dead[1:]
    assert f"from {STREAM}/" in out and "group=ledger deliveries=6" in out
    assert "reason=max_deliveries: failed 5 times" in out
    assert '"seq":3' in out


def test_dlq_replay_puts_an_entry_back_on_its_stream_once_even_when_run_twice(
    dead: list[str], redis_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    client = redis.Redis.from_url(redis_url)

    assert main(["dlq", "replay", STREAM, "--id", dead[1]]) == 0
    assert main(["dlq", "replay", f"{STREAM}:dlq", "--id", dead[1]]) == 0

    out = capsys.readouterr().out
    assert out.count(f"replayed {dead[1]} -> {STREAM} ") == 1
    assert f"not in {STREAM}:dlq (replayed already?): {dead[1]}" in out
    assert seqs(client, STREAM) == [1, 2, 3, 2]
    assert [i.decode() for i, _ in client.xrange(streams.dlq(STREAM))] == [dead[0], dead[2]]
    # The group reads it as a new entry, the envelope as it was (no dead-letter fields).
    ((_, [(_, fields)]),) = client.xreadgroup(GROUP, "c-0", {STREAM: ">"})
    assert fields == beat(2)


def test_dlq_replay_all_puts_every_dead_letter_back_in_order(
    dead: list[str], redis_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    client = redis.Redis.from_url(redis_url)

    assert main(["dlq", "replay", STREAM, "--all"]) == 0
    assert main(["dlq", "replay", STREAM, "--all"]) == 0

    out = capsys.readouterr().out
    assert f"3 replayed onto {STREAM}, 0 not found, 0 failed" in out
    assert f"0 replayed onto {STREAM}, 0 not found, 0 failed" in out
    assert seqs(client, STREAM) == [1, 2, 3, 1, 2, 3]
    assert client.xlen(streams.dlq(STREAM)) == 0


def test_dlq_replay_refuses_what_is_not_a_dead_lettered_stream_entry(
    redis_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("REDIS_URL", redis_url)
    client = redis.Redis.from_url(redis_url)
    raw_id = client.xadd("feed.raw:dlq", {b"feed": b"book", b"error": b"bad json", b"raw": b"{"}).decode()

    assert main(["dlq", "replay", "feed.raw", "--id", raw_id]) == 1

    assert "not a dead-lettered stream entry" in capsys.readouterr().out
    assert not client.exists("feed.raw")
    assert client.xlen("feed.raw:dlq") == 1
