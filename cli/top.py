"""``updown top``: the live view of a running bot, against its Redis (REDIS_URL or ``make run``'s).

``--once`` prints one frame as text and exits (scripts, tests); otherwise the view refreshes every
``--every`` seconds until Ctrl-C.
"""

from __future__ import annotations

import time

import redis

from cli.main import parser
from cli.redis_url import resolve_without_settings
from common.top import render, snapshot, view

#: How often the live view reads Redis again, by default.
REFRESH_S = 1.0


def frame(client: redis.Redis) -> view.View:
    """Read Redis now and build the view."""
    return view.build(snapshot.read(client, time.time_ns() // 1_000_000))


def live(client: redis.Redis, every_s: float, stop_after_s: float = 0.0) -> None:
    """Redraw in place until Ctrl-C (or ``stop_after_s``)."""
    from rich.live import Live

    started = time.monotonic()
    with Live(render.render(frame(client)), auto_refresh=False, screen=False) as shown:
        while not stop_after_s or time.monotonic() - started < stop_after_s:
            time.sleep(every_s)
            shown.update(render.render(frame(client)), refresh=True)


def main(argv: list[str]) -> int:
    p = parser("top", "A live view of the running bot: windows, books, our ladder, feeds, workers, alerts.")
    p.add_argument("--once", action="store_true", help="print one frame as text and exit")
    p.add_argument("--every", type=float, default=REFRESH_S, help="seconds between refreshes")
    p.add_argument("--width", type=int, default=render.TEXT_WIDTH, help="text width of --once")
    args = p.parse_args(argv)
    client = redis.Redis.from_url(resolve_without_settings(), socket_timeout=5)
    try:
        if args.once:
            print(render.render_text(frame(client), args.width), end="")
        else:
            live(client, args.every)
    except KeyboardInterrupt:
        return 0
    finally:
        client.close()
    return 0
