"""Each series' strategy and risk parameters from the configuration, checked.

Layers, in rising order: the core's defaults; ``[strategy.alpha]`` / ``[strategy.quoter]`` and
``[risk]``; the series' own ``[strategy.series.<key>.alpha|quoter|risk]``. ``strategy_problems``
lists everything wrong at once (unknown names, wrong types, negative amounts, limits in the wrong
order); ``load_settings`` raises it as a :class:`ConfigError`.
"""

from __future__ import annotations

from common.config.errors import ConfigError
from common.config.overlay import overlay, overlay_problems
from common.config.settings import SeriesStrategySettings, Settings
from common.series import parse_series
from common.strategy.alpha import AlphaConfig
from common.strategy.quoter import QuoterConfig

#: The risk limits: set in ``[risk]``, not in ``[strategy.quoter]``.
RISK_KEYS = frozenset({
    "max_unpaired_micro", "drop_level0_unpaired_micro", "max_window_position_micro",
    "max_total_exposure_micro", "daily_loss_limit_micro", "window_loss_limit_usd",
})  # fmt: skip
QUOTER_KEYS = frozenset(QuoterConfig.__dataclass_fields__) - RISK_KEYS


def alpha_config(settings: Settings, series: str) -> AlphaConfig:
    """The series' alpha parameters; :class:`ConfigError` naming every bad one."""
    lead = AlphaConfig(lead_expected=settings.feed_ref.transport == "rtds")  # unless the trader says
    config = overlay(lead, settings.strategy.alpha, "strategy.alpha")
    own = own_values(settings, series)
    if own is not None:
        config = overlay(config, own.alpha, f"strategy.series.{series}.alpha")
    _raise(series, alpha_consistency(config))
    return config


def quoter_config(settings: Settings, series: str) -> QuoterConfig:
    """The series' quoter and risk parameters; :class:`ConfigError` naming every bad one."""
    config = overlay(QuoterConfig(), settings.strategy.quoter, "strategy.quoter", QUOTER_KEYS)
    config = overlay(config, settings.risk, "risk", RISK_KEYS)
    own = own_values(settings, series)
    if own is not None:
        config = overlay(config, own.quoter, f"strategy.series.{series}.quoter", QUOTER_KEYS)
        config = overlay(config, own.risk, f"strategy.series.{series}.risk", RISK_KEYS)
    _raise(series, quoter_consistency(config))
    return config


def strategy_problems(settings: Settings) -> list[str]:
    """Every problem of the strategy and risk sections, for every configured series (empty: fine)."""
    problems = [
        *overlay_problems(AlphaConfig(), settings.strategy.alpha, "strategy.alpha"),
        *overlay_problems(QuoterConfig(), settings.strategy.quoter, "strategy.quoter", QUOTER_KEYS),
        *overlay_problems(QuoterConfig(), settings.risk, "risk", RISK_KEYS),
    ]
    for key, own in settings.strategy.series.items():
        where = f"strategy.series.{key}"
        if _bus_key(key) not in {_bus_key(s) for s in settings.series}:
            problems.append(f"  {where}: not a configured series ({', '.join(settings.series)})")
        problems += overlay_problems(AlphaConfig(), own.alpha, f"{where}.alpha")
        problems += overlay_problems(QuoterConfig(), own.quoter, f"{where}.quoter", QUOTER_KEYS)
        problems += overlay_problems(QuoterConfig(), own.risk, f"{where}.risk", RISK_KEYS)
    if problems:
        return problems
    for key in settings.series:
        for build in (alpha_config, quoter_config):
            try:
                build(settings, key)
            except ConfigError as exc:
                problems += [line for line in str(exc).splitlines()[1:] if line not in problems]
    return problems


def own_values(settings: Settings, series: str) -> SeriesStrategySettings | None:
    """The series' own values; ``series`` as in the configuration (``btc-15m``) or on the bus
    (``btc-updown-15m``)."""
    wanted = _bus_key(series)
    return next((own for key, own in settings.strategy.series.items() if _bus_key(key) == wanted), None)


def _bus_key(name: str) -> str:
    try:
        return parse_series(name).key
    except ValueError:
        return name


def quoter_consistency(c: QuoterConfig) -> list[str]:
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
    if c.measured_half_spread_micro and len(c.measured_half_spread_micro) != len(c.measured_time_left_s):
        problems.append("strategy.quoter.measured_half_spread_micro needs one value per measured_time_left_s bucket")
    if list(c.measured_time_left_s) != sorted(set(c.measured_time_left_s)):
        problems.append("strategy.quoter.measured_time_left_s must rise")
    if any(not 0 <= h < 500_000 for h in c.measured_half_spread_micro):
        problems.append("strategy.quoter.measured_half_spread_micro: each from 0 to below 500000")
    if c.endgame_likely_ppm > 1_000_000 or c.endgame_size_ppm > 1_000_000:
        problems.append("strategy.quoter.endgame_likely_ppm and endgame_size_ppm are fractions: at most 1000000")
    if c.intent_ttl_ms <= 0:
        problems.append("strategy.quoter.intent_ttl_ms must be positive")
    return problems


def alpha_consistency(c: AlphaConfig) -> list[str]:
    problems = []
    if min(c.vol_half_life_s, c.vol_fast_half_life_s, c.vol_long_half_life_s, c.lead_half_life_s) <= 0:
        problems.append("strategy.alpha: every *half_life_s must be positive")
    if not 0 <= c.long_vol_weight <= 1:
        problems.append("strategy.alpha.long_vol_weight is a weight: between 0 and 1")
    if not 0 < c.q_clip < 0.5:
        problems.append("strategy.alpha.q_clip must be above 0 and below 0.5")
    if not c.min_target_total_micro <= c.max_target_total_micro <= 1_000_000:
        problems.append("strategy.alpha: min_target_total_micro <= max_target_total_micro <= 1000000")
    if c.max_lag_s < 1:
        problems.append("strategy.alpha.max_lag_s must be at least 1")
    if c.tail_dof in (1, 2):
        problems.append("strategy.alpha.tail_dof: 0 (normal) or at least 3 (a finite variance)")
    if not 0 <= c.book_blend_weight <= 1:
        problems.append("strategy.alpha.book_blend_weight is a weight: between 0 and 1")
    if min(c.vol_uncertainty_ratio, c.vol_disagreement_ratio, c.jump_rate_per_s, c.jump_log_sd) < 0:
        problems.append("strategy.alpha: vol_uncertainty_ratio, vol_disagreement_ratio, jump_rate_per_s and "
                        "jump_log_sd are at least 0")
    return problems


def _raise(series: str, problems: list[str]) -> None:
    if problems:
        raise ConfigError(f"invalid configuration for {series}:\n" + "\n".join(f"  {p}" for p in problems))
