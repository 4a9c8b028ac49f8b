"""Encode an envelope to stream fields and back, with one error for anything undecodable."""

from __future__ import annotations

from collections.abc import Mapping

import msgpack
from pydantic import ValidationError

from common.bus.envelope import Envelope
from common.schemas.base import Message, model_of

Fields = dict[bytes, bytes]


class DecodeError(Exception):
    """An entry that cannot become an envelope: unknown type, newer schema, bad bytes, invalid body."""


#: The key field's value when an entry has no market or series key.
NO_KEY = "-"
#: Header fields plus the body.
ENVELOPE_FIELDS = 8


def pack_body(body: Message) -> bytes:
    packed: bytes = msgpack.packb(body.model_dump(mode="json"), use_bin_type=True)
    return packed


def encode(
    body: Message, *, src: str, key: str = "", event_ms: int, ingest_ms: float, emit_ms: float
) -> Fields:
    return {
        b"type": body.TYPE.encode(),
        b"v": str(body.VERSION).encode(),
        b"src": src.encode(),
        b"key": (key or NO_KEY).encode(),
        b"event_ms": str(event_ms).encode(),
        b"ingest_ms": repr(ingest_ms).encode(),
        b"emit_ms": repr(emit_ms).encode(),
        b"body": pack_body(body),
    }


def decode(fields: Mapping[bytes, bytes], entry_id: str = "") -> Envelope:
    try:
        type_name = fields[b"type"].decode()
        version = int(fields[b"v"])
        raw = fields[b"body"]
        src = fields[b"src"].decode()
        key = fields[b"key"].decode()
        event_ms = int(fields[b"event_ms"])
        ingest_ms, emit_ms = float(fields[b"ingest_ms"]), float(fields[b"emit_ms"])
    except (KeyError, ValueError, UnicodeDecodeError) as exc:
        raise DecodeError(f"malformed envelope header: {exc!r}") from None
    model = model_of(type_name)
    if model is None:
        raise DecodeError(f"unknown message type {type_name!r}")
    if version > model.VERSION:
        raise DecodeError(f"{type_name} v{version} is newer than this code's v{model.VERSION}")
    try:
        body = model.model_validate(msgpack.unpackb(raw, raw=False))
    except (ValidationError, ValueError, TypeError, msgpack.UnpackException) as exc:
        raise DecodeError(f"invalid {type_name} body: {exc}") from None
    return Envelope(
        body=body,
        src=src,
        key="" if key == NO_KEY else key,
        event_ms=event_ms,
        ingest_ms=ingest_ms,
        emit_ms=emit_ms,
        id=entry_id,
    )
