"""Shared arrangement for engine tests: one market, a manual clock, funded accounts."""

from __future__ import annotations

import random

from sim.exchange import Exchange, ExchangeConfig, MarketSpec
from sim.exchange.events import Event

UP = "1" * 70
DOWN = "2" * 70
CID = "0x" + "ab" * 32


class ManualClock:
    def __init__(self, now_s: float = 1_767_200_000.0) -> None:
        self.now_s = now_s

    def __call__(self) -> float:
        return self.now_s


def make_spec(**overrides: object) -> MarketSpec:
    fields: dict[str, object] = dict(
        slug="btc-updown-15m-1767200400",
        series="btc-15m",
        condition_id=CID,
        question_id="0x" + "cd" * 32,
        token_ids=(UP, DOWN),
        window_start_s=1_767_200_400,
        window_end_s=1_767_201_300,
    )
    fields.update(overrides)
    return MarketSpec(**fields)  # type: ignore[arg-type]


def make_exchange(
    seed: int = 7, config: ExchangeConfig | None = None
) -> tuple[Exchange, ManualClock, list[Event]]:
    clock = ManualClock()
    # No taker delay unless a test asks for it: these tests are about matching (the delay: test_taker_delay).
    ex = Exchange(clock, random.Random(seed), config or ExchangeConfig(taker_delay_ms=0))
    ex.add_market(make_spec())
    events: list[Event] = []
    ex.subscribe(events.append)
    for name in ("alice", "bob", "carol"):
        ex.ensure_account(name, None, 1_000_000_000)
        ex.adjust_position(name, UP, 100_000_000)
        ex.adjust_position(name, DOWN, 100_000_000)
    return ex, clock, events


def payloads(events: list[Event], event_type: str, owner: str | None = None) -> list[dict[str, object]]:
    return [
        e.payload
        for e in events
        if e.payload.get("event_type") == event_type and (owner is None or e.owner == owner)
    ]
