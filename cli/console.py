"""What ``updown run`` prints while the bot runs: the live view of ``updown top`` when stdout is a
terminal, else one status line every :data:`STATUS_EVERY_S` (CI, logs). Expected waits print as
progress, never as errors."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from typing import Any

import redis

#: Seconds between two status lines when stdout is not a terminal.
STATUS_EVERY_S = 5.0
#: Seconds between two redraws of the live view.
LIVE_EVERY_S = 1.0


def say(text: str) -> None:
    print(f"[updown run] {text}", flush=True)


def interactive() -> bool:
    return sys.stdout.isatty()


@contextlib.contextmanager
def waiting(text: str) -> Iterator[None]:
    """A progress line while something expected takes its time (a spinner on a terminal)."""
    if not interactive():
        say(text + " ...")
        yield
        return
    from rich.console import Console

    with Console().status(f"[updown run] {text}"):
        yield


class RunView:
    """Shows the bot while it runs; :meth:`tick` is called often, draws only when due."""

    def __init__(self, url: str, live: bool | None = None) -> None:
        self._client = redis.Redis.from_url(url, socket_timeout=5)
        self._live_wanted = interactive() if live is None else live
        self._live: Any = None
        self._next = 0.0

    def tick(self) -> None:
        now = time.monotonic()
        if now < self._next:
            return
        self._next = now + (LIVE_EVERY_S if self._live_wanted else STATUS_EVERY_S)
        from cli.top import frame
        from common.top import render

        try:
            view = frame(self._client)
        except redis.RedisError as exc:  # Redis restarting (the soak kills it): say so, keep running
            say(f"Redis does not answer ({type(exc).__name__}); the view resumes when it does")
            return
        if not self._live_wanted:
            say(render.one_line(view))
            return
        if self._live is None:
            from rich.live import Live

            self._live = Live(render.render(view), auto_refresh=False)
            self._live.start()
        else:
            self._live.update(render.render(view), refresh=True)

    def close(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
        self._client.close()
