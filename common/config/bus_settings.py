"""The settings of the spine: the Redis connection and the streams on it."""

from __future__ import annotations

from pydantic import Field, model_validator

from common.config.redact import SecretUrl
from common.config.section import Section
from common.redis_server import DEFAULT_MAXMEMORY_MB


class RedisSettings(Section):
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


class BusSettings(Section):
    #: Deliveries of one entry before it goes to the dead-letter stream.
    max_deliveries: int = Field(5, ge=1)
    #: A pending entry idle this long belongs to a consumer that is gone; another claims it.
    claim_idle_ms: int = Field(30_000, gt=0)
    #: How often each consumer sweeps for abandoned entries.
    claim_interval_ms: int = Field(5_000, gt=0)
    #: Entries read per XREADGROUP call.
    read_count: int = Field(256, ge=1)
    #: A handled entry's outputs wait at most about this long for the rest of its batch before they
    #: go out (with the acks so far) in a script call of their own: a burst read at once (the
    #: emulator moves every book in the same 50-ms step) no longer holds a decision made on its
    #: first entries until its last is handled. A batch handled within it is still one call; 0:
    #: out after every entry that made outputs.
    output_wait_ms: int = Field(2, ge=0)
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
