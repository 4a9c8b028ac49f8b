"""The ledger loop without the runner: a Context on fakeredis, envelopes with stream ids, a restart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import fakeredis

from common.bus.codec import decode, encode
from common.bus.envelope import Envelope
from common.bus.writer import Emit, Writer
from common.clock import ManualClock
from common.config import load_settings
from common.logs import get_logger
from common.runner import Context
from common.schemas.base import Message
from workers.ledger import store, worker

CASH = 10_000_000_000
T0 = 1_800_000_000_000


@dataclass
class Bus:
    """A fake Redis shared by successive ledger "processes", and a counter of entry ids per stream."""

    redis: fakeredis.aioredis.FakeRedis = field(default_factory=lambda: fakeredis.aioredis.FakeRedis())
    clock: ManualClock = field(default_factory=lambda: ManualClock(T0))
    seq: int = 0

    def envelope(self, body: Message) -> Envelope:
        self.seq += 1
        fields = encode(body, src="test", key="", event_ms=T0, ingest_ms=T0, emit_ms=T0)
        return decode(fields, f"{T0 + self.seq}-0")

    async def start(self, cash: int | None = CASH, mode: str = "sim") -> Context:
        """A fresh ledger process: its memory empty, its books rebuilt from Redis (``cash``: as if the
        first start had read it from the venue)."""
        if cash is not None:
            await self.redis.hsetnx(store.LEDGER_KEY, store.INITIAL_CASH_FIELD, cash)
        # No secrets directory: no credentials, so no venue is ever asked for a balance.
        settings = load_settings(env={"UPDOWN_MODE": mode, "UPDOWN_SERIES": '["btc-15m"]',
                                      "UPDOWN_SECRETS_DIR": "/nonexistent/updown-secrets"})  # fmt: skip
        assert settings.wallet.api_key is None
        ctx = Context(name="ledger", instance="ledger-0", settings=settings, redis=self.redis,
                      writer=Writer(self.redis, "ledger", settings.bus, self.clock), log=get_logger("ledger"),
                      clock=self.clock)  # fmt: skip
        await worker.setup(ctx)
        return ctx


async def deliver(ctx: Context, env: Envelope) -> Sequence[Emit]:
    return await worker.handle(ctx, env)
