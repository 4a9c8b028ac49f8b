"""Intents, venue answers and feed events for executor tests."""

from __future__ import annotations

import itertools
from typing import Any

from common.clob.client import CancelResult, OrderResult
from common.schemas.intent import ChurnTolerance, DesiredOrder, Intent, TakerOrder
from common.schemas.user import OrderEvent
from workers.executor.core import ExecutorConfig, ExecutorCore, PlaceSpec

MARKET = "0xcond"
UP, DOWN = "111", "222"
TICK = 10_000
OWNER = "key-1"
T0 = 1_800_000_000_000
CHURN = ChurnTolerance(min_move_ticks=2, min_size_change_ppm=200_000, max_replaces_per_s=100)
_ids = itertools.count()


def desired(token: str = UP, price: int = 450_000, size: int = 10_000_000, level: int = 0,
            side: str = "BUY") -> DesiredOrder:  # fmt: skip
    return DesiredOrder(outcome="UP" if token == UP else "DOWN", token_id=token, side=side,  # type: ignore[arg-type]
                        price_micro=price, size_micro=size, level=level)


def intent(*orders: DesiredOrder, now_ms: int = T0, mode: str = "ACTIVE", churn: ChurnTolerance = CHURN,
           takers: tuple[TakerOrder, ...] = (), intent_id: str | None = None,
           valid_ms: int = 1_000) -> Intent:  # fmt: skip
    return Intent(intent_id=intent_id or f"i{next(_ids)}", series="btc-15m", slug="btc-updown-15m-1",
                  condition_id=MARKET,
                  tick_micro=TICK, created_ms=now_ms, valid_until_ms=now_ms + valid_ms, mode=mode,  # type: ignore[arg-type]
                  regime="normal", reason="quoting", target_total_micro=980_000, orders=orders, takers=takers,
                  churn=churn)  # fmt: skip


def ladder(n: int, token: str = UP, base: int = 450_000) -> tuple[DesiredOrder, ...]:
    return tuple(desired(token, base - i * TICK, level=i) for i in range(n))


def taker(token: str = DOWN, kind: str = "completion") -> TakerOrder:
    return TakerOrder(kind=kind, outcome="DOWN", token_id=token, price_cap_micro=520_000,  # type: ignore[arg-type]
                      size_micro=5_000_000, order_type="FOK", edge_micro=1_000)


def ready_core(now_ms: int = T0, config: ExecutorConfig | None = None, **kwargs: Any) -> ExecutorCore:
    """A core whose heartbeat is armed and whose first reconciliation (empty venue) is done."""
    core = ExecutorCore(config or ExecutorConfig(), now_ms, owner=OWNER, **kwargs)
    core.heartbeat.sending(core.local_ms(now_ms))
    core.heartbeat.on_ok("hb-1", core.local_ms(now_ms))
    core.on_reconcile([], [], now_ms)
    return core


def order_id(spec: PlaceSpec) -> str:
    return f"0x{spec.slot.token_id}-{spec.slot.level}-{spec.price_micro}-{spec.size_micro}-{spec.intent_id}"


def submit_all(core: ExecutorCore, batches: list[list[PlaceSpec]], now_ms: int, accept: bool = True) -> list[str]:
    """Record and acknowledge every spec as the loop would; returns the order ids."""
    ids = []
    for batch in batches:
        for spec in batch:
            core.record_submitting(spec, order_id(spec), now_ms)
            ids.append(order_id(spec))
        core.on_post_results([ack(order_id(s), accept) for s in batch], now_ms)
    return ids


def ack(oid: str, accepted: bool = True, error: str = "") -> OrderResult:
    return OrderResult(oid, oid if accepted else "", accepted, "live" if accepted else "", error, None, None, ())


def cancelled(*ids: str, missing: tuple[str, ...] = ()) -> CancelResult:
    return CancelResult(tuple(ids), dict.fromkeys(missing, "already canceled or matched"))


def order_event(oid: str, status: str = "LIVE", kind: str = "PLACEMENT", matched: int = 0, token: str = UP,
                price: int = 450_000, size: int = 10_000_000, owner: str = OWNER) -> OrderEvent:  # fmt: skip
    return OrderEvent(order_id=oid, owner=owner, market=MARKET, asset_id=token, side="BUY", kind=kind,  # type: ignore[arg-type]
                      status=status, raw_status=status, price_micro=price, original_size_micro=size,  # type: ignore[arg-type]
                      size_matched_micro=matched, venue_ts_ms=T0, recv_ts_ms=T0)
