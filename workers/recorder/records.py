"""One recorded entry as one JSON line, and the order of stream ids: pure, no I/O.

A line is ``{"stream": S, "id": ID, "fields": {name: text}, "body": base64 | null, "bin": {name:
base64}}``: the envelope's header fields as the text ``redis-cli`` shows, its msgpack body as
base64 (``body``), and any other field that is not UTF-8 under ``bin``. So a line holds the entry's
exact bytes: ``fields`` encoded as UTF-8, ``body`` and ``bin`` base64-decoded.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

#: The envelope's body field (msgpack): always base64, even when its bytes happen to be UTF-8.
BODY_FIELD = b"body"

EntryId = tuple[int, int]
#: Below every real stream id: nothing recorded yet.
NO_ID: EntryId = (0, 0)


def parse_id(entry_id: str) -> EntryId:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


@dataclass(frozen=True, slots=True)
class Record:
    stream: str
    id: str
    fields: dict[bytes, bytes]

    @property
    def ms(self) -> int:
        return parse_id(self.id)[0]


def encode_line(record: Record) -> bytes:
    text: dict[str, str] = {}
    binary: dict[str, str] = {}
    body: str | None = None
    for name, value in record.fields.items():
        if name == BODY_FIELD:
            body = base64.b64encode(value).decode()
            continue
        try:
            text[name.decode()] = value.decode()
        except UnicodeDecodeError:
            binary[name.decode(errors="replace")] = base64.b64encode(value).decode()
    line = {"stream": record.stream, "id": record.id, "fields": text, "body": body}
    if binary:
        line["bin"] = binary
    return json.dumps(line, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def decode_line(line: bytes | str) -> Record:
    obj = json.loads(line)
    fields = {k.encode(): v.encode() for k, v in obj["fields"].items()}
    fields.update({k.encode(): base64.b64decode(v) for k, v in obj.get("bin", {}).items()})
    if obj.get("body") is not None:
        fields[BODY_FIELD] = base64.b64decode(obj["body"])
    return Record(stream=obj["stream"], id=obj["id"], fields=fields)


def wanted(stream: str, include: tuple[str, ...], exclude: tuple[str, ...]) -> bool:
    """Recorded: the name starts with an included prefix and with no excluded one."""
    return any(stream.startswith(p) for p in include) and not any(stream.startswith(p) for p in exclude)
