"""Churn tolerance, the executor's replace rule, and the deterministic intent id."""

from __future__ import annotations

import hashlib

from common.schemas.intent import ChurnTolerance
from common.strategy.quoter import QuoterConfig
from workers.quoter.core.types import QuoterInputs


def churn_tolerance(config: QuoterConfig) -> ChurnTolerance:
    return ChurnTolerance(
        min_move_ticks=config.churn_min_move_ticks,
        min_size_change_ppm=config.churn_min_size_change_ppm,
        max_replaces_per_s=config.churn_max_replaces_per_s,
    )


def needs_replace(
    live_price_micro: int,
    live_size_micro: int,
    desired_price_micro: int,
    desired_size_micro: int,
    tolerance: ChurnTolerance,
    tick_micro: int,
) -> bool:
    """Whether a live order differs enough from the desired one to be worth a cancel and a post.

    A live order above the desired price is always replaced: the desired price may be lower
    because keeping the old one would cross the cap or be picked off.
    """
    if live_price_micro > desired_price_micro:
        return True
    if desired_price_micro - live_price_micro >= tolerance.min_move_ticks * tick_micro:
        return True
    if live_size_micro > desired_size_micro:
        return True
    change = desired_size_micro - live_size_micro
    return change * 1_000_000 > tolerance.min_size_change_ppm * max(1, desired_size_micro)


def config_digest(config: QuoterConfig) -> bytes:
    return hashlib.sha256(repr(config).encode()).digest()


def intent_id(inputs: QuoterInputs, config_hash: bytes, market_repr: str) -> str:
    """A hash of every input of the decision and the configuration: the same inputs, the same id.

    ``market_repr`` stands for ``inputs.market`` (its repr or a digest of it), which the caller keeps
    while the window lasts.
    """
    h = hashlib.blake2b(config_hash, digest_size=16)
    signal = inputs.signal
    h.update(signal.__pydantic_serializer__.to_json(signal))
    up, down, p = inputs.books.up, inputs.books.down, inputs.positions
    key = (
        inputs.now_ms,
        market_repr,
        up.bid_micro, up.ask_micro, up.bid_size_micro, up.ask_size_micro,
        down.bid_micro, down.ask_micro, down.bid_size_micro, down.ask_size_micro,
        p.up_micro, p.down_micro, p.up_cost_micro, p.down_cost_micro, p.other_windows_cost_micro, p.daily_pnl_micro,
        inputs.mode.value,
        inputs.positions_stale,
        tuple((x.outcome.value, x.min_size_micro, x.max_spread_micro, x.midpoint_micro) for x in inputs.hints),
    )  # fmt: skip
    h.update(repr(key).encode())
    return h.hexdigest()
