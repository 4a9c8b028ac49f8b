"""What the stages wrote, read from the run's own recording (Redis trims intents after a minute and
market data to a length; the recorder kept every entry): their envelope stamps, the intents, and
the feeds' events by content."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import msgpack

from bench.stress.measure import Stamp
from common.bus.codec import decode
from common.schemas.base import load_all
from workers.recorder.reading import read_recording

#: The stages' outputs by the prefix of their streams.
KINDS = ("book", "ref", "signal", "intent")
#: The fields of a feed's event that are our receive time (the wall's, in a stress run): left out
#: when the events of two runs are compared by content.
RECEIVE_STAMPS = ("recv_ts_ms",)


def content(fields: dict[bytes, bytes]) -> bytes:
    """A feed event's type and body without our receive stamps: what two runs of one recording share."""
    body = msgpack.unpackb(fields[b"body"], raw=False)
    for name in RECEIVE_STAMPS:
        body.pop(name, None)
    packed: bytes = msgpack.packb(body, use_bin_type=True)
    return fields[b"type"] + packed


@dataclass
class Outputs:
    stamps: dict[str, list[Stamp]] = field(default_factory=lambda: {k: [] for k in KINDS})
    #: The intents as (intent id, content), in the order written.
    intents: list[tuple[str, str]] = field(default_factory=list)
    #: A digest of the feeds' events (``book``, ``ref``), stream by stream in order.
    digests: dict[str, str] = field(default_factory=dict)


def recorded_outputs(root: Path, to_ms: int | None = None) -> Outputs:
    """What the recording in ``root`` holds of the stages' outputs (written before ``to_ms``)."""
    load_all()  # every message type known to the decoder
    out = Outputs()
    hashes = {"book": hashlib.blake2b(digest_size=8), "ref": hashlib.blake2b(digest_size=8)}
    by_stream: dict[str, list[bytes]] = {}
    for record in read_recording(root, lambda s: s.split(".", 1)[0] in KINDS and not s.endswith(":dlq"), to_ms=to_ms):
        kind, f = record.stream.split(".", 1)[0], record.fields
        out.stamps[kind].append(Stamp(int(f[b"event_ms"]), float(f[b"ingest_ms"]), float(f[b"emit_ms"])))
        if kind in hashes:
            by_stream.setdefault(record.stream, []).append(content(f))
        elif kind == "intent":
            body = decode(f, record.id).body
            out.intents.append((getattr(body, "intent_id", ""), body.model_dump_json()))
    for stream in sorted(by_stream):
        for item in by_stream[stream]:
            hashes[stream.split(".", 1)[0]].update(item)
    out.digests = {k: h.hexdigest() for k, h in hashes.items()}
    return out
