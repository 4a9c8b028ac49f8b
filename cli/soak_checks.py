"""The soak's verdicts, pure: from the emulator's record of our orders and trades, and from what the
bot published (the executor's reports, feed-user's fills), what went wrong. No I/O here.

- An order's *slot* is the executor's (market, token, side, ladder level); it learns each order's
  slot from the executor's reports on ``exec``. Two of our orders may never rest in one slot at once:
  by the emulator's clock, an order created before another of its slot ended is a breach, but for
  what ``executor.replace_overlap`` (on by default) allows: a replace's successor sent with the
  cancel of the order it replaces, at another price, resting beside it for that round trip.
- Every fill of ours in the emulator (trade, our order, the trade's last status) must have been
  published on ``fills``; that with the ledger's cash and positions equal to the emulator's to the
  micro-unit is "booked exactly once" (a fill booked twice moves the cash).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

Slot = tuple[str, str, str, int]
FillKey = tuple[str, str, str]  # trade id, order id, status


@dataclass(frozen=True)
class SlotVerdict:
    orders_with_slot: int
    #: Resting orders of ours the executor never reported a slot for.
    orders_without_slot: int
    overlaps: tuple[str, ...]
    #: A replace's successor resting beside the order it replaces, at another price, while the
    #: executor's ``replace_overlap`` allows it (one round trip): counted, not a breach.
    replace_overlaps: int = 0
    longest_replace_overlap_ms: int = 0


def slot_overlaps(orders: Iterable[Mapping[str, Any]], slots: Mapping[str, Slot],
                  allow_replace_overlap: bool = False,
                  moves: Mapping[str, list[tuple[float, Slot]]] | None = None) -> SlotVerdict:  # fmt: skip
    """Orders of one slot whose resting intervals overlap on the emulator's clock.

    With ``allow_replace_overlap``, two orders at different prices may overlap (a replace sent
    with its cancel); a third at once, or two at one price, is still a breach. ``slots``: each
    order's slot when placed; ``moves``: when it was kept at another level since (``executor.relevel``,
    the executor's ``moved`` reports, in order): each part of its life counts in its own slot.
    """
    by_slot: dict[Slot, list[Mapping[str, Any]]] = {}
    without = 0
    for order in orders:
        slot = slots.get(order["order_id"])
        if slot is None:
            without += order.get("order_type") in ("GTC", "GTD")
            continue
        for part_slot, part in _parts(order, slot, (moves or {}).get(order["order_id"], [])):
            by_slot.setdefault(part_slot, []).append(part)
    overlaps: list[str] = []
    replaced = longest = 0
    for slot, members in by_slot.items():
        members.sort(key=lambda o: (o["created_ms"], o["order_id"]))
        active: list[Mapping[str, Any]] = []
        for order in members:
            active = [a for a in active if order["created_ms"] < _end(a)]
            if len(active) == 1 and allow_replace_overlap and active[0]["price_micro"] != order["price_micro"]:
                replaced += 1
                longest = max(longest, int(min(_end(active[0]), _end(order), 2**62) - order["created_ms"]))
            elif active:
                created = order["created_ms"]
                overlaps += [f"{slot}: {a['order_id'][:12]}... rested until {_end_text(a)}, "
                             f"{order['order_id'][:12]}... was created at {created}" for a in active]  # fmt: skip
            active.append(order)
    counted = len({o["order_id"] for members in by_slot.values() for o in members})
    return SlotVerdict(counted, without, tuple(overlaps), replaced, longest)


def _parts(order: Mapping[str, Any], slot: Slot, moves: list[tuple[float, Slot]],
           ) -> list[tuple[Slot, Mapping[str, Any]]]:  # fmt: skip
    """The order's life cut at its moves: (slot, the order resting there from ``created_ms`` to
    ``ended_ms``) for each part that lasted."""
    if not moves:
        return [(slot, order)]
    parts: list[tuple[Slot, Mapping[str, Any]]] = []
    start, end = float(order["created_ms"]), _end(order)
    for at_ms, new_slot in moves:
        cut = min(max(start, at_ms), end)
        if cut > start:
            parts.append((slot, {**order, "created_ms": start, "ended_ms": cut}))
        slot, start = new_slot, cut
    if end > start or not parts:
        parts.append((slot, {**order, "created_ms": start}))
    return parts


def _end(order: Mapping[str, Any]) -> float:
    ended = order.get("ended_ms")
    return float("inf") if ended is None else float(ended)


def _end_text(order: Mapping[str, Any]) -> str:
    return "now (still resting)" if order.get("ended_ms") is None else str(order["ended_ms"])


def our_fills(trades: Iterable[Mapping[str, Any]], api_key: str) -> set[FillKey]:
    """Each (trade, order of ours, the trade's status) in the emulator's record."""
    found = set()
    for trade in trades:
        if trade["taker_owner"] == api_key:
            found.add((trade["trade_id"], trade["taker_order_id"], trade["status"]))
        for maker in trade["makers"]:
            if maker["owner"] == api_key:
                found.add((trade["trade_id"], maker["order_id"], trade["status"]))
    return found


@dataclass(frozen=True)
class FillVerdict:
    expected: int
    missing: tuple[FillKey, ...]
    #: Fill ids published more than once (the ledger dedupes them; a count, not a breach).
    republished: int


def fills_booked(expected: set[FillKey], published: Iterable[FillKey]) -> FillVerdict:
    seen: dict[FillKey, int] = {}
    for key in published:
        seen[key] = seen.get(key, 0) + 1
    missing = tuple(sorted(k for k in expected if k not in seen))
    return FillVerdict(len(expected), missing, sum(1 for n in seen.values() if n > 1))


def memory_lines(start: Mapping[str, int], end: Mapping[str, int]) -> list[str]:
    """One line per process (and Redis): its resident memory at the start and at the end, in MiB."""
    lines = []
    for name in sorted(set(start) | set(end)):
        a, b = start.get(name), end.get(name)
        text = [f"{n / 2**20:7.1f} MiB" if n is not None else "      -    " for n in (a, b)]
        lines.append(f"  {name:<16} start {text[0]}  end {text[1]}")
    return lines
