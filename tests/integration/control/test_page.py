"""The control API's page against a real Redis holding what a running bot writes: its token (a header
or ``?token=``, the page's paths only), its event stream, and the page itself in headless Chromium."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import redis
import redis.asyncio as aioredis
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from common.bus import streams
from common.clock import SYSTEM_CLOCK
from common.config import load_settings
from common.top import snapshot, view
from tests.browser import chromium, chromium_or_skip
from tests.integration.control.conftest import AUTH, TOKEN
from tests.unit.top.test_view import fill_redis
from workers.control.app import make_app

pytestmark = pytest.mark.integration

#: Samples every 0.2 s, so that the tests see several in a few seconds.
SAMPLE_S = 0.2
#: How long a page gets to show what Redis holds.
SHOWN_WAIT_S = 30.0


def _reader(client: redis.Redis, start_ms: int) -> Callable[[], view.View]:
    """The view at ``start_ms`` plus the time since the test began (so that the clock moves)."""
    began = time.monotonic()
    return lambda: view.build(snapshot.read(client, start_ms + int((time.monotonic() - began) * 1000)))


@pytest.fixture
async def page_api(redis_url: str) -> AsyncIterator[tuple[TestClient, aioredis.Redis]]:  # type: ignore[type-arg]
    sync = redis.Redis.from_url(redis_url)
    now = fill_redis(sync)
    redis_async = aioredis.Redis.from_url(redis_url)
    settings = load_settings(env={"REDIS_URL": redis_url})
    control = settings.control.model_copy(update={"token": SecretStr(TOKEN), "page_sample_s": SAMPLE_S})
    app = make_app(redis_async, settings.model_copy(update={"control": control}), SYSTEM_CLOCK, _reader(sync, now))
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    yield client, redis_async
    await client.close()
    await redis_async.aclose()
    sync.close()


async def test_the_page_and_its_events_need_the_token_which_only_they_take_as_a_query(
    page_api: tuple[TestClient, aioredis.Redis],  # type: ignore[type-arg]
) -> None:
    client, redis_async = page_api

    bare = await client.get("/page")
    wrong = await client.get("/page?token=not-the-token")
    by_query = await client.get(f"/page?token={TOKEN}")
    by_header = await client.get("/page", headers=AUTH)
    api_by_query = await client.get(f"/state/positions?token={TOKEN}")

    assert (bare.status, wrong.status, by_query.status, by_header.status) == (401, 401, 200, 200)
    assert api_by_query.status == 401  # the API proper stays header-only
    html = await by_query.text()
    assert "<title>updown</title>" in html and "EventSource" in html
    assert "script-src 'sha256-" in by_query.headers["Content-Security-Policy"]
    assert by_query.headers["Referrer-Policy"] == "no-referrer"
    audit = [fields for _, fields in await redis_async.xrange(streams.AUDIT)]
    assert [f[b"outcome"] for f in audit] == [b"unauthorized"] * 3
    assert not any(b"not-the-token" in v or TOKEN.encode() in v for f in audit for v in f.values())


async def _events(client: TestClient, count: int) -> list[tuple[str, dict[str, object]]]:  # type: ignore[type-arg]
    """The first ``count`` events of the page's stream."""
    reply = await client.get(f"/page/events?token={TOKEN}")
    assert reply.status == 200 and reply.headers["Content-Type"] == "text/event-stream"
    out: list[tuple[str, dict[str, object]]] = []
    name = ""
    while len(out) < count:
        line = (await asyncio.wait_for(reply.content.readline(), SHOWN_WAIT_S)).decode().rstrip("\n")
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            out.append((name, json.loads(line.removeprefix("data: "))))
    reply.close()
    return out


async def test_the_event_stream_sends_the_view_with_the_history_then_each_sample(
    page_api: tuple[TestClient, aioredis.Redis],  # type: ignore[type-arg]
) -> None:
    client, _ = page_api

    (first, snap), (second, tick), (third, later) = await _events(client, 3)

    assert (first, second, third) == ("snapshot", "tick", "tick")
    [row] = snap["view"]["series"]  # type: ignore[index]
    assert row["fair_up_ppm"] == 612_000 and row["outcomes"][0]["ladder"] == [["BUY", 580_000, 8_000_000]]
    assert snap["view"]["alerts"] == [["critical", "feed_down", "book (feed-book)", "closed"]]  # type: ignore[index]
    [(slug, points)] = snap["history"]["windows"].items()  # type: ignore[index]
    # [t, fair, Up mid, our best bid, our best ask (none: we only bid on Up)]
    assert slug == row["slug"] and points[-1][1:] == [612_000, 600_000, 580_000, None]
    assert tick["view"]["now_ms"] < later["view"]["now_ms"]  # type: ignore[index]
    assert tick["added"]["windows"][slug][0] == tick["view"]["now_ms"]  # type: ignore[index]
    assert tick["added"]["day"] == [tick["view"]["now_ms"], 1_250_000]  # type: ignore[index]


@pytest.mark.slow
@pytest.mark.timeout(180)
async def test_headless_chromium_shows_the_window_its_books_and_alerts_and_the_page_updates(
    page_api: tuple[TestClient, aioredis.Redis], tmp_path: Path  # type: ignore[type-arg]
) -> None:
    chromium_or_skip()
    client, _ = page_api
    url = str(client.make_url(f"/page?token={TOKEN}"))

    def browse() -> tuple[str, str, str, int]:
        with chromium(tmp_path / "profile") as tab:
            tab.goto(url)
            text = tab.wait("document.querySelector('section.series .slug') && document.body.innerText",
                            SHOWN_WAIT_S, "the window on the page")  # fmt: skip
            first = tab.eval("document.getElementById('now').textContent")
            later = tab.wait(f"(t => t !== {first!r} && t)(document.getElementById('now').textContent)",
                             SHOWN_WAIT_S, "the page to update")  # fmt: skip
            lines = tab.eval("document.querySelectorAll('section.series svg polyline').length")
            return text, first, later, lines

    text, first, later, lines = await asyncio.to_thread(browse)

    for shown in ("btc-updown-15m-", "fair Up 0.612, regime NORMAL", "0.590", "0.610", "B0.580x8.00",
                  "unpaired 5.00", "PnL +1.25", "mode", "FLATTENING", "8.5/41.0", "feed_down", "book (feed-book)",
                  "quarantined markets: 0x"):  # fmt: skip
        assert shown in text, (shown, text)
    assert first != later
    assert lines >= 3  # fair value, mid and our bid drawn on the window's chart
