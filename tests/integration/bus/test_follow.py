"""``runner.follow``: a traced stage handles its inputs in a recorded schedule's order (real Redis,
the real runner): the order kept whatever order the entries arrive in, source decisions made where
the schedule has them at their recorded time, usual consumption after the schedule, and a clear
error when an entry the schedule waits for never comes."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
from collections.abc import Sequence

import pytest

from common.bus import streams
from common.bus.codec import decode, encode
from common.bus.connection import connect
from common.bus.envelope import Envelope
from common.bus.writer import Emit
from common.config import load_settings
from common.config.errors import ConfigError
from common.runner.runner import run_worker
from common.runner.schedule import schedule_stream
from common.runner.spec import Context, Input, WorkerSpec
from common.schemas.heartbeat import Heartbeat
from common.schemas.trace import DecisionTrace

pytestmark = pytest.mark.integration
STAGE = "follower"
T0 = 1_800_000_000_000
#: Generous: the machine is shared (never a timing assertion, only a ceiling).
WAIT_S = 30.0


class Toy:
    """A stage reading ``in.a`` and ``in.b``: notes what it handled and when, decides on every entry."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, int, int]] = []

    async def handle(self, ctx: Context, env: Envelope) -> Sequence[Emit]:
        body = env.body
        assert isinstance(body, Heartbeat)
        self.seen.append((body.producer, body.seq, ctx.clock.now_ms()))
        return [Emit(streams.HEARTBEAT_SEEN, body)]

    async def tick(self, ctx: Context, value: str) -> None:
        self.seen.append((f"tick:{value}", 0, ctx.clock.now_ms()))

    async def never(self, ctx: Context) -> None:
        """The wall-time source loop: never runs while the schedule is followed."""
        self.seen.append(("source-loop", 0, 0))
        await ctx.stopping.wait()

    def spec(self) -> WorkerSpec:
        return WorkerSpec(name=STAGE, inputs=(Input("in.a"), Input("in.b")), handle=self.handle, source=self.never,
                          trace=True, source_decisions={"tick": self.tick})  # fmt: skip


def trace(seq: int, order: tuple[str, ...], clock_ms: int, *, source: str = "", value: str = "") -> dict[bytes, bytes]:
    trigger = order[-1].rsplit(" ", 1)[0] if order and not source else ""
    body = DecisionTrace(stage=STAGE, run_ms=T0, seq=seq, kind="source" if source else "entry", clock_ms=clock_ms,
                         clock="event", order=order, trigger_stream=trigger, source=source, value=value)  # fmt: skip
    return encode(body, src=STAGE, event_ms=clock_ms, ingest_ms=0, emit_ms=0)


def beat(stream: str, seq: int) -> dict[bytes, bytes]:
    return encode(Heartbeat(seq=seq, producer=stream), src="test", event_ms=T0 + seq, ingest_ms=0, emit_ms=0)


def settings(redis_url: str, wait_s: float = WAIT_S) -> object:
    return load_settings(env={"UPDOWN_REDIS__URL": redis_url, "UPDOWN_RUNNER__CLOCK": "event",
                              "UPDOWN_RUNNER__FOLLOW": "true", "UPDOWN_RUNNER__FOLLOW_WAIT_S": str(wait_s),
                              "UPDOWN_RUNNER__EVENT_LOOP": "asyncio"})  # fmt: skip


async def until(condition: object, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_S
    while not condition():  # type: ignore[operator]
        assert loop.time() < deadline, f"no {what} within {WAIT_S} s"
        await asyncio.sleep(0.02)


async def until_groups(redis: object, names: tuple[str, ...]) -> None:
    """The stage's groups exist (it reads from now on: entries written before would be its too)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_S
    while True:
        try:
            groups = [await redis.xinfo_groups(n) for n in names]  # type: ignore[attr-defined]
        except Exception:  # no stream yet
            groups = []
        if groups and all(groups):
            return
        assert loop.time() < deadline, f"no groups on {names} within {WAIT_S} s"
        await asyncio.sleep(0.02)


async def stop(worker: asyncio.Task[int]) -> int:
    """As supervisord stops it: SIGTERM (the runner's handler), then its exit code."""
    os.kill(os.getpid(), signal.SIGTERM)
    return await asyncio.wait_for(worker, WAIT_S)


async def test_the_schedule_order_is_kept_source_decisions_fire_in_it_and_then_the_stage_consumes_as_usual(
    redis_url: str,
) -> None:
    toy, cfg = Toy(), settings(redis_url)
    redis = connect(cfg.redis)  # type: ignore[attr-defined]
    # Recorded: two of b, then one of a; the timer at T0+500 (it saw "x"); one more of a, then of b.
    for row in (trace(1, ("in.b 2", "in.a 1"), T0 + 100), trace(2, (), T0 + 500, source="tick", value="x"),
                trace(3, ("in.a 1", "in.b 1"), T0 + 900)):  # fmt: skip
        await redis.xadd(schedule_stream(STAGE), row)
    worker = asyncio.create_task(run_worker(toy.spec(), cfg))  # type: ignore[arg-type]
    # The entries come in another order than the recorded one: every a first, then every b.
    await until_groups(redis, ("in.a", "in.b"))
    for seq in (1, 2, 3):
        await redis.xadd("in.a", beat("in.a", seq))
    for seq in (1, 2, 3, 4):
        await redis.xadd("in.b", beat("in.b", seq))
    await until(lambda: len([s for s in toy.seen if s[0].startswith("in.")]) == 7, "7 entries handled")
    handled = [(who, seq) for who, seq, _ in toy.seen]
    assert handled[:6] == [("in.b", 1), ("in.b", 2), ("in.a", 1), ("tick:x", 0), ("in.a", 2), ("in.b", 3)]
    # After the schedule: what is left (a's 3rd, b's 4th) is handled by the usual loops, and the
    # wall-time source loop runs.
    assert sorted(handled[6:]) == [("in.a", 3), ("in.b", 4), ("source-loop", 0)]
    # Each decision's trigger reads the recorded time; the source decision too.
    clocks = {(who, seq): ms for who, seq, ms in toy.seen}
    assert clocks[("in.a", 1)] == T0 + 100 and clocks[("tick:x", 0)] == T0 + 500 and clocks[("in.b", 3)] == T0 + 900
    assert clocks[("in.b", 1)] == T0 + 1  # not a trigger: its own event time (runner.clock = "event")
    # Outputs and traces as in normal running: one output per entry, acked.
    assert await redis.xlen(streams.HEARTBEAT_SEEN) == 7
    traced = [decode(f).body for _, f in await redis.xrange(streams.trace(STAGE))]
    orders = [t.order for t in traced if isinstance(t, DecisionTrace) and t.kind == "entry"]
    assert orders[:3] == [("in.b 1",), ("in.b 1",), ("in.a 1",)]
    for stream in ("in.a", "in.b"):
        assert (await redis.xpending(stream, STAGE))["pending"] == 0
    assert await stop(worker) == 0
    await redis.aclose(close_connection_pool=True)


async def test_an_entry_the_schedule_waits_for_that_never_comes_stops_the_stage_naming_it(
    redis_url: str, capfd: pytest.CaptureFixture[str]
) -> None:
    toy, cfg = Toy(), settings(redis_url, wait_s=1.0)
    redis = connect(cfg.redis)  # type: ignore[attr-defined]
    await redis.xadd(schedule_stream(STAGE), trace(1, ("in.a 2",), T0 + 100))
    worker = asyncio.create_task(run_worker(toy.spec(), cfg))  # type: ignore[arg-type]
    await until_groups(redis, ("in.a", "in.b"))
    await redis.xadd("in.a", beat("in.a", 1))  # one of the two
    assert await asyncio.wait_for(worker, WAIT_S) == 1  # the worker stops, non-zero
    await redis.aclose(close_connection_pool=True)
    assert [(who, seq) for who, seq, _ in toy.seen] == [("in.a", 1)]
    logged = capfd.readouterr().err
    assert '"loop_crashed"' in logged and '"loop":"follow"' in logged, logged
    assert "follower: the schedule waits for entry 2 of in.a (before decision 1), and none came in 1 s" in logged
    gc.collect()  # a connection the crashed worker left open would warn here (its pool was not closed once)


def test_following_on_the_wall_clock_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"runner\.follow needs runner\.clock"):
        load_settings(env={"UPDOWN_RUNNER__FOLLOW": "true"})
