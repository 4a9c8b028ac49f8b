"""The soak's verdicts from the emulator's record and what the bot published."""

from __future__ import annotations

from typing import Any

from cli.soak_checks import fills_booked, memory_lines, our_fills, slot_overlaps

SLOT = ("0xmarket", "tok-up", "BUY", 0)


def order(order_id: str, created: int, ended: int | None, order_type: str = "GTC", price: int = 500_000
          ) -> dict[str, Any]:  # fmt: skip
    return {"order_id": order_id, "created_ms": created, "ended_ms": ended, "order_type": order_type,
            "price_micro": price}  # fmt: skip


def test_a_replace_whose_successor_is_posted_when_the_cancel_lands_is_no_overlap() -> None:
    orders = [order("a", 100, 200), order("b", 200, 300), order("c", 300, None)]

    verdict = slot_overlaps(orders, {"a": SLOT, "b": SLOT, "c": SLOT})

    assert verdict.overlaps == ()
    assert verdict.orders_with_slot == 3


def test_a_second_order_created_while_the_first_still_rests_is_an_overlap() -> None:
    orders = [order("a", 100, None), order("b", 150, 160)]

    verdict = slot_overlaps(orders, {"a": SLOT, "b": SLOT})

    assert len(verdict.overlaps) == 1
    assert "still resting" in verdict.overlaps[0]


def test_a_long_lived_order_overlapping_a_later_one_past_a_short_one_is_found() -> None:
    orders = [order("long", 100, 1_000), order("short", 100, 100), order("late", 500, 600)]

    verdict = slot_overlaps(orders, {"long": SLOT, "short": SLOT, "late": SLOT})

    assert len(verdict.overlaps) == 2  # short starts while long rests; late too


def test_a_replace_sent_with_its_cancel_at_another_price_is_counted_not_a_breach_when_overlap_is_on() -> None:
    orders = [order("old", 100, 162, price=500_000), order("new", 100 + 0, None, price=510_000)]
    slots = {"old": SLOT, "new": SLOT}

    allowed = slot_overlaps(orders, slots, allow_replace_overlap=True)
    strict = slot_overlaps(orders, slots, allow_replace_overlap=False)

    assert allowed.overlaps == () and allowed.replace_overlaps == 1 and allowed.longest_replace_overlap_ms == 62
    assert len(strict.overlaps) == 1


def test_with_overlap_on_two_at_one_price_or_three_at_once_are_still_breaches() -> None:
    same_price = [order("a", 100, 200), order("b", 150, None)]
    three = [order("a", 100, 300, price=1), order("b", 150, 300, price=2), order("c", 200, None, price=3)]

    assert len(slot_overlaps(same_price, {"a": SLOT, "b": SLOT}, allow_replace_overlap=True).overlaps) == 1
    assert len(slot_overlaps(three, dict.fromkeys("abc", SLOT), allow_replace_overlap=True).overlaps) == 2


def test_orders_in_different_slots_never_overlap_and_unknown_resting_ones_are_counted() -> None:
    other = ("0xmarket", "tok-up", "BUY", 1)
    orders = [order("a", 100, None), order("b", 150, None), order("x", 120, None), order("fak", 130, 130, "FAK")]

    verdict = slot_overlaps(orders, {"a": SLOT, "b": other})

    assert verdict.overlaps == ()
    assert verdict.orders_without_slot == 1


def test_our_fills_are_the_taker_order_and_our_maker_orders_at_the_trades_status() -> None:
    trades = [
        {"trade_id": "t1", "taker_owner": "us", "taker_order_id": "o1", "status": "CONFIRMED",
         "makers": [{"owner": "them", "order_id": "m1"}]},
        {"trade_id": "t2", "taker_owner": "them", "taker_order_id": "o2", "status": "FAILED",
         "makers": [{"owner": "us", "order_id": "o3"}, {"owner": "us", "order_id": "o4"}]},
    ]  # fmt: skip

    assert our_fills(trades, "us") == {("t1", "o1", "CONFIRMED"), ("t2", "o3", "FAILED"), ("t2", "o4", "FAILED")}


def test_a_fill_never_published_is_missing_and_one_published_twice_is_counted() -> None:
    expected = {("t1", "o1", "CONFIRMED"), ("t2", "o2", "CONFIRMED")}
    published = [("t1", "o1", "MATCHED"), ("t1", "o1", "CONFIRMED"), ("t1", "o1", "CONFIRMED"), ("t2", "o2", "MINED")]

    verdict = fills_booked(expected, published)

    assert verdict.missing == (("t2", "o2", "CONFIRMED"),)
    assert verdict.republished == 1
    assert verdict.expected == 2


def test_memory_lines_show_start_and_end_per_process() -> None:
    lines = memory_lines({"redis": 2 * 2**20, "alpha": 50 * 2**20}, {"redis": 3 * 2**20})

    assert lines[0].split() == ["alpha", "start", "50.0", "MiB", "end", "-"]
    assert "3.0 MiB" in lines[1]


LEVEL_1 = ("0xmarket", "tok-up", "BUY", 1)


def test_an_order_kept_at_another_level_counts_in_each_slot_for_its_part_of_the_time() -> None:
    # "a" rests at level 0, moves to level 1 at 300 (a shifted ladder), "b" then takes level 0;
    # "c" rested at level 1 until 300. Judged by one slot per order, "a" would share a slot with one
    # of them; by its moves, nothing overlaps.
    orders = [order("a", 100, None, price=500_000), order("c", 100, 300, price=490_000),
              order("b", 300, None, price=510_000)]  # fmt: skip
    slots = {"a": SLOT, "b": SLOT, "c": LEVEL_1}

    moved = slot_overlaps(orders, slots, moves={"a": [(300.0, LEVEL_1)]})
    unmoved = slot_overlaps(orders, slots)

    assert moved.overlaps == () and moved.orders_with_slot == 3
    assert len(unmoved.overlaps) == 1


def test_a_move_into_a_slot_still_held_is_a_breach() -> None:
    orders = [order("a", 100, None, price=500_000), order("c", 100, 400, price=490_000)]
    slots = {"a": SLOT, "c": LEVEL_1}

    verdict = slot_overlaps(orders, slots, moves={"a": [(300.0, LEVEL_1)]})

    assert len(verdict.overlaps) == 1 and "c" in verdict.overlaps[0]
