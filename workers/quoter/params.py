"""The quoter core's parameters for one series, from the configuration: ``[strategy.quoter]`` and
``[risk]``, then the series' own ``[strategy.series.<key>.quoter]`` and ``[...risk]``, over the
core's defaults (workers/quoter/core/config.py)."""

from __future__ import annotations

from collections.abc import Sequence

from common.config.errors import ConfigError
from common.config.overlay import overlay
from common.config.settings import Settings
from common.strategy.quoter import QuoterConfig
from workers.quoter.core.engine import QuoterCore

#: The risk limits: set in ``[risk]``, not in ``[strategy.quoter]``.
RISK_KEYS = frozenset({
    "max_unpaired_micro", "drop_level0_unpaired_micro", "max_window_position_micro",
    "max_total_exposure_micro", "daily_loss_limit_micro",
})  # fmt: skip
_STRATEGY_KEYS = frozenset(QuoterConfig.__dataclass_fields__) - RISK_KEYS


def quoter_config(settings: Settings, series: str) -> QuoterConfig:
    """The series' parameters; :class:`ConfigError` naming every bad one."""
    own = settings.strategy.series.get(series)
    config = QuoterConfig()
    config = overlay(config, settings.strategy.quoter, "strategy.quoter", _STRATEGY_KEYS)
    config = overlay(config, settings.risk, "risk", RISK_KEYS)
    if own is not None:
        config = overlay(config, own.quoter, f"strategy.series.{series}.quoter", _STRATEGY_KEYS)
        config = overlay(config, own.risk, f"strategy.series.{series}.risk", RISK_KEYS)
    problems = consistency(config)
    if problems:
        raise ConfigError(f"invalid configuration for {series}:\n" + "\n".join(f"  {p}" for p in problems))
    return config


def consistency(c: QuoterConfig) -> list[str]:
    """What no single value shows: sizes that could never be placed, limits in the wrong order."""
    problems = []
    if c.levels < 1:
        problems.append("strategy.quoter.levels must be at least 1")
    if not c.level_size_ppm or min(c.level_size_ppm) <= 0:
        problems.append("strategy.quoter.level_size_ppm must list positive multipliers")
    if c.base_size_micro <= 0 or c.size_quantum_micro <= 0:
        problems.append("strategy.quoter.base_size_micro and size_quantum_micro must be positive")
    if c.drop_level0_unpaired_micro > c.max_unpaired_micro:
        problems.append("risk.drop_level0_unpaired_micro must not exceed risk.max_unpaired_micro")
    if c.daily_loss_limit_micro <= 0:
        problems.append("risk.daily_loss_limit_micro must be positive (a zero limit halts at once)")
    if c.endgame_likely_ppm > 1_000_000 or c.endgame_size_ppm > 1_000_000:
        problems.append("strategy.quoter.endgame_*_ppm are fractions: at most 1000000")
    if c.intent_ttl_ms <= 0:
        problems.append("strategy.quoter.intent_ttl_ms must be positive")
    return problems


def cores_for(settings: Settings, series_keys: Sequence[str],
              current: dict[str, QuoterCore] | None = None) -> dict[str, QuoterCore]:  # fmt: skip
    """A core per series, built from the configuration; a core whose parameters did not change is
    kept (with its caches). :class:`ConfigError` (and nothing changed) when any series' are bad."""
    configs = {key: quoter_config(settings, key) for key in series_keys}
    current = current or {}
    return {key: current[key] if key in current and current[key].config == config else QuoterCore(config)
            for key, config in configs.items()}  # fmt: skip
