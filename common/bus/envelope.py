"""The envelope: a few plain header fields ``redis-cli XREAD`` shows, and a msgpack body.

Header fields on the wire (all ASCII):

=============  ==========================================================================
``type``       the body's message type (``Message.TYPE``)
``v``          the body's schema version
``src``        the worker that wrote the entry
``key``        the market or series key (``btc-15m``, a condition id, ...) or ``-``
``event_ms``   when the venue stamped the originating event (carried along the pipeline)
``ingest_ms``  when the feed received the originating event (carried along the pipeline)
``emit_ms``    when this entry was written
               (``ingest_ms`` and ``emit_ms`` carry microsecond decimals: ``1763735000123.457``;
               ``event_ms`` is the venue's own whole-millisecond stamp)
``body``       msgpack of the body's JSON-mode dump
=============  ==========================================================================

Carrying ``event_ms`` and ``ingest_ms`` from cause to effect is what lets the executor compute
tick-to-order and tick-to-ack without looking anything up.
"""

from __future__ import annotations

from dataclasses import dataclass

from common.schemas.base import Message


@dataclass(frozen=True, slots=True)
class Envelope:
    body: Message
    src: str
    key: str
    event_ms: int
    ingest_ms: float
    emit_ms: float
    #: The stream entry id this envelope was read from ("" before it is written).
    id: str = ""

    @property
    def type(self) -> str:
        return self.body.TYPE
