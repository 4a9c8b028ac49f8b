"""A worker spec for the retention tests (run as ``updown worker tests.integration.bus.retention_workers:SPEC``)."""

from __future__ import annotations

from collections.abc import Sequence

from common.bus.envelope import Envelope
from common.runner import Context, Emit, Input, WorkerSpec

#: An intent stream (bounded by age as well), a money stream (pending-safe) and an input.
INTENTS = "intent.t"
MONEY = "t.money"
IN_STREAM = "t.in"


async def ignore(ctx: Context, env: Envelope) -> Sequence[Emit]:
    return []


SPEC = WorkerSpec(name="t-retention", inputs=(Input(IN_STREAM),), handle=ignore, writes=(INTENTS, MONEY))
