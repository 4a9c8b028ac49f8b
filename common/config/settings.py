"""The settings schema: every section, every default, units in every name.

Defaults that differ per mode live in ``conf/<mode>.toml``; the schema and the defaults that hold
everywhere live here (the root, :class:`Settings`) and in the section modules beside it
(``bus_settings``, ``runner_settings``, ``venue_settings``, ``worker_settings``,
``strategy_settings``), each of whose names is importable from here too. Secrets are ``SecretStr``
and print redacted.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic_settings import BaseSettings, SettingsConfigDict

from common.config.bus_settings import BusSettings, RedisSettings
from common.config.runner_settings import METRICS_PORT_STRIDE, SCALABLE_WORKERS, LogSettings, RunnerSettings
from common.config.strategy_settings import ParamValue, SeriesStrategySettings, StrategySettings
from common.config.venue_settings import SimSettings, VenueSettings, WalletSettings
from common.config.worker_settings import (
    ControlSettings,
    ExecutorSettings,
    FeedRefSettings,
    HeartbeatDemoSettings,
    LatencySettings,
    LedgerSettings,
    QuoterSettings,
    RecorderSettings,
    UserFeedSettings,
)

# The sections live in modules of their own; every name stays importable from here.
__all__ = [
    "METRICS_PORT_STRIDE",
    "SCALABLE_WORKERS",
    "BusSettings",
    "ControlSettings",
    "ExecutorSettings",
    "FeedRefSettings",
    "HeartbeatDemoSettings",
    "LatencySettings",
    "LedgerSettings",
    "LogSettings",
    "Mode",
    "ParamValue",
    "QuoterSettings",
    "RecorderSettings",
    "RedisSettings",
    "RunnerSettings",
    "SeriesStrategySettings",
    "Settings",
    "SimSettings",
    "StrategySettings",
    "UserFeedSettings",
    "VenueSettings",
    "WalletSettings",
]


class Mode(StrEnum):
    SIM = "sim"
    PAPER = "paper"
    LIVE = "live"


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
