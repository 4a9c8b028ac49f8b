"""The read-only page: ``GET /page`` (one HTML document) and ``GET /page/events`` (server-sent events).

One sampler task reads the view of ``updown top`` (``common.top``: the same reads, the same view)
every ``control.page_sample_s`` whether or not a page is open, and keeps the charts' points
(``common.top.history``). Every open page gets, on connecting (and again when it fell behind), a
``snapshot`` event (the view and every point kept), then a ``tick`` event per sample (the view and
the points it added). The page acts on nothing: every action stays in the API, with its audit.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import functools
import hashlib
import json
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from common.top.history import History
from common.top.view import View

#: Between two events, a comment line this often keeps proxies and the browser from timing out.
KEEPALIVE_S = 15.0
#: The page, a single self-contained document (no CDN: the machine may have no internet).
HTML = (Path(__file__).with_name("page.html")).read_text()
_SCRIPT = re.search(r"<script>(.*?)</script>", HTML, re.S)
assert _SCRIPT is not None, "page.html has its script inline"
#: Only this script may run, nothing may be loaded from elsewhere, and no URL (with its token) leaks.
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; connect-src 'self'; style-src 'unsafe-inline'; "
    "script-src 'sha256-" + base64.b64encode(hashlib.sha256(_SCRIPT.group(1).encode()).digest()).decode() + "'",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}
#: The paths that take the token as ``?token=`` too (a browser cannot set a header on them).
PATHS = ("/page", "/page/events")


@dataclasses.dataclass
class Feed:
    """The latest view and the points kept: written by the sampler, read by every open page."""

    history: History = dataclasses.field(default_factory=History)
    tick: int = 0
    view: dict[str, Any] | None = None
    added: dict[str, object] = dataclasses.field(default_factory=dict)
    closing: bool = False
    changed: asyncio.Condition = dataclasses.field(default_factory=asyncio.Condition)

    async def publish(self, view: View) -> None:
        added = self.history.add(view)
        async with self.changed:
            self.tick, self.view, self.added = self.tick + 1, dataclasses.asdict(view), added
            self.changed.notify_all()

    def moved(self, since: int | None) -> bool:
        """Something to send to a page that saw tick ``since``."""
        return self.closing or self.tick != since

    async def close(self) -> None:
        async with self.changed:
            self.closing = True
            self.changed.notify_all()


FEED: web.AppKey[Feed] = web.AppKey("page_feed", Feed)


def install(app: web.Application, read: Callable[[], View], every_s: float, log: Any) -> None:
    """Serve the page on ``app``; ``read`` (blocking: it runs in a thread) gives the view now."""
    app[FEED] = Feed()
    app.add_routes([web.get("/page", page), web.get("/page/events", events)])

    async def sampler(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(_sample_forever(app[FEED], read, every_s, log), name="page-sampler")
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def release_pages(app: web.Application) -> None:
        await app[FEED].close()  # open event streams end, so the server stops without waiting on them

    app.cleanup_ctx.append(sampler)
    app.on_shutdown.append(release_pages)


async def _sample_forever(feed: Feed, read: Callable[[], View], every_s: float, log: Any) -> None:
    failing = False
    while True:
        try:
            view = await asyncio.to_thread(read)
        except Exception as exc:  # Redis away or a key unreadable: say it once, keep trying
            if not failing:
                log.warning("page_read_failed", error=repr(exc))
            failing = True
        else:
            if failing:
                log.info("page_read_recovered")
            failing = False
            await feed.publish(view)
        await asyncio.sleep(every_s)


async def page(request: web.Request) -> web.Response:
    return web.Response(text=HTML, content_type="text/html", headers=HEADERS)


def _event(name: str, data: object) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


async def events(request: web.Request) -> web.StreamResponse:
    feed = request.app[FEED]
    response = web.StreamResponse(headers={**HEADERS, "Content-Type": "text/event-stream"})
    await response.prepare(request)
    seen: int | None = None  # the tick this page has
    synced = False  # it has had a snapshot: ticks may follow
    try:
        while True:
            async with feed.changed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(feed.changed.wait_for(functools.partial(feed.moved, seen)), KEEPALIVE_S)
                if feed.closing:
                    break
                if feed.tick == seen or feed.view is None:
                    message = b": keep-alive\n\n"
                elif synced and seen is not None and feed.tick == seen + 1:
                    message = _event("tick", {"view": feed.view, "added": feed.added})
                else:  # the first event, or this page fell behind: everything again
                    message = _event("snapshot", {"view": feed.view, "history": feed.history.as_json()})
                    synced = True
                seen = feed.tick
            await response.write(message)
    except ConnectionResetError:
        pass  # the page went away
    return response
