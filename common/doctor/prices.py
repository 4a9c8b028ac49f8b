"""The doctor's price-transport check: connect to the configured reference-price socket,
authenticate (PolyBolt), subscribe the first series' asset, and wait for one message of each channel."""

from __future__ import annotations

import asyncio
import json
import time

from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

from common.config.settings import Settings
from common.doctor.checks import Check
from common.series import parse_series
from common.venue import polybolt
from common.venue.errors import VenueParseError
from common.venue.rtds import RtdsParser

#: How long the check waits for the first message of every channel.
PRICE_CHECK_TIMEOUT_S = 15.0
RTDS_TOPICS = ("crypto_prices_chainlink", "crypto_prices_twap_sixty")


async def _polybolt(settings: Settings, asset: str) -> set[str]:
    w = settings.wallet
    if not (w.api_key and w.api_secret and w.api_passphrase):
        raise PermissionError("no API credentials (PolyBolt authenticates with them)")
    seen: set[str] = set()
    async with connect(settings.venue.polybolt_url, open_timeout=PRICE_CHECK_TIMEOUT_S) as ws:
        await ws.send(polybolt.auth_frame(w.api_key.get_secret_value(), w.api_secret.get_secret_value(),
                                          w.api_passphrase.get_secret_value()))  # fmt: skip
        async for raw in ws:
            parsed = polybolt.parse(raw, 0)
            if parsed.control is not None and parsed.control.op == "authed":
                await ws.send(polybolt.subscribe_frame([asset]))
            elif parsed.control is not None and parsed.control.op == "error":
                raise PermissionError(f"refused: {parsed.control.code}")
            elif parsed.ticks:
                seen.add(parsed.channel)
                if seen >= set(polybolt.CHANNELS):
                    return seen
    return seen


async def _rtds(settings: Settings, asset: str) -> set[str]:
    seen: set[str] = set()
    parser = RtdsParser()
    symbol = json.dumps({"symbol": f"{asset}/usd"})
    subs = [{"topic": topic, "type": "*", "filters": symbol} for topic in RTDS_TOPICS]
    async with connect(settings.venue.rtds_url, open_timeout=PRICE_CHECK_TIMEOUT_S) as ws:
        await ws.send(json.dumps({"action": "subscribe", "subscriptions": subs}))
        async for raw in ws:
            if parser.parse(raw, 0):
                seen.add(json.loads(raw)["topic"])
                if seen >= set(RTDS_TOPICS):
                    return seen
    return seen


async def price_transport(settings: Settings) -> Check:
    """Which price transport is configured, and whether it is live."""
    name = settings.feed_ref.transport
    asset = parse_series(settings.series[0]).asset if settings.series else "btc"
    wanted = set(polybolt.CHANNELS) if name == "polybolt" else set(RTDS_TOPICS)
    started = time.perf_counter()
    try:
        receive = _polybolt if name == "polybolt" else _rtds
        seen = await asyncio.wait_for(receive(settings, asset), PRICE_CHECK_TIMEOUT_S)
    except (OSError, TimeoutError, WebSocketException, VenueParseError, PermissionError) as exc:
        return Check("price transport", False, f"{name}: {type(exc).__name__}: {exc}"[:300],
                     "check venue.polybolt_url / venue.rtds_url and the API credentials, or set "
                     "feed_ref.transport to the other transport")
    if not seen >= wanted:
        return Check("price transport", False, f"{name}: only {sorted(seen)} arrived", "retry; the feed may be down")
    ms = (time.perf_counter() - started) * 1000
    return Check("price transport", True, f"{name} live: {', '.join(sorted(seen))} ({asset}) in {ms:.0f} ms")
