"""Protocol V2 series in the emulator: chosen per series on the command line, ids shaped as the
venue's (the official SDK decodes them), Gamma's ``version`` and ``positionIds``, and their markets
prepared on the local chain's Router."""

from __future__ import annotations

import shutil

import pytest
from polymarket._internal.protocol import decode_v2_outcome_position_id, is_v2_position_id

from sim.cli import build_parser, config_from_args
from sim.server import ServerConfig, SimServer
from sim.world.clock import SimClock
from sim.world.config import SeriesConfig, WorldConfig
from sim.world.gamma_view import Quote, market_object
from sim.world.ids import derive_ids, v2_ids
from sim.world.windows import Window


def test_v2_series_are_chosen_per_series_and_unknown_ones_refused() -> None:
    args = build_parser().parse_args(["--port", "0", "--series", "btc-15m,eth-15m", "--v2-series", "eth-15m"])
    cfg = config_from_args(args)
    wrong = build_parser().parse_args(["--port", "0", "--series", "btc-15m", "--v2-series", "sol-15m"])

    assert [(s.key, s.protocol_v2) for s in cfg.world.series] == [("btc-15m", False), ("eth-15m", True)]
    with pytest.raises(SystemExit, match="sol-15m"):
        config_from_args(wrong)


def test_v2_position_ids_decode_with_the_official_sdk_to_their_market_and_outcome() -> None:
    ids = v2_ids(derive_ids(3, "btc-updown-15m-1796596800"))

    decoded = [decode_v2_outcome_position_id(t) for t in ids.token_ids]

    assert all(is_v2_position_id(t) for t in ids.token_ids)
    assert not any(is_v2_position_id(t) for t in derive_ids(3, "btc-updown-15m-1796596800").token_ids)
    assert [d.outcome_index for d in decoded] == [0, 1]
    assert {d.condition_id for d in decoded} == {ids.condition_id[:-2]}  # the 31-byte market id


def test_gamma_says_the_version_and_gives_position_ids_of_every_market() -> None:
    v1, v2 = SeriesConfig("btc", 900), SeriesConfig("eth", 900, protocol_v2=True)
    for series, version in ((v1, "v1"), (v2, "v2")):
        ids = derive_ids(1, "x") if version == "v1" else v2_ids(derive_ids(1, "x"))
        window = Window(series, "x", ids, 1_796_596_800, 1_796_597_700, 1_796_596_000)

        market = market_object(window, WorldConfig().terms, 10_000, Quote(), 1_796_596_900)

        assert market["version"] == version and market["positionIds"] == list(ids.token_ids)


def test_v2_series_run_with_the_chain_their_markets_prepared_on_the_router() -> None:
    pytest.importorskip("eth_tester")
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed: the chain's contracts and solc cannot be fetched")
    world = WorldConfig(series=(SeriesConfig("btc", 60, protocol_v2=True),))

    server = SimServer(ServerConfig(chain=True, world=world), SimClock(1_796_596_800_000))

    windows = server.world.open_windows()
    assert windows
    for window in windows:
        market = bytes.fromhex(window.ids.condition_id[2:])[:31]
        assert server.chain.v2.router.functions.prepared(market).call()
        assert all(is_v2_position_id(t) for t in window.ids.token_ids)


def test_v2_series_names_a_series_renamed_by_window_seconds() -> None:
    args = build_parser().parse_args(["--port", "0", "--series", "btc-5m,eth-5m", "--v2-series", "btc-5m",
                                      "--window-seconds", "20"])  # fmt: skip

    series = config_from_args(args).world.series

    assert [(s.key, s.protocol_v2) for s in series] == [("btc-20s", True), ("eth-20s", False)]
