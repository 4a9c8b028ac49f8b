"""Property: whatever the venue answers, loses or reports late, never two live orders of ours at one
price, and no slot ever holds two live orders (without overlap) or more than a replace's pair (with).

A small venue model keeps the truth (which orders rest); the core is driven as the loop drives it
(hash recorded before each POST; a step's cancels and posts race, so either may land first), with
answers that are accepted, rejected, lost after landing, lost before landing, or refused (429);
cancel answers that are lost; feed events delivered late and in any interleaving; fills; and
reconciliations from the venue's open orders.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from common.clob.client import CancelResult
from common.errors import RateLimited, UnknownOutcome
from workers.executor.core import ExecutorConfig, ExecutorCore, Slot, Step

from .builders import DOWN, MARKET, T0, TICK, UP, ack, desired, intent, order_event, ready_core

SUBMIT = st.sampled_from(["accept", "accept", "accept", "reject", "lost_landed", "lost_not_landed", "refused"])


@dataclass
class Venue:
    overlap: bool = False
    #: Whether a step's posts land before its cancels (the two requests race).
    posts_first: bool = False
    live: dict[str, Slot] = field(default_factory=dict)
    feed: list[tuple[str, str]] = field(default_factory=list)  # (order id, status)
    slots: dict[str, Slot] = field(default_factory=dict)
    prices: dict[str, tuple[str, str, int]] = field(default_factory=dict)
    #: The core's own view of each order's slot (a shifted ladder moves kept orders between levels).
    core: ExecutorCore | None = None

    def slot(self, oid: str) -> Slot:
        known = self.core.tracker.get(oid) if self.core is not None else None
        return known.slot if known is not None else self.live[oid]

    def check(self) -> None:
        taken = [self.slot(i) for i, s in self.live.items() if not s.taker_of]
        at = [self.prices[i] for i, s in self.live.items() if not s.taker_of]
        assert len(at) == len(set(at)), f"two live orders at one price: {sorted(map(str, at))}"
        if not self.overlap:
            assert len(taken) == len(set(taken)), f"two live orders in one slot: {sorted(map(str, taken))}"
        assert all(taken.count(s) <= 2 for s in taken), f"more than a pair in a slot: {sorted(map(str, taken))}"


def run(core: ExecutorCore, venue: Venue, step: Step, now: int, submit: str, cancel_lost: bool) -> None:
    # As the driver does: every order's hash is recorded before any request of the step leaves.
    batches = _record(core, venue, step, now)
    if venue.posts_first:
        _posts(core, venue, batches, now, submit)
        venue.check()
        _cancels(core, venue, step, now, cancel_lost)
    else:
        _cancels(core, venue, step, now, cancel_lost)
        _posts(core, venue, batches, now, submit)
    venue.check()


def _record(core: ExecutorCore, venue: Venue, step: Step, now: int) -> list[list[str]]:
    batches = []
    for batch in step.place_batches:
        ids = []
        for spec in batch:
            oid = f"0x{len(venue.slots)}"
            venue.slots[oid] = spec.slot
            venue.prices[oid] = (spec.slot.token_id, spec.slot.side, spec.price_micro)
            core.record_submitting(spec, oid, now)
            ids.append(oid)
        batches.append(ids)
    return batches


def _cancels(core: ExecutorCore, venue: Venue, step: Step, now: int, cancel_lost: bool) -> None:
    answered = []
    for oid in step.cancel_ids:
        if oid in venue.live:
            del venue.live[oid]
            venue.feed.append((oid, "CANCELED"))
            answered.append(oid)
    for market in step.cancel_markets:
        for oid in [o for o, s in venue.live.items() if s.market == market]:
            del venue.live[oid]
            venue.feed.append((oid, "CANCELED"))
    if not cancel_lost and step.cancel_ids:
        missing = tuple(i for i in step.cancel_ids if i not in answered)
        core.on_cancel_result(CancelResult(tuple(answered), dict.fromkeys(missing, "not found")), now)


def _posts(core: ExecutorCore, venue: Venue, batches: list[list[str]], now: int, submit: str) -> None:
    for ids in batches:
        if submit in ("accept", "lost_landed"):
            for oid in ids:
                if not venue.slots[oid].taker_of:
                    venue.live[oid] = venue.slots[oid]
                    venue.feed.append((oid, "LIVE"))
        if submit == "accept":
            core.on_post_results([ack(oid) for oid in ids], now)
        elif submit == "reject":
            core.on_post_results([ack(oid, accepted=False, error="invalid") for oid in ids], now)
        elif submit == "refused":
            core.on_post_error(ids, RateLimited(429, "Too Many Requests", retry_after_s=1), now)
        else:
            core.on_post_error(ids, UnknownOutcome("read timeout"), now)


OPS = st.lists(st.one_of(
    st.tuples(st.just("intent"), st.integers(0, 3), st.integers(40, 48), SUBMIT, st.booleans(),
              st.sampled_from(["ACTIVE", "ACTIVE", "ACTIVE", "HALTED"])),
    st.tuples(st.just("feed"), st.integers(0, 50)),
    st.tuples(st.just("fill"), st.integers(0, 50)),
    st.tuples(st.just("reconcile")),
    st.tuples(st.just("tick"), SUBMIT, st.booleans()),
), min_size=1, max_size=40)  # fmt: skip


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(OPS, st.booleans(), st.booleans(), st.booleans())
# A replace whose predecessor was filled unseen: its cancel answers "not found" before the
# successor's POST lands (the successor's hash was recorded first, as the driver records it).
@example([("intent", 1, 41, "lost_landed", False, "ACTIVE"), ("reconcile",), ("fill", 0),
          ("intent", 1, 40, "accept", False, "ACTIVE")], True, False, False)  # fmt: skip
def test_no_sequence_of_answers_and_events_puts_two_live_orders_in_one_slot(
    ops: list[tuple],
    overlap: bool,
    posts_first: bool,  # type: ignore[type-arg]
    relevel: bool,
) -> None:
    core = ready_core(config=ExecutorConfig(replace_overlap=overlap, relevel=relevel))
    venue, now = Venue(overlap=overlap, posts_first=posts_first, core=core), T0
    for op in ops:
        now += 50
        core.heartbeat.on_ok("hb", now)
        if op[0] == "intent":
            _, levels, cents, submit, lost, mode = op
            orders = [desired(token, (cents + (5 if token == DOWN else 0) - level) * TICK, level=level)
                      for token in (UP, DOWN) for level in range(levels)]  # fmt: skip
            step = core.on_intent(intent(*orders, now_ms=now, mode=mode, valid_ms=10_000), now)
            run(core, venue, step, now, submit, lost)
        elif op[0] == "feed" and venue.feed:
            oid, status = venue.feed.pop(op[1] % len(venue.feed))
            kind = "CANCELLATION" if status == "CANCELED" else ("UPDATE" if status == "MATCHED" else "PLACEMENT")
            run(core, venue, core.on_order_event(order_event(oid, status, kind), now), now, "accept", False)
        elif op[0] == "fill" and venue.live:
            oid = sorted(venue.live)[op[1] % len(venue.live)]
            del venue.live[oid]
            venue.feed.append((oid, "MATCHED"))
        elif op[0] == "reconcile":
            rows = [order_event(oid, token=s.token_id) for oid, s in venue.live.items()]
            run(core, venue, core.on_reconcile(rows, [], now, {MARKET}), now, "accept", False)
        elif op[0] == "tick":
            run(core, venue, core.replan_all(now), now, op[1], op[2])
        venue.check()
