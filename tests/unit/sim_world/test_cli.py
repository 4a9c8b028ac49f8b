"""``updown sim`` arguments: series, window length override, rule, faults, and the ids' chain mode."""

from __future__ import annotations

import argparse

import pytest

from sim.chain.ids import condition_id, outcome_position_id
from sim.cli import build_parser, config_from_args
from sim.world.config import ResolutionRule, SeriesConfig
from sim.world.ids import derive_ids


def _cfg(*argv: str):
    return config_from_args(build_parser().parse_args(["--port", "0", *argv]))


def test_the_default_is_one_btc_15m_series_under_the_twap_rule_without_faults():
    cfg = _cfg()

    assert cfg.world.series == (SeriesConfig("btc", 900, rule=ResolutionRule.TWAP),)
    assert cfg.faults == "none" and cfg.host == "127.0.0.1" and cfg.traders.enabled and cfg.chain


def test_series_lengths_come_from_their_labels_unless_window_seconds_overrides_them():
    assert [s.key for s in _cfg("--series", "btc-15m,eth-5m,sol-1h").world.series] == ["btc-15m", "eth-5m", "sol-1h"]
    overridden = _cfg("--series", "btc-15m,eth-15m", "--window-seconds", "60").world.series
    assert [(s.asset, s.window_s, s.label) for s in overridden] == [("btc", 60, "60s"), ("eth", 60, "60s")]


def test_the_seed_rule_faults_and_traders_flags_reach_the_config():
    cfg = _cfg("--seed", "9", "--rule", "spot", "--faults", "chaos", "--no-traders", "--no-chain")

    assert cfg.world.seed == 9 and cfg.world.series[0].rule is ResolutionRule.SPOT
    assert cfg.faults == "chaos" and not cfg.traders.enabled and not cfg.chain


def test_a_series_can_carry_its_own_rule():
    series = _cfg("--series", "btc-5m:spot,btc-15m", "--rule", "twap").world.series

    assert [(s.key, s.rule) for s in series] == [("btc-5m", ResolutionRule.SPOT), ("btc-15m", ResolutionRule.TWAP)]


def test_an_unknown_fault_profile_or_a_malformed_series_is_refused():
    with pytest.raises(SystemExit):
        _cfg("--faults", "gremlins")
    with pytest.raises(argparse.ArgumentTypeError, match="asset"):
        _cfg("--series", "btc")
    with pytest.raises(argparse.ArgumentTypeError, match="median"):
        _cfg("--series", "btc-5m:median")


def test_with_the_chains_collateral_the_condition_and_token_ids_are_the_ctfs():
    collateral = "0x" + "11" * 20
    oracle = "0x" + "22" * 20

    ids = derive_ids(1, "btc-updown-15m-1790000100", oracle, collateral)

    condition = bytes.fromhex(ids.condition_id[2:])
    assert condition == condition_id(oracle, bytes.fromhex(ids.question_id[2:]))
    assert ids.token_ids == tuple(str(outcome_position_id(collateral, condition, i)) for i in (0, 1))
