"""Series leases: how the instances of a scaled stage split the series between them.

Each series is owned by one instance through ``lease:<worker>:<series>`` (its value the instance's
name, ``SET NX PX``). With ``L`` = ``runner.series_lease_ms``, an instance steps every ``L/4``: it
renews its leases to ``3L/4`` from now on the server's clock, and takes free series. The live
instances register in ``lease:<worker>:members`` (a sorted set scored by when each one's
registration runs out), so that each takes no more than its share, ``ceil(series / live)``. An
instance that dies stops renewing: its leases run out in Redis at most ``3L/4`` later and another
takes each at its next step, ``L/4`` later at most: a dead instance's series are taken within
``L``. One Lua script does a step (register, drop the dead, renew, take up to the share)
atomically, so instances on several machines agree without trusting each other's clocks.

Locally an instance trusts a lease until ``L/2`` after sending the step that renewed it: when
Redis cannot be reached it stops handling its series ``L/4`` before another instance may take them,
which leaves that long for a batch in hand to finish.

An instance holding more than its share (it ran alone, then a peer came) yields the extra series:
:meth:`SeriesLeases.holds` turns False for them at once, and the lease is given back once nothing
of this instance still works on them (:meth:`busy` / :meth:`idle`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass

import redis.asyncio as aioredis

#: Key prefix of the leases and of the members set.
KEY_PREFIX = "lease:"
#: The members set outlives its last renewal by this many leases (then an idle stage leaves no key).
MEMBERS_TTL_LEASES = 10

# KEYS[1] members, KEYS[2..] leases; ARGV: instance, lease ttl ms, take ("1": take free series), the
# members set's ttl ms, and the 1-based indexes of the leases to give back. Returns {share, held flag per lease}.
_STEP = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local me, lease_ms, take = ARGV[1], tonumber(ARGV[2]), ARGV[3] == '1'
for i = 5, #ARGV do
  local key = KEYS[tonumber(ARGV[i]) + 1]
  if redis.call('GET', key) == me then redis.call('DEL', key) end
end
redis.call('ZADD', KEYS[1], now + lease_ms, me)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]))
local share = math.ceil((#KEYS - 1) / redis.call('ZCARD', KEYS[1]))
local out, count = {share}, 0
for i = 2, #KEYS do
  if redis.call('GET', KEYS[i]) == me then
    redis.call('PEXPIRE', KEYS[i], lease_ms)
    out[i] = 1
    count = count + 1
  else
    out[i] = 0
  end
end
if take then
  for i = 2, #KEYS do
    if out[i] == 0 and count < share and redis.call('SET', KEYS[i], me, 'NX', 'PX', lease_ms) then
      out[i] = 1
      count = count + 1
    end
  end
end
return out
"""

# KEYS: leases; ARGV[1]: instance. Gives back those this instance holds.
_RELEASE = """
local n = 0
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then redis.call('DEL', KEYS[i]); n = n + 1 end
end
return n
"""


def lease_key(worker: str, series: str) -> str:
    return f"{KEY_PREFIX}{worker}:{series}"


def members_key(worker: str) -> str:
    return f"{KEY_PREFIX}{worker}:members"


@dataclass(frozen=True, slots=True)
class Change:
    """What one step changed: series gained and lost (lost: taken, expired or yielded)."""

    gained: tuple[str, ...] = ()
    lost: tuple[str, ...] = ()


class SeriesLeases:
    """One instance's leases on the series of its stage."""

    def __init__(self, redis: aioredis.Redis, *, worker: str, instance: str, series: Sequence[str],
                 lease_ms: int) -> None:  # fmt: skip
        self._redis = redis
        self.worker = worker
        self.instance = instance
        self.series = tuple(series)
        self.lease_ms = lease_ms
        #: A step every quarter of the lease; Redis keeps a lease three of them, this instance
        #: trusts it two (see the module's doc).
        self.renew_s = lease_ms / 4000
        self.ttl_ms = lease_ms * 3 // 4
        self.trust_s = lease_ms / 2000
        self._keys = [members_key(worker), *(lease_key(worker, s) for s in self.series)]
        #: series -> monotonic time (s) until which this instance trusts its lease.
        self._until: dict[str, float] = {}
        self._yielding: set[str] = set()
        self._busy: dict[str, int] = {}
        self._steps = 0
        #: What the last step found this instance owning (held in Redis, not yielding).
        self._owned: set[str] = set()
        self.changed = asyncio.Event()

    def holds(self, series: str) -> bool:
        """True while this instance may handle the series (held, not yielding, not run out)."""
        until = self._until.get(series)
        return until is not None and series not in self._yielding and time.monotonic() < until

    def held(self) -> list[str]:
        return [s for s in self.series if self.holds(s)]

    def busy(self, series: str) -> None:
        """Something of this instance starts working on the series (a consumer's run)."""
        self._busy[series] = self._busy.get(series, 0) + 1

    def idle(self, series: str) -> None:
        self._busy[series] -= 1

    async def step(self) -> Change:
        """Register, renew, give back what is yielded and idle, take free series up to the share;
        what changed since the last step (a lease trusted no more for want of steps is not lost
        until a step finds it gone: :meth:`holds` says whether to handle a series now).

        The first step only registers (and renews what a previous life of this instance held), so
        that instances started together see each other before any takes a share."""
        before = self._owned
        sent = time.monotonic()
        give_back = [i + 1 for i, s in enumerate(self.series) if s in self._yielding and not self._busy.get(s)]
        take = "1" if self._steps > 0 else "0"
        reply = await self._redis.eval(_STEP, len(self._keys), *self._keys, self.instance, self.ttl_ms, take,
                                       self.lease_ms * MEMBERS_TTL_LEASES, *give_back)  # fmt: skip
        self._steps += 1
        share, flags = int(reply[0]), [int(f) for f in reply[1:]]
        trusted = sent + self.trust_s
        self._until = {s: trusted for s, flag in zip(self.series, flags, strict=True) if flag}
        self._yielding &= set(self._until)
        mine = [s for s in self.series if s in self._until and s not in self._yielding]
        self._yielding.update(mine[share:])  # over the share: a peer came; the last ones go
        after = self._owned = set(self._until) - self._yielding
        change = Change(gained=tuple(s for s in self.series if s in after - before),
                        lost=tuple(s for s in self.series if s in before - after))  # fmt: skip
        if change.gained or change.lost:
            self.changed.set()
            self.changed = asyncio.Event()
        return change

    async def release_all(self) -> int:
        """Give every lease back (a graceful stop: a peer takes the series at its next step)."""
        self._until.clear()
        self._owned = set()
        pipe = self._redis.pipeline(transaction=True)
        pipe.eval(_RELEASE, len(self._keys) - 1, *self._keys[1:], self.instance)
        pipe.zrem(self._keys[0], self.instance)
        released, _ = await pipe.execute()
        return int(released)
