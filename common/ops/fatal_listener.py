"""A supervisord event listener: when a worker goes FATAL (it would not stay up and supervisord gave
up restarting it), log it and put an alert on the Redis stream ``alerts``.

supervisord's listener protocol (http://supervisord.org/events.html): the listener writes
``READY\\n`` on stdout; supervisord sends one header line of ``key:value`` tokens, ending with
``len:N``, then N bytes of payload; the listener answers ``RESULT 2\\nOK`` and is READY again. Stdout
is the protocol channel, so logs go to stderr. The listener always answers OK, even when Redis is
down (a listener that never answers stalls supervisord's event queue); the alert is then only in
the log. Run it as ``python -m common.ops.fatal_listener`` under an ``[eventlistener:...]`` section
subscribed to ``PROCESS_STATE_FATAL``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import BinaryIO, Literal, Protocol

from common import logs
from common.bus import streams
from common.bus.codec import encode
from common.clock import Clock, SystemClock
from common.schemas.ops import AlertRaised

#: The stream alerts go on, and how many are kept.
ALERTS_STREAM = streams.ALERTS
ALERTS_MAXLEN = streams.ALERTS_MAXLEN
#: Connect and socket timeout to Redis: short, because supervisord waits for our answer.
REDIS_TIMEOUT_S = 2.0
#: The events that raise an alert, and how bad each is.
SEVERITY: dict[str, Literal["critical", "warning"]] = {"PROCESS_STATE_FATAL": "critical"}

log = logs.get_logger("fatal_listener")


class AlertSink(Protocol):
    def xadd(self, name: str, fields: dict[bytes, bytes], maxlen: int, approximate: bool) -> object: ...


def parse_tokens(text: str) -> dict[str, str]:
    """``"a:1 b:2"`` → ``{"a": "1", "b": "2"}`` (the header and the payload's first line)."""
    pairs = (token.split(":", 1) for token in text.split() if ":" in token)
    return {k: v for k, v in pairs}


def alert_for(header: dict[str, str], payload: str, now_ms: int, host: str = "") -> AlertRaised | None:
    """The alert an event raises, or None for events we do not alert on."""
    event = header.get("eventname", "")
    severity = SEVERITY.get(event)
    if severity is None:
        return None
    first, _, rest = payload.partition("\n")
    fields = parse_tokens(first)
    return AlertRaised(
        kind=event, severity=severity, process=fields.get("processname", "?"), group=fields.get("groupname", "?"),
        from_state=fields.get("from_state", ""), host=host, detail=rest.strip()[:500], raised_ms=now_ms,
    )  # fmt: skip


def handle_event(
    header: dict[str, str], payload: str, sink: AlertSink | None, clock: Clock, host: str = ""
) -> AlertRaised | None:
    """Log and publish the alert of one event; a failing sink is logged, never raised."""
    alert = alert_for(header, payload, clock.now_ms(), host)
    if alert is None:
        return None
    log.critical("worker_fatal", process=alert.process, group=alert.group, from_state=alert.from_state)
    if sink is None:
        log.error("alert_not_published", reason="no redis", process=alert.process)
        return alert
    try:
        now = clock.now_ms()
        fields = encode(alert, src="fatal-listener", key=alert.process, event_ms=now, ingest_ms=now, emit_ms=now)
        sink.xadd(ALERTS_STREAM, fields, maxlen=ALERTS_MAXLEN, approximate=True)
    except Exception as exc:  # any Redis failure: the alert stays in the log
        log.error("alert_not_published", reason=repr(exc), process=alert.process)
    return alert


def serve(stdin: BinaryIO, stdout: BinaryIO, sink: AlertSink | None, clock: Clock, host: str = "") -> int:
    """Answer supervisord until stdin closes; return the number of events handled."""
    handled = 0
    while True:
        stdout.write(b"READY\n")
        stdout.flush()
        line = stdin.readline()
        if not line:
            return handled
        header = parse_tokens(line.decode("utf-8", "replace"))
        payload = stdin.read(int(header.get("len", "0"))).decode("utf-8", "replace")
        try:
            handle_event(header, payload, sink, clock, host)
        finally:
            stdout.write(b"RESULT 2\nOK")
            stdout.flush()
            handled += 1


def _redis_sink(url: str | None) -> AlertSink | None:
    if not url:
        return None
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    # One retry, no backoff: supervisord waits for our answer, a down Redis must not hold it long.
    client = redis.Redis.from_url(
        url, socket_timeout=REDIS_TIMEOUT_S, socket_connect_timeout=REDIS_TIMEOUT_S, retry=Retry(NoBackoff(), 1)
    )
    return client  # type: ignore[no-any-return]


def main(sink_factory: Callable[[str | None], AlertSink | None] = _redis_sink) -> int:
    """Entry point: Redis from the settings (``REDIS_URL``, the secrets dir), logs on stderr."""
    logs.configure("fatal-listener", stream=sys.stderr)
    url = os.environ.get("REDIS_URL")
    if not url:
        try:
            from common.config import load_settings

            configured = load_settings().redis.url
            url = configured.get_secret_value() if configured else None
        except Exception as exc:  # a bad config must not stop the alerts reaching the log
            log.error("config_unreadable", reason=str(exc).splitlines()[0])
    serve(sys.stdin.buffer, sys.stdout.buffer, sink_factory(url), SystemClock(), host=os.uname().nodename)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
