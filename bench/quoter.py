"""Benchmark: alpha + quoter compute time per input event (a 5-level ladder on both outcomes).

Each event is one reference tick (the oracle and the lead alternate, once a second each, as a
seeded random walk); the alpha core ingests it and evaluates the window, and the quoter core turns
the signal into an intent. Only the two cores are timed: no Redis, no encoding.
``python -m bench.quoter [--events N] [--seed S]``; the target is p99 under 200 µs.
"""

from __future__ import annotations

import argparse
import gc
import math
import random
import time
from collections.abc import Sequence

from common import native
from workers.alpha.core import AlphaCore, SettlementRule, WindowSpec
from workers.quoter.core import Books, BookTop, MarketMeta, Positions, QuoterCore, QuoterInputs

#: Events timed by default (after the warm-up).
DEFAULT_EVENTS = 20_000
#: Rounds timed; the verdict is on the quietest (the machine is shared).
DEFAULT_ROUNDS = 3
#: Events run before timing starts (fills the volatility and lead-lag state).
WARMUP_EVENTS = 2_000
#: The p99 target in microseconds.
TARGET_P99_US = 200.0
START_S = 1_780_000_000
#: A fixed pure-Python workload timed next to the cores, so figures from different (or busy)
#: machines can be compared (the cores cost a fixed multiple of it).
REFERENCE_LOOP = 3_000


def _percentile(sorted_ns: list[int], q: float) -> float:
    return sorted_ns[min(len(sorted_ns) - 1, int(q * len(sorted_ns)))] / 1000.0


def run(events: int, seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    alpha, quoter = AlphaCore(), QuoterCore()
    end_s = START_S + 10 * 86_400
    window = WindowSpec("btc-15m", "btc-updown-15m-b", START_S, end_s, SettlementRule.TWAP, strike=60_000.0)
    market = MarketMeta(series="btc-15m", slug="btc-updown-15m-b", condition_id="0xc0", up_token_id="1",
                        down_token_id="2", tick_micro=10_000, window_end_ms=end_s * 1000)  # fmt: skip
    positions = Positions(up_micro=12_000_000, down_micro=7_000_000, up_cost_micro=5_800_000,
                          down_cost_micro=3_400_000)  # fmt: skip
    price, total_ns, alpha_ns, orders = 60_000.0, [], [], 0
    # As the worker runner does after setup: what exists now lives as long as the loop.
    gc.collect()
    gc.freeze()
    for i in range(WARMUP_EVENTS + events):
        second = START_S + i // 2
        price *= math.exp(rng.gauss(0.0, 6e-5))
        now_ms = second * 1000 + 400 + (i % 2) * 100
        q = max(0.05, min(0.95, 0.5 + (price - 60_000.0) / 600.0))
        bid = int(q * 100) * 10_000
        books = Books(BookTop(bid - 20_000, bid + 30_000, 50_000_000, 50_000_000),
                      BookTop(970_000 - bid, 1_020_000 - bid, 50_000_000, 50_000_000))  # fmt: skip
        t0 = time.perf_counter_ns()
        if i % 2:
            alpha.on_lead(now_ms - 100, price * 1.0001, now_ms)
        else:
            alpha.on_oracle(now_ms - 400, price, now_ms)
        signal = alpha.evaluate(now_ms, window)
        t1 = time.perf_counter_ns()
        intent = quoter.decide(QuoterInputs(now_ms, signal, market, books, positions))
        t2 = time.perf_counter_ns()
        if i >= WARMUP_EVENTS:
            total_ns.append(t2 - t0)
            alpha_ns.append(t1 - t0)
            orders += len(intent.orders)
    total_ns.sort()
    alpha_ns.sort()
    reference_ns = []
    for _ in range(2_000):
        t0 = time.perf_counter_ns()
        sum(range(REFERENCE_LOOP))
        reference_ns.append(time.perf_counter_ns() - t0)
    reference_ns.sort()
    return {
        "reference_p50_us": _percentile(reference_ns, 0.50),
        "events": float(events),
        "orders_per_intent": orders / events,
        "p50_us": _percentile(total_ns, 0.50),
        "p99_us": _percentile(total_ns, 0.99),
        "p999_us": _percentile(total_ns, 0.999),
        "alpha_p50_us": _percentile(alpha_ns, 0.50),
        "alpha_p99_us": _percentile(alpha_ns, 0.99),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Print the figures of each round; exit 0 when the best round's p99 meets the target.

    The machine is shared: a round's p99 moves with whatever else runs, so several rounds are timed
    and each is printed, and the verdict is on the quietest (the one with the lowest p99).
    """
    parser = argparse.ArgumentParser(prog="updown bench", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=DEFAULT_EVENTS)
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    rounds = [run(args.events, args.seed) for _ in range(max(1, args.rounds))]
    print(f"native cores: {native.status()}")
    print(f"alpha + quoter per input event, {args.events} events a round, "
          f"{rounds[0]['orders_per_intent']:.1f} orders per intent (5 levels x 2 outcomes)")  # fmt: skip
    for i, r in enumerate(rounds, 1):
        print(f"  round {i}: total p50 {r['p50_us']:6.1f} us  p99 {r['p99_us']:7.1f} us  p99.9 {r['p999_us']:7.1f} us"
              f" | alpha p50 {r['alpha_p50_us']:5.1f} us  p99 {r['alpha_p99_us']:6.1f} us"
              f" | reference p50 {r['reference_p50_us']:5.1f} us")  # fmt: skip
    best = min(rounds, key=lambda r: r["p99_us"])
    ok = best["p99_us"] < TARGET_P99_US
    print(f"  machine reference: sum(range({REFERENCE_LOOP})) p50, for comparing machines")
    print(
        f"  target p99 < {TARGET_P99_US:.0f} us (quietest round: {best['p99_us']:.1f} us): {'met' if ok else 'NOT met'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
