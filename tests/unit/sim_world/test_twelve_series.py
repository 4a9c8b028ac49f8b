"""The emulator serves the twelve series of ``updown bench series`` at once: BTC, ETH, SOL and XRP
in 5-minute, 15-minute and 1-hour windows, each with the current window and the next ones, slugs
aligned to their length (reference §1.2) and titled with the asset's name."""

from __future__ import annotations

from bench.series import ALL_SERIES
from sim.cli import build_parser, config_from_args
from sim.server import SimServer
from sim.world.clock import SimClock
from sim.world.gamma_view import title
from sim.world.windows import window_slug

NOW_MS = 1_796_617_800_000 + 123_456  # a whole hour plus two minutes


def test_all_twelve_series_have_their_current_window_aligned_and_named() -> None:
    args = build_parser().parse_args(["--port", "0", "--series", ",".join(ALL_SERIES), "--no-chain", "--no-traders"])
    server = SimServer(config_from_args(args), SimClock(NOW_MS))
    windows = list(server.world.windows())
    now_s = NOW_MS // 1000

    assert sorted({w.series.key for w in windows}) == sorted(ALL_SERIES)
    for series in {w.series for w in windows}:
        current = now_s // series.window_s * series.window_s
        found = server.world.window_by_slug(window_slug(series, current))
        assert found is not None and found.start_s <= now_s < found.end_s, series.key
        assert sum(1 for w in windows if w.series == series) >= 3  # the current one and two ahead
    names = {w.series.asset: title(w).split(" Up or Down")[0] for w in windows}
    assert names == {"btc": "Bitcoin", "eth": "Ethereum", "sol": "Solana", "xrp": "XRP"}
