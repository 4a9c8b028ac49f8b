"""The scorecard as text tables and CSV files (integers in micro-units in the CSV: exact, diffable)."""

from __future__ import annotations

import csv
from pathlib import Path

from backtest.market import MarketSim
from backtest.scorecard import HORIZONS_S, Card, Markout, Score
from backtest.types import Run
from common.money import MICRO_PER_UNIT as MICRO

COLUMNS = ("fills", "shares", "fill%", "up%", "band%", "spread", *(f"mk{h}s" for h in HORIZONS_S), "to_settle",
           "fees", "rebate", "reward", "inv_pnl", "PnL", "max_unp")  # fmt: skip
#: Distance of a fill's price from the mid (cents, better for us first) and time left (share of the window).
DISTANCE_BUCKETS_MICRO = ((-MICRO, 0, "at or through mid"), (1, 10_000, "up to 1c under"),
                          (10_001, 20_000, "1-2c under"), (20_001, MICRO, "over 2c under"))  # fmt: skip
TIME_LEFT_BUCKETS = ((50, 101, "first half"), (25, 50, "third quarter"), (0, 25, "last quarter"))


def usd(micro: int) -> str:
    return f"{micro / MICRO:.2f}"


def pct(ppm: int) -> str:
    return f"{ppm / 10_000:.0f}"


def cells(s: Score) -> list[str]:
    return [str(s.fills), usd(s.shares_micro), pct(s.fill_rate_ppm), pct(s.uptime_ppm), pct(s.in_band_ppm),
            usd(s.spread_micro), *(usd(s.markout_micro(i)) for i in range(len(HORIZONS_S))),
            usd(s.settle_markout_micro), usd(s.fees_micro), usd(s.rebate_micro), usd(s.reward_micro),
            usd(s.inventory_pnl_micro), usd(s.pnl_micro), usd(s.largest_unpaired_micro)]  # fmt: skip


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
    return [fmt.format(*header), *(fmt.format(*r) for r in rows)]


def winner(m: MarketSim) -> str:
    if m.unsettled:
        return "open"
    return f"{(m.settlement.winner or '?').title()}/{m.settlement.how}"


def window_table(card: Card) -> list[str]:
    rows = [[m.record.slug, winner(m), *cells(s)] for m, s in card.rows]
    rows.append([f"TOTAL ({card.total.windows} settled)", "", *cells(card.total)])
    return table(["window", "winner", *COLUMNS], rows)


def totals_table(cards: list[Card]) -> list[str]:
    rows = [[c.strategy, *cells(c.total), usd(c.total.capital_used_micro), usd(c.total.recycled_micro)] for c in cards]
    return table(["strategy", *COLUMNS, "capital", "recycled"], rows)


def buckets(card: Card, markets: dict[str, MarketSim]) -> list[tuple[str, str, int, int, int]]:
    """(dimension, bucket, shares, mean 5-s markout, mean markout to settlement) per bucket, per share."""
    out = []
    for dim, pick in (("distance", _distance_bucket), ("time left", lambda mk: _time_bucket(mk, markets))):
        for name in [b[2] for b in (DISTANCE_BUCKETS_MICRO if dim == "distance" else TIME_LEFT_BUCKETS)]:
            chosen = [mk for mk in card.markouts if pick(mk) == name]
            shares = sum(mk.fill.size_micro for mk in chosen)
            if not shares:
                out.append((dim, name, 0, 0, 0))
                continue
            five = sum(mk.markouts_per_share[1] * mk.fill.size_micro for mk in chosen) // shares
            final = sum(mk.settle_per_share * mk.fill.size_micro for mk in chosen) // shares
            out.append((dim, name, shares, five, final))
    return out


def _distance_bucket(mk: Markout) -> str:
    return next(name for lo, hi, name in DISTANCE_BUCKETS_MICRO if lo <= mk.spread_per_share <= hi)


def _time_bucket(mk: Markout, markets: dict[str, MarketSim]) -> str:
    m = markets[mk.fill.slug]
    left = (m.end_ms - mk.fill.at_ms) * 100 // max(1, m.end_ms - m.start_ms)
    return next(name for lo, hi, name in TIME_LEFT_BUCKETS if lo <= left < hi)


def write_csv(out: Path, runs: list[Run], cards: list[Card]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    score_fields = ["fills", "shares_micro", "placed_micro", "maker_filled_micro", "seconds", "two_sided_s",
                    "in_band_s",
                    "spread_micro", *(f"markout_{h}s_micro" for h in HORIZONS_S), "settle_markout_micro",
                    "fees_micro", "rebate_micro", "reward_micro", "inventory_pnl_micro", "pnl_micro",
                    "largest_unpaired_micro", "capital_used_micro", "recycled_micro", "unpaired_end_micro"]  # fmt: skip

    def values(s: Score) -> list[int]:
        return [s.fills, s.shares_micro, s.placed_micro, s.maker_filled_micro, s.seconds, s.two_sided_s, s.in_band_s,
                s.spread_micro, *(s.markout_micro(i) for i in range(len(HORIZONS_S))), s.settle_markout_micro,
                s.fees_micro, s.rebate_micro, s.reward_micro, s.inventory_pnl_micro, s.pnl_micro,
                s.largest_unpaired_micro, s.capital_used_micro, s.recycled_micro, s.unpaired_end_micro]  # fmt: skip

    paths = {name: out / f"{name}.csv" for name in ("totals", "windows", "fills", "equity", "markout_buckets")}
    with paths["totals"].open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["strategy", *score_fields])
        w.writerows([c.strategy, *values(c.total)] for c in cards)
    with paths["windows"].open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["strategy", "window", "winner", "settled_by", "settled", *score_fields])
        for c in cards:
            w.writerows([c.strategy, m.record.slug, m.settlement.winner or "", m.settlement.how, int(not m.unsettled),
                         *values(s)] for m, s in c.rows)  # fmt: skip
    with paths["fills"].open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["strategy", "window", "at_ms", "outcome", "side", "price_micro", "size_micro", "maker", "cause",
                    "fee_micro", "mid_micro", "spread_per_share_micro",
                    *(f"markout_{h}s_per_share_micro" for h in HORIZONS_S), "settle_per_share_micro"])  # fmt: skip
        for c in cards:
            for mk in c.markouts:
                x = mk.fill
                w.writerow([c.strategy, x.slug, x.at_ms, x.outcome, x.side, x.price_micro, x.size_micro, int(x.maker),
                            x.cause, x.fee_micro, "" if x.mid_micro is None else x.mid_micro, mk.spread_per_share,
                            *mk.markouts_per_share, mk.settle_per_share])  # fmt: skip
    with paths["equity"].open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["strategy", "ms", "pnl_micro"])
        for run in runs:
            w.writerows([run.strategy, ms, e] for ms, e in run.equity)
    with paths["markout_buckets"].open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["strategy", "dimension", "bucket", "shares_micro", "markout_5s_per_share_micro",
                    "settle_per_share_micro"])  # fmt: skip
        for run, c in zip(runs, cards, strict=True):
            w.writerows([c.strategy, *b] for b in buckets(c, {m.record.slug: m for m in run.markets}))
    return list(paths.values())
