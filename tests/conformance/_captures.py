"""Where the real captures and fixtures are, and how a test reads one (in place, never copied)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from common.venue.convert import loads
from tests.shared_data import SHARED_DATA

#: The polymarket-ws folder of the shared data.
PM_WS = SHARED_DATA / "polymarket-ws"
CAPTURES_WS = PM_WS / "captures" / "ws"
CAPTURES_HTTP = PM_WS / "captures" / "http"
FIXTURES = PM_WS / "fixtures"
#: A receive time stamped on every parsed event, so that tests can check it is carried through.
RECV_MS = 1_800_000_000_123


def raw(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def obj(path: Path) -> Any:
    """The file decoded as the parsers decode frames (numbers as Decimal, never float)."""
    return loads(raw(path))
