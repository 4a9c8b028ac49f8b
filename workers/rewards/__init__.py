"""The rewards worker: which of our orders score for the liquidity rewards, what they earn, and
hints to the quoter. ``core`` is pure (no I/O); ``metrics`` holds its Prometheus series.
"""
