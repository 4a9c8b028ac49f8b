"""The executor core: intents, venue answers and feed events in; the requests to send now out.

The loop around it signs each ``PlaceSpec`` (``OrderSigner.sign``), records the hash with
``record_submitting`` *before* the POST, sends every request of the ``Step`` (cancels first), and
feeds every answer back. Nothing is placed before the heartbeat is armed and the first
reconciliation is done; cancels always go out.

Two times: ``now_ms`` (the wall clock) of every call judges what other processes stamped (intents'
validity, reports); the rate budget and the heartbeat count on ``monotonic_ms`` when the loop gives
one, so that a wall clock stepped back or forward neither refills nor drains the budget nor makes a
beat late (replays and tests without one count on ``now_ms``).
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Callable

from common.clob.client import CancelResult, OrderResult
from common.errors import RateLimited, VenueBusy
from common.schemas.exec import ExecReport, ExecStatus
from common.schemas.intent import DesiredOrder, Intent
from common.schemas.user import OrderEvent, UserTrade
from workers.executor.core.budget import RateBudget
from workers.executor.core.config import ExecutorConfig
from workers.executor.core.diff import ReplaceLimiter, diff
from workers.executor.core.heartbeat import HeartbeatMachine
from workers.executor.core.modes import Mode, allowed_orders, effective_mode
from workers.executor.core.orders import OrderState, PlaceSpec, Slot
from workers.executor.core.reconcile import plan_reconcile
from workers.executor.core.relevel import relevel
from workers.executor.core.step import Step
from workers.executor.core.tracker import OrderTracker, moved_report
from workers.executor.core.venue_modes import VenueModes

#: How long a bucket pauses after a 429 that did not say how long, in s.
DEFAULT_RETRY_AFTER_S = 1.0


class ExecutorCore:
    def __init__(self, config: ExecutorConfig, now_ms: int, *, owner: str, mode: Mode = "ACTIVE",
                 monotonic_ms: Callable[[], int] | None = None) -> None:  # fmt: skip
        self.cfg = config
        self.owner = owner
        self.mode: Mode = mode
        self._monotonic_ms = monotonic_ms
        self.tracker = OrderTracker()
        self.budget = RateBudget(config, self.local_ms(now_ms))
        self.heartbeat = HeartbeatMachine(config)
        #: The venue's restricted modes (425, 503 cancel-only / post-only) and what they hold back.
        self.venue_modes = VenueModes(config.venue_mode_retry_initial_ms, config.venue_mode_retry_max_ms)
        self._limiter = ReplaceLimiter()
        self._intents: dict[str, tuple[Intent, int | None, float | None]] = {}
        self._takers_done: OrderedDict[str, None] = OrderedDict()
        self._rejected: dict[str, tuple[str, set[Slot]]] = {}
        self._replacing: set[Slot] = set()
        self.quarantined: dict[str, str] = {}
        self.reconciled_once = False
        self.intents_dropped = 0
        self.started_ms = now_ms
        self._known_since_ms = now_ms
        #: Foreign order ids already dealt with at a reconciliation (never quarantined for twice).
        self._acknowledged: set[str] = set()

    # -- state ------------------------------------------------------------------------------------

    def local_ms(self, now_ms: int) -> int:
        """What the budget and the heartbeat count in: the monotonic clock if given, else ``now_ms``."""
        return now_ms if self._monotonic_ms is None else self._monotonic_ms()

    def can_place(self, now_ms: int) -> bool:
        return self.reconciled_once and self.mode != "HALTED" and self.heartbeat.can_place(self.local_ms(now_ms))

    def status(self, now_ms: int) -> ExecStatus:
        health = self.heartbeat.health(self.local_ms(now_ms))
        return ExecStatus(mode=self.mode, heartbeat=health, can_place=self.can_place(now_ms),
                          live_orders=self.tracker.count(OrderState.LIVE, OrderState.CANCELING),
                          unknown_orders=self.tracker.count(OrderState.UNKNOWN, OrderState.SUBMITTING),
                          quarantined_markets=tuple(sorted(self.quarantined)), intents_dropped=self.intents_dropped,
                          venue_restrictions=self.venue_modes.in_episode(), at_ms=now_ms)  # fmt: skip

    def set_mode(self, mode: Mode, now_ms: int) -> Step:
        self.mode = mode
        return self.replan_all(now_ms)

    # -- intents ----------------------------------------------------------------------------------

    def on_intent(self, intent: Intent, now_ms: int, *, excess_up_micro: int | None = None,
                  tick_ms: float | None = None) -> Step:  # fmt: skip
        """``excess_up_micro``: Up minus Down held in this window (REDUCE_ONLY needs it; None: unknown)."""
        if now_ms > intent.valid_until_ms:
            self.intents_dropped += 1
            report = ExecReport(
                kind="intent_dropped",
                market=intent.condition_id,
                intent_id=intent.intent_id,
                reason=f"{now_ms - intent.valid_until_ms} ms past valid_until",
                at_ms=now_ms,
            )
            return Step(reports=[report])
        previous = self._intents.get(intent.condition_id)
        if previous is not None and previous[0].created_ms > intent.created_ms:
            return Step()  # an older intent delivered late
        self._intents[intent.condition_id] = (intent, excess_up_micro, tick_ms)
        step = self._plan_market(intent.condition_id, now_ms)
        step.extend(self._takers(intent, now_ms, tick_ms))
        return step

    def replan_all(self, now_ms: int) -> Step:
        """Re-run the latest intent of every market (after answers, on a timer as tokens refill)."""
        step = Step()
        for market in list(self._intents):
            step.extend(self._plan_market(market, now_ms))
        return step

    def _pulled(self, intent: Intent, now_ms: int) -> bool:
        """Nothing of the intent stands: it went stale, or its market is quarantined."""
        stale = now_ms > intent.valid_until_ms + self.cfg.stale_intent_cancel_ms
        return stale or intent.condition_id in self.quarantined

    def _desired(self, intent: Intent, excess_up: int | None, now_ms: int) -> list[DesiredOrder]:
        if self._pulled(intent, now_ms):
            return []
        return allowed_orders(intent, effective_mode(self.mode, intent), excess_up)

    def _plan_market(self, market: str, now_ms: int) -> Step:
        """``tick_ms`` of the intent stays on every order it causes, also those placed after a cancel."""
        intent, excess_up, tick_ms = self._intents[market]
        desired = self._desired(intent, excess_up, now_ms)
        moved = relevel(intent, desired, self.tracker) if self.cfg.relevel and desired else []
        rejected_for = self._rejected.get(market)
        rejected = frozenset(rejected_for[1]) if rejected_for and rejected_for[0] == intent.intent_id else frozenset()
        plan = diff(intent, desired, self.tracker, self._limiter, now_ms, rejected=rejected, tick_ms=tick_ms,
                    overlap=self.cfg.replace_overlap)  # fmt: skip
        moved_reports = [moved_report(o, now_ms) for i in moved if (o := self.tracker.get(i)) is not None]
        step, local = Step(reports=moved_reports), self.local_ms(now_ms)
        urgent = [i for i in plan.cancels if i not in plan.replace_cancels]
        urgent = urgent[: self.budget.cancels_allowed(local, len(urgent), urgent=True)]
        self._cancel(step, urgent, now_ms)
        if intent.fair_move and tick_ms and not self._pulled(intent, now_ms):  # what the move exposed: timed
            step.cancel_moves.update(dict.fromkeys(urgent, tick_ms))
        self._replacing.update(o.slot for i in plan.defensive if i in urgent and (o := self.tracker.get(i)) is not None)
        replace = plan.replace_cancels[: self.budget.cancels_allowed(local, len(plan.replace_cancels), urgent=False)]
        self._replacing.update(o.slot for i in replace if (o := self.tracker.get(i)) is not None)
        self._cancel(step, replace, now_ms)
        # A successor placed with its cancel goes only if that cancel went (the budget may cut it);
        # nothing the venue's restricted mode would refuse goes (cancels above still do).
        places = [s for s in plan.places
                  if self.tracker.has_room(s) and not self.venue_modes.holds_back(s.post_only, local)]  # fmt: skip
        if self.can_place(now_ms) and places:
            live = self.tracker.count(OrderState.LIVE, OrderState.SUBMITTING, OrderState.UNKNOWN)
            n = self.budget.orders_allowed(local, len(places), live)
            places = [dataclasses.replace(s, replace=s.slot in self._replacing) for s in places[:n]]
            self._replacing.difference_update(s.slot for s in places)
            self.budget.spend_orders(local, len(places))
            step.place_batches += _batches(places, self.cfg.batch_limit)
        return step

    def _cancel(self, step: Step, order_ids: list[str], now_ms: int) -> None:
        if order_ids:
            self.budget.spend_cancels(self.local_ms(now_ms), len(order_ids))
            self.tracker.canceling(order_ids)
            step.cancel_ids += order_ids

    def _takers(self, intent: Intent, now_ms: int, tick_ms: float | None) -> Step:
        mode = effective_mode(self.mode, intent)
        if not intent.takers or intent.intent_id in self._takers_done or mode == "HALTED":
            return Step()
        if not self.can_place(now_ms) or intent.condition_id in self.quarantined:
            return Step()
        if self.venue_modes.holds_back(False, self.local_ms(now_ms)):
            return Step()  # takers are never post-only: held back in every restricted mode
        takers = [t for t in intent.takers if mode == "ACTIVE" or t.kind == "completion"]
        live = self.tracker.count(OrderState.LIVE, OrderState.SUBMITTING, OrderState.UNKNOWN)
        if not takers or self.budget.orders_allowed(self.local_ms(now_ms), len(takers), live) < len(takers):
            return Step()  # all or none, and not again for this intent
        self._takers_done[intent.intent_id] = None
        while len(self._takers_done) > self.cfg.taker_memory:
            self._takers_done.popitem(last=False)
        specs = [PlaceSpec(Slot(intent.condition_id, t.token_id, t.side, -1 - i, intent.intent_id),
                           intent.intent_id, t.price_cap_micro, t.size_micro, t.order_type, False,
                           intent.tick_micro, tick_ms, protocol_v2=intent.protocol_v2)
                 for i, t in enumerate(takers)]  # fmt: skip
        self.budget.spend_orders(self.local_ms(now_ms), len(specs))
        return Step(place_batches=_batches(specs, self.cfg.batch_limit))

    # -- answers ----------------------------------------------------------------------------------

    def record_submitting(self, spec: PlaceSpec, order_id: str, now_ms: int) -> None:
        """Before the POST: the signed order's hash."""
        self.tracker.submitting(spec, order_id, now_ms)

    def on_post_results(self, results: list[OrderResult], now_ms: int) -> list[ExecReport]:
        reports = self.tracker.on_post_results(results, now_ms)
        for report in reports:
            if report.kind == "placed":
                order = self.tracker.get(report.order_id)
                self.venue_modes.accepted(post_only=order is not None and order.post_only)
            if report.kind == "rejected":
                order = self.tracker.get(report.order_id)
                if order is not None:
                    entry = self._rejected.get(report.market)
                    if entry is None or entry[0] != order.intent_id:
                        entry = self._rejected[report.market] = (order.intent_id, set())
                    entry[1].add(order.slot)
        return reports

    def on_post_error(self, order_ids: list[str], exc: BaseException, now_ms: int) -> list[ExecReport]:
        """The POST failed as a whole; a 429 also pauses the order bucket for the venue's time, and a
        restricted mode (425, 503 cancel-only or post-only) holds back the orders it refuses."""
        if isinstance(exc, RateLimited):
            pause_ms = int((exc.retry_after_s or DEFAULT_RETRY_AFTER_S) * 1000)
            self.budget.on_rate_limited(self.budget.orders, self.local_ms(now_ms), pause_ms)
        if isinstance(exc, VenueBusy) and exc.restriction is not None:
            after_ms = None if exc.retry_after_s is None else int(exc.retry_after_s * 1000)
            self.venue_modes.refused(exc.restriction, self.local_ms(now_ms), after_ms)
        return self.tracker.on_post_error(order_ids, exc, now_ms)

    def on_cancel_result(self, result: CancelResult, now_ms: int) -> list[ExecReport]:
        return self.tracker.on_cancel_result(result, now_ms)

    def on_cancel_error(self, order_ids: list[str], exc: BaseException, now_ms: int) -> None:
        """A ``DELETE /orders`` failed: see ``OrderTracker.on_cancel_error``; a 429 pauses the bucket."""
        if isinstance(exc, RateLimited):
            pause_ms = int((exc.retry_after_s or DEFAULT_RETRY_AFTER_S) * 1000)
            self.budget.on_rate_limited(self.budget.cancels, self.local_ms(now_ms), pause_ms)
        self.tracker.on_cancel_error(order_ids, exc)

    @property
    def needs_reconcile(self) -> bool:
        """The loop should take a venue snapshot (open orders, recent trades) and call ``on_reconcile``."""
        return not self.reconciled_once or self.heartbeat.needs_reconcile or bool(self.quarantined)

    def forget(self, before_ms: int) -> int:
        """Drop ended orders created before ``before_ms``; trades older than that prove nothing now."""
        self._known_since_ms = max(self._known_since_ms, before_ms)
        return self.tracker.forget_terminal(before_ms)

    def forget_market(self, market: str) -> None:
        """The window is over and its orders are gone: stop planning it."""
        self._intents.pop(market, None)
        self._rejected.pop(market, None)

    def on_order_event(self, event: OrderEvent, now_ms: int) -> Step:
        """A user-feed order event; one of ours we never knew is cancelled (it was not ours to keep)."""
        if self.tracker.get(event.order_id) is None:
            if event.owner == self.owner and event.status in ("LIVE", "DELAYED"):
                step = Step()
                self._cancel(step, [event.order_id], now_ms)
                return step
            return Step()
        return Step(reports=self.tracker.on_order_event(event, now_ms))

    def on_reconcile(self, open_orders: list[OrderEvent], trades: list[UserTrade], now_ms: int,
                     markets: set[str] | None = None,
                     live_at_snapshot: frozenset[str] | None = None) -> Step:  # fmt: skip
        """Apply a venue snapshot taken at ``now_ms``; then placing may start (or resume).
        ``live_at_snapshot``: ``live_ids()`` when the snapshot was asked for (see ``plan_reconcile``)."""
        plan = plan_reconcile(self.tracker, open_orders, trades, owner=self.owner, snapshot_ms=now_ms,
                              grace_ms=self.cfg.unknown_grace_ms, known_since_ms=self._known_since_ms,
                              markets=markets, acknowledged=frozenset(self._acknowledged),
                              live_at_snapshot=live_at_snapshot)  # fmt: skip
        self._acknowledged.update(plan.unknown_traded)
        self._acknowledged.update(stray.order_id for stray in plan.strays)
        step = Step()
        for order_id, state, reason in plan.verdicts:
            step.reports += self.tracker.resolve(order_id, state, now_ms, reason)
        for stray in plan.strays:
            step.cancel_ids.append(stray.order_id)
            step.reports.append(ExecReport(kind="stray_cancelled", market=stray.market, order_id=stray.order_id,
                                           token_id=stray.asset_id, side=stray.side, price_micro=stray.price_micro,
                                           size_micro=stray.original_size_micro, at_ms=now_ms))  # fmt: skip
        step.cancel_ids += plan.recancel
        self.budget.spend_cancels(self.local_ms(now_ms), len(plan.strays) + len(plan.recancel))
        for market, why in plan.quarantine.items():
            step.extend(self.quarantine(market, why, now_ms))
        for market in list(self.quarantined):
            if market not in plan.touched and (markets is None or market in markets):
                del self.quarantined[market]
        self.reconciled_once = True
        self.heartbeat.reconciled()
        step.extend(self.replan_all(now_ms))
        return step

    def live_ids(self) -> frozenset[str]:
        """Our orders that may rest now (taken just before a venue snapshot is asked for)."""
        return frozenset(o.order_id for o in self.tracker if o.maybe_live)

    def quarantine(self, market: str, reason: str, now_ms: int) -> Step:
        """Cancel every order of the market and place nothing there until a clean snapshot."""
        self.quarantined[market] = reason
        orders = self.tracker.of_market(market)
        self.tracker.canceling(o.order_id for o in orders)
        self.budget.spend_cancels(self.local_ms(now_ms), 1 + len(orders))
        report = ExecReport(kind="quarantined", market=market, reason=reason, at_ms=now_ms)
        return Step(cancel_markets=[market], reports=[report])

    def shutdown(self, now_ms: int) -> Step:
        """A graceful stop: cancel every order we own (one cancel-all, whatever the budget says)."""
        self.mode = "HALTED"
        markets = sorted({o.slot.market for o in self.tracker if o.maybe_live})
        for market in markets:
            self.tracker.canceling(o.order_id for o in self.tracker.of_market(market))
        return Step(cancel_markets=markets)


def _batches(specs: list[PlaceSpec], size: int) -> list[list[PlaceSpec]]:
    return [specs[i : i + size] for i in range(0, len(specs), size)]
