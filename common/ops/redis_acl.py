"""The Redis ACL users of the compose deployment: one table, from which ``conf/deploy/redis/users.acl``
is generated (``python -m common.ops.redis_acl > conf/deploy/redis/users.acl``; a test checks that
the file is what this table renders, and runs every worker against it as its own user).

Each worker connects as the user named after it (``WorkerSpec.name``; the paper executor is
``executor``) when the secrets directory holds ``redis_<name>_password`` (``common.config.loader``).
Its keys are what its code reads and writes (its input streams, their dead letters and its
"already emitted" markers, its outputs, its state hashes); its commands are the runner's and the
bus's (:data:`RUNNER_COMMANDS`) plus its own. No user may CLIENT KILL/PAUSE, CONFIG, DEBUG,
SHUTDOWN, FLUSH*, MONITOR or KEYS; the one password-less user may only PING.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Every runner-run worker: the handshake (redis-py's HELLO, the fast lane's CLIENT SETNAME), its
#: health hash, control (ctl group, sticky state, trading mode), consumer groups (read, ack, claim,
#: dead-letter, pending-safe trimming), the bus's Lua scripts and their "already emitted" markers,
#: and the series leases of a scaled stage (``common.runner.lease``: its script's commands).
RUNNER_COMMANDS = (
    "hello", "auth", "ping", "select", "client|setname", "client|setinfo", "multi", "exec", "discard",
    "exists", "del", "get", "set", "hset", "hget", "hgetall", "pexpire",
    "xgroup|create", "xreadgroup", "xread", "xack", "xautoclaim", "xclaim", "xpending", "xinfo|groups",
    "xinfo|stream", "xlen", "xrange", "xadd", "xtrim", "evalsha", "eval", "script|load",
    "time", "zadd", "zremrangebyscore", "zcard", "zrem",
)  # fmt: skip
#: Keys of every worker W: ``{w}`` is replaced by its name.
RUNNER_KEYS = ("health:{w}", "health:{w}-*", "ctl", "ctl:state", "ctl:trading_mode", "emitted:{w}:*",
               "state:latency", "lease:{w}:*", "trace.{w}")  # fmt: skip


@dataclass(frozen=True)
class WorkerUser:
    """A worker's Redis user: the streams it consumes (their ``:dlq`` come with them), the other keys
    it reads or writes, and the commands beyond :data:`RUNNER_COMMANDS`."""

    name: str
    inputs: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()
    commands: tuple[str, ...] = ()

    def key_patterns(self) -> list[str]:
        own = [k.format(w=self.name) for k in RUNNER_KEYS]
        return own + [p for s in self.inputs for p in (s, f"{s}:dlq")] + list(self.keys)

    def rule(self) -> str:
        keys = " ".join(f"~{k}" for k in self.key_patterns())
        commands = " ".join(f"+{c}" for c in (*RUNNER_COMMANDS, *self.commands))
        return f"user {self.name} on #{{{{{self.name}}}}} resetchannels {keys} -@all {commands}"


WORKERS: tuple[WorkerUser, ...] = (
    WorkerUser("hb-producer", keys=("hb", "hb:seq"), commands=("incrby",)),
    WorkerUser("hb-relay", inputs=("hb",), keys=("hb.seen",)),
    WorkerUser("discovery", keys=("markets", "state:markets"), commands=("hdel",)),
    WorkerUser(
        "feed-book",
        inputs=("markets",),
        keys=("book.*", "raw.book", "feeds", "state:feeds", "state:book:*", "state:markets", "alerts"),
    ),
    WorkerUser("feed-ref", keys=("ref.*", "raw.ref", "feeds", "state:feeds", "alerts")),
    WorkerUser(
        "feed-user",
        inputs=("markets",),
        keys=("fills", "orders", "feeds", "state:feeds", "state:markets", "seen:fill:*", "feed-user:*", "alerts",
              "exec:instances"),
        commands=("smembers",),
    ),
    WorkerUser("alpha", inputs=("book.*", "ref.*", "fills", "markets"), keys=("signal.*", "state:markets")),
    WorkerUser(
        "quoter",
        inputs=("signal.*", "book.*", "markets", "positions", "rewards", "feeds"),
        keys=(
            "intent.*",
            "fills",
            "state:markets",
            "state:positions",
            "state:feeds",
            "health:*",
            "ctl:flat_ms",
            "alerts",
        ),
        commands=("scan",),
    ),
    # The paper executor runs as "executor" too: it also reads the books and writes what the venue would.
    WorkerUser(
        "executor",
        inputs=("intent.*", "markets", "orders", "book.*"),
        keys=(
            "exec",
            "fills",
            "state:exec",
            "state:orders",
            "state:feeds",
            "state:positions",
            "state:markets",
            "state:book:*",
            "alerts",
            "exec:instances",
        ),
        commands=("hdel", "sadd", "smembers", "zcount"),
    ),
    WorkerUser(
        "ledger",
        inputs=("markets", "fills", "exec", "inventory", "book.*"),
        keys=("positions", "state:positions", "state:pnl", "state:ledger", "state:ledger:*", "alerts"),
        commands=("hsetnx", "hmget", "hincrby", "hdel", "lrange", "rpush", "zadd", "zrange", "zremrangebyscore"),
    ),
    WorkerUser("merger", inputs=("markets",), keys=("inventory", "state:positions")),
    WorkerUser(
        "rewards", inputs=("fills", "markets"), keys=("rewards", "state:markets", "state:orders", "state:book:*")
    ),
    # The recorder: every stream (found with SCAN), read through its own group and acked; its group
    # dropped from a stream no longer recorded.
    WorkerUser("recorder", keys=("*",), commands=("scan", "xgroup|destroy")),
    # The control API: reads every state, writes control, audit and its idempotency claims; its page
    # reads what `updown top` reads (the books with MGET, the latest alerts).
    WorkerUser("control", keys=("health:*", "state:*", "signal.*", "audit", "ctl:*", "alerts"),
               commands=("scan", "hdel", "xrevrange", "mget")),
)

#: Users that are not runner workers. ``updown``: the operator's command-line tools (status, tail,
#: ctl, report, dlq), everything but what can stop or blind the server; the FATAL listener appends
#: alerts; the container health check may only PING, without a password.
OTHERS = (
    "user updown on #{{updown}} resetchannels ~* -@all +@read +@write +@stream +@hash +@string +@list +@sortedset"
    " +@keyspace +@transaction +@scripting +@fast -@dangerous +hello +auth +ping +select +client|setname"
    " +client|setinfo +info",
    "user fatal-listener on #{{fatal-listener}} resetchannels ~alerts -@all +hello +auth +ping +select"
    " +client|setinfo +xadd",
    "user healthcheck on nopass resetchannels -@all +ping",
)

HEADER = """\
# Redis ACL users of updown (Redis 6.2+/7). GENERATED from common/ops/redis_acl.py: edit the table
# there, then `python -m common.ops.redis_acl > conf/deploy/redis/users.acl` (a test checks they agree
# and runs every worker against it as its own user). A TEMPLATE: each #{{name}} is replaced by the
# sha256 of the password in the secret redis_<name>_password by render_acl.sh (the redis-acl
# service runs it before Redis starts), which keeps only the "user" lines.
"""


def render() -> str:
    """The ACL template: the default user off, every worker's user, then the others."""
    lines = ["user default off", *(w.rule() for w in WORKERS), *OTHERS]
    return HEADER + "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
