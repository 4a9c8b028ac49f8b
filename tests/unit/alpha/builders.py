"""An alpha core fed with a seeded oracle (and lead) path, for tests."""

from __future__ import annotations

import math
import random

from workers.alpha.core import AlphaCore, SettlementRule, WindowSpec

START_S = 1_780_000_000
END_S = START_S + 900
WINDOW = WindowSpec("btc-15m", "btc-updown-15m-1", START_S, END_S, SettlementRule.TWAP, strike=60_000.0)


def fed_core(seconds=600, sigma=5e-5, lead=True, seed=9, config=None, last_s=START_S + 600):
    core, rng, price = AlphaCore(config), random.Random(seed), 60_000.0
    for s in range(last_s - seconds, last_s + 1):
        price *= math.exp(rng.gauss(0.0, sigma))
        core.on_oracle(s * 1000, price, s * 1000 + 300)
        if lead:
            core.on_lead(s * 1000, price, s * 1000 + 50)
    return core, price
