"""``updown dlq list|replay STREAM``: look at a stream's dead letters and put them back.

A dead letter is an entry a consumer gave up on (``bus.max_deliveries`` handler failures, or an
entry it could not decode), copied to ``<stream>:dlq`` with why. Once the cause is fixed, ``replay``
appends it to ``<stream>`` again (a new id: every group reads it as new) and deletes it from the
dead-letter stream in the same script, so that a replay run twice, or by two operators at once,
puts each entry back exactly once.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

import redis
from redis.exceptions import ResponseError

from cli.main import parser
from cli.redis_url import resolve_without_settings
from cli.tail import render
from common.bus import streams
from common.bus.scripts import REPLAY_DEAD_LETTER
from common.schemas.base import load_all

#: Dead letters read per XRANGE by ``replay --all``.
PAGE = 500
#: The fields the dead-letter script adds to an entry (shown by ``list``, dropped by ``replay``).
DLQ_PREFIX = b"dlq_"


def main(argv: list[str]) -> int:
    args = _args(argv)
    load_all()
    client = redis.Redis.from_url(resolve_without_settings())
    stream = args.stream.removesuffix(":dlq")
    if args.action == "list":
        return list_dead_letters(client, stream, args.count)
    return replay(client, stream, args.id or [], every=args.all)


def _args(argv: list[str]) -> argparse.Namespace:
    p = parser("dlq", "Look at a stream's dead letters (STREAM:dlq) and put them back on STREAM.")
    sub = p.add_subparsers(dest="action", required=True)
    shown = sub.add_parser("list", help="print the latest dead letters of STREAM, oldest first")
    shown.add_argument("stream")
    shown.add_argument("--count", type=int, default=20, help="dead letters to show (default 20)")
    back = sub.add_parser("replay", help="append dead letters to STREAM again and delete them from STREAM:dlq")
    back.add_argument("stream")
    which = back.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", nargs="+", help="the dead letters' ids (as `list` shows them)")
    which.add_argument("--all", action="store_true", help="every dead letter of STREAM")
    return p.parse_args(argv)


def list_dead_letters(client: redis.Redis, stream: str, count: int) -> int:
    dlq = streams.dlq(stream)
    total = int(client.xlen(dlq)) if client.exists(dlq) else 0
    print(f"{dlq}: {total} dead letter(s)" + (f", the latest {count} shown" if total > count else ""))
    for dlq_id, fields in reversed(client.xrevrange(dlq, count=count)):
        print(describe(_text(dlq_id), fields))
    return 0


def describe(dlq_id: str, fields: dict[bytes, bytes]) -> str:
    """One dead letter: where it came from, why, then the entry itself decoded."""
    meta = {k[len(DLQ_PREFIX) :].decode(): _text(v) for k, v in fields.items() if k.startswith(DLQ_PREFIX)}
    entry = {k: v for k, v in fields.items() if not k.startswith(DLQ_PREFIX)}
    when = meta.get("ms", "")
    at = datetime.fromtimestamp(int(when) / 1000, UTC).isoformat(timespec="seconds") if when.isdigit() else "?"
    source = meta.get("source", "?")
    head = (f"{dlq_id} from {source} group={meta.get('group', '?')} deliveries={meta.get('deliveries', '?')} "
            f"at={at} reason={meta.get('reason', '?')}")  # fmt: skip
    return f"{head}\n    {render(source.rpartition('/')[2] or dlq_id, entry)}"


def replay(client: redis.Redis, stream: str, ids: list[str], *, every: bool) -> int:
    """Put the dead letters back; print each one's fate. Non-zero if one could not be put back."""
    dlq = streams.dlq(stream)
    script = client.register_script(REPLAY_DEAD_LETTER)
    done = missing = failed = 0
    for dlq_id in _all_ids(client, dlq) if every else ids:
        try:
            new_id = script(keys=[dlq, stream], args=[dlq_id])
        except ResponseError as exc:
            print(f"not replayed {dlq_id}: {exc}")
            failed += 1
            continue
        if new_id is None:
            print(f"not in {dlq} (replayed already?): {dlq_id}")
            missing += 1
            continue
        print(f"replayed {dlq_id} -> {stream} {_text(new_id)}")
        done += 1
    print(f"{done} replayed onto {stream}, {missing} not found, {failed} failed")
    return 1 if failed else 0


def _all_ids(client: redis.Redis, dlq: str) -> list[str]:
    """Every dead letter's id now (those added while replaying wait for the next run)."""
    ids: list[str] = []
    start = "-"
    while page := client.xrange(dlq, min=start, count=PAGE):
        ids += [_text(i) for i, _ in page]
        start = f"({ids[-1]}"
    return ids


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
