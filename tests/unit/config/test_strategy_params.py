"""The trader's strategy and risk settings: laid over the cores' defaults by name, per series, and
refused all at once, with names and reasons, when wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from common.config import ConfigError, load_settings
from common.config.overlay import overlay
from common.strategy.alpha import AlphaConfig
from common.strategy.params import alpha_config, quoter_config, strategy_problems
from common.strategy.quoter import EndgameMode, QuoterConfig


def test_values_take_the_type_of_the_default_and_strings_are_parsed() -> None:
    c = overlay(QuoterConfig(), {"levels": "3", "level_size_ppm": [1_000_000, 800_000], "endgame_mode": "pull",
                                 "follow_rewards": "false", "base_size_micro": 7.0}, "strategy.quoter")  # fmt: skip
    assert (c.levels, c.level_size_ppm, c.endgame_mode, c.follow_rewards) == (3, (1_000_000, 800_000),
                                                                               EndgameMode.PULL, False)  # fmt: skip
    assert c.base_size_micro == 7 and isinstance(c.base_size_micro, int)
    a = overlay(AlphaConfig(), {"reaction_s": 1}, "strategy.alpha")
    assert a.reaction_s == 1.0 and isinstance(a.reaction_s, float)


@pytest.mark.parametrize(("values", "says"), [
    ({"levls": 3}, "unknown parameter here (did you mean 'levels'?)"),
    ({"levels": True}, "expected a whole number"),
    ({"intent_ttl_ms": 1.5}, "expected a whole number"),
    ({"base_size_micro": -1}, "must not be negative"),
    ({"endgame_mode": "hide"}, "expected one of pull, widen, bias"),
    ({"follow_rewards": "maybe"}, "expected true or false"),
    ({"daily_loss_limit_micro": 5}, "it belongs to another section"),
])  # fmt: skip
def test_a_bad_value_is_named_with_its_section_and_the_reason(values: dict[str, object], says: str) -> None:
    with pytest.raises(ConfigError, match=r"strategy\.quoter") as err:
        quoter_config(load_settings(env={"UPDOWN_SERIES": '["btc-15m"]'}, strategy={"quoter": values}), "btc-15m")
    assert says in str(err.value)


def test_a_series_own_values_go_over_the_shared_ones_on_either_name_of_the_series() -> None:
    settings = load_settings(env={"UPDOWN_SERIES": '["btc-15m", "btc-5m"]'},
                             strategy={"quoter": {"levels": 3}, "series": {
                                 "btc-5m": {"quoter": {"levels": 2}, "risk": {"max_unpaired_micro": 40_000_000}},
                                 "btc-15m": {"alpha": {"endgame_s": 45}}}},
                             risk={"daily_loss_limit_micro": 50_000_000})  # fmt: skip
    five, fifteen = quoter_config(settings, "btc-updown-5m"), quoter_config(settings, "btc-15m")
    assert (five.levels, five.max_unpaired_micro, five.daily_loss_limit_micro) == (2, 40_000_000, 50_000_000)
    assert (fifteen.levels, fifteen.max_unpaired_micro) == (3, QuoterConfig().max_unpaired_micro)
    assert alpha_config(settings, "btc-updown-15m").endgame_s == 45
    assert alpha_config(settings, "btc-5m").endgame_s == AlphaConfig().endgame_s


def test_load_settings_refuses_every_problem_at_once() -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(env={"UPDOWN_SERIES": '["btc-15m"]', "UPDOWN_STRATEGY__QUOTER__LEVLS": "3",
                           "UPDOWN_STRATEGY__ALPHA__Q_CLIP": "x", "UPDOWN_RISK__LEVELS": "2"})  # fmt: skip
    text = str(err.value)
    assert "strategy.quoter.levls" in text and "strategy.alpha.q_clip" in text and "risk.levels" in text


def test_limits_in_the_wrong_order_and_an_unknown_series_are_refused() -> None:
    settings = load_settings(env={"UPDOWN_SERIES": '["btc-15m"]'})
    strategy = settings.strategy.model_copy(update={"alpha": {"q_clip": 0.7}})
    bad = settings.model_copy(update={"risk": {"drop_level0_unpaired_micro": 200_000_000}, "strategy": strategy})
    problems = "\n".join(strategy_problems(bad))
    assert "drop_level0_unpaired_micro must not exceed" in problems and "q_clip" in problems
    with pytest.raises(ConfigError, match="not a configured series"):
        load_settings(env={"UPDOWN_SERIES": '["btc-15m"]'}, strategy={"series": {"eth-5m": {"quoter": {"levels": 1}}}})


def test_a_conf_file_that_is_not_toml_is_a_config_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "base.toml").write_text("[strategy.quoter\nlevels = 3\n")
    monkeypatch.setenv("UPDOWN_CONF_DIR", str(tmp_path))
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(env={})


def test_a_lead_is_expected_only_where_the_transport_carries_one_unless_the_trader_says() -> None:
    polybolt = load_settings(env={"UPDOWN_SERIES": '["btc-15m"]', "UPDOWN_FEED_REF__TRANSPORT": "polybolt"})
    rtds = load_settings(env={"UPDOWN_SERIES": '["btc-15m"]', "UPDOWN_FEED_REF__TRANSPORT": "rtds"})
    assert not alpha_config(polybolt, "btc-15m").lead_expected and alpha_config(rtds, "btc-15m").lead_expected
    told = load_settings(env={"UPDOWN_SERIES": '["btc-15m"]', "UPDOWN_FEED_REF__TRANSPORT": "polybolt",
                              "UPDOWN_STRATEGY__ALPHA__LEAD_EXPECTED": "true"})  # fmt: skip
    assert alpha_config(told, "btc-15m").lead_expected


def test_the_risk_and_measured_spread_settings_are_read_and_checked() -> None:
    settings = load_settings(env={"UPDOWN_SERIES": '["btc-15m"]'}, risk={"window_loss_limit_usd": 20},
                             strategy={"quoter": {"half_spread_source": "measured", "measured_time_left_s": [60, 900],
                                                  "measured_half_spread_micro": [30_000, 15_000]}})  # fmt: skip
    config = quoter_config(settings, "btc-15m")
    assert config.window_loss_limit_usd == 20 and config.measured_half_spread_micro == (30_000, 15_000)
    assert config.half_spread_source == "measured"
    with pytest.raises(ConfigError, match="window_loss_limit_usd = -1: must not be negative"):
        load_settings(env={"UPDOWN_SERIES": '["btc-15m"]'}, risk={"window_loss_limit_usd": -1})
    with pytest.raises(ConfigError, match="one value per measured_time_left_s"):
        load_settings(env={"UPDOWN_SERIES": '["btc-15m"]'}, strategy={"quoter": {"measured_half_spread_micro": [1]}})
