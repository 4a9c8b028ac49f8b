"""After a sim run: nothing of ours left resting on the emulator, and the ledger's books equal
the emulator's record of our account to the micro-unit. The emulator is the venue's truth here."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx
import redis as sync_redis
from eth_account import Account

from common import state
from common.config import Settings

#: Order statuses that rest on the book.
RESTING = ("LIVE", "live", "DELAYED", "delayed")


@dataclass(frozen=True)
class Verdict:
    ok: bool
    lines: tuple[str, ...]


def compare(resting: int, venue_cash: int, venue_positions: dict[str, int], ledger_cash: int | None,
            ledger_positions: dict[str, int]) -> Verdict:  # fmt: skip
    """The pure verdict from what the emulator and the ledger say."""
    lines = [f"orders of ours still resting on the emulator: {resting}"]
    ok = resting == 0
    if ledger_cash is None:
        return Verdict(False, (*lines, "the ledger published no account position"))
    lines.append(f"cash: ledger {ledger_cash / 1e6:,.6f}  emulator {venue_cash / 1e6:,.6f}  "
                 f"difference {(ledger_cash - venue_cash) / 1e6:+,.6f}")  # fmt: skip
    ok &= ledger_cash == venue_cash
    tokens = sorted(set(venue_positions) | {t for t, n in ledger_positions.items() if n})
    wrong = [t for t in tokens if venue_positions.get(t, 0) != ledger_positions.get(t, 0)]
    lines.append(f"token positions: {len(tokens)} held, {len(wrong)} differ"
                 + "".join(f"\n  {t[:12]}... ledger {ledger_positions.get(t, 0)} emulator {venue_positions.get(t, 0)}"
                           for t in wrong))  # fmt: skip
    ok &= not wrong
    return Verdict(ok, tuple(lines))


def check(settings: Settings, redis_url: str) -> Verdict:
    key = settings.wallet.private_key
    api_key = settings.wallet.api_key
    if key is None or api_key is None:
        return Verdict(False, ("no wallet key or API key to look up on the emulator",))
    address = Account.from_key(key.get_secret_value()).address
    base = settings.venue.clob_url
    with httpx.Client(base_url=base, timeout=10) as http:
        orders = http.get("/sim/orders", params={"api_key": api_key.get_secret_value()}).json()["orders"]
        account = http.get(f"/sim/accounts/{address}").json()
    client = sync_redis.Redis.from_url(redis_url, socket_timeout=5)
    try:
        books = {k.decode(): json.loads(v) for k, v in client.hgetall(state.POSITIONS).items()}
    finally:
        client.close()
    ledger_cash = books.get("account", {}).get("cash_micro")
    ledger_positions: dict[str, int] = {}
    for name, position in books.items():
        for outcome in position.get("outcomes", []) if name != "account" else []:
            token = outcome["token_id"]
            ledger_positions[token] = ledger_positions.get(token, 0) + outcome["shares_micro"]
    resting = sum(1 for o in orders if o["status"] in RESTING)
    return compare(resting, int(account["cash_micro"]), _ints(account.get("positions_micro", {})), ledger_cash,
                   ledger_positions)  # fmt: skip


def _ints(raw: dict[str, Any]) -> dict[str, int]:
    return {k: int(v) for k, v in raw.items() if int(v)}
