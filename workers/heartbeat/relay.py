"""Read ``hb`` and record each beat on ``hb.seen`` with the hop time: a transforming stage."""

from __future__ import annotations

from collections.abc import Sequence

from common.bus import streams
from common.bus.envelope import Envelope
from common.runner import Context, Emit, Input, WorkerSpec
from common.schemas.heartbeat import Heartbeat, HeartbeatSeen


def seen(beat: Heartbeat, relay: str, hop_us: int) -> HeartbeatSeen:
    return HeartbeatSeen(seq=beat.seq, producer=beat.producer, relay=relay, hop_us=hop_us)


async def handle(ctx: Context, env: Envelope) -> Sequence[Emit]:
    assert isinstance(env.body, Heartbeat)
    hop_us = max(0, round((ctx.clock.stamp_ms() - env.emit_ms) * 1000))
    return [Emit(streams.HEARTBEAT_SEEN, seen(env.body, ctx.instance, hop_us), key=env.key)]


SPEC = WorkerSpec(name="hb-relay", inputs=(Input(streams.HEARTBEAT),), handle=handle)
