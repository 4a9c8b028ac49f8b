"""The executor core's thresholds, each with its reason."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ExecutorConfig:
    #: Orders per ``POST /orders`` (the venue's maximum).
    batch_limit: int = 15
    #: Ids per ``DELETE /orders``: far below the venue's cap so one lost answer leaves few unknowns.
    cancel_batch_limit: int = 100
    #: Venue order bucket: sustained orders per s and burst (standard tier, §5.10).
    order_rate_per_s: int = 40
    order_burst: int = 60
    #: Venue cancel bucket: sustained cancels per s and burst.
    cancel_rate_per_s: int = 80
    cancel_burst: int = 120
    #: Our mirror refills at this share of the venue's rate (ppm), so clock drift never costs a 429.
    rate_margin_ppm: int = 900_000
    #: Cancel tokens that only urgent cancels (halt, quarantine, stale intents, shutdown) may use.
    cancel_reserve: int = 30
    #: Heartbeat period; the venue cancels everything 10 s after the last one.
    heartbeat_interval_ms: int = 4_000
    #: No new orders once the last accepted heartbeat is this old (fail-closed well before 10 s).
    heartbeat_fail_after_ms: int = 7_000
    #: A beat unanswered this long is given up (the next goes out): one lost answer never stops the chain.
    heartbeat_answer_timeout_ms: int = 2_500
    #: The venue's dead-man timeout: past it, assume every order of ours was cancelled.
    heartbeat_venue_timeout_ms: int = 10_000
    #: An unknown submit is called "never landed" only from a venue snapshot this long after it.
    unknown_grace_ms: int = 3_000
    #: A market with no fresh intent for this long past the last one's valid_until is cancelled.
    stale_intent_cancel_ms: int = 2_000
    #: Intent ids remembered for the "takers once per intent" rule.
    taker_memory: int = 4_096
    #: Backoff of retried requests (429 without a retry-after, 5xx, unknown outcomes).
    backoff_initial_ms: int = 100
    backoff_max_ms: int = 5_000
    #: A replace at a new price sends the new order with the old one's cancel instead of after the
    #: cancel's answer (a round trip sooner; both may rest for that round trip, never at one price).
    replace_overlap: bool = True
    #: A ladder that shifts keeps its orders still at a wanted price, moved to the level that wants
    #: it (``relevel``): their place in the queue kept, one replace per shifted side instead of one
    #: per level, and no new order waiting for the cancel of the order at its price. Off by default
    #: until the soak's slot check follows an order from level to level (it judges each order by
    #: its last reported level, so a moved order reads as a second order in a slot).
    relevel: bool = False
    #: Attempts of an idempotent request (cancel, read, heartbeat) before giving up to reconciliation.
    max_attempts: int = 5
    #: A submit refused by a restricted mode of the venue (425 restarting, 503 cancel-only or
    #: post-only) holds that kind of order back this long, doubling with each refusal in a row up to
    #: the max (the venue's Retry-After when longer); the next order after the wait probes again.
    #: The venue does not say how long its modes last (UNCERTAIN), hence a probe, not a schedule.
    venue_mode_retry_initial_ms: int = 1_000
    venue_mode_retry_max_ms: int = 30_000


DEFAULT_CONFIG = ExecutorConfig()
