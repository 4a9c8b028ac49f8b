"""``updown soak``: the whole bot against the emulator while its workers are killed with SIGKILL at
random (seeded), and Redis itself once (-9, then restarted on its append-only file). At the end it
checks what a restartable system must have kept: nothing of ours resting, the ledger equal to the
emulator to the micro-unit, never two live orders of ours in one slot, every fill of ours booked,
memory levelled, every program RUNNING. Exits non-zero on any breach.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import redis as sync_redis

from cli import launch, soak_checks
from cli.main import parser
from common.bus import streams
from common.bus.codec import DecodeError, decode
from common.config import Mode, Settings, load_settings
from common.redis_server import EmbeddedRedis
from common.schemas.exec import ExecReport
from common.schemas.user import Fill

#: Programs never killed: the venue itself (its world would start again) and the FATAL listener.
SPARED = ("sim", "fatal-alert")
#: No kill this close to the end, so that the last program restarted is RUNNING at the check.
QUIET_END_S = 20.0
#: How long Redis stays down once killed.
REDIS_DOWN_S = 3.0
#: How often the streams the checks need are read while the bot runs.
MONITOR_EVERY_S = 1.0
#: How long the end waits for restarted programs to reach RUNNING.
SETTLE_S = 45.0
#: The soak's own consumer group on ``exec`` and ``fills``.
MONITOR_GROUP = "soak"
#: How long the end retries the fill check while the last trade statuses are still arriving.
FILLS_SETTLE_S = 10.0
_STATUS_LINE = re.compile(r"^(\S+)\s+(\S+)(?:\s+pid (\d+))?")


def main(argv: list[str]) -> int:
    p = parser("soak", "Run the bot against the emulator while killing its workers (and Redis), then check it.")
    p.add_argument("--minutes", type=float, default=10.0, help="how long the bot runs (default 10)")
    p.add_argument("--faults", default="chaos", help="the emulator's fault profile (default chaos; 'none' for none)")
    p.add_argument("--kill-every", type=float, default=20.0, dest="kill_every",
                   help="seconds between two SIGKILLs of a worker (0: none; default 20)")  # fmt: skip
    p.add_argument("--kill-redis", action="store_true", dest="kill_redis",
                   help="kill Redis -9 once, half way, and restart it on its append-only file")  # fmt: skip
    p.add_argument("--seed", type=int, default=1, help="the seed of the kill order (default 1)")
    p.add_argument("--every-stage", action="store_true", dest="every_stage",
                   help="fail unless every stage was killed at least once (CI's short soak)")  # fmt: skip
    args = p.parse_args(argv)
    os.environ["UPDOWN_SIM__FAULTS"] = args.faults
    settings = load_settings()
    if settings.mode is not Mode.SIM:
        print("updown soak: runs only against the emulator (UPDOWN_MODE=sim)")
        return 2
    if args.kill_redis and settings.redis.url:
        print("updown soak: --kill-redis needs the embedded Redis (unset REDIS_URL)")
        return 2
    duration_s = args.minutes * 60
    soak = Soak(settings, duration_s, args.kill_every, args.kill_redis, random.Random(args.seed))
    say(f"{args.minutes:g} minutes, faults {args.faults}, a kill every {args.kill_every:g} s"
        + (", Redis killed once" if args.kill_redis else "") + f", seed {args.seed}")  # fmt: skip
    code = launch.launch(settings, duration_s, soak)
    say(soak.summary())
    if args.every_stage and soak.never_killed():
        say("not every stage was killed: run longer or kill more often")
        code = code or 1
    say("PASSED" if code == 0 else f"FAILED (exit {code})")
    return code


@dataclass
class Monitor:
    """Reads ``exec`` and ``fills`` through a consumer group of its own (``NOACK``), so that the
    streams' pending-safe trimming waits for it: a plain reader that fell behind a trim would miss
    entries and report fills as never published."""

    slots: dict[str, soak_checks.Slot] = field(default_factory=dict)
    #: Orders kept at another level since they were placed: (when, the new slot), in order.
    moves: dict[str, list[tuple[float, soak_checks.Slot]]] = field(default_factory=dict)
    fills: list[soak_checks.FillKey] = field(default_factory=list)

    def poll(self, client: sync_redis.Redis) -> None:
        wanted = {streams.EXEC: ">", streams.FILLS: ">"}
        for stream in wanted:
            with contextlib.suppress(sync_redis.ResponseError):  # BUSYGROUP: it exists (it survives Redis restarts)
                client.xgroup_create(stream, MONITOR_GROUP, id="0", mkstream=True)
        while reply := client.xreadgroup(MONITOR_GROUP, MONITOR_GROUP, wanted, count=10_000, noack=True):
            for _stream, entries in reply:
                for entry_id, fields in entries:
                    self._take(entry_id.decode(), fields)

    def _take(self, entry_id: str, fields: dict[bytes, bytes]) -> None:
        try:
            body = decode(fields, entry_id).body
        except DecodeError:
            return
        if isinstance(body, ExecReport) and body.order_id and body.level >= 0:
            slot = (body.market, body.token_id, body.side, body.level)
            if body.kind == "moved":  # kept at another level from then on (executor.relevel)
                self.moves.setdefault(body.order_id, []).append((body.at_ms, slot))
            else:
                self.slots.setdefault(body.order_id, slot)
        elif isinstance(body, Fill):
            self.fills.append((body.trade_id, body.order_id, body.status))


class Soak(launch.RunHooks):
    def __init__(self, settings: Settings, duration_s: float, kill_every_s: float, kill_redis: bool,
                 rng: random.Random) -> None:  # fmt: skip
        self.settings = settings
        self.duration_s = duration_s
        self.kill_every_s = kill_every_s
        self.rng = rng
        self.redis_kill_at_s: float | None = duration_s / 2 if kill_redis else None
        self.redis_back_at_s: float | None = None
        self.env: dict[str, str] = {}
        self.redis: EmbeddedRedis | None = None
        self.client: sync_redis.Redis | None = None
        self.queue: list[str] = []
        self.stages: list[str] = []
        self.kills: dict[str, int] = {}
        self.next_kill_s = 0.0
        self.next_poll_s = 0.0
        self.monitor = Monitor()
        self.rss_start: dict[str, int] = {}
        self.rss_end: dict[str, int] = {}
        self.redis_kills = 0

    def started(self, env: dict[str, str], redis: EmbeddedRedis | None) -> None:
        self.env, self.redis = env, redis
        self.client = sync_redis.Redis.from_url(env["REDIS_URL"], socket_timeout=2, socket_connect_timeout=2)
        running = self._running()
        self.stages = sorted(p for p in running if p not in SPARED)
        self.rss_start = self._memory(running)
        self.next_kill_s = self.kill_every_s

    def tick(self, elapsed_s: float) -> None:
        if self.redis_kill_at_s is not None and elapsed_s >= self.redis_kill_at_s and self.redis is not None:
            self.redis_kill_at_s = None
            self.redis.kill()
            self.redis_kills += 1
            self.redis_back_at_s = elapsed_s + REDIS_DOWN_S
            say(f"t={elapsed_s:5.1f}s killed redis-server -9")
        if self.redis_back_at_s is not None and elapsed_s >= self.redis_back_at_s and self.redis is not None:
            self.redis_back_at_s = None
            self.redis.start()
            say(f"t={elapsed_s:5.1f}s restarted redis-server on its append-only file")
        if self.kill_every_s and elapsed_s >= self.next_kill_s and elapsed_s < self.duration_s - QUIET_END_S:
            self.next_kill_s = elapsed_s + self.kill_every_s
            self._kill_one(elapsed_s)
        if elapsed_s >= self.next_poll_s:
            self.next_poll_s = elapsed_s + MONITOR_EVERY_S
            self._poll()

    def settle(self) -> None:
        deadline = time.monotonic() + SETTLE_S
        while time.monotonic() < deadline:
            states = self._states()
            if all(state not in ("STARTING", "BACKOFF") for state, _ in states.values()):
                break
            time.sleep(0.5)
        self._poll()
        self.rss_end = self._memory(self._running())

    def checks(self, url: str) -> list[str]:
        problems = []
        key = load_settings().wallet.api_key  # derived from the emulator after the soak's start
        if key is None:
            return ["no API key to look up our orders on the emulator"]
        with httpx.Client(base_url=self.settings.venue.clob_url, timeout=10) as http:
            orders = http.get("/sim/orders", params={"api_key": key.get_secret_value()}).json()["orders"]
            overlap = self.settings.executor.replace_overlap
            slots = soak_checks.slot_overlaps(orders, self.monitor.slots, allow_replace_overlap=overlap,
                                              moves=self.monitor.moves)  # fmt: skip
            say(f"slots: {slots.orders_with_slot} orders of ours with a known slot, {len(slots.overlaps)} "
                f"overlapping; {slots.orders_without_slot} resting orders without a reported slot")  # fmt: skip
            if overlap:
                say(f"  replaces sent with their cancel (executor.replace_overlap): {slots.replace_overlaps} rested "
                    f"beside the order they replace, the longest {slots.longest_replace_overlap_ms} ms")  # fmt: skip
            for line in slots.overlaps[:20]:
                say("  two live orders in one slot: " + line)
            if slots.overlaps:
                problems.append("two live orders of ours in one slot")
            fills = self._fills_verdict(http, key.get_secret_value())
        say(f"fills: {fills.expected} fills of ours in the emulator, {len(fills.missing)} never published; "
            f"{fills.republished} published more than once (deduplicated by the ledger)")  # fmt: skip
        for missing in fills.missing[:20]:
            say(f"  never published: trade {missing[0]} order {missing[1][:14]}... {missing[2]}")
        if fills.missing:
            problems.append("fills of ours the bot never published")
        say("resident memory (Redis: used_memory):\n" + "\n".join(soak_checks.memory_lines(self.rss_start,
                                                                                          self.rss_end)))  # fmt: skip
        return problems

    def summary(self) -> str:
        kills = ", ".join(f"{name} {n}" for name, n in sorted(self.kills.items())) or "none"
        never = self.never_killed()
        text = f"SIGKILLs: {sum(self.kills.values())} ({kills}); Redis killed {self.redis_kills} time(s)"
        return text + (f"; never killed: {', '.join(never)}" if never and self.kill_every_s else "")

    def never_killed(self) -> list[str]:
        return [s for s in self.stages if s not in self.kills]

    def _fills_verdict(self, http: httpx.Client, api_key: str) -> soak_checks.FillVerdict:
        deadline = time.monotonic() + FILLS_SETTLE_S
        while True:
            self._poll()
            trades = http.get("/sim/trades", params={"api_key": api_key}).json()["trades"]
            verdict = soak_checks.fills_booked(soak_checks.our_fills(trades, api_key), self.monitor.fills)
            if not verdict.missing or time.monotonic() >= deadline:
                return verdict
            time.sleep(1.0)

    def _kill_one(self, elapsed_s: float) -> None:
        if not self.queue:
            self.queue = list(self.stages)
            self.rng.shuffle(self.queue)
        victim = self.queue.pop()
        pid = self._states().get(victim, ("", None))[1]
        if pid is None:
            say(f"t={elapsed_s:5.1f}s {victim} has no pid now (restarting?): skipped")
            return
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        self.kills[victim] = self.kills.get(victim, 0) + 1
        say(f"t={elapsed_s:5.1f}s SIGKILL {victim} (pid {pid})")

    def _poll(self) -> None:
        if self.client is None:
            return
        with contextlib.suppress(sync_redis.RedisError):  # Redis is down (killed): read on once it is back
            self.monitor.poll(self.client)

    def _states(self) -> dict[str, tuple[str, int | None]]:
        states = {}
        for line in launch.ctl(self.env, "status").splitlines():
            found = _STATUS_LINE.match(line)
            if found:
                states[found.group(1)] = (found.group(2), int(found.group(3)) if found.group(3) else None)
        return states

    def _running(self) -> dict[str, int]:
        return {name: pid for name, (state, pid) in self._states().items() if state == "RUNNING" and pid}

    def _memory(self, pids: dict[str, int]) -> dict[str, int]:
        sizes = {name: rss for name, pid in pids.items() if (rss := _rss_bytes(pid)) is not None}
        try:
            if self.client is not None:
                sizes["redis"] = int(self.client.info("memory")["used_memory"])
        except sync_redis.RedisError:
            pass
        return sizes


def _rss_bytes(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def say(text: str) -> None:
    print(f"[updown soak] {text}", flush=True)
