"""Gamma market and event objects (reference §1.3, §1.6) normalized into ``MarketRecord``.

Facts used: ``outcomes`` and ``clobTokenIds`` are JSON-encoded strings in outcome order; Protocol
V2 markets (``version == "v2"``) take their ids from ``positionIds`` (a real array); the window is
``eventStartTime``..``endDate`` (``startDate`` is the row's creation and ``endDateIso`` is
date-only); ``feeSchedule`` is authoritative (``makerBaseFee``/``takerBaseFee`` are a legacy
ceiling); ``rewardsMaxSpread`` is in cents; the settlement is a TWAP when ``cryptoMarketConfig``
says so or the resolution source is the TWAP stream; the strike is the event's
``eventMetadata.priceToBeat`` once published.
"""

from __future__ import annotations

import re
from typing import Any, TypedDict

from common.schemas.market import FeeSchedule, MarketRecord, Settlement
from common.venue.convert import (
    MICRO_PER_UNIT,
    boolean,
    e18,
    epoch_ms,
    field,
    json_list,
    micro,
    optional_epoch_ms,
    ppm,
    text,
)
from common.venue.errors import VenueParseError, guarded

#: ``btc-updown-15m-1767200400``: asset, interval, window start in unix seconds.
UPDOWN_SLUG = re.compile(r"^(?P<asset>[a-z0-9]+)-updown-(?P<interval>\d+[mhd])-(?P<start_s>\d+)$")
#: A TWAP resolution stream such as ``.../btc-usd-twap-60s-streams``; the group is the lookback.
_TWAP_SOURCE = re.compile(r"twap-(\d+)s")
#: Micro-units of price per cent (``rewardsMaxSpread`` is in cents).
MICRO_PER_CENT = MICRO_PER_UNIT // 100


class VenueFeeSchedule(TypedDict, total=False):
    exponent: int
    rate: object
    takerOnly: bool
    rebateRate: object


class VenueCryptoMarketConfig(TypedDict, total=False):
    id: str
    asset: str
    duration: str
    twapEnabled: bool
    twapLookbackSeconds: int


class VenueGammaMarket(TypedDict, total=False):
    id: str
    slug: str
    question: str
    conditionId: str
    questionID: str
    outcomes: str
    outcomePrices: str
    clobTokenIds: str
    positionIds: list[str]
    version: str
    eventStartTime: str
    endDate: str
    active: bool
    closed: bool
    acceptingOrders: bool
    acceptingOrdersTimestamp: str
    orderPriceMinTickSize: object
    orderMinSize: object
    negRisk: bool
    rewardsMinSize: object
    rewardsMaxSpread: object
    feesEnabled: bool
    feeType: str | None
    feeSchedule: VenueFeeSchedule
    resolutionSource: str
    cryptoMarketConfigId: str
    cryptoMarketConfig: VenueCryptoMarketConfig
    events: list[dict[str, Any]]


def _fee_schedule(raw: object) -> FeeSchedule | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise VenueParseError(f"feeSchedule: not an object: {raw!r}")
    return FeeSchedule(
        rate_ppm=ppm(field(raw, "rate", "feeSchedule"), "feeSchedule.rate"),
        exponent=int(field(raw, "exponent", "feeSchedule")),
        taker_only=boolean(raw.get("takerOnly"), "feeSchedule.takerOnly", default=True),
        rebate_rate_ppm=ppm(raw.get("rebateRate") or 0, "feeSchedule.rebateRate"),
    )


def _settlement(market: dict[str, Any], event: dict[str, Any] | None) -> Settlement:
    source = str(market.get("resolutionSource") or (event or {}).get("resolutionSource") or "")
    config = market.get("cryptoMarketConfig")
    if isinstance(config, dict):
        twap = boolean(config.get("twapEnabled"), "cryptoMarketConfig.twapEnabled", default=False)
        lookback = config.get("twapLookbackSeconds")
        return Settlement(
            kind="twap" if twap else "spot",
            lookback_s=int(lookback) if twap and lookback is not None else None,
            resolution_source=source,
            config_id=str(config.get("id") or market.get("cryptoMarketConfigId") or "") or None,
        )
    match = _TWAP_SOURCE.search(source)
    return Settlement(
        kind="twap" if match else "spot",
        lookback_s=int(match.group(1)) if match else None,
        resolution_source=source,
        config_id=str(market.get("cryptoMarketConfigId") or "") or None,
    )


def _token_ids(market: dict[str, Any], version: str) -> tuple[str, ...]:
    raw = market.get("positionIds") if version == "v2" else market.get("clobTokenIds")
    what = "positionIds" if version == "v2" else "clobTokenIds"
    ids = [
        str(token) if isinstance(token, int) and not isinstance(token, bool) else token
        for token in json_list(raw if raw is not None else field(market, what, "gamma market"), what)
    ]
    if not all(isinstance(token, str) and token.isdigit() and token.isascii() for token in ids):
        raise VenueParseError(f"{what}: not decimal token ids: {ids!r}")
    return tuple(ids)


def _strike_e18(market: dict[str, Any], event: dict[str, Any] | None) -> int | None:
    candidates = [event] if event is not None else []
    candidates += [e for e in market.get("events") or [] if isinstance(e, dict)]
    for holder in candidates:
        metadata = holder.get("eventMetadata")
        if isinstance(metadata, dict) and metadata.get("priceToBeat") not in (None, ""):
            return e18(metadata["priceToBeat"], "eventMetadata.priceToBeat")
    return None


def _window(market: dict[str, Any], event: dict[str, Any] | None) -> tuple[int | None, int | None]:
    start_raw = market.get("eventStartTime") or (event or {}).get("eventStartTime")
    start_ms = epoch_ms(start_raw, "eventStartTime") if start_raw else None
    slug_match = UPDOWN_SLUG.match(str(market.get("slug") or ""))
    if slug_match:
        slug_start_ms = int(slug_match.group("start_s")) * 1000
        if start_ms is None:
            start_ms = slug_start_ms  # the slug's number is the window start by definition (§1.2)
        elif start_ms != slug_start_ms:
            raise VenueParseError(f"eventStartTime {start_raw!r} disagrees with slug {market.get('slug')!r}")
    end_raw = market.get("endDate") or (event or {}).get("endDate")
    return start_ms, (epoch_ms(end_raw, "endDate") if end_raw else None)


def _cents_as_micro(value: object, what: str) -> int:
    hundredths = micro(value, what)  # micro-cents
    if hundredths % (MICRO_PER_UNIT // MICRO_PER_CENT):
        raise VenueParseError(f"{what}: {value!r} cents is finer than one micro-unit of price")
    return hundredths // (MICRO_PER_UNIT // MICRO_PER_CENT)


def _winner_index(market: dict[str, Any], closed: bool) -> int | None:
    raw = market.get("outcomePrices")
    if not closed or raw in (None, ""):
        return None
    prices = [micro(price, "outcomePrices") for price in json_list(raw, "outcomePrices")]
    winners = [i for i, price in enumerate(prices) if price == MICRO_PER_UNIT]
    if len(winners) == 1 and all(price == 0 for i, price in enumerate(prices) if i != winners[0]):
        return winners[0]
    return None


@guarded("gamma market")
def normalize_gamma_market(market: dict[str, Any], event: dict[str, Any] | None = None) -> MarketRecord:
    """The record of one Gamma market; ``event`` is its parent event when fetched by event slug."""
    slug = text(market, "slug", "gamma market")
    slug_match = UPDOWN_SLUG.match(slug)
    series = (
        f"{slug_match.group('asset')}-updown-{slug_match.group('interval')}"
        if slug_match
        else (event or {}).get("seriesSlug")
    )
    version = str(market.get("version") or "v1").lower()
    outcomes = tuple(str(o) for o in json_list(field(market, "outcomes", "gamma market"), "outcomes"))
    token_ids = _token_ids(market, version)
    if len(token_ids) != len(outcomes) or len(outcomes) != 2:
        raise VenueParseError(f"{slug}: {len(outcomes)} outcomes for {len(token_ids)} token ids")
    start_ms, end_ms = _window(market, event)
    closed = boolean(market.get("closed"), "closed", default=False)
    fee_type = market.get("feeType")
    return MarketRecord(
        series=series,
        slug=slug,
        gamma_id=str(field(market, "id", "gamma market")),
        question=str(market.get("question") or ""),
        condition_id=text(market, "conditionId", "gamma market"),
        question_id=str(market.get("questionID") or ""),
        outcomes=outcomes,
        token_ids=token_ids,
        protocol_version=version,
        window_start_ms=start_ms,
        window_end_ms=end_ms,
        tick_size_micro=micro(field(market, "orderPriceMinTickSize", "gamma market"), "tick size"),
        min_size_micro=micro(field(market, "orderMinSize", "gamma market"), "orderMinSize"),
        fees_enabled=boolean(market.get("feesEnabled"), "feesEnabled", default=False),
        fee_type=str(fee_type) if fee_type else None,
        fee_schedule=_fee_schedule(market.get("feeSchedule")),
        rewards_min_size_micro=micro(market.get("rewardsMinSize") or 0, "rewardsMinSize"),
        rewards_max_spread_micro=_cents_as_micro(market.get("rewardsMaxSpread") or 0, "rewardsMaxSpread"),
        neg_risk=boolean(market.get("negRisk"), "negRisk", default=False),
        settlement=_settlement(market, event),
        strike_e18=_strike_e18(market, event),
        active=boolean(market.get("active"), "active", default=False),
        closed=closed,
        accepting_orders=boolean(market.get("acceptingOrders"), "acceptingOrders", default=False),
        accepting_orders_ts_ms=optional_epoch_ms(market.get("acceptingOrdersTimestamp")),
        winner_index=_winner_index(market, closed),
    )


@guarded("gamma event")
def normalize_gamma_event(event: dict[str, Any] | list[Any]) -> list[MarketRecord]:
    """The records of every market of an event (``/events/slug/{slug}``, or the list of ``/events``)."""
    events = event if isinstance(event, list) else [event]
    records = []
    for item in events:
        if not isinstance(item, dict):
            raise VenueParseError("gamma event is not an object")
        for market in field(item, "markets", "gamma event"):
            records.append(normalize_gamma_market(market, item))
    return records
