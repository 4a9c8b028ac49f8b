"""Where the real recorded market data lives, and the skip for when it is absent.

The data sits in ``../shared/data`` beside the checkout (CI has it; a user's fresh clone does not).
It is read in place and never copied into the repository.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

#: The shared data folder; ``UPDOWN_SHARED_DATA`` overrides the default beside the checkout.
SHARED_DATA = Path(
    os.environ.get("UPDOWN_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)

needs_shared_data = pytest.mark.skipif(
    not SHARED_DATA.is_dir(),
    reason=f"real market data not found at {SHARED_DATA} (it sits in ../shared/data beside the checkout)",
)
