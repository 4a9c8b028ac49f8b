"""Several backtests' settled windows pooled: the mean per window of the PnL and its parts, per strategy.

    python -m backtest.pool [--skip-first N] OUT [OUT ...]

Each ``OUT`` is an ``updown backtest --out`` folder (its ``windows.csv``); windows left open are
left out, as in the totals, and with ``--skip-first N`` each folder's first N windows (by start):
the strategies start cold there (alpha with no price history yet). The standard error is over
windows (they are not independent draws of one market when they share a recording, so read it as
a rough scale). Money in pUSD.

Below the table: the first strategy's paired differences with each other one (the same windows of
the same folders, window by window), and the risk limits of the trader's settings
(``[risk] window_loss_limit_usd`` and ``max_unpaired_micro``) checked on every strategy: the
windows that lost more than the limit, and those that ended holding more unpaired shares.
"""

from __future__ import annotations

import csv
import math
import sys
from collections import defaultdict
from pathlib import Path

from common.config.loader import load_settings
from common.strategy.params import quoter_config

#: The parts of a window's PnL shown, by their ``windows.csv`` column, in the scorecard's order.
PARTS = (("spread", "spread_micro"), ("mk1s", "markout_1s_micro"), ("mk5s", "markout_5s_micro"),
         ("mk30s", "markout_30s_micro"), ("mk60s", "markout_60s_micro"), ("to_settle", "settle_markout_micro"),
         ("fees", "fees_micro"), ("rebate", "rebate_micro"), ("inv_pnl", "inventory_pnl_micro"))  # fmt: skip
MICRO = 1_000_000


def window_start_s(slug: str) -> int:
    """A window's start from its slug (``btc-updown-15m-1790000100``)."""
    return int(slug.rsplit("-", 1)[-1])


def settled_windows(outs: list[Path], skip_first: int = 0) -> dict[str, list[dict[str, str]]]:
    """The settled windows of every folder but its first ``skip_first``, by strategy."""
    by_strategy: dict[str, list[dict[str, str]]] = defaultdict(list)
    for out in outs:
        with (out / "windows.csv").open() as f:
            rows = list(csv.DictReader(f))
        skipped = set(sorted({r["window"] for r in rows}, key=window_start_s)[:skip_first])
        for row in rows:
            if row["settled"] == "1" and row["window"] not in skipped:
                by_strategy[row["strategy"]].append({**row, "folder": str(out)})
    return by_strategy


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _stderr(values: list[float]) -> float:
    if len(values) < 2:
        return 0.0
    m = _mean(values)
    return math.sqrt(sum((v - m) ** 2 for v in values) / (len(values) - 1) / len(values))


def render(by_strategy: dict[str, list[dict[str, str]]]) -> str:
    head = ["strategy", "windows", "fills/w", "PnL/w", "±se", "worst", *[name for name, _ in PARTS], "max_unp",
            "unp_end"]  # fmt: skip
    rows = [head]
    for strategy, windows in by_strategy.items():
        pnl = [int(w["pnl_micro"]) / MICRO for w in windows]
        row = [strategy, str(len(windows)), f"{_mean([float(w['fills']) for w in windows]):.1f}",
               f"{_mean(pnl):.2f}", f"{_stderr(pnl):.2f}", f"{min(pnl, default=0.0):.2f}"]  # fmt: skip
        row += [f"{_mean([int(w[col]) / MICRO for w in windows]):.2f}" for _, col in PARTS]
        row.append(f"{max((int(w['largest_unpaired_micro']) / MICRO for w in windows), default=0.0):.2f}")
        row.append(f"{max((_unpaired_end(w) / MICRO for w in windows), default=0.0):.2f}")
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = []
    for r in rows:
        cells = [c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))]
        lines.append("  ".join(cells))
    return "\n".join(lines)


def _unpaired_end(window: dict[str, str]) -> int:
    return int(window.get("unpaired_end_micro") or 0)  # absent from folders written before it was


def paired(by_strategy: dict[str, list[dict[str, str]]]) -> list[str]:
    """The first strategy's PnL minus each other's, window by window over the windows both settled."""
    names = list(by_strategy)
    if len(names) < 2:
        return []
    pnl = {s: {(w["folder"], w["window"]): int(w["pnl_micro"]) / MICRO for w in ws} for s, ws in by_strategy.items()}
    first = names[0]
    lines = [f"paired differences ({first} − other, mean per window ± se)"]
    for other in names[1:]:
        common = sorted(pnl[first].keys() & pnl[other].keys())
        diffs = [pnl[first][k] - pnl[other][k] for k in common]
        se = _stderr(diffs)
        t = f", {_mean(diffs) / se:.2f} se" if se else ""
        lines.append(f"  {first} − {other}: {_mean(diffs):.2f} ± {se:.2f} over {len(diffs)} windows{t}")
    return lines


def limits(by_strategy: dict[str, list[dict[str, str]]], loss_limit_usd: int, max_unpaired_micro: int) -> list[str]:
    """Per strategy: the windows that lost more than the window loss limit, and those that ended with
    more unpaired shares than the limit."""
    lines = [f"limits: window loss {loss_limit_usd} pUSD, unpaired {max_unpaired_micro / MICRO:.2f} shares"]
    for strategy, windows in by_strategy.items():
        over_loss = [w for w in windows if loss_limit_usd and int(w["pnl_micro"]) < -loss_limit_usd * MICRO]
        over_unp = [w for w in windows if _unpaired_end(w) > max_unpaired_micro]
        lines.append(f"  {strategy}: {len(over_loss)} of {len(windows)} windows lost more than the limit, "
                     f"{len(over_unp)} ended holding more unpaired")  # fmt: skip
    return lines


def main(argv: list[str]) -> int:
    skip_first = 0
    if argv[:1] == ["--skip-first"] and len(argv) > 1 and argv[1].isdigit():
        skip_first, argv = int(argv[1]), argv[2:]
    outs = [Path(a) for a in argv]
    missing = [str(o) for o in outs if not (o / "windows.csv").is_file()]
    if not outs or missing:
        print("usage: python -m backtest.pool [--skip-first N] OUT [OUT ...] (backtest --out folders); "
              f"no windows.csv in: {', '.join(missing) or '(none given)'}", file=sys.stderr)  # fmt: skip
        return 2
    skipped = f", each one's first {skip_first} left out" if skip_first else ""
    print(f"settled windows of {len(outs)} backtests{skipped}, mean per window (pUSD)")
    by_strategy = settled_windows(outs, skip_first)
    print(render(by_strategy))
    risk = quoter_config(load_settings(), "")
    print("\n".join(["", *paired(by_strategy), "", *limits(by_strategy, risk.window_loss_limit_usd,
                                                              risk.max_unpaired_micro)]))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
