"""The emulator's world: prices, reference feeds, windows, resolution and background traders.

Everything here is a pure core: time comes from an injected clock (or an explicit ``now_ms``) and
randomness from seeded ``random.Random`` instances, so a seed reproduces a whole run.
"""
