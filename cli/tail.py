"""``updown tail STREAM``: print decoded entries, newest last; ``--follow`` keeps printing."""

from __future__ import annotations

import json
from typing import Any

import redis

from cli.main import parser
from cli.redis_url import resolve
from common.bus.codec import DecodeError, decode
from common.config import load_settings
from common.schemas.base import load_all

#: How long one ``--follow`` read blocks.
FOLLOW_BLOCK_MS = 1_000


def main(argv: list[str]) -> int:
    p = parser("tail", "Print decoded entries of a stream.")
    p.add_argument("stream")
    p.add_argument("--count", type=int, default=10, help="entries to show first (default 10)")
    p.add_argument("--follow", "-f", action="store_true", help="keep printing new entries")
    args = p.parse_args(argv)
    load_all()
    client = redis.Redis.from_url(resolve(load_settings()), socket_timeout=FOLLOW_BLOCK_MS / 1000 + 5)
    last = "$"
    for entry_id, fields in reversed(client.xrevrange(args.stream, count=args.count)):
        print(render(entry_id, fields), flush=True)
        last = entry_id
    while args.follow:
        reply = client.xread({args.stream: last}, block=FOLLOW_BLOCK_MS, count=500)
        for _, entries in reply or []:
            for entry_id, fields in entries:
                print(render(entry_id, fields), flush=True)
                last = entry_id
    return 0


def render(entry_id: Any, fields: dict[bytes, bytes]) -> str:
    eid = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
    try:
        env = decode(fields, eid)
    except DecodeError as exc:
        plain = {k.decode(errors="replace"): v.decode(errors="replace") for k, v in fields.items() if k != b"body"}
        return f"{eid} UNDECODABLE ({exc}) {json.dumps(plain)}"
    head = f"{eid} {env.type} src={env.src} key={env.key or '-'} event_ms={env.event_ms} emit_ms={env.emit_ms}"
    return f"{head} {env.body.model_dump_json()}"
