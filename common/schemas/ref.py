"""Reference price ticks: the fast lead (Binance), the spot oracle (Chainlink on RTDS, Pyth on
PolyBolt) and Chainlink's 60-s TWAP.

Values are exact: the price × 1e18 as an integer (Chainlink's own ``full_accuracy_value`` scale),
never a binary float. ``venue_ts_ms`` is the price's own time (the source's), ``recv_ts_ms`` when
our feed received the frame.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import PlainSerializer

from common.schemas.base import Message

#: Where a price comes from; ``chainlink_twap60`` is the settlement source since 2026-08-07.
RefSource = Literal["binance", "chainlink", "chainlink_twap60", "pyth"]
REF_SOURCES: tuple[RefSource, ...] = ("binance", "chainlink", "chainlink_twap60", "pyth")

_E18 = Decimal(10**18)

#: An integer that may exceed 64 bits (a price × 1e18): a decimal string on the wire, since msgpack
#: integers stop at 64 bits; validation turns the string back into an ``int``.
BigInt = Annotated[int, PlainSerializer(str, return_type=str, when_used="json")]


class RefTick(Message):
    """One reference price of one asset from one source."""

    TYPE = "ref.tick"
    VERSION = 1

    source: RefSource
    #: The asset in our words (``btc``), lower case.
    asset: str
    #: The source's symbol as sent (``btcusdt``, ``btc/usd``).
    symbol: str
    value_e18: BigInt
    venue_ts_ms: int
    recv_ts_ms: int
    #: True for the points of a subscribe snapshot (history), False for live updates.
    from_snapshot: bool = False

    @property
    def value(self) -> Decimal:
        """The exact price as a ``Decimal``."""
        return Decimal(self.value_e18) / _E18
