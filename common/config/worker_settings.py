"""The settings of the stages, one section each: the control API, executor, feeds, quoter, ledger,
recorder, the latency spans and the demo heartbeat."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator

from common.config.section import Section


class ControlSettings(Section):
    """The control API (``updown worker control``): loopback only unless told otherwise."""

    host: str = "127.0.0.1"
    port: int = Field(8788, ge=1, le=65535)
    #: Bearer token every request must carry; none configured means every request is refused.
    token: SecretStr | None = None
    #: How long an Idempotency-Key's answer is kept (a repeated request gets the same answer).
    idempotency_ttl_s: int = Field(86_400, gt=0)
    #: The page (``/page``) reads the state and pushes it to every open page this often; its charts
    #: get one point per sample.
    page_sample_s: float = Field(1.0, gt=0)

    @field_validator("token", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        return None if isinstance(text, str) and not text.strip() else value


class ExecutorSettings(Section):
    #: A replace at a new price sends the new order with the old one's cancel (a venue round trip
    #: sooner; for that round trip both may rest, never at one price). false: place only once the
    #: cancel is confirmed.
    replace_overlap: bool = True
    #: A shifted ladder keeps its orders still at a wanted price, moved to the level that wants it
    #: (their queue place kept; one replace per shifted side). false: every level is planned on its
    #: own, and a level moving onto another's price waits for that order's cancel. Off by default
    #: until the soak's slot check follows an order from level to level (README).
    relevel: bool = False
    #: Our clock's offset to the venue's (the signatures' POLY_TIMESTAMP) is read again this often,
    #: and at once after a clock step.
    server_time_resync_s: int = Field(300, gt=0)
    #: The wall clock jumping this far against the monotonic clock is logged as a clock step.
    clock_step_threshold_ms: int = Field(1_000, gt=0)
    #: Until the venue reports the wallet's approvals of the exchange (set by the merger at its
    #: start), the executor places nothing and looks again this often.
    allowance_poll_s: float = Field(2.0, gt=0)
    #: A submit refused by a restricted mode of the venue (425 engine restarting, 503 cancel-only or
    #: post-only) holds back the orders that mode refuses (all of them; only non-post-only ones in
    #: post-only mode) this long, doubling with each refusal in a row up to the max (or the venue's
    #: Retry-After); then the next order probes. How long the venue's modes last is UNCERTAIN.
    venue_mode_retry_initial_ms: int = Field(1_000, gt=0)
    venue_mode_retry_max_ms: int = Field(30_000, gt=0)


class UserFeedSettings(Section):
    """feed-user: our trades read back from the venue, for the fills its websocket missed."""

    #: How often feed-user reads our trades from the venue (``GET /data/trades``), besides at start
    #: and on every reconnect of its websocket.
    backfill_interval_s: float = Field(60.0, gt=0)
    #: Each read starts this long before the newest trade already read, so that a recent trade's
    #: later status (MINED, CONFIRMED) missed by the websocket is read again.
    backfill_lookback_s: int = Field(300, ge=1)


class FeedRefSettings(Section):
    """feed-ref: where reference prices come from and how its socket behaves."""

    #: ``polybolt`` (spot from Pyth and Chainlink's 60-s TWAP, authenticated with the API
    #: credentials) or ``rtds`` (Binance, Chainlink spot and TWAP; announced for removal on the venue).
    transport: Literal["polybolt", "rtds"] = "polybolt"
    #: No frame at all for this long (data, pongs) and the connection is dropped and made again.
    idle_timeout_s: float = Field(30.0, gt=0)
    #: PolyBolt: application ping ``{"op":"ping"}`` every this many seconds. The server's own
    #: protocol pings (every 25 s) are answered by the websocket library; the app ping keeps a pong
    #: arriving while prices are quiet, so that silence means a dead peer.
    polybolt_ping_interval_s: float = Field(10.0, gt=0)
    #: PolyBolt closed 4001 (or refused the credentials): wait this long before trying again. The
    #: server allows 8 auth attempts; the SDK gives up for good, we retry slowly (keys may be rotated).
    auth_retry_s: float = Field(300.0, gt=0)
    #: PolyBolt closed 4008 (policy: limits) or answered ``rate_limited``: wait this long.
    policy_backoff_s: float = Field(60.0, gt=0)
    #: PolyBolt closed 4003 (draining): reconnect after a uniform jitter of up to this many seconds.
    draining_jitter_s: float = Field(10.0, ge=0)


class QuoterSettings(Section):
    """When the quoter stops trusting the ledger's positions (and then adds no risk: reduce-only)."""

    #: The ledger's positions lag behind the fills by more than this (the oldest fill it has not
    #: booked is older): the holdings are unknown, no new buys.
    max_position_lag_ms: int = Field(5_000, gt=0)
    #: This long after the quoter starts without any account position from the ledger: the
    #: holdings are unknown, no new buys.
    ledger_grace_ms: int = Field(30_000, ge=0)
    #: How often the quoter looks at the ledger's health and backlog.
    ledger_check_interval_ms: int = Field(500, gt=0)


class LedgerSettings(Section):
    #: A window resolved with nothing left held is folded into the carried totals and dropped from
    #: the op log and the per-window hashes (``state:positions``, ``state:pnl``...) this long after.
    closed_window_retention_s: int = Field(3_600, ge=0)


class RecorderSettings(Section):
    """The recorder: every stream to rotating gzip'd JSON-lines files, and the feeds' raw frames."""

    #: Where the recording goes (``<dir>/<UTC date>/<stream>.<hour>.<n>.jsonl.gz``); empty means
    #: ``<data_dir>/record``.
    dir: str = ""
    #: Streams recorded: those whose name starts with one of these ("" is every stream)...
    include_prefixes: tuple[str, ...] = ("",)
    #: ...and with none of these.
    exclude_prefixes: tuple[str, ...] = ()
    #: How often Redis is scanned for streams that appeared (``SCAN TYPE stream``), lag measured
    #: and old days deleted.
    rescan_interval_s: float = Field(5.0, gt=0)
    #: Entries read per XREADGROUP call (over every stream at once).
    read_count: int = Field(1_000, ge=1)
    #: Buffered entries are written (one gzip member per file), fsynced and then acked this often...
    flush_interval_s: float = Field(2.0, gt=0)
    #: ...or as soon as this many are buffered, whichever comes first.
    flush_entries: int = Field(5_000, ge=1)
    #: A stream's file is closed and the next one started past this many bytes (and every UTC hour).
    rotate_bytes: int = Field(64 * 1024 * 1024, ge=1_024)
    #: Days of recordings kept; older ``<UTC date>`` folders are deleted. 0 keeps everything.
    retention_days: int = Field(14, ge=0)
    #: The feeds (feed-book, feed-ref) also put every frame they receive, before parsing, on
    #: ``raw.<feed>``, so that a replay can run the feeds themselves.
    raw_frames: bool = False
    #: Approximate length bound of each ``raw.<feed>`` stream (trimmed on every write).
    raw_frames_maxlen: int = Field(100_000, ge=100)


class LatencySettings(Section):
    #: How far alpha's fair value (P(Up), parts per million) must move since the last such move for
    #: the reference frame that moved it to start a ``tick_to_cancel`` span: 10,000 ppm is one cent,
    #: one tick on the usual 0.01 grid, the least move that shifts the quoter's ladder by a tick and
    #: so leaves a resting order priced better for a taker than the quoter now wants.
    cancel_move_ppm: int = Field(10_000, gt=0, le=1_000_000)


class HeartbeatDemoSettings(Section):
    #: Interval of the demo heartbeat producer (the worker pair that proves the spine).
    interval_ms: int = Field(500, gt=0)
