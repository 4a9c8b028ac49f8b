"""The venue at the edge: schemas mirroring Polymarket's JSON and parsers to domain events.

Every parser raises ``VenueParseError`` and nothing else on a malformed payload.
"""

from common.venue.errors import VenueParseError
from common.venue.gamma import normalize_gamma_event, normalize_gamma_market
from common.venue.market_ws import MarketWsParser
from common.venue.rtds import RtdsParser
from common.venue.user_ws import UserWsParser, parse_order, parse_trade

__all__ = [
    "MarketWsParser",
    "RtdsParser",
    "UserWsParser",
    "VenueParseError",
    "normalize_gamma_event",
    "normalize_gamma_market",
    "parse_order",
    "parse_trade",
]
