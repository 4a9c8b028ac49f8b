"""``updown report``: the per-window table, the account and the latency figures of a run.

Reads only Redis (the ledger's ``state:pnl``, ``state:positions``, its counters and recycled
capital, and the executor's ``state:latency``), so it works after the workers have stopped, as
long as Redis is up: ``updown run`` prints it between stopping supervisord and stopping Redis.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import redis

from cli.main import parser
from cli.redis_url import resolve
from common import state
from common.bus import streams
from common.config import Settings, load_settings
from common.latency import LATENCY_KEY
from common.schemas.positions import AccountPosition, WindowSummary
from workers.executor.latency import SPANS  # printed first, in this order; other spans follow
from workers.ledger.store import COUNTERS_KEY, RECYCLED_KEY

_COLUMNS = (("WINDOW", 28), ("WINNER", 6), ("POSTED", 7), ("REPLACED", 8), ("CANCELLED", 9), ("FILLS", 5),
            ("VOLUME", 10), ("FEES", 8), ("REBATES", 8), ("PNL", 10), ("INVENTORY", 20), ("MERGED", 9),
            ("REDEEMED", 9))  # fmt: skip


def _s(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def money(micro: int, places: int = 2) -> str:
    """Micro-units as a decimal amount, rounded half-even for display only."""
    return f"{(Decimal(micro) / 1_000_000).quantize(Decimal(1).scaleb(-places)):,}"


def _start_s(slug: str) -> tuple[int, str]:
    found = re.search(r"-(\d+)$", slug)
    return (int(found.group(1)) if found else 0, slug)


def _row(cells: list[str]) -> str:
    return " ".join(c.rjust(w) if i else c.ljust(w) for i, (c, (_, w)) in enumerate(zip(cells, _COLUMNS, strict=True)))


def _inventory(shares: Mapping[str, int]) -> str:
    return " ".join(f"{outcome}={money(n)}" for outcome, n in shares.items() if n) or "flat"


def windows(client: redis.Redis) -> list[dict[str, Any]]:
    """One dict per window: its summary, counters brought up to date, merged and redeemed."""
    counters: dict[str, dict[str, int]] = {}
    for name, value in client.hgetall(COUNTERS_KEY).items():
        market, _, counter = _s(name).rpartition("|")
        counters.setdefault(market, {})[counter] = int(value)
    recycled = {_s(k): json.loads(v) for k, v in client.hgetall(RECYCLED_KEY).items()}
    rows = []
    for slug, raw in client.hgetall(state.PNL).items():
        if _s(slug) == "total":
            continue
        doc = WindowSummary.model_validate_json(raw).model_dump()
        doc.update(counters.get(doc["market"], {}))
        extra = recycled.get(doc["market"], {})
        doc["merged_sets_micro"] = extra.get("merged_sets_micro", 0)
        doc["redeemed_micro"] = extra.get("redeemed_micro", 0)
        rows.append(doc)
    return sorted(rows, key=lambda d: _start_s(d["slug"] or d["market"]))


def _cells(w: Mapping[str, Any], name: str, winner: str) -> list[str]:
    return [name, winner, str(w["quotes_posted"]), str(w["quotes_replaced"]), str(w["quotes_cancelled"]),
            str(w["fills"]), money(w["volume_micro"]), money(w["taker_fees_paid_micro"], 4),
            money(w["rebate_estimate_micro"], 4), money(w["realized_pnl_micro"], 4),
            _inventory(w["inventory_at_resolution_micro"]), money(w["merged_sets_micro"]),
            money(w["redeemed_micro"])]  # fmt: skip


def table(rows: list[dict[str, Any]]) -> list[str]:
    lines = [_row([name for name, _ in _COLUMNS])]
    total: dict[str, Any] = {"inventory_at_resolution_micro": {}}
    for w in rows:
        lines.append(_row(_cells(w, w["slug"] or w["market"], w["winner"] or "open")))
        for key, value in w.items():
            if isinstance(value, int) and not isinstance(value, bool) and key != "at_ms":
                total[key] = total.get(key, 0) + value
        for outcome, shares in w["inventory_at_resolution_micro"].items():
            inv = total["inventory_at_resolution_micro"]
            inv[outcome] = inv.get(outcome, 0) + shares
    if rows:
        lines.append(_row(_cells(total, f"TOTAL ({len(rows)} windows)", "")))
        recycled = total.get("merged_sets_micro", 0) + total.get("redeemed_micro", 0)
        lines.append(f"capital recycled: {money(recycled)} pUSD back as collateral during the run "
                     f"({money(total.get('merged_sets_micro', 0))} merged, {money(total.get('redeemed_micro', 0))} "
                     f"redeemed)")  # fmt: skip
    return lines


def account_lines(client: redis.Redis) -> list[str]:
    raw = client.hget(state.POSITIONS, "account")
    if raw is None:
        return ["account: no positions published"]
    a = AccountPosition.model_validate_json(raw)
    parts = {"cash": a.cash_micro, "equity at cost": a.equity_at_cost_micro, "realized": a.realized_pnl_micro,
             "unrealized": a.unrealized_pnl_micro, "fees paid": a.taker_fees_paid_micro,
             "rebate estimate": a.rebate_estimate_micro}  # fmt: skip
    return ["account: " + "  ".join(f"{name} {money(micro, 6)}" for name, micro in parts.items())]


def latency_lines(client: redis.Redis) -> list[str]:
    raw = {_s(k): _s(v) for k, v in client.hgetall(LATENCY_KEY).items()}
    if not raw:
        return []
    found = {k.rsplit(".", 1)[0] for k in raw}
    spans = [s for s in SPANS if s in found] + sorted(found - set(SPANS))
    width = max([24, *(len(s) for s in spans)])
    lines = [f"{'LATENCY':<{width}} {'COUNT':>8} {'P50 MS':>9} {'P99 MS':>9}"]
    for span in spans:
        lines.append(f"{span:<{width}} {raw.get(f'{span}.count', '-'):>8} {raw.get(f'{span}.p50_ms', '-'):>9} "
                     f"{raw.get(f'{span}.p99_ms', '-'):>9}")  # fmt: skip
    return lines


def active(row: Mapping[str, Any]) -> bool:
    """A window we quoted or traded in (discovery also announces windows we never touched)."""
    return bool(row["quotes_posted"] or row["fills"] or any(row["inventory_at_resolution_micro"].values())
                or row["merged_sets_micro"] or row["redeemed_micro"])  # fmt: skip


def render(client: redis.Redis) -> str:
    every = windows(client)
    rows = [w for w in every if active(w)]
    lines = table(rows) if rows else ["no window with quotes or fills (no summaries from the ledger)"]
    if len(every) > len(rows):
        lines.append(f"({len(every) - len(rows)} windows without quotes or fills not shown)")
    lines += ["", *account_lines(client)]
    latency = latency_lines(client)
    if latency:
        lines += ["", *latency]
    return "\n".join(lines)


#: The streams whose every entry must be in the ledger's books before the report is right.
LEDGER_INPUTS = (streams.FILLS, streams.INVENTORY, streams.MARKETS, streams.EXEC)
#: The ledger's consumer group.
LEDGER_GROUP = "ledger"


def ledger_drained(client: redis.Redis) -> bool:
    """True when the ledger has read and acked everything on its money and count streams.

    For the launcher: stop the producers (executor, feeds, merger), wait for this, then stop the
    ledger, so that the report counts the last cancels and fills of the run."""
    for stream in LEDGER_INPUTS:
        if not client.exists(stream):
            continue
        last = _s(client.xinfo_stream(stream)["last-generated-id"])
        group = next((g for g in client.xinfo_groups(stream) if _s(g["name"]) == LEDGER_GROUP), None)
        if group is None or int(group["pending"]) or _s(group["last-delivered-id"]) != last:
            return False
    return True


def print_report(url: str) -> int:
    """Print the report of the run whose Redis is at ``url``; 1 when Redis cannot be read."""
    client = redis.Redis.from_url(url, socket_timeout=5)
    try:
        print(render(client), flush=True)
    except redis.RedisError as exc:
        print(f"updown report: cannot read Redis: {exc}", flush=True)
        return 1
    finally:
        client.close()
    return 0


def main(argv: list[str]) -> int:
    p = parser("report", "Print the per-window table, the account and the latency of the run.")
    p.add_argument("--scorecard", nargs="?", const="", default=None, metavar="DIR",
                   help="the market maker's scorecard of the recorded run's own fills (spread captured, "
                        "markouts, fees, rebates, inventory PnL per window), from its recording (default: "
                        "the recorder's folder); the backtest's code, so both read the same")  # fmt: skip
    p.add_argument("--out", default="", help="with --scorecard: CSV and report.html here (default <data_dir>/report)")
    args = p.parse_args(argv)
    settings = load_settings()
    if args.scorecard is not None:
        return scorecard(settings, args.scorecard, args.out)
    return print_report(resolve(settings))


def scorecard(settings: Settings, folder: str, out: str) -> int:
    """The recorded bot's fills through the backtest's scorecard (its ``recorded`` strategy): works
    during a run (the recorder flushes every few seconds) and after it."""
    from backtest.cli import main as backtest  # the backtest's heavier imports, only when asked

    data = Path(settings.data_dir)
    recording = Path(folder) if folder else Path(settings.recorder.dir or data / "record")
    return backtest([str(recording), "--strategy", "recorded", "--out", out or str(data / "report")])
