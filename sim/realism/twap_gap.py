"""How far a client's TWAP, averaged from the published spot, is from the TWAP the emulator settles on.

    python -m sim.realism.twap_gap [--windows N] [--window-s S] [--seed K]

runs the world alone (no traders, no server) through ``N`` windows of a TWAP-settled series and
reads what a client reads: every spot report (``price.crypto``) and every TWAP print
(``price.crypto.twap``), each at its own second. For every resolved window it checks that the
settlement price is the TWAP print published for the window's end, and compares it with the
reconstruction a client makes from the spot reports: the mean of the per-second reports over the
60 seconds ending at the end (what the bot's alpha averages, ``workers/alpha/core/settlement.py``),
against the published strike. It prints how often the two differ, by how much, and how often the
reconstruction would call the other winner.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

from sim.realism.stats import quantile
from sim.world.config import ResolutionRule, SeriesConfig, WorldConfig
from sim.world.feeds import Source
from sim.world.windows import UP, ActionKind
from sim.world.world import World

#: The run starts at this instant (2026-09-21, the TWAP era), at a window boundary.
START_S = 1_790_000_000


@dataclass(frozen=True)
class WindowGap:
    slug: str
    strike_e18: int
    final_e18: int
    #: The TWAP print stamped at the window's end, as the price channel carried it.
    published_end_e18: int | None
    #: A client's reconstruction: the mean of the per-second spot reports ending at the end.
    reconstructed_e18: int
    winner: int

    @property
    def gap_bp(self) -> float:
        return (self.reconstructed_e18 - self.final_e18) / self.final_e18 * 10_000

    @property
    def reconstructed_winner(self) -> int:
        return UP if self.reconstructed_e18 >= self.strike_e18 else 1 - UP


@dataclass
class TwapGapRun:
    windows: list[WindowGap] = field(default_factory=list)

    def summary(self) -> dict[str, float]:
        n = len(self.windows)
        gaps = [abs(w.gap_bp) for w in self.windows]
        return {
            "windows": float(n),
            "settled_on_published": sum(w.final_e18 == w.published_end_e18 for w in self.windows) / n,
            "differ_share": sum(w.reconstructed_e18 != w.final_e18 for w in self.windows) / n,
            "gap_bp_median": quantile(gaps, 0.5),
            "gap_bp_p90": quantile(gaps, 0.9),
            "winner_flip_share": sum(w.reconstructed_winner != w.winner for w in self.windows) / n,
        }


def reconstruct(spot: dict[int, int], end_s: int, samples: int) -> int | None:
    """The mean of the per-second spot reports over ``[end_s - samples + 1, end_s]``, each second
    holding the latest report at or before it (None without one before the range)."""
    first = end_s - samples + 1
    value = next((spot[s] for s in range(first, first - 600, -1) if s in spot), None)
    if value is None:
        return None
    total = 0
    for s in range(first, end_s + 1):
        value = spot.get(s, value)
        total += value
    return total // samples


def run(windows: int, window_s: int = 300, seed: int = 0, world: WorldConfig | None = None) -> TwapGapRun:
    cfg = world or WorldConfig(seed=seed, series=(SeriesConfig("btc", window_s, rule=ResolutionRule.TWAP),))
    start_ms = START_S // window_s * window_s * 1000
    sim = World(cfg, start_ms)
    lookback = cfg.feed.twap_window_s
    spot: dict[int, int] = {}
    twap: dict[int, int] = {}
    out = TwapGapRun()
    now_ms = start_ms
    while len(out.windows) < windows:
        now_ms += 1000
        step = sim.advance(now_ms)
        for tick in step.ticks:
            if tick.source is Source.CHAINLINK:
                spot[tick.timestamp_ms // 1000] = tick.value_e18
            elif tick.source is Source.TWAP:
                twap[tick.timestamp_ms // 1000] = tick.value_e18
        for action in step.actions:
            w = action.window
            if action.kind is not ActionKind.RESOLVE or w.strike_e18 is None or w.final_e18 is None:
                continue
            if w.start_s * 1000 - lookback * 1000 < start_ms:  # its strike averaged the warm-up
                continue
            rebuilt = reconstruct(spot, w.end_s, lookback)
            if rebuilt is not None and w.winner is not None:
                out.windows.append(WindowGap(w.slug, w.strike_e18, w.final_e18, twap.get(w.end_s), rebuilt, w.winner))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.realism.twap_gap", description=__doc__.split("\n")[0])
    parser.add_argument("--windows", type=int, default=200)
    parser.add_argument("--window-s", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    summary = run(args.windows, args.window_s, args.seed).summary()
    print(f"{int(summary['windows'])} windows of {args.window_s} s, seed {args.seed}")
    print(f"settled on the TWAP print published at the end: {summary['settled_on_published']:.1%}")
    print(f"a client's per-second average differs from it:  {summary['differ_share']:.1%}")
    print(f"|difference|: median {summary['gap_bp_median']:.3f} bp, p90 {summary['gap_bp_p90']:.3f} bp")
    print(f"the average calls the other winner:             {summary['winner_flip_share']:.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
