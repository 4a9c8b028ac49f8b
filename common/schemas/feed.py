"""Feed health, published by every feed so that alpha and the executor know when they are blind."""

from __future__ import annotations

from typing import Literal

from common.schemas.base import Message

FeedState = Literal["up", "down"]
#: The reason of a source that is down without ever having delivered since its worker started (its
#: start-up grace ran out): not an outage of a feed that was working, so not an alert.
NEVER_DELIVERED = "no data since start"


class FeedStatus(Message):
    TYPE = "feed.status"
    VERSION = 1

    #: ``book``, ``user``, ``ref`` or ``gamma``.
    feed: str
    state: FeedState
    #: When the feed entered this state.
    since_ms: int
    #: For ``up`` after a ``down``: how long the feed was blind.
    gap_ms: int = 0
    #: Why it went down (``idle``, ``closed 1006``, ``connect failed: ...``); empty when up.
    reason: str = ""
    #: Consecutive failed connection attempts so far.
    attempts: int = 0


class RawFrame(Message):
    """A frame a feed received, as received (before parsing), on ``raw.<feed>`` when
    ``recorder.raw_frames`` is on: the feed's input, so that a replay can run the feed itself.
    The envelope's ``ingest_ms`` is when it arrived."""

    TYPE = "feed.raw"
    VERSION = 1

    #: ``book`` or ``ref``.
    feed: str
    #: The frame's text (a binary frame decoded as UTF-8, undecodable bytes replaced).
    text: str
