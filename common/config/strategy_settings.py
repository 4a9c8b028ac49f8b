"""The trader's strategy and risk parameters as the configuration gives them, by name."""

from __future__ import annotations

from pydantic import Field

from common.config.section import Section

#: A strategy or risk parameter as the configuration gives it (TOML scalars and arrays; strings also
#: for the environment, e.g. ``UPDOWN_STRATEGY__QUOTER__LEVELS=3``). Each worker checks the names,
#: types and ranges against the cores' parameters (common/strategy/params.py); ``updown run``,
#: ``updown config`` and ``updown ctl reload`` check them all before anything starts or changes.
ParamValue = bool | int | float | str | tuple[bool | int | float | str, ...]


class SeriesStrategySettings(Section):
    """One series' own values, over the shared ones: ``[strategy.series.btc-5m.quoter]``."""

    alpha: dict[str, ParamValue] = Field({})
    quoter: dict[str, ParamValue] = Field({})
    risk: dict[str, ParamValue] = Field({})


class StrategySettings(Section):
    """The trader's strategy: any parameter of the alpha core (common/strategy/alpha.py) and of
    the quoter core (common/strategy/quoter.py) by name, with its unit in the name. What is not
    set keeps the core's default. Live: ``updown ctl reload`` applies a change to the next decision."""

    alpha: dict[str, ParamValue] = Field({})
    quoter: dict[str, ParamValue] = Field({})
    series: dict[str, SeriesStrategySettings] = Field({})
