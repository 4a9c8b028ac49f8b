"""The quoter's cores, one per series, from the configuration (common/strategy/params.py)."""

from __future__ import annotations

from collections.abc import Sequence

from common.config.settings import Settings
from common.strategy.params import quoter_config
from workers.quoter.core.engine import QuoterCore


def cores_for(settings: Settings, series_keys: Sequence[str],
              current: dict[str, QuoterCore] | None = None) -> dict[str, QuoterCore]:  # fmt: skip
    """A core per series; a core whose parameters did not change is kept (with its caches).
    :class:`ConfigError` (and nothing changed) when any series' are bad."""
    configs = {key: quoter_config(settings, key) for key in series_keys}
    current = current or {}
    return {key: current[key] if key in current and current[key].config == config else QuoterCore(config)
            for key, config in configs.items()}  # fmt: skip
