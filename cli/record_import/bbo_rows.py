"""The two layouts of the one-second BBO files (``polymarket-bbo/``) as one row type (pure).

``market_data_<date>.csv``: ``Timestamp`` (UTC to the second: checked against Binance's 5-minute
closes, 65 of 66 windows' last mids agree at offset 0 and about half at any whole-hour offset),
``TargetTime`` / ``Expiration`` (the window's start and end), then per token ``Bid``, ``Ask``,
``BidLiquidity``, ``AskLiquidity``. No token ids, no market id, no outcome.
``orderbook_<date>.csv``: ``ts_ms``, ``window_slug``, ``window_end_ts``, ``outcome`` (once known),
``yes_token_id`` / ``no_token_id``, per token ``bid``, ``ask``, ``bid_size``, ``ask_size``, and the
Binance ``btc_price``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from common.series import interval_seconds

#: The series of every BBO file (BTC 15-minute windows).
BBO_SERIES = "btc-updown-15m"
WINDOW_S = interval_seconds("15m")

#: One side of a token's top of book: price and size as the file writes them ("" when empty).
Quote = tuple[str, str]


@dataclass(frozen=True, slots=True)
class BboRow:
    ms: int
    slug: str
    start_s: int
    end_s: int
    #: (bid, ask) of Up, then of Down.
    up: tuple[Quote, Quote]
    down: tuple[Quote, Quote]
    up_token: str | None = None
    down_token: str | None = None
    #: ``Up`` / ``Down`` once the file states it.
    outcome: str | None = None
    #: Binance BTCUSDT as the file writes it.
    btc_price: str | None = None


def _utc_s(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def market_data_row(row: dict[str, str]) -> BboRow:
    """A row of ``market_data_<date>.csv``."""
    start_s, end_s = _utc_s(row["TargetTime"]), _utc_s(row["Expiration"])
    return BboRow(
        ms=_utc_s(row["Timestamp"]) * 1000,
        slug=f"{BBO_SERIES}-{start_s}",
        start_s=start_s,
        end_s=end_s,
        up=((row["UpBid"], row["UpBidLiquidity"]), (row["UpAsk"], row["UpAskLiquidity"])),
        down=((row["DownBid"], row["DownBidLiquidity"]), (row["DownAsk"], row["DownAskLiquidity"])),
    )


def orderbook_row(row: dict[str, str]) -> BboRow:
    """A row of ``orderbook_<date>.csv``."""
    end_s = int(row["window_end_ts"])
    return BboRow(
        ms=int(row["ts_ms"]),
        slug=row["window_slug"],
        start_s=end_s - WINDOW_S,
        end_s=end_s,
        up=((row["yes_bid"], row["yes_bid_size"]), (row["yes_ask"], row["yes_ask_size"])),
        down=((row["no_bid"], row["no_bid_size"]), (row["no_ask"], row["no_ask_size"])),
        up_token=row["yes_token_id"] or None,
        down_token=row["no_token_id"] or None,
        outcome=row["outcome"] or None,
        btc_price=row["btc_price"] or None,
    )
