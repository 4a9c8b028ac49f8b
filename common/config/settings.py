"""The settings schema: every section, every default, units in every name.

Defaults that differ per mode live in ``conf/<mode>.toml``; this file holds the schema and the
defaults that hold everywhere. Secrets are ``SecretStr`` and print redacted.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from common.config.redact import SecretUrl
from common.redis_server import DEFAULT_MAXMEMORY_MB


class Mode(StrEnum):
    SIM = "sim"
    PAPER = "paper"
    LIVE = "live"


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RedisSettings(_Section):
    #: ``redis://[user:password@]host:port/db``; empty means "start an embedded redis-server".
    #: A secret: printed and logged with its password masked (``get_secret_value()`` to connect).
    url: SecretUrl | None = None
    #: Socket read timeout; every blocking read must be shorter than this.
    socket_timeout_ms: int = Field(5_000, gt=0)
    connect_timeout_ms: int = Field(2_000, gt=0)
    #: How long one XREADGROUP blocks waiting for entries.
    block_ms: int = Field(1_000, gt=0)
    #: First and largest pause between reconnect attempts when Redis goes away.
    reconnect_initial_ms: int = Field(100, gt=0)
    reconnect_max_ms: int = Field(5_000, gt=0)
    #: The embedded redis-server's ``maxmemory`` (policy ``noeviction``: a full Redis refuses writes
    #: loudly rather than evict a stream); conf/deploy/redis/redis.conf says the same. 0: no limit.
    maxmemory_mb: int = Field(DEFAULT_MAXMEMORY_MB, ge=0)

    @model_validator(mode="after")
    def _block_shorter_than_socket_timeout(self) -> RedisSettings:
        if self.block_ms >= self.socket_timeout_ms:
            raise ValueError(
                f"redis.block_ms ({self.block_ms}) must be shorter than "
                f"redis.socket_timeout_ms ({self.socket_timeout_ms}), or blocking reads time out"
            )
        return self


class BusSettings(_Section):
    #: Deliveries of one entry before it goes to the dead-letter stream.
    max_deliveries: int = Field(5, ge=1)
    #: A pending entry idle this long belongs to a consumer that is gone; another claims it.
    claim_idle_ms: int = Field(30_000, gt=0)
    #: How often each consumer sweeps for abandoned entries.
    claim_interval_ms: int = Field(5_000, gt=0)
    #: Entries read per XREADGROUP call.
    read_count: int = Field(256, ge=1)
    #: Approximate length bound of market-data streams (book, ref, signal).
    market_data_maxlen: int = Field(100_000, ge=100)
    #: How long an "already emitted for this input" marker is kept.
    dedupe_ttl_s: int = Field(86_400, gt=0)
    #: How often a writer trims its never-below-pending streams.
    trim_interval_s: int = Field(30, gt=0)
    #: Length bound of every never-below-pending stream (fills, orders, exec, positions, intents...):
    #: above it the oldest go even if a group still has them pending (a group that stopped reading).
    stream_maxlen: int = Field(100_000, ge=1_000)
    #: Intents older than this are trimmed even if pending: past their valid_until they are worthless.
    intent_max_age_s: int = Field(60, gt=0)
    #: Length bound of every ``<stream>:dlq``: above it the oldest dead letters go, with a warning.
    dlq_maxlen: int = Field(10_000, ge=100)
    #: Entries a source (feed) keeps while Redis cannot be written; past it the oldest market data
    #: is dropped (counted in ``updown_bus_backlog_dropped_total``, logged). About 1 kB an entry.
    publish_backlog_max: int = Field(50_000, ge=1_000)


#: The stages that can run as several instances splitting the series (``runner.instances``). Each
#: executor instance signs with an API key of its own (its heartbeat chain, open orders and
#: cancel-all are the key's: ``workers.executor.handover``; README, "Scaling out").
SCALABLE_WORKERS = ("feed-book", "alpha", "quoter", "executor")
#: Between the metrics ports of two instances of one stage (9105, 9205, ...).
METRICS_PORT_STRIDE = 100


class RunnerSettings(_Section):
    #: The health key expires this long after the last write: a dead worker disappears.
    health_ttl_s: int = Field(15, gt=0)
    health_interval_s: float = Field(2.0, gt=0)
    #: Graceful stop budget; supervisord's stopwaitsecs is larger.
    stop_timeout_s: float = Field(8.0, gt=0)
    #: Prometheus port of this worker (0: no metrics server). supervisord sets one per program.
    metrics_port: int = Field(0, ge=0, le=65535)
    metrics_host: str = "127.0.0.1"
    #: The event loop: "uvloop" (libuv, markedly faster sockets and timers) or "asyncio".
    event_loop: Literal["uvloop", "asyncio"] = "uvloop"
    #: Fault injection for tests only: after emitting the outputs of this many entries, without
    #: acking the last one, the worker kills itself with SIGKILL. 0 (the default) is off.
    crash_after_emits: int = Field(0, ge=0)
    #: Traced workers (alpha, quoter) write each decision's trace on ``trace.<worker>`` (what
    #: ``updown replay`` follows). Off: no traces, and no replay of what runs meanwhile.
    trace: bool = True
    #: The wall time traced workers read: "system", or "event" (the recorded event times of their
    #: inputs: a replay through real worker processes, as ``updown stress`` runs them).
    clock: Literal["system", "event"] = "system"
    #: Instances of a stage that split the series between them (``quoter = 2``); a stage not named
    #: runs one instance, which owns every series (no lease). Only ``SCALABLE_WORKERS`` may scale.
    instances: dict[str, int] = {}
    #: This instance's number among its stage's (supervisord's ``process_num``: 0, 1, ...); its
    #: metrics port is ``metrics_port + instance_index * METRICS_PORT_STRIDE``.
    instance_index: int = Field(0, ge=0)
    #: A scaled stage's hold on a series (``lease:<worker>:<series>`` in Redis, renewed every quarter
    #: of it, ``common.runner.lease``): within this long of an instance's death another instance has
    #: taken its series over, with their pending entries.
    series_lease_ms: int = Field(3_000, ge=300)
    #: This machine's tag, appended to each of its instance names (``quoter-0-vm2``): instances of a
    #: stage on several machines must have distinct names (their consumer names and leases). Empty:
    #: the process name alone (one machine).
    host_tag: str = Field("", pattern=r"^[a-z0-9]*$")
    #: A traced stage handles its inputs in the order of a recording's decision traces, read from
    #: ``replay.schedule.<worker>`` (``common.runner.follow``; ``updown stress`` writes it): one
    #: merged loop instead of one per stream, source decisions where the schedule has them. Only
    #: with ``clock = "event"`` and one instance per stage. Off in live.
    follow: bool = False
    #: Following: how long the loop waits for the entry the schedule names next before it stops
    #: the worker with an error (the run is not the recording's).
    follow_wait_s: float = Field(30.0, gt=0)
    #: Following: streams on which the schedule counts only the entries written back from the
    #: recording (marked ``played``); the others (a stress run's own feed statuses, stamped by the
    #: feeds' wall clock) are handled as they are met, outside the schedule.
    follow_played_only: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _follow_needs_the_event_clock(self) -> RunnerSettings:
        if self.follow and self.clock != "event":
            raise ValueError('runner.follow needs runner.clock = "event" (a schedule of recorded decisions '
                             "is followed on recorded time, never on the wall's)")  # fmt: skip
        scaled = [w for w, n in self.instances.items() if n > 1]
        if self.follow and scaled:
            raise ValueError(f"runner.follow needs one instance per stage; runner.instances scales {scaled}")
        return self

    @field_validator("instances")
    @classmethod
    def _only_scalable(cls, value: dict[str, int]) -> dict[str, int]:
        for worker, count in value.items():
            if worker not in SCALABLE_WORKERS:
                raise ValueError(f"runner.instances: {worker!r} cannot scale out; these can: {SCALABLE_WORKERS}")
            if count < 1:
                raise ValueError(f"runner.instances.{worker} must be at least 1, not {count}")
        return value

    def instances_of(self, worker: str) -> int:
        return self.instances.get(worker, 1)


class LogSettings(_Section):
    level: str = Field("INFO", pattern="^(DEBUG|INFO|WARNING|ERROR|CRITICAL)$")


class VenueSettings(_Section):
    clob_url: str = "https://clob.polymarket.com"
    gamma_url: str = "https://gamma-api.polymarket.com"
    ws_market_url: str = "wss://ws-subscriptions-clob.polymarket.com/ws/market"
    ws_user_url: str = "wss://ws-subscriptions-clob.polymarket.com/ws/user"
    rtds_url: str = "wss://ws-live-data.polymarket.com"
    #: PolyBolt, RTDS's authenticated successor for reference prices (reference §4.4).
    polybolt_url: str = "wss://ws-live-v2.polymarket.com/ws"
    chain_rpc_url: str = "https://polygon.drpc.org"
    chain_id: int = 137


class WalletSettings(_Section):
    private_key: SecretStr | None = None
    api_key: SecretStr | None = None
    api_secret: SecretStr | None = None
    api_passphrase: SecretStr | None = None
    #: The address holding pUSD and tokens (EOA, proxy, Safe or deposit wallet); empty = the signer.
    funder: str | None = Field(None, pattern="^0x[0-9a-fA-F]{40}$")
    #: 0 EOA, 1 POLY_PROXY, 2 POLY_GNOSIS_SAFE, 3 POLY_1271.
    signature_type: int = Field(0, ge=0, le=3)

    @field_validator("private_key", "api_key", "api_secret", "api_passphrase", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # An empty secret file or variable means "not given", not an empty secret.
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        return None if isinstance(text, str) and not text.strip() else value


class SimSettings(_Section):
    """The venue emulator that ``make run`` starts in sim mode (``updown sim`` reads these)."""

    host: str = "127.0.0.1"
    port: int = Field(18_080, ge=1, le=65535)
    seed: int = 7
    #: Overrides the length of every series (the series' own label otherwise: btc-60s = 60 s).
    window_seconds: int | None = Field(None, ge=10)
    #: Fault profile: none, flaky-ws, ws-storm, rate-limit, engine-restart, restricted (503 post-only
    #: and cancel-only modes), ambiguous, stale-oracle, chaos.
    faults: str = "none"
    #: A Chainlink price file to replay instead of the seeded price process.
    price_file: str | None = None
    #: Run the local EVM (merges and redeems on chain).
    chain: bool = True
    #: Series the emulator runs as Protocol V2 markets (Gamma ``version: "v2"``, ExchangeV3 orders
    #: signed under EIP-712 domain "3", positions on the chain's Router and PositionManager), e.g.
    #: ``["btc-60s"]``.
    v2_series: tuple[str, ...] = ()


class ControlSettings(_Section):
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


class ExecutorSettings(_Section):
    #: A replace at a new price sends the new order with the old one's cancel (a venue round trip
    #: sooner; for that round trip both may rest, never at one price). false: place only once the
    #: cancel is confirmed.
    replace_overlap: bool = True
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


class UserFeedSettings(_Section):
    """feed-user: our trades read back from the venue, for the fills its websocket missed."""

    #: How often feed-user reads our trades from the venue (``GET /data/trades``), besides at start
    #: and on every reconnect of its websocket.
    backfill_interval_s: float = Field(60.0, gt=0)
    #: Each read starts this long before the newest trade already read, so that a recent trade's
    #: later status (MINED, CONFIRMED) missed by the websocket is read again.
    backfill_lookback_s: int = Field(300, ge=1)


class FeedRefSettings(_Section):
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


class QuoterSettings(_Section):
    """When the quoter stops trusting the ledger's positions (and then adds no risk: reduce-only)."""

    #: The ledger's positions lag behind the fills by more than this (the oldest fill it has not
    #: booked is older): the holdings are unknown, no new buys.
    max_position_lag_ms: int = Field(5_000, gt=0)
    #: This long after the quoter starts without any account position from the ledger: the
    #: holdings are unknown, no new buys.
    ledger_grace_ms: int = Field(30_000, ge=0)
    #: How often the quoter looks at the ledger's health and backlog.
    ledger_check_interval_ms: int = Field(500, gt=0)


class LedgerSettings(_Section):
    #: A window resolved with nothing left held is folded into the carried totals and dropped from
    #: the op log and the per-window hashes (``state:positions``, ``state:pnl``...) this long after.
    closed_window_retention_s: int = Field(3_600, ge=0)


class RecorderSettings(_Section):
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


#: A strategy or risk parameter as the configuration gives it (TOML scalars and arrays; strings also
#: for the environment, e.g. ``UPDOWN_STRATEGY__QUOTER__LEVELS=3``). Each worker checks the names,
#: types and ranges against the cores' parameters (common/strategy/params.py); ``updown run``,
#: ``updown config`` and ``updown ctl reload`` check them all before anything starts or changes.
ParamValue = bool | int | float | str | tuple[bool | int | float | str, ...]


class SeriesStrategySettings(_Section):
    """One series' own values, over the shared ones: ``[strategy.series.btc-5m.quoter]``."""

    alpha: dict[str, ParamValue] = {}
    quoter: dict[str, ParamValue] = {}
    risk: dict[str, ParamValue] = {}


class StrategySettings(_Section):
    """The trader's strategy: any parameter of the alpha core (common/strategy/alpha.py) and of
    the quoter core (common/strategy/quoter.py) by name, with its unit in the name. What is not
    set keeps the core's default. Live: ``updown ctl reload`` applies a change to the next decision."""

    alpha: dict[str, ParamValue] = {}
    quoter: dict[str, ParamValue] = {}
    series: dict[str, SeriesStrategySettings] = {}


class LatencySettings(_Section):
    #: How far alpha's fair value (P(Up), parts per million) must move since the last such move for
    #: the reference frame that moved it to start a ``tick_to_cancel`` span: 10,000 ppm is one cent,
    #: one tick on the usual 0.01 grid, the least move that shifts the quoter's ladder by a tick and
    #: so leaves a resting order priced better for a taker than the quoter now wants.
    cancel_move_ppm: int = Field(10_000, gt=0, le=1_000_000)


class HeartbeatDemoSettings(_Section):
    #: Interval of the demo heartbeat producer (the worker pair that proves the spine).
    interval_ms: int = Field(500, gt=0)


class Settings(BaseSettings):
    """Everything a worker may read. Built by :func:`common.config.load_settings`."""

    model_config = SettingsConfigDict(
        frozen=True,
        extra="forbid",
        env_prefix="UPDOWN_",
        env_nested_delimiter="__",
    )

    mode: Mode = Mode.SIM
    #: Where run-time state lives: embedded Redis data, logs, sockets, secrets.
    data_dir: str = "var"
    series: tuple[str, ...] = ("btc-15m",)
    redis: RedisSettings = RedisSettings()
    bus: BusSettings = BusSettings()
    runner: RunnerSettings = RunnerSettings()
    log: LogSettings = LogSettings()
    venue: VenueSettings = VenueSettings()
    wallet: WalletSettings = WalletSettings()
    sim: SimSettings = SimSettings()
    control: ControlSettings = ControlSettings()
    executor: ExecutorSettings = ExecutorSettings()
    ledger: LedgerSettings = LedgerSettings()
    user_feed: UserFeedSettings = UserFeedSettings()
    feed_ref: FeedRefSettings = FeedRefSettings()
    quoter: QuoterSettings = QuoterSettings()
    heartbeat: HeartbeatDemoSettings = HeartbeatDemoSettings()
    latency: LatencySettings = LatencySettings()
    recorder: RecorderSettings = RecorderSettings()
    strategy: StrategySettings = StrategySettings()
    #: The risk limits (the quoter's: unpaired shares, window position, total exposure, daily loss),
    #: by name; per series under ``[strategy.series.<key>.risk]``.
    risk: dict[str, ParamValue] = {}
