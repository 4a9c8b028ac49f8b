"""Control: the persisted trading state, and each worker's reaction to ``ctl`` commands.

The issuer (CLI or control API) writes the command to ``ctl`` and, in the same transaction, the
sticky state (paused / halted / running) into the ``ctl:state`` hash under the command's target.
A worker reads that hash at start, so a halt survives every restart, and follows the stream after.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

import redis.asyncio as aioredis

from common.bus import streams
from common.bus.codec import encode
from common.clock import Clock
from common.config import ConfigError, load_settings
from common.runner.spec import Context, WorkerState
from common.schemas.control import Action, ControlCommand

#: Hash of sticky states by target (``*`` or a worker name).
STATE_KEY = "ctl:state"
#: The bot's mode: ACTIVE, REDUCE_ONLY, FLATTENING or HALTED (cancels always pass). The executor and
#: the quoter read it at start and after every control command, so it survives every restart.
TRADING_MODE_KEY = "ctl:trading_mode"
#: Set (to the time, ms) once the quoter found nothing left to flatten; cleared by the next
#: ``flatten`` or ``resume``, so that each flatten is reported flat once, across restarts.
FLAT_KEY = "ctl:flat_ms"
#: What orders may do: every stage that places or filters orders knows these three.
TradingMode = Literal["ACTIVE", "REDUCE_ONLY", "HALTED"]
#: The mode as issued: FLATTENING is REDUCE_ONLY for the orders, plus the quoter closing the position
#: (sell what is unpaired, or complete it when cheaper; the merger merges the full sets). It stays
#: until ``resume`` (or ``halt``), even once flat, so that a late fill is closed too.
ControlMode = Literal["ACTIVE", "REDUCE_ONLY", "FLATTENING", "HALTED"]
_MODE_OF_ACTION: dict[str, ControlMode] = {"halt": "HALTED", "reduce-only": "REDUCE_ONLY", "flatten": "FLATTENING",
                                           "resume": "ACTIVE"}  # fmt: skip
_ORDER_MODE: dict[ControlMode, TradingMode] = {"ACTIVE": "ACTIVE", "REDUCE_ONLY": "REDUCE_ONLY",
                                               "FLATTENING": "REDUCE_ONLY", "HALTED": "HALTED"}  # fmt: skip
_STICKY = {"pause": WorkerState.PAUSED, "halt": WorkerState.HALTED, "resume": WorkerState.RUNNING}
_RANK = {WorkerState.RUNNING: 0, WorkerState.PAUSED: 1, WorkerState.HALTED: 2}


async def issue(
    redis: aioredis.Redis, action: Action, *, target: str = "*", issued_by: str, reason: str, clock: Clock
) -> ControlCommand:
    """Write a command to ``ctl`` (and its sticky state) atomically."""
    cmd = ControlCommand(action=action, target=target, request_id=uuid.uuid4().hex,
                         issued_by=issued_by, reason=reason)  # fmt: skip
    now = clock.now_ms()
    pipe = redis.pipeline(transaction=True)
    persist(pipe, action, target)
    pipe.xadd(streams.CTL, encode(cmd, src=issued_by, key=target, event_ms=now, ingest_ms=now, emit_ms=now),
              maxlen=streams.CTL_MAXLEN, approximate=True)  # fmt: skip
    # Every action is audited where it is issued, whichever way it came (CLI or control API).
    pipe.xadd(streams.AUDIT, {"action": action, "outcome": "issued", "target": target, "issued_by": issued_by,
                              "reason": reason, "request_id": cmd.request_id, "at_ms": str(now)},
              maxlen=streams.AUDIT_MAXLEN, approximate=True)  # fmt: skip
    await pipe.execute()
    return cmd


def persist(pipe: Any, action: str, target: str) -> None:
    """Queue what a command leaves behind: its sticky state and the bot's mode (a replay calls it
    for each recorded command, so that the stages read what they read then)."""
    state = _STICKY.get(action)
    if state is WorkerState.RUNNING:
        pipe.hdel(STATE_KEY, target)
        if target == "*":
            pipe.delete(STATE_KEY)
    elif state is not None:
        pipe.hset(STATE_KEY, target, state.value)
    mode = _MODE_OF_ACTION.get(action)
    if mode is not None and target == "*":
        pipe.set(TRADING_MODE_KEY, mode)
        pipe.delete(FLAT_KEY)


async def control_mode(redis: aioredis.Redis) -> ControlMode:
    """The bot's mode as issued (ACTIVE when never set)."""
    raw = await redis.get(TRADING_MODE_KEY)
    value = raw.decode() if isinstance(raw, bytes) else raw
    return value if value in _ORDER_MODE else "ACTIVE"


async def trading_mode(redis: aioredis.Redis) -> TradingMode:
    """The mode orders follow (ACTIVE when never set; FLATTENING is REDUCE_ONLY for them)."""
    return _ORDER_MODE[await control_mode(redis)]


async def report_flat(redis: aioredis.Redis, *, reported_by: str, detail: str, clock: Clock) -> bool:
    """Record in ``audit`` that nothing is left to flatten, once per flatten (the claim of
    :data:`FLAT_KEY` first: a quoter restarted later does not report it again); False when this
    flatten was already reported or is no longer the mode."""
    now = clock.now_ms()
    if await redis.get(TRADING_MODE_KEY) not in (b"FLATTENING", "FLATTENING"):
        return False
    if not await redis.set(FLAT_KEY, str(now), nx=True):
        return False
    await redis.xadd(streams.AUDIT, {"action": "flatten", "outcome": "flat", "target": "*", "issued_by": reported_by,
                                     "reason": detail, "request_id": "", "at_ms": str(now)},
                     maxlen=streams.AUDIT_MAXLEN, approximate=True)  # fmt: skip
    return True


async def persisted_state(redis: aioredis.Redis, worker: str) -> WorkerState:
    """The most restrictive sticky state that applies to this worker."""
    raw: dict[Any, Any] = await redis.hgetall(STATE_KEY)
    found = WorkerState.RUNNING
    for target in (b"*", worker.encode()):
        value = raw.get(target)
        if value:
            state = WorkerState(value.decode())
            if _RANK[state] > _RANK[found]:
                found = state
    return found


def applies(cmd: ControlCommand, ctx: Context) -> bool:
    return cmd.target in ("*", ctx.name, ctx.instance)


async def apply(ctx: Context, cmd: ControlCommand) -> None:
    """Change the worker's state for one command, then let the worker's own hook react."""
    if cmd.action in ("pause", "halt", "resume"):
        # A worker-level resume does not lift a halt on '*': re-read the sticky state.
        ctx.state = await persisted_state(ctx.redis, ctx.name)
    elif cmd.action == "reload":
        try:
            ctx.settings = load_settings()
        except ConfigError as exc:
            ctx.log.error("reload_refused", request_id=cmd.request_id, reason=str(exc))
            return
    ctx.log.warning("control_applied", action=cmd.action, target=cmd.target, state=ctx.state.value,
                    request_id=cmd.request_id, issued_by=cmd.issued_by)  # fmt: skip
