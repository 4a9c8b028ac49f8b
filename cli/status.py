"""``updown status``: every worker, every stream, every consumer group, and the control state."""

from __future__ import annotations

import time
from typing import Any

import redis

from cli.main import parser
from cli.redis_url import resolve
from common.config import load_settings
from common.config.redact import redact_url
from common.runner.control import STATE_KEY
from common.runner.health import KEY_PREFIX


def _s(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def main(argv: list[str]) -> int:
    parser("status", "Print workers, streams, groups and the control state.").parse_args(argv)
    url = resolve(load_settings())
    client = redis.Redis.from_url(url, socket_timeout=5)
    try:
        print(render(client, url))
    finally:
        client.close()
    return 0


def render(client: redis.Redis, url: str) -> str:
    now_ms = time.time_ns() // 1_000_000
    lines = [f"redis {redact_url(url)}", "", "WORKER INSTANCE                STATE      PID      HEALTH AGE"]
    for key in sorted(client.scan_iter(match=f"{KEY_PREFIX}*", count=500)):
        h = {_s(k): _s(v) for k, v in client.hgetall(key).items()}
        age = (now_ms - int(h.get("ts_ms", now_ms))) / 1000
        lines.append(f"{h.get('instance', '?'):<30} {h.get('state', '?'):<10} {h.get('pid', '?'):<8} {age:6.1f} s")
    sticky = {_s(k): _s(v) for k, v in client.hgetall(STATE_KEY).items()}
    lines += ["", "CONTROL " + (", ".join(f"{k}={v}" for k, v in sorted(sticky.items())) or "all running")]
    lines += ["", "STREAM                         LENGTH     LAST ID"]
    group_lines = ["", "GROUP                                    STREAM               PENDING  LAG"]
    for name in sorted(_s(k) for k in client.scan_iter(count=500, _type="stream")):
        info = client.xinfo_stream(name)
        last = _s(info["last-generated-id"])
        lines.append(f"{name:<30} {int(info['length']):<10} {last}")
        for g in client.xinfo_groups(name):
            delivered = _s(g["last-delivered-id"])
            lag = g.get("lag")
            lag_ms = int(last.split("-")[0]) - int(delivered.split("-")[0]) if delivered != last else 0
            lag_text = f"{lag} entries" if lag is not None else f"{max(0, lag_ms)} ms"
            group_lines.append(f"{_s(g['name']):<40} {name:<20} {int(g['pending']):<8} {lag_text}")
    return "\n".join(lines + group_lines)
