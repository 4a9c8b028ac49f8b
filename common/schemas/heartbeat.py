"""The demo pair's messages: a producer's heartbeat, and the relay's record that it saw it."""

from __future__ import annotations

from common.schemas.base import Message


class Heartbeat(Message):
    TYPE = "hb.beat"
    VERSION = 1

    seq: int
    producer: str


class HeartbeatSeen(Message):
    TYPE = "hb.seen"
    #: 2: the hop in whole microseconds (was ``hop_ms``).
    VERSION = 2

    seq: int
    producer: str
    relay: str
    #: The heartbeat's emit stamp to the relay's handling of it, in microseconds.
    hop_us: int
