"""``updown report`` rendered from a fixed Redis state."""

from __future__ import annotations

import json

import fakeredis
import pytest

from cli.report import ledger_drained, money, print_report, render
from common import state
from common.bus import streams
from common.schemas.positions import AccountPosition, WindowSummary
from workers.ledger.store import COUNTERS_KEY, RECYCLED_KEY

T0 = 1_800_000_000_000


def summary(slug: str, market: str, winner: str | None, fills: int, pnl: int, up: int, down: int) -> WindowSummary:
    return WindowSummary(market=market, slug=slug, winner=winner, quotes_posted=10, quotes_replaced=4,
                         quotes_cancelled=3, orders_rejected=0, fills=fills, volume_micro=12_345_678,
                         shares_micro=30_000_000, taker_fees_paid_micro=69_300, rebate_estimate_micro=12_000,
                         realized_pnl_micro=pnl, inventory_at_resolution_micro={"Up": up, "Down": down},
                         at_ms=T0)  # fmt: skip


def fixed_state() -> fakeredis.FakeRedis:
    client = fakeredis.FakeRedis()
    later, earlier = (
        summary("btc-updown-60s-1800000060", "0xb", None, 2, -250_000, 5_000_000, 0),
        summary("btc-updown-60s-1800000000", "0xa", "Up", 3, 1_500_000, 0, 0),
    )
    client.hset(state.PNL, mapping={later.slug: later.model_dump_json(), earlier.slug: earlier.model_dump_json(),
                                    "total": later.model_dump_json()})  # fmt: skip
    idle = summary("btc-updown-60s-1800000120", "0xc", None, 0, 0, 0, 0).model_copy(update={"quotes_posted": 0})
    client.hset(state.PNL, idle.slug, idle.model_dump_json())
    client.hset(COUNTERS_KEY, mapping={"0xb|quotes_posted": 12})  # newer than the summary's 10
    client.hset(RECYCLED_KEY, "0xa", json.dumps({"slug": earlier.slug, "merged_sets_micro": 7_000_000,
                                                 "redeemed_micro": 3_000_000, "merges": 2, "redeems": 1}))  # fmt: skip
    account = AccountPosition(cash_micro=10_001_250_000, equity_at_cost_micro=10_003_250_000,
                              realized_pnl_micro=1_250_000, unrealized_pnl_micro=-100_000,
                              taker_fees_paid_micro=138_600, rebate_estimate_micro=24_000, at_ms=T0)  # fmt: skip
    client.hset(state.POSITIONS, "account", account.model_dump_json())
    client.hset("state:latency", mapping={"tick_to_order.count": "812", "tick_to_order.p50_ms": "1.250",
                                          "tick_to_order.p99_ms": "4.100", "tick_to_ack.count": "800",
                                          "tick_to_cancel.count": "64", "tick_to_cancel.p50_ms": "1.100",
                                          "tick_to_cancel.p99_ms": "3.700",
                                          "tick_to_ack.p50_ms": "3.000", "tick_to_ack.p99_ms": "9.900",
                                          "bus_hop.quoter.signal.btc-updown-60s.count": "90",
                                          "bus_hop.quoter.signal.btc-updown-60s.p50_ms": "0.412",
                                          "bus_hop.quoter.signal.btc-updown-60s.p99_ms": "1.730"})  # fmt: skip
    return client


def test_the_report_lists_windows_in_time_order_with_a_total_row_the_account_and_latency() -> None:
    lines = render(fixed_state()).splitlines()

    assert lines[0].split() == ["WINDOW", "WINNER", "POSTED", "REPLACED", "CANCELLED", "FILLS", "VOLUME", "FEES",
                                "REBATES", "PNL", "INVENTORY", "MERGED", "REDEEMED"]  # fmt: skip
    assert lines[1].split() == ["btc-updown-60s-1800000000", "Up", "10", "4", "3", "3", "12.35", "0.0693", "0.0120",
                                "1.5000", "flat", "7.00", "3.00"]  # fmt: skip
    assert lines[2].split() == ["btc-updown-60s-1800000060", "open", "12", "4", "3", "2", "12.35", "0.0693",
                                "0.0120", "-0.2500", "Up=5.00", "0.00", "0.00"]  # fmt: skip
    assert lines[3].split() == ["TOTAL", "(2", "windows)", "22", "8", "6", "5", "24.69", "0.1386", "0.0240",
                                "1.2500", "Up=5.00", "7.00", "3.00"]  # fmt: skip
    assert lines[4] == "capital recycled: 10.00 pUSD back as collateral during the run (7.00 merged, 3.00 redeemed)"
    assert lines[5] == "(1 windows without quotes or fills not shown)"
    assert "cash 10,001.250000" in lines[7] and "fees paid 0.138600" in lines[7]
    assert [line.split() for line in lines[9:]] == [["LATENCY", "COUNT", "P50", "MS", "P99", "MS"],
                                                    ["tick_to_order", "812", "1.250", "4.100"],
                                                    ["tick_to_cancel", "64", "1.100", "3.700"],
                                                    ["tick_to_ack", "800", "3.000", "9.900"],
                                                    ["bus_hop.quoter.signal.btc-updown-60s", "90", "0.412",
                                                     "1.730"]]  # fmt: skip


def test_a_run_without_summaries_or_latency_says_so_instead_of_printing_an_empty_table() -> None:
    text = render(fakeredis.FakeRedis())

    assert text.splitlines() == ["no window with quotes or fills (no summaries from the ledger)", "",
                                 "account: no positions published"]  # fmt: skip


def test_money_is_shown_rounded_for_display_from_exact_micro_units() -> None:
    assert (money(12_345_678), money(-250_000, 4), money(5, 6)) == ("12.35", "-0.2500", "0.000005")


def test_the_report_says_it_cannot_read_redis_and_exits_non_zero_when_redis_is_down(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = print_report("redis://127.0.0.1:1/0")

    assert code == 1 and "cannot read Redis" in capsys.readouterr().out


def test_the_ledger_is_drained_only_once_its_group_has_acked_the_last_entry_of_every_input() -> None:
    client = fakeredis.FakeRedis()
    client.xadd(streams.FILLS, {b"a": b"1"})
    client.xgroup_create(streams.FILLS, "ledger", id="0")
    before = ledger_drained(client)
    [[_, [(entry, _)]]] = client.xreadgroup("ledger", "ledger-0", {streams.FILLS: ">"})
    read_not_acked = ledger_drained(client)
    client.xack(streams.FILLS, "ledger", entry)

    assert (before, read_not_acked, ledger_drained(client)) == (False, False, True)
