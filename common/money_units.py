"""The unit every price and size travels in: integer micro-units (1e-6), as the venue's amounts."""

from __future__ import annotations

#: 1 pUSD, or 1 share, in micro-units.
MICRO = 1_000_000
