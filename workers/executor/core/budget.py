"""A client-side mirror of the venue's per-signer token buckets (§5.10), with a reserve for cancels.

Tokens are counted in milli-tokens (integers): the mirror refills at ``rate_margin_ppm`` of the
venue's rate so that it runs dry before the venue's bucket does. Orders and cancels have separate
buckets at the venue; the reserve keeps the last ``cancel_reserve`` cancel tokens for urgent
cancels (halt, quarantine, shutdown), and no order is placed unless the cancel bucket could take
it off the book again. A 429 pauses the bucket until its retry time and empties the mirror.

Every ``now_ms`` here is on the monotonic clock (``ExecutorCore.local_ms``): a wall clock stepped
forward must not refill the buckets, nor one stepped back hold them empty.
"""

from __future__ import annotations

from dataclasses import dataclass

from workers.executor.core.config import ExecutorConfig

_MILLI = 1_000


@dataclass(slots=True)
class Bucket:
    rate_milli_per_ms: int  # milli-tokens per ms = tokens per s × margin
    burst_milli: int
    tokens_milli: int
    stamp_ms: int
    paused_until_ms: int = 0

    def refill(self, now_ms: int) -> None:
        elapsed = max(0, now_ms - self.stamp_ms)
        self.tokens_milli = min(self.burst_milli, self.tokens_milli + elapsed * self.rate_milli_per_ms // _MILLI)
        self.stamp_ms = max(self.stamp_ms, now_ms)

    def available(self, now_ms: int) -> int:
        self.refill(now_ms)
        if now_ms < self.paused_until_ms:
            return 0
        return max(0, self.tokens_milli // _MILLI)

    def spend(self, now_ms: int, tokens: int) -> None:
        self.refill(now_ms)
        self.tokens_milli -= tokens * _MILLI

    def ms_until(self, now_ms: int, tokens: int) -> int:
        """How long until ``tokens`` are available (0 if now)."""
        self.refill(now_ms)
        wait_pause = max(0, self.paused_until_ms - now_ms)
        missing = tokens * _MILLI - self.tokens_milli
        wait_refill = 0 if missing <= 0 else -(-missing * _MILLI // max(1, self.rate_milli_per_ms))
        return max(wait_pause, wait_refill)


class RateBudget:
    """How much of a plan may go now. Call ``spend_*`` for what was actually sent."""

    def __init__(self, config: ExecutorConfig, now_ms: int) -> None:
        m = config.rate_margin_ppm
        self._reserve = config.cancel_reserve
        self.orders = Bucket(config.order_rate_per_s * m // 1_000, config.order_burst * _MILLI,
                             config.order_burst * _MILLI, now_ms)  # fmt: skip
        self.cancels = Bucket(config.cancel_rate_per_s * m // 1_000, config.cancel_burst * _MILLI,
                              config.cancel_burst * _MILLI, now_ms)  # fmt: skip

    def resize(self, config: ExecutorConfig, now_ms: int) -> None:
        """New rates and bursts (an executor scaled out: its share of the signer's buckets changed
        with the live instances); tokens in hand kept up to the new burst."""
        m = config.rate_margin_ppm
        for bucket, rate, burst in ((self.orders, config.order_rate_per_s, config.order_burst),
                                    (self.cancels, config.cancel_rate_per_s, config.cancel_burst)):  # fmt: skip
            bucket.refill(now_ms)
            bucket.rate_milli_per_ms = rate * m // 1_000
            bucket.burst_milli = burst * _MILLI
            bucket.tokens_milli = min(bucket.tokens_milli, bucket.burst_milli)

    def orders_allowed(self, now_ms: int, wanted: int, live_orders: int) -> int:
        """Orders that may be posted now: order tokens, and cancel room to take them all off again."""
        cancel_room = self.cancels.available(now_ms) - live_orders - 1
        return max(0, min(wanted, self.orders.available(now_ms), cancel_room))

    def cancels_allowed(self, now_ms: int, wanted: int, *, urgent: bool) -> int:
        """Ids that may be cancelled now; only urgent cancels may dig into the reserve."""
        available = self.cancels.available(now_ms)
        if not urgent:
            available -= self._reserve
        return max(0, min(wanted, available))

    def spend_orders(self, now_ms: int, n: int) -> None:
        self.orders.spend(now_ms, n)

    def spend_cancels(self, now_ms: int, n: int) -> None:
        """DELETE /orders costs one per id; cancel-all and cancel-market cost 1 + orders cancelled."""
        self.cancels.spend(now_ms, n)

    def on_rate_limited(self, bucket: Bucket, now_ms: int, retry_after_ms: int) -> None:
        bucket.refill(now_ms)
        bucket.tokens_milli = min(bucket.tokens_milli, 0)
        bucket.paused_until_ms = max(bucket.paused_until_ms, now_ms + retry_after_ms)

    def sync(self, bucket: Bucket, now_ms: int, remaining: int) -> None:
        """Trust the venue's ``Poly-RateLimit-Remaining`` when it says less than the mirror."""
        bucket.refill(now_ms)
        bucket.tokens_milli = min(bucket.tokens_milli, remaining * _MILLI)
