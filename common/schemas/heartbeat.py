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
    VERSION = 1

    seq: int
    producer: str
    relay: str
    #: Emit time of the heartbeat to the relay's handling of it.
    hop_ms: int
