"""The unified book's frame: every order and print of a market in Up terms.

The Up and Down books are mirrors (reference §2.4): a BUY Up at p is a bid at p, a BUY Down at q is
an ask at 1 − q (it matches a BUY Up at 1 − q or higher as a full set), a SELL Up at p an ask at p
and a SELL Down at q a bid at 1 − q. In this frame a resting BUY Up at p is filled by a SELL Up at
p or better *and* by a BUY Down at 1 − p or better: both are asks at or below p.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from common.money import MICRO_PER_UNIT as MICRO

OutcomeName = Literal["UP", "DOWN"]
Side = Literal["BUY", "SELL"]


class UpFrame(NamedTuple):
    """Where an order rests (or a taker trades) in the Up frame: a bid or an ask, at a price."""

    bid: bool
    price_micro: int


def up_frame(outcome: OutcomeName, side: Side, price_micro: int) -> UpFrame:
    """An outcome's (side, price) in the Up frame."""
    if outcome == "UP":
        return UpFrame(side == "BUY", price_micro)
    return UpFrame(side == "SELL", MICRO - price_micro)


def outcome_price(outcome: OutcomeName, up_price_micro: int) -> int:
    """An Up-frame price as the price of ``outcome``."""
    return up_price_micro if outcome == "UP" else MICRO - up_price_micro


def other(outcome: OutcomeName) -> OutcomeName:
    return "DOWN" if outcome == "UP" else "UP"
